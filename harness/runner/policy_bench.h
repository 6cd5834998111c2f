// RunPolicyBench: one table comparing flush policies, presets and external writers, every figure
// measured in one run on this machine (issue 7; DESIGN.md sections 7 and 8). Per writer:
//   throughput   a synthetic scalar load (8 tags cycled; a round is a fixed event count or a time
//                budget, whichever ends first, so a slow writer is not run for minutes) to a
//                tmpfs dir (/dev/shm when writable): events/s and MB/s from first add to Close()
//                returned, the median over rounds that alternate the writers; add_ns p50/p99/max
//                over every add call of every round.
//   train-<p>    step_added_us p50/p99 under the `small-fast` and `llm-like` load profiles
//                (MeasureTrainOverhead: disabled / no-op / writer in alternating rounds, CPU).
//   crash, power-cut
//                scenarios run through RunScenario on a faultfs mount (SIGKILL at a step between
//                flushes; a power cut with no fsync); the loss window (events, seconds of
//                training) of the strict reader profile.
//   enospc, eacces, delay-100ms
//                a fault armed mid-run (ENOSPC / EACCES on every event-file write, cleared later;
//                every write delayed 100 ms, never cleared), summarised in one word (Behaviour).
//                These five run under a watchdog that counts from the writer open (RunOptions:
//                TensorFlow's seconds of import are not a hang).
//   fresh        a fault-free scenario without Flush() calls: tb-rust's live lag p50/p99 (ms),
//                how soon TensorBoard shows an event under the policy's own flushing.
// Writers that cannot be made here (an external writer without its venv, or not linked in) are
// skipped with a message; so are the scenarios where /dev/fuse is absent (counted).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "format/status.h"
#include "reports/results.h"

namespace tbfault::runner {

// How a writer lived through a fault, from the scenario's verdicts and step times. When several
// apply, the first in this order is given:
//   lost silently  some reader profile counts a violation: events missing, hidden or unreadable
//                  without the writer having reported them lost (DESIGN.md section 5);
//   blocked        a training step with logging took longer than max(50 ms, 10 x the step's
//                  p50 without logging), or the writer process hung until the watchdog;
//   recovered      the fault was cleared and every event logged is visible (the writer retried
//                  what failed and resumed without a restart);
//   kept going     training went on at full speed; events lost, if any, were all reported lost
//                  (or the fault never clears: nothing lost, nothing blocked).
//   error          the scenario itself failed to run (faultfs would not mount, ...).
//   skipped        not run (no /dev/fuse).
enum class Behaviour { kSkipped, kError, kLostSilently, kBlocked, kRecovered, kKeptGoing };
std::string_view BehaviourName(Behaviour b);

// A measure the watchdog ended because the writer hung (RunFailure::kHung): a finding (blocked),
// not a failure to measure.
bool Hung(const reports::ScenarioResult& r);

// `fault_clears`: the scenario removes its fault before the end.

Behaviour ClassifyBehaviour(const reports::ScenarioResult& r, bool fault_clears);

struct PolicyBenchOptions {
  std::vector<std::string> writers;              // specs; empty = DefaultBenchWriters().
  std::string out_dir = "build/suite/policies";  // the scenarios' directories go in <out>/runs.
  std::string tmpfs_dir;                         // "" = /dev/shm when writable, else the temp dir.
  bool quick = false;                            // every count shrunk (tests; < 60 s on 2 cores).
  std::string tbfault_bin;                       // with the `drive` command; "" = this binary.
  // One line per finished measure ("async: throughput round 2/5"); may be empty.
  std::function<void(const std::string&)> progress;
  const std::atomic<bool>* interrupted = nullptr;
};

struct PolicyRow {
  std::string spec;
  std::optional<double> events_per_s, mb_per_s, add_ns_p50, add_ns_p99;
  // us the writer adds to a training step (step_added_us) under each load profile.
  std::optional<double> small_fast_us_p50, small_fast_us_p99, llm_like_us_p50, llm_like_us_p99;
  std::optional<reports::LossWindow> crash_loss, power_cut_loss;
  bool crash_violations = false, power_cut_violations = false;  // beyond the loss window.
  Behaviour enospc = Behaviour::kSkipped, eacces = Behaviour::kSkipped, delay = Behaviour::kSkipped;
  // Freshness: tb-rust's live lag (add returned -> first shown, ms) with the policy's own
  // flushing only, measured by the live reader in the "fresh" scenario.
  std::optional<double> lag_ms_p50, lag_ms_p99;
};

struct PolicyBench {
  std::vector<PolicyRow> rows;       // in the order of the writers asked for.
  reports::Results results;          // one ScenarioResult per writer and measure.
  std::vector<std::string> skipped;  // one line each: what was not measured, and why.
  int fuse_scenarios_skipped = 0;
  int64_t round_events = 0;  // a throughput round: at most this many events,
  double round_s = 0;        // or this many seconds of adds.
};

// every-event, buffered, periodic, async, async:overflow=drop-newest, the presets, tensorboardx,
// tensorboard, tensorflow, tensorflow-v1, keras.
std::vector<std::string> DefaultBenchWriters();

// Runs every measure for every writer. A bad spec or an unusable tmpfs dir is an error; a writer
// that cannot be made is skipped (out->skipped); a measure that fails is recorded in its
// ScenarioResult (outcome error) and its cells stay empty.
Status RunPolicyBench(const PolicyBenchOptions& options, PolicyBench* out);

// One throughput round: up to `max_events` scalars to a fresh `dir`, stopping once `budget_s`
// seconds of adds have passed; every add's ns appended to `add_ns`; events/s and MB/s from the
// first add to Close() returned.
struct ThroughputRound {
  int64_t events = 0;  // added.
  double events_per_s = 0, mb_per_s = 0;
  uint64_t failed = 0;
  Status error;
};
ThroughputRound MeasureThroughputRound(const std::string& spec, const std::string& dir,
                                       int64_t max_events, double budget_s,
                                       std::vector<double>* add_ns);

// The table, at most 160 columns wide, then a legend and the skipped lines.
std::string FormatPolicyTable(const PolicyBench& bench);

}  // namespace tbfault::runner
