// Drive: one writer process of a scenario (`tbfault drive`, started by the runner; not for people).
// It makes the writer(s) under test on the faultfs mount, runs the workload over steps
// [first_step, end_step], records every add in the ledger (recorder.h), and at each step, BEFORE
// that step's values are logged, applies what the scenario says happens there: arms or removes a
// fault rule (over faultfs's control socket; fault i has rule id i + 1), clears all rules, or ends
// the process — PROCESS_CRASH kills it with SIGKILL, POWER_CUT cuts faultfs's power first, EXIT
// returns without closing or destroying the writers (an external writer's program ends so
// first), and the process ends normally. The stats file (DriveStats) is written before a
// self-inflicted kill or exit too, and `<ledger>.ending` names how the process meant to end
// (drive_plan.h: the plan, the stats and the ending are the protocol with the runner).
#pragma once

#include <cstdint>

#include "format/status.h"
#include "harness/core/scenario.pb.h"
#include "harness/runner/drive_plan.h"

namespace tbfault::runner {

// Ledger capacity for a plan (entries per writer).
uint64_t LedgerCapacity(const scenario::Scenario& s);

// Runs the plan; returns when the writers closed, or after an EXIT with them left open (a crash or
// power-cut action never returns).
Status Drive(const DrivePlan& plan);

}  // namespace tbfault::runner
