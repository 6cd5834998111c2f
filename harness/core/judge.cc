#include "harness/core/judge.h"

namespace tbfault::core {

Status JudgeLogdir(const std::string& logdir, const LedgerContents& ledger, Ending ending,
                   const scenario::Scenario* scenario, ScenarioVerdict* out) {
  *out = ScenarioVerdict();
  out->events_logged = ledger.events.size();
  out->ending = ending;
  if (ledger.overflow > 0) {
    return Status::Invalid("ledger overflowed by " + std::to_string(ledger.overflow) +
                           " events: the run cannot be judged (raise the ledger capacity)");
  }
  ProfileView strict;
  Status s = ReadProfile(Profile::kStrict, logdir, &strict);
  if (!s.ok()) return s;
  for (Profile p : {Profile::kStrict, Profile::kTbRust, Profile::kTbPython}) {
    ProfileView view;
    if (p == Profile::kStrict) {
      view = strict;
    } else if (s = ReadProfile(p, logdir, &view); !s.ok()) {
      return s;
    }
    ProfileJudgement j = Judge(ledger.events, ledger.acks, ending, strict, view);
    Expectation expected = scenario != nullptr ? ExpectationFor(*scenario, p) : Expectation();
    std::string why;
    if (!MeetsExpectation(j, expected, &why)) {
      out->met = false;
      out->unmet += (out->unmet.empty() ? "" : "; ") + why;
    }
    out->judgements.push_back(std::move(j));
  }
  out->summary = RenderSummary(out->events_logged, out->judgements);
  return Status::Ok();
}

}  // namespace tbfault::core
