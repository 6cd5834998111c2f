// tbfault survival RESULTS.json [RESULTS.json...] [--markdown FILE] [--scenario-dir DIR]
// The survival matrix (reports/survival.h) of the fault scenarios in one or more results files
// (e.g. one `tbfault run --filter label:faults` per writer): one row per scenario, one column per
// writer, the worst outcome across the reader profiles, and a citation with the reproducing command
// for every cell that does not pass. Printed as Markdown, and written to --markdown FILE. The
// citations name "<scenario-dir>/<scenario>.textproto" (default scenarios/faults).
// Exit 0, 2 on bad usage or bad input (one line naming the file and the reason).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/cli/command.h"
#include "harness/cli/flags.h"
#include "reports/results.h"
#include "reports/survival.h"

namespace tbfault::cli {
namespace {

int RunSurvival(std::span<char*> args) {
  std::vector<std::string> files;
  std::string markdown;
  reports::SurvivalOptions options;
  Flags flags("survival", "RESULTS.json [RESULTS.json...] [--markdown FILE] [--scenario-dir DIR]");
  flags.Positional("RESULTS.json", &files, 1, SIZE_MAX, "results files of 'tbfault run'");
  flags.String("--markdown", "FILE", &markdown, "also write the matrix to FILE");
  flags.String("--scenario-dir", "DIR", &options.scenario_dir,
               "the directory the citations name the scenario files in");
  if (int rc = flags.Parse(args); rc >= 0) return rc;
  std::vector<std::unique_ptr<reports::Results>> results;
  std::vector<const reports::Results*> views;
  for (const std::string& f : files) {
    auto r = std::make_unique<reports::Results>();
    if (Status s = reports::ReadResultsFile(f, r.get()); !s.ok()) {
      std::fprintf(stderr, "tbfault survival: %s\n", s.ToString().c_str());
      return 2;
    }
    views.push_back(r.get());
    results.push_back(std::move(r));
  }
  std::string text = reports::SurvivalMarkdown(reports::BuildSurvival(views, options), options);
  std::fputs(text.c_str(), stdout);
  if (!markdown.empty()) {
    if (Status s = reports::WriteFile(markdown, text); !s.ok()) {
      std::fprintf(stderr, "tbfault survival: %s\n", s.ToString().c_str());
      return 2;
    }
  }
  return 0;
}

}  // namespace

TBFAULT_COMMAND(survival, "survival matrix: fault scenarios x writers, from results files",
                RunSurvival);

}  // namespace tbfault::cli
