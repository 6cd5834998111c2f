#include "harness/runner/train_overhead.h"

#include <chrono>
#include <memory>
#include <vector>

#include "harness/load/alternating.h"
#include "harness/runner/step_forwarder.h"

namespace tbfault::runner {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NsSince(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
}

// Hands a step's summaries to the writer (StepForwarder, as the scenario driver does) and times
// the calls.
class WriterSink {
 public:
  WriterSink(writers::EventWriter* w, TrainMeasurement* m) : adds_(w), forward_(&adds_), m_(m) {}
  Status operator()(const load::StepOutput& out) {
    auto t0 = Clock::now();
    Status first = forward_.Forward(out, out.step);
    m_->events += out.num_values();
    m_->in_writer_ns += NsSince(t0);
    m_->add_errors += first.ok() ? 0 : 1;
    return Status::Ok();  // the writer's errors are counted, not a reason to stop training.
  }

 private:
  WriterAdds adds_;
  StepForwarder<WriterAdds> forward_;
  TrainMeasurement* m_;
};

}  // namespace

Status MeasureTrainOverhead(const load::LoadProfile& profile, const TrainOptions& options,
                            writers::EventWriter* writer, TrainMeasurement* out) {
  *out = TrainMeasurement();
  std::unique_ptr<load::Workload> workloads[3];
  for (auto& w : workloads) {
    std::string note;
    if (Status s = load::MakeWorkload(profile, options.workload, &w, &note); !s.ok()) {
      (void)writer->Close();
      return s;
    }
    if (out->note.empty()) out->note = note;
  }
  out->device = workloads[kWriter]->device();
  WriterSink writer_sink(writer, out);
  double noop_sum = 0;
  std::vector<load::Way> ways = {
      {workloads[kDisabled].get(), load::SummarySink(), &out->times[kDisabled]},
      {workloads[kNoop].get(), load::NoopSink(&noop_sum), &out->times[kNoop]},
      {workloads[kWriter].get(), [&](const load::StepOutput& o) { return writer_sink(o); },
       &out->times[kWriter]}};
  if (Status s = load::RunAlternating(ways, 0, options.steps, options.rounds); !s.ok()) {
    (void)writer->Close();
    return s;
  }
  auto t0 = Clock::now();
  out->closed = writer->Close();
  out->close_ns = NsSince(t0);
  out->counters = writer->counters();
  volatile double keep = noop_sum;  // the no-op sink's reads must not be optimised away.
  (void)keep;
  return Status::Ok();
}

}  // namespace tbfault::runner
