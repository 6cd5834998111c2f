// Downsampled verdicts (DESIGN.md section 5, FINDINGS.md D1): TensorBoard keeps at most K points
// of a series (per plugin, --samples_per_plugin; downsample.h has the measured defaults), always
// the last one. An event a profile would show (visible) but its reservoir does not keep is
// `downsampled`. We model the counts, not the reservoir's seeded choice: in a (run, tag) series
// with M points shown (visible, corrupt, duplicate, phantom) and K kept, max(0, M - K) of its
// visible events are downsampled — the earliest logged, never the series' last visible event —
// and the rest stay visible. Strict keeps everything.
#pragma once

#include <vector>

#include "harness/core/downsample.h"
#include "harness/core/ledger.h"
#include "harness/core/verdict.h"

namespace tbfault::core {

// Reclassifies `j`'s visible events (verdicts and counts) as above; `events` are the ledger's
// (numbered 1.. in order), giving each series its kind; `spec` overrides the defaults.
void JudgeDownsampling(const std::vector<LoggedEvent>& events, const SamplesSpec& spec,
                       ProfileJudgement* j);

}  // namespace tbfault::core
