// Results as TensorBoard event files, so a user browses benchmark and suite history in TensorBoard.
// Each call appends one point (at `step`, e.g. a run index or a unix time) by writing one new event
// file per run directory:
//   LOGDIR/<scenario name>/   tags passed, duration_s, figures/<figure>, violations/<profile>,
//                             visible/<profile>, loss_window_events/<profile>,
//                             loss_window_s/<profile>
//   LOGDIR/benchmarks/        tags <run_name>/<metric>_median for real_time (in ns) and the
//   counters
//                             the gate compares (gate.h), medians over repetitions.
// Scenario names become nested run directories ("a/b" is run a/b); "." and ".." components become
// "_". Scalars are modern rank-0 DT_FLOAT tensors with the scalars plugin metadata
// (format/events.h).
#pragma once

#include <cstdint>
#include <string>

#include "format/status.h"
#include "reports/results.h"

namespace tbfault::reports {

Status WriteResultsEvents(const Results& results, const std::string& logdir, int64_t step,
                          double wall_time);

}  // namespace tbfault::reports
