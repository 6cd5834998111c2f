// RunScenario: one scenario, end to end (DESIGN.md sections 4-6). In <out>/<name>/ it keeps the
// backing directory the writer's files land in (logdir/), the effective scenario
// (scenario.textproto, with its seed), the ledgers, faultfs's trace, the writer processes' logs
// and the result (result.json). Steps: mount faultfs over logdir/; run the writer process(es)
// (`tbfault drive`, one per segment between restarts) under a watchdog (the scenario's time
// limit counts from each process's writers being open, summed over processes; a process's start-up
// before that has its own limit, so a writer's slow start is not a hung run); thaw the mount after
// a power cut before a restart; unmount — always, even after a timeout, an error or SIGINT; merge
// the ledgers into one seq space with one segment per writer; judge the logdir with every reader
// profile; fill the result model (reports/results.h).
#pragma once

#include <atomic>
#include <string>

#include "format/status.h"
#include "harness/core/judge.h"
#include "harness/core/scenario.pb.h"
#include "reports/results.h"

namespace tbfault::runner {

struct RunOptions {
  std::string out_dir = "tbfault-results";
  std::string tbfault_bin;      // the binary with the `drive` command ("" = this one).
  std::string device = "auto";  // for training profiles.
  double default_time_limit_s = 120;
  // A writer process's start-up, until its writers are open (TensorFlow's import: 3-20 s here):
  // not counted in the time limit; past this it is hung.
  double startup_limit_s = 120;
  // Steps timed without logging (each way), for step_overhead_pct; at most the workload's steps
  // (a 60-step scenario of 50 ms steps spent 20 s on 200 of each before).
  int64_t baseline_steps = 200;
  // How long the live reader may take to finish its cycle once the writers ended; past it the mount
  // is aborted, and past it again the reader hung: the run's error (kReaderDied).
  double live_join_s = 10;
  const std::atomic<bool>* interrupted = nullptr;  // set by a signal handler: stop now.
};

struct RunOutput {
  reports::ScenarioResult result;
  core::ScenarioVerdict verdict;  // empty when the run errored before judging.
  std::string dir;                // <out>/<name>.
  std::string notes;              // writer errors seen, device, etc. (one line each).
};

// Runs `s` (writer.spec is the writer to use). An error of the run itself (faultfs would not
// mount, the writer process hung, a fault rule faultfs refused) is an outcome kError with the
// reason, not a returned error; the returned Status is not-OK only for a bad out dir.
Status RunScenario(const scenario::Scenario& s, const RunOptions& options, RunOutput* out);

// The directory name for a scenario name ("disk-full/async:queue=64" ->
// "disk-full/async_queue=64").
std::string ResultDirName(const std::string& scenario_name);

}  // namespace tbfault::runner
