// RunAlternating: the one way the harness measures a step with and without logging. The same steps
// run several ways (logging disabled, the no-op sink, the writer under test), each way on its own
// Workload made from the same profile and seed, in `rounds` alternating rounds of consecutive steps,
// so that drift (clock, heat, a neighbour's load) hits every way alike. Each round ends in Drain()
// (RunSteps), so a GPU workload that runs a step ahead of its values has finished before the next
// way runs: no two ways share the device at once. Used by the scenario driver (disabled and no-op
// baselines) and by MeasureTrainOverhead (`tbfault train`, `bench-policies`: the three ways).
#pragma once

#include <cstdint>
#include <vector>

#include "format/status.h"
#include "harness/load/step_timer.h"
#include "harness/load/workload.h"

namespace tbfault::load {

// Rounds per measurement unless a caller says otherwise (`tbfault train --rounds`).
constexpr int64_t kDefaultRounds = 5;

struct Way {
  Workload* workload;
  SummarySink sink;  // empty: logging disabled.
  StepTimes* times;  // one sample per step.
};

// Runs steps [first, first + steps) on every way, split into `rounds` rounds (at least 1, at most
// `steps`); round r runs its steps on way 0, then way 1, ... The first error stops it.
Status RunAlternating(const std::vector<Way>& ways, int64_t first, int64_t steps, int64_t rounds);

// What a no-op writer does: reads every value (StepOutput::ReadEveryValue) into `*sum`, which the
// caller keeps so that the reads cannot be optimised away, and writes nothing.
SummarySink NoopSink(double* sum);

}  // namespace tbfault::load
