// tbfault explore SCENARIO [--crash process|power-cut:MODE] [--budget N] [--seed S] [--shard I/N]
//                 [--shard-index I] [--shard-total N] (or the CI system's shard, as `run` reads it)
//                 [--writer SPEC] [--out DIR] [--json FILE] [--keep-all]
// Crash points explored, not picked (harness/runner/explore.h): a clean pass counts the scenario's
// write-path operations in faultfs's trace, then the scenario runs once per operation (or a seeded
// sample of --budget of them, or the --shard's part) with the crash right after it. Prints one
// line per point, the smallest operation number with a violation and the command that replays it;
// writes the JSON (default DIR/explore.json) and the points as results (DIR/results.json, which
// `tbfault survival` takes: one row per explored scenario and crash, the worst point). A file with several writer specs is explored once
// per spec. Exit 0 no point produced a violation, 1 some did (or a point errored), 2 bad input,
// 130 when interrupted.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "harness/cli/command.h"
#include "harness/cli/flags.h"
#include "harness/cli/output_paths.h"
#include "harness/cli/shard_flags.h"
#include "harness/core/scenario.h"
#include "harness/runner/explore.h"
#include "harness/runner/mount.h"
#include "harness/runner/suite.h"
#include "writers/writer_factory.h"

namespace tbfault::cli {
namespace {

std::atomic<bool> g_interrupted{false};
void OnSignal(int) { g_interrupted.store(true); }

int RunExplore(std::span<char*> args) {
  std::vector<std::string> files;
  std::string out_dir = "tbfault-explore", json, writer;
  runner::ExploreOptions o;
  uint64_t seed = 0;
  bool quiet = false;
  Flags flags("explore", "SCENARIO [FLAGS]",
              "Replays SCENARIO with the crash placed after each of its write-path operations "
              "(write, fsync, create, rename, numbered as faultfs's trace numbers them) in turn.");
  flags.Positional("SCENARIO", &files, 1, 1, "a scenario file");
  flags.Custom(
      "--crash", "process|power-cut:MODE",
      [&](std::string_view v, std::string* why) {
        runner::CrashKind k;
        if (!runner::ParseCrashKind(std::string(v), &k, why)) return false;
        o.crash = k;
        return true;
      },
      "the scenario's own, else process",
      "the crash: SIGKILL of the writer, or a power cut (plain, torn, zero-fill, reorder) then it");
  flags.Uint("--budget", &o.budget, 0, UINT64_MAX,
             "try a seeded sample of this many operations (0: every one)");
  const Flags::Flag& seed_flag =
      flags.Uint("--seed", &seed, 0, UINT64_MAX, "the scenario's seed, and the sample's")
          .DefaultText("its own");
  ShardFlagSet shard_flags(&flags, "the points chosen (the k-th is in shard k mod N)");
  flags.Custom(
      "--writer", "SPEC",
      [&](std::string_view spec, std::string* why) {
        Status s = writers::CheckWriterSpec(spec);
        if (s.ok()) writer = spec;
        *why = s.message();
        return s.ok();
      },
      "", "explore with this writer (default: each of the scenario's)");
  flags.String("--out", "DIR", &out_dir,
               "the points' result directories (violating ones are kept) and explore.json; a "
               "directory an earlier tbfault command wrote is emptied first");
  flags.String("--json", "FILE", &json, "write the results here (default DIR/explore.json)");
  flags.Bool("--keep-all", &o.keep_all, "keep every point's result directory");
  flags.Bool("--quiet", &quiet, "no progress lines");
  if (int rc = flags.Parse(args); rc >= 0) return rc;
  runner::ShardChoice shard;
  if (int rc = shard_flags.Resolve(&shard); rc >= 0) return rc;
  o.shard_index = shard.index;
  o.shard_total = shard.total;

  scenario::Scenario s;
  if (Status st = core::LoadScenario(files[0], &s); !st.ok()) {
    std::fprintf(stderr, "tbfault explore: %s\n", st.ToString().c_str());
    return 2;
  }
  if (!writer.empty()) {  // named "<name>/<writer>", as `tbfault run --writer` names it.
    s.mutable_writer()->clear_specs();
    s.mutable_writer()->add_specs(writer);
  }
  if (seed_flag.seen()) s.set_seed(seed);
  if (Status st = runner::CheckExplorable(s); !st.ok()) {
    std::fprintf(stderr, "tbfault explore: %s: %s\n", files[0].c_str(), st.ToString().c_str());
    return 2;
  }
  o.sample_seed = s.seed();
  if (Status st = runner::CheckCanMount(); !st.ok()) {
    std::fprintf(stderr, "tbfault explore: %s\n", st.ToString().c_str());
    return 2;
  }
  if (json.empty()) json = out_dir + "/explore.json";
  Status prepared = PrepareOutDir(out_dir);
  if (prepared.ok()) prepared = CheckOutputFile(json);
  if (!prepared.ok()) {
    std::fprintf(stderr, "tbfault explore: %s\n", prepared.ToString().c_str());
    return 2;
  }
  runner::CleanStaleMounts("");
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  o.run.out_dir = out_dir;
  o.run.interrupted = &g_interrupted;
  o.run.baseline_steps = 0;  // no figures wanted: the verdicts are what counts here.

  nlohmann::json all = nlohmann::json::array();
  reports::Results results;  // for tbfault survival (its explored rows).
  runner::StampResults(&results);
  int found = 0;
  for (const scenario::Scenario& one : runner::ExpandWriters(s)) {
    auto progress = [&](const runner::CrashPointResult& p, size_t done, size_t total) {
      if (quiet) return;
      std::fprintf(stderr, "[%zu/%zu] op %llu %s %s%s\n", done, total,
                   static_cast<unsigned long long>(p.op.number), p.op.op.c_str(),
                   std::string(reports::OutcomeName(p.result.outcome)).c_str(),
                   p.violation ? " (violation)" : "");
    };
    runner::ExploreResult r;
    Status st = runner::Explore(one, o, progress, &r);
    runner::UnmountAll();
    if (!st.ok()) {
      std::fprintf(stderr, "tbfault explore: %s: %s\n", files[0].c_str(), st.ToString().c_str());
      return 2;
    }
    std::printf("%s\n", runner::ExploreTable(r).c_str());
    all.push_back(runner::ToJson(r));
    runner::AddExploredResults(r, &results);
    if (r.violations + r.errors > 0) found = 1;
    if (r.interrupted) break;
  }
  std::ofstream(json) << nlohmann::json{{"explorations", all}}.dump(2) << "\n";
  const std::string results_file = out_dir + "/results.json";
  if (Status st = reports::WriteResultsFile(results_file, results); !st.ok()) {
    std::fprintf(stderr, "tbfault explore: %s\n", st.ToString().c_str());
    return 2;
  }
  std::printf("explore %s; the points as results (tbfault survival takes them) %s\n", json.c_str(),
              results_file.c_str());
  if (g_interrupted.load()) {
    std::fprintf(stderr, "tbfault explore: interrupted; every mount was unmounted\n");
    return 130;
  }
  return found;
}

}  // namespace

TBFAULT_COMMAND(explore, "replay a scenario with the crash after each write-path operation",
                RunExplore);

}  // namespace tbfault::cli
