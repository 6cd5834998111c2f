// tbfault list [PATH...] [--filter GLOB|label:NAME]: the scenarios, one line each: name, labels and
// the description. Exit 0, 2 on a bad scenario file (one line naming file, line and field).
#include <cstdio>
#include <string>
#include <vector>

#include "harness/cli/command.h"
#include "harness/runner/suite.h"

namespace tbfault::cli {
namespace {

int RunList(std::span<char*> args) {
  std::vector<std::string> paths;
  std::string filter;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--help") {
      std::puts("usage: tbfault list [PATH...] [--filter GLOB|label:NAME]");
      return 0;
    }
    if (a == "--filter" && i + 1 < args.size()) {
      filter = args[++i];
    } else if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr, "tbfault list: unknown option %s\n", a.c_str());
      return 2;
    } else {
      paths.push_back(a);
    }
  }
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
