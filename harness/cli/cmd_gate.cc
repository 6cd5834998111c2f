// tbfault gate --baseline FILE --results FILE [--max-slowdown X] [--ratios-only]
//              [--exclude SCENARIO]...
// Compares results with a baseline (reports/gate.h): scenario verdicts that got worse, and
// benchmark metrics slower beyond noise (Mann-Whitney U, p < 0.05, and a median slowdown > PCT,
// default 10), and scenarios of the baseline missing from the results (unless --exclude names
// them). Either file may be a results file or Google Benchmark's JSON (--benchmark_out) as is.
// --ratios-only compares only machine-independent ratios (the CI speed gate, bench/gate_bench.cc).
// Prints one line per regression, note and comparison. Exit 0 nothing regressed, 1 a
// regression, 2 bad usage or bad input (one line naming the file and the reason).
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "harness/cli/command.h"
#include "harness/cli/flags.h"
#include "reports/gate.h"
#include "reports/results.h"

namespace tbfault::cli {
namespace {

// A results file, or Google Benchmark's JSON: an object with "benchmarks" and no schema_version.
Status ReadResultsOrBenchmark(const std::string& path, reports::Results* out) {
  std::string text;
  if (Status s = reports::ReadFile(path, &text); !s.ok()) return s;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("benchmarks") && !j.contains("schema_version")) {
    return reports::ReadBenchmarkFile(path, out);
  }
  return reports::ReadResultsFile(path, out);
}

int RunGate(std::span<char*> args) {
  std::string baseline_path, results_path;
  reports::GateOptions options;
  Flags flags("gate",
              "--baseline FILE --results FILE [--max-slowdown X] [--ratios-only] "
              "[--exclude SCENARIO]...");
  flags.String("--baseline", "FILE", &baseline_path, "the results to compare with").Required();
  flags.String("--results", "FILE", &results_path, "the results under test").Required();
  flags.Double("--max-slowdown", &options.max_slowdown_pct, 0, 1e6,
               "a benchmark regresses when its median is slower by more than X percent (and "
               "the difference is significant)");
  flags.Bool("--ratios-only", &options.ratios_only,
             "benchmarks: compare only ratios measured side by side in one run (counters ending "
             "_ratio, ref= labels); fail when none was compared");
  flags.Custom(
      "--exclude", "SCENARIO",
      [&](std::string_view v, std::string*) {
        options.exclude.insert(std::string(v));
        return true;
      },
      "", "a baseline scenario not expected in the results (repeatable)");
  if (int rc = flags.Parse(args); rc >= 0) return rc;
  reports::Results baseline, results;
  for (auto [path, out] : {std::pair{&baseline_path, &baseline}, {&results_path, &results}}) {
    Status s = ReadResultsOrBenchmark(*path, out);
    if (!s.ok()) {
      std::fprintf(stderr, "tbfault gate: %s\n", s.ToString().c_str());
      return 2;
    }
  }
  reports::GateReport report = reports::Gate(baseline, results, options);
  std::fputs(report.ToText().c_str(), stdout);
  return report.regressed() ? 1 : 0;
}

}  // namespace

TBFAULT_COMMAND(gate, "compare results with a baseline; exit 1 on a regression beyond noise",
                RunGate);

}  // namespace tbfault::cli
