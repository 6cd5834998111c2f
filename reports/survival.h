// The survival matrix (issue 8): which writer keeps the user's summaries under which fault — a
// table of the writers a user chooses between (our policies and presets, the external writers)
// against the fault scenarios. Built from one or more results files (results.h); one row per fault
// scenario by its base name (the name before the last "/<writer>"), one column per writer spec,
// each cell the worst outcome across the three reader profiles (DESIGN.md section 5). Self-tests
// are not a choice of writer: a result of a mutant writer ("mutant:" spec) or of a scenario
// labelled "mutant" or "misuse" goes to SurvivalMatrix::self_tests (listed after the table, each
// with whether the harness caught what it expected), never to a column; a result with labels but
// without "faults" (clean runs, training) is neither. Results without labels count as faults.
//   passes          no violation, nothing lost, the scenario met its expectations
//   loses unacked   only lost-unacked (the loss window the contract allows)
//   duplicate, phantom, hides data (hidden), loses acked (lost-acked), silent loss (lost-silent),
//   corrupt         the worst violation class present, in that order of increasing severity
//   error           the scenario could not run (outcome "error")
//   hangs           outcome "error" because the watchdog fired (RunFailure::kHung)
// Several results for one cell (several files, repeated runs) keep the worst. Every cell that is
// not `passes`, and every cell whose scenario did not meet its expectations, carries a citation:
// the counts per profile, the scenario's unmet expectation or error, and the command that
// reproduces it (`tbfault run <scenario file> --writer <spec> --seed <seed>`).
// Explored crash points (`tbfault explore`'s results.json) carry the label kExplored and the name
// ExploredName(base, crash) + "/<writer>": one row per explored scenario and crash kind, its cell
// the worst point, its citation the `tbfault explore` command (the point itself is in the
// result's error and in explore.json).
// Columns: every-event, buffered, periodic:ms=20, async, tensorboardx, tensorboard first (those
// present), then any other writer in name order. Rows in name order.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "reports/results.h"

namespace tbfault::reports {

enum class Survival {  // in order of increasing severity; the worst wins.
  kPasses,
  kLosesUnacked,
  kDuplicate,
  kPhantom,
  kHidesData,
  kLosesAcked,
  kSilentLoss,
  kCorrupt,
  kError,
  kHangs,
};
std::string_view SurvivalName(Survival s);  // "passes", "loses unacked", ...

inline constexpr std::string_view kExplored = "explored";
// "<base>@<crash>" ("power-cut-sync-torn@power-cut:torn"); SplitExploredName undoes it.
std::string ExploredName(const std::string& base, const std::string& crash);
bool SplitExploredName(const std::string& row, std::string* base, std::string* crash);

// The cell one scenario result earns.
Survival Classify(const ScenarioResult& r);

struct SurvivalCell {
  Survival survival = Survival::kPasses;
  const ScenarioResult* result = nullptr;  // the (worst) result behind the cell; null = not run.
  bool expectations_met = true;            // of that result.
};

struct SurvivalMatrix {
  std::vector<std::string> writers;                                   // columns.
  std::vector<std::string> rows;                                      // base names.
  std::map<std::pair<std::string, std::string>, SurvivalCell> cells;  // (row, writer).
  std::vector<const ScenarioResult*> self_tests;                      // mutants and misuse.

  const SurvivalCell* cell(const std::string& row, const std::string& writer) const;
};

struct SurvivalOptions {
  // Where the citation says the scenario file lives: "<scenario_dir>/<base>.textproto".
  std::string scenario_dir = "scenarios/faults";
  // Skip writers whose spec starts with one of these (e.g. "mutant:").
  std::vector<std::string> exclude_writer_prefixes;
  // Keep only rows with results for at least this many writers.
  size_t min_writers_per_row = 1;
};

// The base name of a result: its name without the trailing "/<writer>" (or, failing that, without
// its last "/" component); the name itself when it has no "/".
std::string BaseName(const ScenarioResult& r);

// The matrix of all scenarios of all `results` (which must outlive it).
SurvivalMatrix BuildSurvival(const std::vector<const Results*>& results,
                             const SurvivalOptions& options = {});

// Markdown: a table (one cell per writer, "–" where not run, "kind [n]" with footnote n), then the
// numbered citations, then the self-tests (one line each). Empty matrix: a line saying so.
std::string SurvivalMarkdown(const SurvivalMatrix& m, const SurvivalOptions& options = {});

}  // namespace tbfault::reports
