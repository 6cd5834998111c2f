// JudgeLogdir: the runner's one call after a scenario's writer is gone — read the logdir with every
// profile, judge every ledger event under each (verdict.h), and check the scenario's expectations.
#pragma once

#include <string>
#include <vector>

#include "format/status.h"
#include "harness/core/ledger.h"
#include "harness/core/scenario.h"
#include "harness/core/verdict.h"

namespace tbfault::core {

struct ScenarioVerdict {
  uint64_t events_logged = 0;
  Ending ending = Ending::kCleanClose;
  std::vector<ProfileJudgement> judgements;  // strict, tb-rust, tb-python.
  bool met = true;                           // every profile met its expectation.
  std::string unmet;                         // "; "-joined mismatches when not met.
  std::string summary;                       // RenderSummary.
};

// `ending`: how the run ended as the runner knows it (it killed the child, or cut the power); a run
// the runner did not end is a clean close only if the ledger says the writer closed cleanly, else a
// process crash. `scenario` may be null (default expectation: no violation).
Status JudgeLogdir(const std::string& logdir, const LedgerContents& ledger, Ending ending,
                   const scenario::Scenario* scenario, ScenarioVerdict* out);

// The same for a run written by several writers (restarts, writers side by side): each segment
// carries its writer's acknowledgements and ending; `ending` in the verdict is the last segment's.
Status JudgeLogdir(const std::string& logdir, const std::vector<LoggedEvent>& events,
                   const std::vector<Segment>& segments, uint64_t ledger_overflow,
                   const scenario::Scenario* scenario, ScenarioVerdict* out);

// The ending of a run the runner did not kill: clean close if the writer closed cleanly.
inline Ending NaturalEnding(const LedgerContents& ledger) {
  return ledger.closed_cleanly ? Ending::kCleanClose : Ending::kProcessCrash;
}

}  // namespace tbfault::core
