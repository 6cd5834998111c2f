#include "harness/runner/recorder.h"

#include "format/png.h"
#include "harness/core/value.h"

namespace tbfault::runner {

using Clock = std::chrono::steady_clock;

namespace {
// The machine's steady clock (CLOCK_MONOTONIC), which the runner's live reader shares.
uint64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}
}  // namespace

Recorder::Recorder(writers::EventWriter* writer, core::LedgerWriter* ledger, std::string run,
                   bool digests)
    : writer_(writer), ledger_(ledger), run_(std::move(run)), digests_(digests) {
  add_ns_.reserve(1 << 16);
  writer_->set_failed_callback(
      [ledger](uint64_t first, uint64_t last, int err) { ledger->AddFailed(first, last, err); });
}

uint32_t Recorder::Tag(std::string_view name, bool text) {
  std::string on_disk(name);
  if (text) on_disk += writer_->text_tag_suffix();
  tags_.push_back({writer_->Tag(name), ledger_->Series(run_, on_disk)});
  return static_cast<uint32_t>(tags_.size() - 1);
}

template <typename AddFn>
Status Recorder::Add(uint32_t tag, int64_t step, core::Kind kind, double number, uint64_t digest,
                     uint32_t width, uint32_t height, uint32_t bytes, AddFn add) {
  const TagIds& ids = tags_[tag];
  ledger_->Stage(ids.series, step, kind, number, digest, width, height, bytes, NowNs());
  bool timed = (adds_++ & 7) == 0;
  Clock::time_point t0 = timed ? Clock::now() : Clock::time_point();
  Status s = add(ids.writer);
  if (timed && add_ns_.size() < add_ns_.capacity()) {
    add_ns_.push_back(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
  }
  if (!s.ok()) add_errors_++;
  // The writer numbers accepted adds 1, 2, 3, ...; a refused add got no number and is not
  // recorded (its error reached the caller, which is all the contract asks).
  writers::Watermarks m = writer_->watermarks();
  if (m.accepted > accepted_) {
    // The steady clock is the machine's (CLOCK_MONOTONIC): the runner's live reader times what
    // it sees on the same clock, in another process.
    const uint64_t t_ns = NowNs();
    for (; accepted_ < m.accepted; ++accepted_) {
      ledger_->Append(ids.series, step, kind, number, digest, width, height, bytes, t_ns);
    }
  }
  ledger_->SetWatermarks(m.accepted, m.written, m.flushed, m.synced);
  ledger_->Settle();
  return s;
}

void Recorder::Publish() {
  writers::Watermarks m = writer_->watermarks();
  ledger_->SetWatermarks(m.accepted, m.written, m.flushed, m.synced);
}

Status Recorder::Scalar(uint32_t tag, int64_t step, float value) {
  return Add(tag, step, core::Kind::kScalar, value, 0, 0, 0, 4,
             [&](writers::TagId id) { return writer_->AddScalar(id, step, value); });
}

Status Recorder::Histogram(uint32_t tag, int64_t step,
                           std::span<const format::HistogramBucket> buckets) {
  double total = 0;
  double counts[256];
  size_t n = std::min<size_t>(buckets.size(), 256);
  for (size_t i = 0; i < n; ++i) {
    counts[i] = buckets[i].count;
    total += buckets[i].count;
  }
  uint64_t digest = digests_ ? core::DigestCounts(counts, n) : 0;
  return Add(tag, step, core::Kind::kHistogram, total, digest, 0, 0,
             static_cast<uint32_t>(buckets.size() * 24),
             [&](writers::TagId id) { return writer_->AddHistogramBuckets(id, step, buckets); });
}

Status Recorder::Image(uint32_t tag, int64_t step, std::span<const uint8_t> pixels, int height,
                       int width, int channels) {
  uint64_t digest = 0;
  if (digests_ && format::EncodePng(pixels, height, width, channels, &png_).ok()) {
    digest = core::Digest(png_);
  }
  return Add(tag, step, core::Kind::kImage, 0, digest, static_cast<uint32_t>(width),
             static_cast<uint32_t>(height), static_cast<uint32_t>(pixels.size()),
             [&](writers::TagId id) {
               return writer_->AddImage(id, step, pixels, height, width, channels);
             });
}

Status Recorder::Text(uint32_t tag, int64_t step, std::string_view text) {
  return Add(tag, step, core::Kind::kText, 0, core::Digest(text), 0, 0,
             static_cast<uint32_t>(text.size()),
             [&](writers::TagId id) { return writer_->AddText(id, step, text); });
}

Status Recorder::Flush() {
  Status s = writer_->Flush();
  Publish();
  return s;
}

Status Recorder::Sync() {
  Status s = writer_->Sync();
  Publish();
  return s;
}

Status Recorder::ExitWithoutClose() {
  Status s = writer_->ExitWithoutClose();
  Publish();
  return s;
}

Status Recorder::Close() {
  Status s = writer_->Close();
  Publish();
  if (s.ok()) ledger_->MarkClosedCleanly();
  return s;
}

}  // namespace tbfault::runner
