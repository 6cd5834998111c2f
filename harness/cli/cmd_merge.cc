// tbfault merge RESULTS.json... --out DIR [--junit FILE]
// Joins the results of the shards of one suite run (tbfault run --shard I/N, each on its own
// machine) into the results of the whole run (reports/merge.h): DIR/results.json, DIR/junit.xml
// (or --junit FILE), DIR/summary.md and DIR/report.html, the same reports tbfault run writes.
// Refuses shards that overlap, are missing, were interrupted, or are of another selection, total
// or binary: one line naming the file, exit 2, nothing written. DIR is prepared as run prepares
// --out (output_paths.h) after every file was read and the merge succeeded; an input inside DIR is
// refused. Exit 0 every scenario passed, 1 any failed or errored, 2 bad usage or bad input.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "harness/cli/command.h"
#include "harness/cli/flags.h"
#include "harness/cli/output_paths.h"
#include "reports/merge.h"
#include "reports/results.h"
#include "reports/write_reports.h"

namespace tbfault::cli {
namespace {

int Error(const Status& s) {
  std::fprintf(stderr, "tbfault merge: %s\n", s.ToString().c_str());
  return 2;
}

int RunMerge(std::span<char*> args) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::string out_dir, junit;
  Flags flags("merge", "RESULTS.json... --out DIR [--junit FILE]");
  flags.Positional("RESULTS.json", &files, 1, SIZE_MAX,
                   "the results.json of every shard of one 'tbfault run --shard I/N'");
  flags
      .String("--out", "DIR", &out_dir,
              "the merged results.json, summary.md and report.html (and junit.xml) go here")
      .Required();
  flags.String("--junit", "FILE", &junit, "the JUnit XML report (default DIR/junit.xml)");
  if (int rc = flags.Parse(args); rc >= 0) return rc;
  const fs::path out = fs::absolute(out_dir).lexically_normal();
  std::vector<reports::ShardFile> shards(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    const fs::path in = fs::absolute(files[i]).lexically_normal();
    if (in.parent_path().string().starts_with(out.string())) {
      return Error(Status::Invalid(files[i] + ": inside --out " + out_dir +
                                   ", which merge prepares (empties); give another --out"));
    }
    shards[i].path = files[i];
    if (Status s = reports::ReadResultsFile(files[i], &shards[i].results); !s.ok()) {
      return Error(s);
    }
  }
  reports::Results merged;
  if (Status s = reports::MergeShards(shards, &merged); !s.ok()) return Error(s);
  if (Status s = PrepareOutDir(out_dir); !s.ok()) return Error(s);
  reports::ReportPaths rp;
  rp.json = out_dir + "/results.json";
  rp.junit = junit.empty() ? out_dir + "/junit.xml" : junit;
  rp.markdown = out_dir + "/summary.md";
  rp.html = out_dir + "/report.html";
  if (Status s = reports::WriteReports(merged, rp); !s.ok()) return Error(s);
  int passed = 0, failed = 0, errors = 0;
  for (const reports::ScenarioResult& r : merged.scenarios) {
    (r.outcome == reports::Outcome::kPassed   ? passed
     : r.outcome == reports::Outcome::kFailed ? failed
                                              : errors)++;
  }
  std::printf(
      "merged %zu shard(s): %zu scenarios, %d passed, %d failed, %d errors; results %s, "
      "report %s\n",
      shards.size(), merged.scenarios.size(), passed, failed, errors, rp.json.c_str(),
      rp.html.c_str());
  return failed + errors > 0 ? 1 : 0;
}

}  // namespace

TBFAULT_COMMAND(merge,
                "join the results of the shards of one run into one results.json and reports",
                RunMerge);

}  // namespace tbfault::cli
