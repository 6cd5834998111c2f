// JudgeLive: the live verdict classes and figures (DESIGN.md sections 5 and 8) of a scenario whose
// logdir a live reader polled while the job ran (live_view.h), judged after the final verdict
// (judge.h). Per logged event and profile:
//   retracted  the live reader showed it, and later dropped it (evicted in load order, purged), or
//              a reader started after the run cannot reach it (its final class is hidden).
//   late       no live cycle showed it while its writer process ran, though a cycle started after
//              its add call and ended before the process exited: first shown by a cycle after
//              the exit, or only by a reader started after the run (never live). (An event added
//              less than a cycle before the exit had no live chance: not late.)
//   lag        first shown - the add call's return (ms; ledger t_ns and cycle times share the
//              steady clock); in steps: the job's step then (the step of the last add before it,
//              from the ledger) - the event's step, at least 0.
//   stale      the longest time nothing new was shown while an event that would be shown was
//              already accepted.
// A scenario bounds lag per profile (expect.max_lag_ms): an event over it, or late and never
// live, fails the profile. Live counts go into ProfileJudgement::counts; EventVerdict entries of
// the live classes are appended to ProfileJudgement::verdicts, the first 3 of each (examples).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/judge.h"
#include "harness/core/ledger.h"
#include "harness/core/live_view.h"
#include "harness/core/scenario.pb.h"

namespace tbfault::core {

// When each writer process stopped running its writers: its events are those with seq <=
// last_seq (and above the previous process's); `end_ns` (steady clock) is when its final close
// began, or when the runner saw it exit if it never closed (a crash).
struct ProcessEnd {
  uint64_t last_seq = 0;
  uint64_t end_ns = 0;
};

struct LiveJudgement {
  Profile profile = Profile::kStrict;
  uint64_t seen_live = 0;   // events some live cycle showed.
  uint64_t late = 0;        // as counts[kLate] ...
  uint64_t never_live = 0;  // ... of which no live cycle showed (only a fresh reader).
  uint64_t retracted = 0;
  std::optional<double> lag_ms_p50, lag_ms_p99, lag_ms_max;
  std::optional<double> lag_steps_p50, lag_steps_p99, lag_steps_max;
  std::optional<double> stale_ms_max;
  bool met = true;    // the profile's lag bound (if any) holds.
  std::string unmet;  // why not: "tb-rust lag_ms_max: expected <= 500, got 1830".
};

// What the live reader's profiles showed at its end (after its last cycle), by profile and run;
// null for a run it never read. A power cut freezes the mount, so these views keep what was shown
// before the cut: an event the final read finds lost (its record gone, so no file and offset to
// look up in the LiveRecord) is matched to a point of them by tag, step and value, and when one
// was shown live it is `retracted` — the user saw it, and it is gone.
using LiveViews = std::function<const RunView*(Profile, const std::string& run)>;

// Judges every profile of `verdict` (its judgements, as JudgeLogdir made them) against `live`
// (and `views`, may be null); updates the judgements' counts, verdicts (examples), `met` and
// `unmet` (the scenario's expectations re-checked with the live counts, and its lag bounds).
// `scenario` may be null (no bound, no expectation).
std::vector<LiveJudgement> JudgeLive(const std::vector<LoggedEvent>& events,
                                     const std::vector<ProcessEnd>& ends, const LiveRecord& live,
                                     const scenario::Scenario* scenario, ScenarioVerdict* verdict,
                                     const LiveViews& views = nullptr);

}  // namespace tbfault::core
