// Explore: crash points explored, not picked (issue 18; after ALICE, CrashMonkey/ACE, LazyFS). A
// clean pass runs the scenario with its own crash and power-cut actions taken out and counts its
// write-path operations in faultfs's trace (write, fsync, create, rename: 1..ops); then, for each
// of them in turn (or a seeded sample of `budget`, or this shard's part of it), the scenario runs
// again with the crash placed right after that operation (Action.at_op: faultfs's crash point),
// and the verdicts are read. A point "produced a violation" when any reader profile counts an
// event in a violation class (DESIGN.md section 5): the generated scenario carries no expectations,
// so `tbfault run` of it fails exactly then. Each violating point keeps its result directory, with
// the generated scenario in it, and the command that replays it (`tbfault replay DIR`). The op
// order must be the writer's own: a crash placed by op count lands on the same op in every run
// where the writer's ops come in one order (every-event, buffered, async: one thread writes), so
// a point replays from its seed; where a timer thread races the training thread (periodic), the
// op sequence itself differs run to run: each point records the op the crash fell on, and
// `drifted` says when it is not the one the clean pass had there (such a point's verdicts need
// not replay). The passes run without the live reader (reader.no_live): a read through the mount
// brings a page-cache page up to date, and the kernel then splits the writer's next write(2)
// elsewhere, so a poll's timing would renumber the ops. Refused: scenarios with RESTART actions.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "format/status.h"
#include "harness/core/scenario.pb.h"
#include "harness/runner/runner.h"
#include "reports/results.h"

namespace tbfault::runner {

// What the crash is: a process crash (SIGKILL), or a power cut of a mode then the kill.
struct CrashKind {
  bool power_cut = false;
  std::string mode = "plain";  // power cut only: plain, torn, zero-fill, reorder.
  std::string Name() const;    // "process", "power-cut:torn"
};
// "process", "power-cut" (plain) or "power-cut:MODE"; false with *why otherwise.
bool ParseCrashKind(const std::string& text, CrashKind* kind, std::string* why);

struct ExploreOptions {
  std::optional<CrashKind> crash;        // default: the scenario's own crash action, else process.
  uint64_t budget = 0;                   // points to try, a seeded sample; 0: every op.
  uint64_t sample_seed = 0;              // the sample's seed.
  int shard_index = 0, shard_total = 1;  // of the points chosen, i % total == index.
  bool keep_all = false;  // keep every point's result directory, not only the violating ones.
  RunOptions run;         // out_dir: where the clean pass and the points go.
};

// One op of the clean pass's trace.
struct TracedOp {
  uint64_t number = 0;  // among the write-path ops, 1-based: the crash point.
  uint64_t seq = 0;     // the trace line's sequence number.
  std::string op, path;
  uint64_t bytes = 0;
  int result = 0;
};
// The write-path ops of a faultfs trace, in order, and the op a crash fell on (a " crash=" line).
Status ReadTracedOps(const std::string& trace, std::vector<TracedOp>* ops,
                     std::optional<TracedOp>* crashed);

struct CrashPointResult {
  TracedOp op;           // as the clean pass had it.
  bool fired = false;    // the crash happened (the run got that far).
  bool drifted = false;  // it fell on another op (kind or size) than the clean pass had there.
  reports::ScenarioResult result;  // name "<scenario>/crash-at-op-<n>".
  bool violation = false;          // any profile counts a violation.
  std::string dir;                 // its result directory ("" once removed).
  std::string replay;              // the command that replays it.
};

struct ExploreResult {
  std::string scenario, writer, crash;
  uint64_t seed = 0;
  uint64_t ops = 0;                      // write-path ops of the clean pass.
  reports::ScenarioResult clean;         // the clean pass.
  std::vector<CrashPointResult> points;  // tried, in op order.
  std::optional<uint64_t> smallest;      // the smallest op number with a violation.
  uint64_t violations = 0, errors = 0;   // points.
  double duration_s = 0;
  bool interrupted = false;
};

nlohmann::json ToJson(const ExploreResult& r);
// The readable table: one line per point tried, then the summary and the replay commands.
std::string ExploreTable(const ExploreResult& r);

// The points tried, as results for the survival matrix (reports/survival.h, explored rows): each
// named ExploredName(base, crash) + "/<writer>" and labelled kExplored; a violating one's error
// starts with the op and the replay command.
void AddExploredResults(const ExploreResult& r, reports::Results* out);

// Called after each point (done of total).
using ExploreProgress = std::function<void(const CrashPointResult&, size_t done, size_t total)>;

// The points to try of 1..ops: all, or a seeded sample of options.budget, in op order; then the
// shard's part (i % total == index of that list).
std::vector<uint64_t> ChooseCrashPoints(uint64_t ops, const ExploreOptions& options);

// Not OK for a scenario explore cannot explore (one with RESTART actions), naming it.
Status CheckExplorable(const scenario::Scenario& s);

// Explores `s` (writer.spec set: one writer). Not OK for a scenario it cannot explore (restarts),
// a bad out dir, or a clean pass that errored (its reason).
Status Explore(const scenario::Scenario& s, const ExploreOptions& options,
               const ExploreProgress& progress, ExploreResult* out);

// The scenario explore runs for op `n` (0: the clean pass): crash actions out, expectations out,
// and for n > 0 the crash at op n, armed at step 0.
scenario::Scenario CrashPointScenario(const scenario::Scenario& s, const CrashKind& crash,
                                      uint64_t n);

}  // namespace tbfault::runner
