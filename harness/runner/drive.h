// Drive: one writer process of a scenario (`tbfault drive`, started by the runner; not for people).
// It makes the writer(s) under test on the faultfs mount, runs the workload over steps
// [first_step, end_step], records every add in the ledger (recorder.h), and at each step, BEFORE
// that step's values are logged, applies what the scenario says happens there: arms or removes a
// fault rule (over faultfs's control socket; fault i has rule id i + 1), clears all rules, or ends
// the process — PROCESS_CRASH kills it with SIGKILL, POWER_CUT cuts faultfs's power first. The
// stats file (JSON: step times, add-call samples, the writer's counters) is written before a
// self-inflicted kill too, and `<ledger>.ending` names how the process meant to end.
#pragma once

#include <cstdint>
#include <string>

#include "format/status.h"
#include "harness/core/scenario.pb.h"

namespace tbfault::runner {

struct DrivePlan {
  scenario::Scenario scenario;  // writer.spec is the one to use.
  std::string logdir;           // on the mount; the workload's run is a directory below it.
  std::string control;          // faultfs control socket.
  std::string ledger;           // ledger file prefix: writer k records in "<ledger>.<k>".
  std::string stats;            // JSON stats file.
  int64_t first_step = 0;
  int64_t end_step = 0;  // steps first..end-1 run; actions at end_step still apply.
  int first_action = 0;  // this process applies actions [first_action, last_action).
  int last_action = 0;
  int64_t arm_from_step = 0;   // faults with at_step >= this are armed by this process.
  int64_t baseline_steps = 0;  // steps timed with logging disabled before the run.
  std::string device = "cpu";  // for training profiles: cpu, gpu, auto.
};

// Ledger capacity for a plan (entries per writer).
uint64_t LedgerCapacity(const scenario::Scenario& s);

// Runs the plan; returns when the writers closed (a crash or power-cut action never returns).
Status Drive(const DrivePlan& plan);

}  // namespace tbfault::runner
