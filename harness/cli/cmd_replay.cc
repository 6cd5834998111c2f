// tbfault replay RESULT_DIR [--out DIR]: re-runs the scenario recorded in RESULT_DIR (a directory
// `tbfault run` left under --out: scenario.textproto with its seed, result.json) and compares the
// verdicts: outcome, and per profile the count of every class. Exit 0 the same, 1 different (each
// difference printed), 2 bad input.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "harness/cli/command.h"
#include "harness/cli/flags.h"
#include "harness/cli/output_paths.h"
#include "harness/core/scenario.h"
#include "harness/runner/mount.h"
#include "harness/runner/runner.h"

namespace tbfault::cli {
namespace {

int RunReplay(std::span<char*> args) {
  std::vector<std::string> dirs;
  std::string out_dir;
  Flags flags("replay", "RESULT_DIR [--out DIR]");
  flags.Positional("RESULT_DIR", &dirs, 1, 1,
                   "a scenario's directory that 'tbfault run' left under its --out");
  flags.String("--out", "DIR", &out_dir,
               "where the new run goes (default RESULT_DIR/replay); emptied first when an earlier "
               "tbfault command wrote it, refused when it holds anything else");
  if (int rc = flags.Parse(args); rc >= 0) return rc;
  const std::string& dir = dirs[0];
  scenario::Scenario s;
  if (Status st = core::LoadScenario(dir + "/scenario.textproto", &s); !st.ok()) {
    std::fprintf(stderr, "tbfault replay: %s\n", st.ToString().c_str());
    return 2;
  }
  reports::Results before;
  if (Status st = reports::ReadResultsFile(dir + "/result.json", &before); !st.ok()) {
    std::fprintf(stderr, "tbfault replay: %s\n", st.ToString().c_str());
    return 2;
  }
  if (before.scenarios.size() != 1) {
    std::fprintf(stderr, "tbfault replay: %s/result.json: expected one scenario\n", dir.c_str());
    return 2;
  }
  runner::RunOptions options;
  options.out_dir = out_dir.empty() ? dir + "/replay" : out_dir;
  if (Status st = PrepareOutDir(options.out_dir); !st.ok()) {
    std::fprintf(stderr, "tbfault replay: %s\n", st.ToString().c_str());
    return 2;
  }
  runner::CleanStaleMounts("");
  runner::RunOutput now;
  if (Status st = runner::RunScenario(s, options, &now); !st.ok()) {
    std::fprintf(stderr, "tbfault replay: %s\n", st.ToString().c_str());
    return 2;
  }
  const reports::ScenarioResult& a = before.scenarios[0];
  const reports::ScenarioResult& b = now.result;
  int differences = 0;
  if (a.outcome != b.outcome) {
    std::printf("outcome: %s then, %s now\n", std::string(reports::OutcomeName(a.outcome)).c_str(),
                std::string(reports::OutcomeName(b.outcome)).c_str());
    ++differences;
  }
  for (const auto& pa : a.profiles) {
    const reports::ProfileResult* pb = b.profile(pa.profile);
    if (pb == nullptr) {
      std::printf("%s: not judged now\n", pa.profile.c_str());
      ++differences;
      continue;
    }
    for (reports::Verdict v : reports::kVerdicts) {
      if (pa.count(v) == pb->count(v)) continue;
      std::printf("%s %s: %llu then, %llu now\n", pa.profile.c_str(),
                  std::string(reports::VerdictName(v)).c_str(),
                  static_cast<unsigned long long>(pa.count(v)),
                  static_cast<unsigned long long>(pb->count(v)));
      ++differences;
    }
  }
  std::printf("%s (seed %llu): %s\n", s.name().c_str(), static_cast<unsigned long long>(s.seed()),
              differences == 0 ? "same verdicts" : "verdicts differ");
  return differences == 0 ? 0 : 1;
}

}  // namespace

TBFAULT_COMMAND(replay, "re-run a recorded scenario with its seed and compare the verdicts",
                RunReplay);

}  // namespace tbfault::cli
