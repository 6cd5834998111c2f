// tbfault list [PATH...] [--filter GLOB|label:NAME]: the scenarios, one line each: name, labels and
// the description. Exit 0, 2 on a bad scenario file (one line naming file, line and field).
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "harness/cli/command.h"
#include "harness/cli/flags.h"
#include "harness/runner/suite.h"

namespace tbfault::cli {
namespace {

int RunList(std::span<char*> args) {
  std::vector<std::string> paths;
  std::string filter;
  Flags flags("list", "[PATH...] [--filter GLOB|label:NAME]");
  flags.Positional("PATH", &paths, 0, SIZE_MAX,
                   "scenario files or directories (default: " + runner::DefaultScenarioDir() + ")");
  flags.String("--filter", "GLOB|label:NAME", &filter,
               "only scenarios whose name matches GLOB or that carry the label NAME");
  if (int rc = flags.Parse(args); rc >= 0) return rc;
  if (paths.empty()) paths.push_back(runner::DefaultScenarioDir());
  std::vector<runner::SuiteEntry> suite;
  if (Status s = runner::LoadSuite(paths, &suite); !s.ok()) {
    std::fprintf(stderr, "tbfault list: %s\n", s.ToString().c_str());
    return 2;
  }
  int n = 0;
  for (const auto& e : suite) {
    if (!runner::Selected(e.scenario, filter)) continue;
    std::string labels;
    for (const auto& l : e.scenario.labels()) labels += (labels.empty() ? "" : ",") + l;
    std::printf("%-44s %-12s %s\n", e.scenario.name().c_str(), labels.c_str(),
                e.scenario.description().c_str());
    ++n;
  }
  std::printf("%d scenarios\n", n);
  return 0;
}

}  // namespace

TBFAULT_COMMAND(list, "list the scenarios with one-line descriptions", RunList);

}  // namespace tbfault::cli
