// Filling the results model (reports/results.h) from what a scenario's run left behind: the
// figures (DESIGN.md section 8) from the writer processes' stats, the per-profile counts and
// examples from the verdict, the timeline of logged and visible events, and the fault marks.
// Each is one step of RunScenario (runner.h), usable on its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/core/judge.h"
#include "harness/core/live_judge.h"
#include "harness/core/scenario.pb.h"
#include "harness/runner/drive_plan.h"
#include "reports/results.h"

namespace tbfault::runner {

// Figures and step-time samples (at most 200 of each kind, evenly spaced) from every process's
// stats; the device and the writers' errors by errno go to `notes`, one line each.
void FillFigures(const std::vector<DriveStats>& stats, reports::ScenarioResult* r,
                 std::string* notes);

// Per profile: passed (the scenario's expectation), counts, loss window, and the first 3 examples
// of each class, violations first.
void FillProfiles(const core::ScenarioVerdict& v, const scenario::Scenario& s,
                  reports::ScenarioResult* r);

// The live figures per profile (lag_ms_*, lag_steps_*, stale_ms_max), and the lag bound: a
// profile whose bound failed has not passed. After FillProfiles.
void FillLive(const std::vector<core::LiveJudgement>& live, reports::ScenarioResult* r);

// The live timeline (what a user watching TensorBoard saw): per live reader cycle, the events
// logged by then and the points each profile showed, at most ~200 cycles with every drop kept;
// and each fault mark's time (when the job first reached its step). After FillFaultMarks.
void FillLiveTimeline(const std::vector<core::LoggedEvent>& events, const core::LiveRecord& live,
                      reports::ScenarioResult* r);

// Cumulative logged and visible events by step, at most ~50 points (enough for a chart).
void FillTimeline(const std::vector<core::LoggedEvent>& events, const core::ScenarioVerdict& v,
                  int64_t steps, reports::ScenarioResult* r);

// A mark per fault (armed, cleared) and per action, at its step.
void FillFaultMarks(const scenario::Scenario& s, reports::ScenarioResult* r);

}  // namespace tbfault::runner
