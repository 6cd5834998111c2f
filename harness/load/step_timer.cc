#include "harness/load/step_timer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "harness/load/percentile.h"

namespace tbfault::load {

int64_t StepTimes::Percentile(double p) const { return NearestRank(ns_, p); }

StepCost CompareSteps(const StepTimes& with, const StepTimes& without) {
  StepCost c;
  if (with.size() == 0 || without.size() == 0) return c;
  c.added_us_p50 = static_cast<double>(with.p50() - without.p50()) / 1e3;
  c.added_us_p99 = static_cast<double>(with.p99() - without.p99()) / 1e3;
  if (static_cast<double>(without.p50()) >= kMinStepNsForPct && without.p99() > 0) {
    c.pct_p50 = (static_cast<double>(with.p50()) / static_cast<double>(without.p50()) - 1) * 100;
    c.pct_p99 = (static_cast<double>(with.p99()) / static_cast<double>(without.p99()) - 1) * 100;
  }
  return c;
}

int64_t StepTimes::total_ns() const { return std::accumulate(ns_.begin(), ns_.end(), int64_t{0}); }

double StepTimes::steps_per_second() const {
  const int64_t total = total_ns();
  return total > 0 ? static_cast<double>(ns_.size()) * 1e9 / static_cast<double>(total) : 0.0;
}

Status RunSteps(Workload& workload, int64_t first, int64_t steps, const SummarySink& sink,
                StepTimes* times) {
  using Clock = std::chrono::steady_clock;
  StepOutput out;
  times->Reserve(times->size() + static_cast<size_t>(steps));
  for (int64_t s = first; s < first + steps; ++s) {
    const Clock::time_point start = Clock::now();
    Status status = workload.Step(s, &out);
    if (status.ok() && sink && !out.empty()) status = sink(out);
    times->Add(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
    if (!status.ok()) return status;
  }
  Status status = workload.Drain(&out);
  if (status.ok() && sink && !out.empty()) status = sink(out);
  return status;
}

}  // namespace tbfault::load
