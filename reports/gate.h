// The regression gate: compares a run's results with a baseline and says what got worse.
//
// Verdicts: a scenario of the baseline regressed when its outcome got worse (passed < failed <
// error), or, for any reader profile, any violation class (DESIGN.md section 5) counts more events
// than before. A scenario of the baseline missing from the results is a regression too (a run that
// lost scenarios must not pass), unless GateOptions::exclude names it; one new in them is a note.
//
// Benchmarks (Google Benchmark JSON in both files, repetitions of run_type "iteration" grouped by
// run_name): for each metric, the repetitions of baseline and results are compared with a two-sided
// Mann-Whitney U test (mann_whitney.h), as Google Benchmark's compare.py does. A metric regressed
// when p < alpha AND the median got worse by more than max_slowdown_pct. With fewer than
// min_repetitions on either side it is not tested (a note). Metrics: real_time (lower is better);
// counters ending in
// "_per_second" or "_per_s" (higher is better); counters ending in "_ns" or containing "_ns_", or
// ending in "_pct" or "_ratio" (lower is better). Others are ignored. A counter ending in "_ratio"
// is a ratio of two workloads measured side by side in each repetition (bench/gate_bench.cc);
// with GateOptions::ratios_only, only such ratios and those by reference below are compared (the
// CI speed gate: absolute times on a shared machine are noise). A benchmark of the baseline whose
// repetitions report an error in the results is a regression, unless the error message starts
// with "skipped:" (cannot run here, e.g. no FUSE): that is a note, counted. With ratios_only, a
// gate that compared no ratio at all fails. Reference convention: a benchmark whose
// label holds the token "ref=<run_name>" is compared as the ratio of its value to that reference
// benchmark's value in the same repetition of the same run (the repetition_index pairs them), which
// cancels the machine's speed; see reports/SCHEMA.md. A label token "max_slowdown=<pct>" in the
// baseline sets that benchmark's tolerance (its ratios' spread between runs, measured), in place
// of GateOptions::max_slowdown_pct.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "reports/results.h"

namespace tbfault::reports {

struct GateOptions {
  double max_slowdown_pct = 10;
  double alpha = 0.05;
  int min_repetitions = 5;          // the U test cannot reach p < 0.05 with fewer than 4 a side.
  std::set<std::string> exclude{};  // baseline scenarios not expected in the results (by name).
  bool ratios_only = false;         // benchmarks: compare ratios only (see above).
};

struct GateReport {
  std::vector<std::string> regressions;  // one line each.
  std::vector<std::string> passes;       // metrics and scenarios compared that did not regress.
  std::vector<std::string> notes;        // not compared, and why.
  int ratios_compared = 0;               // benchmark metrics compared as ratios.
  int skipped = 0;                       // benchmarks skipped in the results ("skipped: ...").
  bool regressed() const { return !regressions.empty(); }
  std::string ToText() const;
};

GateReport Gate(const Results& baseline, const Results& results, const GateOptions& options);

}  // namespace tbfault::reports
