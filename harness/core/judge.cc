#include "harness/core/judge.h"

#include "harness/core/sampled_judge.h"

namespace tbfault::core {

Status JudgeLogdir(const std::string& logdir, const LedgerContents& ledger, Ending ending,
                   const scenario::Scenario* scenario, ScenarioVerdict* out) {
  return JudgeLogdir(logdir, ledger.events, {Segment{1, UINT64_MAX, ledger.acks, ending}},
                     ledger.overflow, scenario, out);
}

Status JudgeLogdir(const std::string& logdir, const std::vector<LoggedEvent>& events,
                   const std::vector<Segment>& segments, uint64_t ledger_overflow,
                   const scenario::Scenario* scenario, ScenarioVerdict* out) {
  *out = ScenarioVerdict();
  out->events_logged = events.size();
  out->ending = segments.empty() ? Ending::kCleanClose : segments.back().ending;
  if (ledger_overflow > 0) {
    return Status::Invalid("ledger overflowed by " + std::to_string(ledger_overflow) +
                           " events: the run cannot be judged (raise the ledger capacity)");
  }
  ProfileView views[3];  // kAllProfiles: strict, tb-rust, tb-python; each record read once.
  Status s = ReadProfiles(logdir, views);
  if (!s.ok()) return s;
  const ProfileView& strict = views[0];
  for (const ProfileView& view : views) {
    const Profile p = view.profile;
    ProfileJudgement j = Judge(events, segments, strict, view);
    JudgeDownsampling(events, view, scenario != nullptr ? SamplesSpecOf(*scenario) : SamplesSpec(),
                      &j);
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
