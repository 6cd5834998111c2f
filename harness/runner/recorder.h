// Recorder: stands between a workload and the writer under test and keeps the ledger exact
// (DESIGN.md section 4). Each add goes to the writer; when the writer gave it a sequence number
// (watermarks().accepted moved), the event is appended to the ledger with the value it was asked
// to log, then the writer's watermarks are published to the ledger. Lost events reported through
// the writer's failed callback go to the ledger as they happen. One Recorder per writer; adds
// come from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "format/events.h"
#include "format/status.h"
#include "harness/core/ledger.h"
#include "writers/event_writer.h"

namespace tbfault::runner {

class Recorder {
 public:
  // `digests`: compute digests of histogram counts, PNG bytes and text, as our writers encode them
  // (false for writers whose encoding we do not know, e.g. external ones: then only the shape and
  // totals are compared).
  Recorder(writers::EventWriter* writer, core::LedgerWriter* ledger, std::string run, bool digests);

  // Interns a tag in the writer and a series in the ledger; returns the recorder's id for it.
  // `text`: a text tag, recorded under the name the writer puts on disk.
  uint32_t Tag(std::string_view name, bool text = false);

  Status Scalar(uint32_t tag, int64_t step, float value);
  Status Histogram(uint32_t tag, int64_t step, std::span<const format::HistogramBucket> buckets);
  Status Image(uint32_t tag, int64_t step, std::span<const uint8_t> pixels, int height, int width,
               int channels);
  Status Text(uint32_t tag, int64_t step, std::string_view text);
  Status Flush();
  Status Sync();
  Status Close();  // marks the ledger closed cleanly when the writer's Close() returned OK.
  // The program ends without closing the writer (EventWriter::ExitWithoutClose); the ledger keeps
  // the watermarks it reached, and is not marked closed.
  Status ExitWithoutClose();

  uint64_t adds() const { return adds_; }
  uint64_t add_errors() const { return add_errors_; }
  // Sampled durations of add calls (every 8th call), in ns.
  const std::vector<int64_t>& add_ns_samples() const { return add_ns_; }

 private:
  struct TagIds {
    writers::TagId writer;
    uint32_t series;
  };
  template <typename AddFn>
  Status Add(uint32_t tag, int64_t step, core::Kind kind, double number, uint64_t digest,
             uint32_t width, uint32_t height, uint32_t bytes, AddFn add);
  void Publish();

  writers::EventWriter* writer_;
  core::LedgerWriter* ledger_;
  const std::string run_;
  const bool digests_;
  std::vector<TagIds> tags_;
  uint64_t accepted_ = 0;
  uint64_t adds_ = 0;
  uint64_t add_errors_ = 0;
  std::vector<int64_t> add_ns_;
  std::string png_;
};

}  // namespace tbfault::runner
