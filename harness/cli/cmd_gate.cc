// tbfault gate --baseline FILE --results FILE [--max-slowdown PCT] [--exclude SCENARIO]...
// Compares results with a baseline (reports/gate.h): scenario verdicts that got worse, and
// benchmark metrics slower beyond noise (Mann-Whitney U, p < 0.05, and a median slowdown > PCT,
// default 10), and scenarios of the baseline missing from the results (unless --exclude names
// them). Prints one line per regression, note and comparison. Exit 0 nothing regressed, 1 a
// regression, 2 bad usage or bad input (one line naming the file and the reason).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "harness/cli/command.h"
#include "reports/gate.h"
#include "reports/results.h"

namespace tbfault::cli {
namespace {

constexpr char kUsage[] =
    "usage: tbfault gate --baseline FILE --results FILE [--max-slowdown PCT]\n"
    "                    [--exclude SCENARIO]...   (a baseline scenario not expected in the "
    "results)\n";

int RunGate(std::span<char*> args) {
  std::string baseline_path, results_path;
  reports::GateOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    auto value = [&](std::string_view flag) -> const char* {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "tbfault gate: %.*s needs a value\n%s", static_cast<int>(flag.size()),
                     flag.data(), kUsage);
        return nullptr;
      }
      return args[++i];
    };
    if (a == "--baseline" || a == "--results" || a == "--max-slowdown" || a == "--exclude") {
      const char* v = value(a);
      if (v == nullptr) return 2;
      if (a == "--baseline") baseline_path = v;
      if (a == "--results") results_path = v;
      if (a == "--exclude") options.exclude.insert(v);
      if (a == "--max-slowdown") {
        char* end = nullptr;
        options.max_slowdown_pct = std::strtod(v, &end);
        if (*v == '\0' || *end != '\0' || options.max_slowdown_pct < 0) {
          std::fprintf(stderr, "tbfault gate: --max-slowdown: \"%s\" is not a percentage\n", v);
          return 2;
        }
      }
    } else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "tbfault gate: unknown argument \"%s\"\n%s", args[i], kUsage);
      return 2;
    }
  }
  if (baseline_path.empty() || results_path.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  reports::Results baseline, results;
  for (auto [path, out] : {std::pair{&baseline_path, &baseline}, {&results_path, &results}}) {
    Status s = reports::ReadResultsFile(*path, out);
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
