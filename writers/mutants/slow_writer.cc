#include "writers/mutants/slow_writer.h"

#include <algorithm>
#include <array>

#include "writers/policy.h"
#include "writers/summary_writer.h"

namespace tbfault::writers {
namespace {

constexpr std::string_view kDefaultPolicy = "buffered";
constexpr uint64_t kSampleEvery = 7;  // prime to the 16 tags a benchmark cycles through.

// Splits "slow-add-1us:async:queue=8" into the kind and the policy spec.
Status Parse(std::string_view name, SlowWriter::Kind* kind, std::string* policy) {
  size_t colon = name.find(':');
  std::string_view head = name.substr(0, colon);
  if (head == "slow-add-1us") {
    *kind = SlowWriter::Kind::kAdd1us;
  } else if (head == "slow-30pct") {
    *kind = SlowWriter::Kind::kThirtyPercent;
  } else {
    return Status::Invalid("unknown mutant '" + std::string(name) +
                           "' (slow mutants: slow-add-1us, slow-30pct)");
  }
  *policy = colon == std::string_view::npos ? std::string(kDefaultPolicy)
                                            : std::string(name.substr(colon + 1));
  Policy unused;
  return ParsePolicy(*policy, &unused);
}

// Returns the clock when it ended.
std::chrono::steady_clock::time_point SpinUntil(std::chrono::steady_clock::time_point end) {
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    if (now >= end) return now;
  }
}

}  // namespace

Status CheckSlowWriterSpec(std::string_view name) {
  SlowWriter::Kind kind;
  std::string policy;
  return Parse(name, &kind, &policy);
}

Status MakeSlowWriter(std::string_view name, const std::string& run_dir,
                      std::unique_ptr<EventWriter>* out) {
  SlowWriter::Kind kind;
  std::string policy;
  if (Status s = Parse(name, &kind, &policy); !s.ok()) return s;
  std::unique_ptr<SummaryWriter> inner;
  Status s = SummaryWriter::Create({run_dir, policy, ""}, &inner);
  if (inner) *out = std::make_unique<SlowWriter>(std::move(inner), kind);
  return s;
}

SlowWriter::SlowWriter(std::unique_ptr<EventWriter> inner, Kind kind)
    : inner_(std::move(inner)), kind_(kind) {
  std::array<Clock::duration, 101> reads;
  for (auto& r : reads) {
    Clock::time_point t0 = Clock::now();
    r = Clock::now() - t0;
  }
  std::nth_element(reads.begin(), reads.begin() + reads.size() / 2, reads.end());
  clock_pair_ = 2 * reads[reads.size() / 2];
}

template <typename F>
Status SlowWriter::Slowed(bool is_add, F&& f) {
  if (kind_ == Kind::kAdd1us) {
    Status s = f();
    if (is_add) {
      Clock::time_point t0 = Clock::now();
      busy_ += SpinUntil(t0 + std::chrono::microseconds(1)) - t0;
    }
    return s;
  }
  // Adds are timed one in kSampleEvery (two clock reads, ~40 ns here, are more than 30% of a
  // buffered add); a timed add stands for the kSampleEvery adds around it.
  if (is_add && ++adds_ % kSampleEvery != 0) return f();
  const int weight = is_add ? kSampleEvery : 1;
  Clock::time_point t0 = Clock::now();
  Status s = f();
  Clock::time_point t1 = Clock::now();
  // The interval holds the call and about one clock read; the call costs us two reads besides.
  Clock::duration work = t1 - t0 - clock_pair_ / 2;
  debt_ += work * 3 * weight / 10 - clock_pair_;
  if (debt_ > Clock::duration::zero()) {
    Clock::duration spun = SpinUntil(t1 + debt_) - t1;
    debt_ -= spun;
    busy_ += spun;
  }
  return s;
}

Status SlowWriter::AddScalar(TagId tag, int64_t step, float value) {
  return Slowed(true, [&] { return inner_->AddScalar(tag, step, value); });
}
Status SlowWriter::AddHistogram(TagId tag, int64_t step, std::span<const double> values) {
  return Slowed(true, [&] { return inner_->AddHistogram(tag, step, values); });
}
Status SlowWriter::AddHistogramBuckets(TagId tag, int64_t step,
                                       std::span<const format::HistogramBucket> buckets) {
  return Slowed(true, [&] { return inner_->AddHistogramBuckets(tag, step, buckets); });
}
Status SlowWriter::AddImage(TagId tag, int64_t step, std::span<const uint8_t> pixels, int height,
                            int width, int channels) {
  return Slowed(true, [&] { return inner_->AddImage(tag, step, pixels, height, width, channels); });
}
Status SlowWriter::AddText(TagId tag, int64_t step, std::string_view text) {
  return Slowed(true, [&] { return inner_->AddText(tag, step, text); });
}
Status SlowWriter::Flush() {
  return Slowed(false, [&] { return inner_->Flush(); });
}
Status SlowWriter::Sync() {
  return Slowed(false, [&] { return inner_->Sync(); });
}
Status SlowWriter::Close() {
  return Slowed(false, [&] { return inner_->Close(); });
}

}  // namespace tbfault::writers
