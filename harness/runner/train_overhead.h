// MeasureTrainOverhead: a writer's cost to a real training step (DESIGN.md section 8:
// step_added_us). Runs a harness/load workload three ways in one process through load::RunAlternating
// (the scenario driver's baselines use the same routine): logging disabled, the no-op sink (reads
// every value, writes nothing), and the writer under test. Each way trains its own model from the
// same seed. Then closes the writer (timed). Used by `tbfault train` and `tbfault bench-policies`.
#pragma once

#include <cstdint>
#include <string>

#include "format/status.h"
#include "harness/load/alternating.h"
#include "harness/load/profile.h"
#include "harness/load/step_timer.h"
#include "harness/load/workload.h"
#include "writers/event_writer.h"

namespace tbfault::runner {

struct TrainOptions {
  int64_t steps = 5000;                   // per way.
  int64_t rounds = load::kDefaultRounds;  // the steps are split into this many alternating rounds.
  load::WorkloadOptions workload;
};

enum TrainMode { kDisabled = 0, kNoop = 1, kWriter = 2 };  // also the order of the rounds.
constexpr const char* kTrainModeNames[3] = {"disabled", "noop", "writer"};

struct TrainMeasurement {
  load::StepTimes times[3];  // indexed by TrainMode.
  std::string device;        // the workload's device ("cpu", "gpu <name>").
  std::string note;          // why the workload fell back to the CPU, if it did.
  uint64_t events = 0;       // values handed to the writer.
  int64_t in_writer_ns = 0;  // time inside the writer's add calls.
  uint64_t add_errors = 0;   // steps where an add returned an error (counted, training goes on).
  int64_t close_ns = 0;
  Status closed;               // what Close() returned.
  writers::Counters counters;  // after Close.

  // What the writer adds to a step over logging disabled (load::CompareSteps: us, and % only for
  // steps of at least 1 ms).
  load::StepCost cost() const { return load::CompareSteps(times[kWriter], times[kDisabled]); }
  // The writer lost events (Close failed, events reported failed, or adds returned errors).
  bool lost() const { return !closed.ok() || counters.failed > 0 || add_errors > 0; }
};

// Runs `profile` with `writer` (not yet used; closed on return). An error of the workload (bad
// profile, no GPU when asked for one) is returned; the writer's own errors are counted in `out`.
Status MeasureTrainOverhead(const load::LoadProfile& profile, const TrainOptions& options,
                            writers::EventWriter* writer, TrainMeasurement* out);

}  // namespace tbfault::runner
