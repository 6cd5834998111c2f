// SlowWriter: our SummaryWriter slowed on purpose, to prove that the speed gate (reports/gate.h,
// bench/gate_bench.cc) catches a slower writer. Correct in every other way: it forwards every call.
//
//   name           slowdown
//   slow-add-1us   every add call busy-waits 1 us on the steady clock after the writer's add.
//   slow-30pct     its calls (add, flush, sync, close) cost 1.3x the writer's own time, over
//                  many calls: flush, sync, close and one add in 7 are timed on the steady clock
//                  (a timed add standing for 7) and 30% of that is repaid by busy-waiting. The
//                  clock reads' own cost (calibrated when made) is booked against that debt, so
//                  the slowdown is 30%, not 30% plus the timing. In wall time: on a loaded
//                  machine a busy-wait preempted part-way repays its debt while descheduled, so
//                  in CPU time it slows long calls less (every-event's adds, a write each: -3% to
//                  +27% in bench/gate_bench.cc under load 8-17 on 2 cores; buffered +32% to
//                  +54%, async +28% to +58%).
//
// Spec (writer_factory.h): "mutant:<name>[:<policy spec>]", the policy "buffered" by default:
// "mutant:slow-30pct:async:queue=1024" slows an async writer. Busy-waiting, never sleeping: a sleep
// would give the core away and be rounded up to the scheduler's tick.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "writers/event_writer.h"

namespace tbfault::writers {

// Whether `name` ("slow-add-1us:buffered") names a slow mutant and its policy parses.
Status CheckSlowWriterSpec(std::string_view name);
// Makes the slow mutant `name` (as above: after "mutant:") writing into run_dir.
Status MakeSlowWriter(std::string_view name, const std::string& run_dir,
                      std::unique_ptr<EventWriter>* out);

class SlowWriter final : public EventWriter {
 public:
  enum class Kind { kAdd1us, kThirtyPercent };

  SlowWriter(std::unique_ptr<EventWriter> inner, Kind kind);

  TagId Tag(std::string_view name) override { return inner_->Tag(name); }
  using EventWriter::AddScalar;
  Status AddScalar(TagId tag, int64_t step, float value) override;
  Status AddHistogram(TagId tag, int64_t step, std::span<const double> values) override;
  Status AddHistogramBuckets(TagId tag, int64_t step,
                             std::span<const format::HistogramBucket> buckets) override;
  Status AddImage(TagId tag, int64_t step, std::span<const uint8_t> pixels, int height, int width,
                  int channels) override;
  Status AddText(TagId tag, int64_t step, std::string_view text) override;
  Status Flush() override;
  Status Sync() override;
  Status Close() override;

  Watermarks watermarks() const override { return inner_->watermarks(); }
  Counters counters() const override { return inner_->counters(); }
  std::string current_file() const override { return inner_->current_file(); }
  std::string text_tag_suffix() const override { return inner_->text_tag_suffix(); }
  void set_failed_callback(FailedCallback cb) override { inner_->set_failed_callback(cb); }
  void set_error_callback(ErrorCallback cb) override { inner_->set_error_callback(cb); }

  // How long it has busy-waited so far (what it added, less the clock reads).
  std::chrono::nanoseconds busy_waited() const { return busy_; }

 private:
  using Clock = std::chrono::steady_clock;
  // Runs f (the writer's call) and slows it as the kind says.
  template <typename F>
  Status Slowed(bool is_add, F&& f);

  std::unique_ptr<EventWriter> inner_;
  const Kind kind_;
  Clock::duration clock_pair_{};  // what two clock reads cost, at the median.
  Clock::duration debt_{};        // kThirtyPercent: time owed (negative: overpaid by timing).
  std::chrono::nanoseconds busy_{};
  uint64_t adds_ = 0;
};

}  // namespace tbfault::writers
