#include "harness/load/step_timer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace tbfault::load {

int64_t StepTimes::Percentile(double p) const {
  if (ns_.empty()) return 0;
  std::vector<int64_t> sorted = ns_;
  std::sort(sorted.begin(), sorted.end());
  const double rank =
      std::ceil(std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(sorted.size()));
  const size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
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
