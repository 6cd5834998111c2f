// StepForwarder: hands one training step's values (load::StepOutput) to a sink as the writer's add
// calls — the one place a histogram's buckets, an image's size and the tag cache are made — used
// by the scenario driver (drive.cc, through the Recorder that keeps the ledger) and by `tbfault
// train` (train_overhead.cc, the writer itself through WriterAdds).
//
// A Sink has: uint32_t Tag(std::string_view name, bool text); and Status Scalar(id, step, float),
// Histogram(id, step, span<const HistogramBucket>), Image(id, step, span<const uint8_t> pixels,
// height, width, channels), Text(id, step, string_view). Tags are interned once per sink, keyed
// by the workload's stable tag views (StepOutput's contract). Every value is handed on even after
// an add failed (a training program goes on); Forward returns the first error.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <unordered_map>

#include "format/events.h"
#include "format/status.h"
#include "harness/load/step_output.h"
#include "writers/event_writer.h"

namespace tbfault::runner {

template <typename Sink>
class StepForwarder {
 public:
  explicit StepForwarder(Sink* sink) : sink_(sink) {}

  Status Forward(const load::StepOutput& out, int64_t step) {
    Status first;
    auto keep = [&first](Status s) {
      if (!s.ok() && first.ok()) first = std::move(s);
    };
    for (const auto& v : out.scalars) keep(sink_->Scalar(Tag(v.tag, false), step, v.value));
    for (const auto& h : out.histograms) {
      format::HistogramBucket b[load::kHistogramBuckets];
      for (int i = 0; i < load::kHistogramBuckets; ++i) b[i] = {h.Left(i), h.Right(i), h.counts[i]};
      keep(sink_->Histogram(Tag(h.tag, false), step, b));
    }
    for (const auto& im : out.images) {
      const size_t n = static_cast<size_t>(im.height) * im.width * im.channels;
      keep(
          sink_->Image(Tag(im.tag, false), step, {im.pixels, n}, im.height, im.width, im.channels));
    }
    for (const auto& t : out.texts) keep(sink_->Text(Tag(t.tag, true), step, t.text));
    return first;
  }

 private:
  uint32_t Tag(std::string_view name, bool text) {
    auto [it, fresh] = tags_.try_emplace(name.data(), 0);
    if (fresh) it->second = sink_->Tag(name, text);
    return it->second;
  }

  Sink* sink_;
  std::unordered_map<const char*, uint32_t> tags_;
};

// A writer as a Sink (no ledger): `tbfault train`'s way of logging.
class WriterAdds {
 public:
  explicit WriterAdds(writers::EventWriter* w) : w_(w) {}
  uint32_t Tag(std::string_view name, bool /*text*/) { return w_->Tag(name); }
  Status Scalar(uint32_t tag, int64_t step, float v) { return w_->AddScalar(tag, step, v); }
  Status Histogram(uint32_t tag, int64_t step, std::span<const format::HistogramBucket> b) {
    return w_->AddHistogramBuckets(tag, step, b);
  }
  Status Image(uint32_t tag, int64_t step, std::span<const uint8_t> pixels, int height, int width,
               int channels) {
    return w_->AddImage(tag, step, pixels, height, width, channels);
  }
  Status Text(uint32_t tag, int64_t step, std::string_view text) {
    return w_->AddText(tag, step, text);
  }

 private:
  writers::EventWriter* w_;
};

}  // namespace tbfault::runner
