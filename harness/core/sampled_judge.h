// Downsampled verdicts (DESIGN.md section 5, FINDINGS.md D1, D2): TensorBoard keeps at most K
// points of a series (per plugin, --samples_per_plugin; downsample.h has the measured defaults),
// always the last one. An event a profile would show (visible) but the chart does not is
// `downsampled`; the rest stay visible. Strict keeps everything.
// Which points: each series' records are replayed, in the order its loader read them (the points
// the profile shows and those it read and then purged or evicted; tb-python's purges at their
// purging record), through that loader's seeded reservoir and the route's own downsampling
// (downsample_reservoir.h), so the downsampled events are exactly those real TensorBoard drops
// (FINDINGS.md D2: every kind, both loaders, step for step). Not replayed: values a loader takes
// into its reservoir but does not show (a tb-rust profile drop such as DT_DOUBLE), which would
// hold a slot there.
#pragma once

#include <vector>

#include "harness/core/downsample.h"
#include "harness/core/ledger.h"
#include "harness/core/profile.h"
#include "harness/core/verdict.h"

namespace tbfault::core {

// Reclassifies `j`'s visible events (verdicts and counts) as above; `events` are the ledger's
// (numbered 1.. in order), `view` is the profile's (j->profile's) view the verdicts came from;
// `spec` overrides the defaults.
void JudgeDownsampling(const std::vector<LoggedEvent>& events, const ProfileView& view,
                       const SamplesSpec& spec, ProfileJudgement* j);

}  // namespace tbfault::core
