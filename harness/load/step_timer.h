// Step timing: per-step wall-time samples and their percentiles, and RunSteps, which drives a
// Workload for N steps handing each step's summaries to a callback (the writer under test, a no-op,
// or nothing when logging is disabled). A step's time is Step() plus the callback, measured with
// steady_clock; Drain() at the end is not timed. Comparing writer / no-op / disabled is the
// caller's job.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "format/status.h"
#include "harness/load/step_output.h"
#include "harness/load/workload.h"

namespace tbfault::load {

class StepTimes {
 public:
  void Reserve(size_t n) { ns_.reserve(n); }
  void Add(int64_t ns) { ns_.push_back(ns); }
  const std::vector<int64_t>& samples() const { return ns_; }
  size_t size() const { return ns_.size(); }
  // Nearest-rank percentile (p in [0, 100]) of the samples, in ns; 0 when there are none.
  int64_t Percentile(double p) const;
  int64_t p50() const { return Percentile(50); }
  int64_t p99() const { return Percentile(99); }
  int64_t total_ns() const;
  double steps_per_second() const;

 private:
  std::vector<int64_t> ns_;
};

// What a writer adds to a step (DESIGN.md section 8, step_added_us): each percentile of the step
// time with the writer minus the same percentile without logging, in us; and the same as a
// percentage of the step without logging, only where that step's p50 is at least
// kMinStepNsForPct (1 ms): below it a few microseconds read as hundreds of percent.
constexpr double kMinStepNsForPct = 1e6;
struct StepCost {
  std::optional<double> added_us_p50, added_us_p99;  // absent without samples on either side.
  std::optional<double> pct_p50, pct_p99;            // absent for steps shorter than 1 ms.
};
StepCost CompareSteps(const StepTimes& with, const StepTimes& without);

// Called with each step's values; an error stops the run and is returned.
using SummarySink = std::function<Status(const StepOutput&)>;

// Runs steps [first, first + steps) then Drain(); `sink` may be empty (logging disabled: values are
// still produced, so the model's cost is the same, but nothing is handed on). `times` gets one
// sample per step.
Status RunSteps(Workload& workload, int64_t first, int64_t steps, const SummarySink& sink,
                StepTimes* times);

}  // namespace tbfault::load
