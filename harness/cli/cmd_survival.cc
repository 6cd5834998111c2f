// tbfault survival RESULTS.json [RESULTS.json...] [--markdown FILE] [--scenario-dir DIR]
// The survival matrix (reports/survival.h) of the fault scenarios in one or more results files
// (e.g. one `tbfault run --filter label:faults` per writer): one row per scenario, one column per
// writer, the worst outcome across the reader profiles, and a citation with the reproducing command
// for every cell that does not pass. Printed as Markdown, and written to --markdown FILE. The
// citations name "<scenario-dir>/<scenario>.textproto" (default scenarios/faults).
// Exit 0, 2 on bad usage or bad input (one line naming the file and the reason).
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/cli/command.h"
#include "reports/results.h"
#include "reports/survival.h"

namespace tbfault::cli {
namespace {

constexpr char kUsage[] =
    "usage: tbfault survival RESULTS.json [RESULTS.json...] [--markdown FILE]\n"
    "                        [--scenario-dir DIR]\n";

int RunSurvival(std::span<char*> args) {
  std::vector<std::string> files;
  std::string markdown;
  reports::SurvivalOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--markdown" || a == "--scenario-dir") {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "tbfault survival: %s needs a value\n%s", args[i], kUsage);
        return 2;
      }
      (a == "--markdown" ? markdown : options.scenario_dir) = args[++i];
    } else if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr, "tbfault survival: unknown option %s\n%s", args[i], kUsage);
      return 2;
    } else {
      files.emplace_back(a);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "tbfault survival: no results file\n%s", kUsage);
    return 2;
  }
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
