// tbfault run [PATH...] [--filter GLOB|label:NAME] [--seed N] [--jobs N] [--shard I/N]
//             [--shard-index I] [--shard-total N] [--out DIR] [--junit FILE] [--json FILE]
//             [--device cpu|gpu|auto] [--writer SPEC]
// Runs scenarios (default: all under scenarios/) with a live progress line, prints a table and
// each failing scenario's summary, and writes the results (JSON, JUnit, Markdown, HTML) under
// --out (prepared before anything runs: created, or emptied when an earlier tbfault run wrote it,
// else refused; output_paths.h). The shard comes from the flags or the CI system's variables
// (runner::ResolveShard: GitLab, Kubernetes Indexed Jobs, GoogleTest), and the results record it
// with the full selection's identity for `tbfault merge`; a shard may be empty. Stale
// mounts a killed runner left are cleaned first; SIGINT/SIGTERM stop the run and unmount
// everything. Exit 0 every scenario met its expectations, 1 any did not (or errored), 2 bad input,
// 130 when interrupted.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "harness/cli/command.h"
#include "harness/cli/flags.h"
#include "harness/cli/output_paths.h"
#include "harness/cli/shard_flags.h"
#include "harness/runner/mount.h"
#include "harness/runner/runner.h"
#include "harness/runner/shard.h"
#include "harness/runner/suite.h"
#include "reports/write_reports.h"
#include "writers/writer_factory.h"

namespace tbfault::cli {
namespace {

std::atomic<bool> g_interrupted{false};
void OnSignal(int) { g_interrupted.store(true); }

std::string Fmt(double v, const char* f = "%.0f") {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string Row(const runner::RunOutput& o) {
  const reports::ScenarioResult& r = o.result;
  std::string visible, violations, loss;
  uint64_t worst = 0;
  for (const auto& p : r.profiles) {
    visible += (visible.empty() ? "" : "/") + std::to_string(p.count(reports::Verdict::kVisible));
    worst = std::max(worst, p.violations());
    if (p.profile == "strict" && p.loss_window.events > 0) {
      loss =
          std::to_string(p.loss_window.events) + " ev " + Fmt(p.loss_window.seconds, "%.2f") + " s";
    }
  }
  // The writer's cost to the training step: the time it adds at p50 over logging disabled, and
  // as a % only where a step without logging takes at least 1 ms (load::CompareSteps).
  const std::string step = reports::StepAddedText(r.figures);
  char line[512];
  std::snprintf(line, sizeof line, "%-46.46s %-7s %8llu %-20s %6llu  %-16s %16s %6.1fs",
                r.name.c_str(), std::string(reports::OutcomeName(r.outcome)).c_str(),
                static_cast<unsigned long long>(r.events_logged), visible.c_str(),
                static_cast<unsigned long long>(worst), loss.c_str(), step.c_str(), r.duration_s);
  return line;
}

// Before anything runs: the benchmark file readable, the report files writable, then the output
// directory prepared (output_paths.h: created, or emptied when an earlier tbfault run wrote it,
// else refused) — last, so that a bad path elsewhere leaves an earlier run's results alone. A
// report file inside the output directory is checked once it is prepared.
Status CheckOutputPaths(const std::string& out_dir, const std::string& junit,
                        const std::string& json, const std::string& bench_json) {
  namespace fs = std::filesystem;
  if (!bench_json.empty() && access(bench_json.c_str(), R_OK) != 0) {
    return Status::FromErrno(errno, bench_json);
  }
  const fs::path out = fs::absolute(out_dir).lexically_normal();
  std::vector<const std::string*> inside;
  for (const std::string* file : {&junit, &json}) {
    if (file->empty()) continue;
    fs::path parent = fs::absolute(*file).lexically_normal().parent_path();
    if (parent.string().starts_with(out.string())) {
      inside.push_back(file);
    } else if (Status s = CheckOutputFile(*file); !s.ok()) {
      return s;
    }
  }
  if (Status s = PrepareOutDir(out_dir); !s.ok()) return s;
  for (const std::string* file : inside) {
    if (Status s = CheckOutputFile(*file); !s.ok()) return s;
  }
  return Status::Ok();
}

int RunRun(std::span<char*> args) {
  std::vector<std::string> paths;
  std::string filter, out_dir = "tbfault-results", junit, json, writer_override, bench_json;
  runner::RunOptions options;
  int jobs = 1;
  bool quiet = false;
  uint64_t seed = 0;
  Flags flags("run", "[PATH...] [FLAGS]");
  flags.Positional("PATH", &paths, 0, SIZE_MAX,
                   "scenario files or directories (default: " + runner::DefaultScenarioDir() + ")");
  flags.String("--filter", "GLOB|label:NAME", &filter,
               "only scenarios whose name matches GLOB or that carry the label NAME");
  const Flags::Flag& seed_flag =
      flags.Uint("--seed", &seed, 0, UINT64_MAX, "every scenario's seed").DefaultText("its own");
  flags.Int("--jobs", &jobs, 1, 64, "scenarios run at once");
  ShardFlagSet shard_flags(&flags,
                           "the suite (the k-th scenario in name order is in shard k mod N)");
  flags.String("--out", "DIR", &out_dir,
               "each scenario's files and the reports go here; a directory an earlier run wrote "
               "is emptied first, any other non-empty one refused");
  flags.String("--junit", "FILE", &junit, "also write a JUnit XML report");
  flags.String("--json", "FILE", &json, "write the results here (default DIR/results.json)");
  flags.Choice("--device", {"cpu", "gpu", "auto"}, &options.device,
               "where the training workloads run");
  flags.Custom(
      "--writer", "SPEC",
      [&](std::string_view spec, std::string* why) {
        Status s = writers::CheckWriterSpec(spec);
        if (s.ok()) writer_override = spec;
        *why = s.message();
        return s.ok();
      },
      "", "run every scenario file once, against this writer");
  flags.String("--bench-json", "FILE", &bench_json,
               "Google Benchmark JSON to carry in the results (for tbfault gate)");
  flags.Bool("--quiet", &quiet, "no progress lines");
  if (int rc = flags.Parse(args); rc >= 0) return rc;
  const bool seed_set = seed_flag.seen();
  runner::ShardChoice shard;
  if (int rc = shard_flags.Resolve(&shard); rc >= 0) return rc;
  if (paths.empty()) paths.push_back(runner::DefaultScenarioDir());
  std::vector<runner::SuiteEntry> suite;
  if (Status s = runner::LoadSuite(paths, &suite); !s.ok()) {
    std::fprintf(stderr, "tbfault run: %s\n", s.ToString().c_str());
    return 2;
  }
  runner::Selection selection{writer_override, std::nullopt, filter, 0, 1};
  if (seed_set) selection.seed = seed;
  std::vector<runner::SuiteEntry> selected = runner::SelectSuite(std::move(suite), selection);
  if (selected.empty()) {
    std::fprintf(stderr, "tbfault run: no scenario selected\n");
    return 2;
  }
  // The whole selection's record, then this shard's part of it (which may be empty: a shard of a
  // selection smaller than N writes empty results that merge counts).
  const reports::ShardRecord shard_record = runner::ShardRecordFor(selected, shard);
  runner::Shard(shard.index, shard.total, &selected);
  if (Status s = runner::CheckCanMount(); !s.ok()) {  // before anything runs: one line, exit 2.
    std::fprintf(stderr, "tbfault run: %s\n", s.ToString().c_str());
    return 2;
  }
  if (Status s = CheckOutputPaths(out_dir, junit, json, bench_json); !s.ok()) {
    std::fprintf(stderr, "tbfault run: %s\n", s.ToString().c_str());
    return 2;
  }
  if (int n = runner::CleanStaleMounts(""); n > 0) {
    std::fprintf(stderr, "tbfault run: unmounted %d stale mount(s) left by an earlier run\n", n);
  }
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  options.out_dir = out_dir;
  options.interrupted = &g_interrupted;

  // Run the suite (runner::RunSuite), a progress line per scenario.
  const bool tty = isatty(STDERR_FILENO) && !quiet;
  std::vector<runner::RunOutput> outputs;
  auto progress = [&](size_t i, bool finished, size_t done) {
    const std::string& name = selected[i].scenario.name();
    if (tty && !finished) {
      std::fprintf(stderr, "\r\033[K[%zu/%zu] %s", done + 1, selected.size(), name.c_str());
    } else if (!tty && !quiet && finished) {
      std::fprintf(stderr, "[%zu/%zu] %s %s\n", done, selected.size(),
                   std::string(reports::OutcomeName(outputs[i].result.outcome)).c_str(),
                   name.c_str());
    }
  };
  Status ran = runner::RunSuite(selected, options, jobs, progress, &outputs);
  runner::UnmountAll();
  if (tty) std::fprintf(stderr, "\r\033[K");
  if (!ran.ok()) {
    std::fprintf(stderr, "tbfault run: %s\n", ran.ToString().c_str());
    return 2;
  }

  // The table, the failures, the reports.
  reports::Results results = runner::SuiteResults(outputs);
  results.shard = shard_record;
  int passed = 0, failed = 0, errors = 0;
  std::printf("%-46s %-7s %8s %-20s %6s  %-16s %16s %7s\n", "scenario", "outcome", "logged",
              "visible s/rust/py", "viol.", "loss window", "step added", "time");
  for (size_t i = 0; i < selected.size(); ++i) {
    const runner::RunOutput& o = outputs[i];
    if (o.result.name.empty()) continue;  // not run (interrupted).
    std::printf("%s\n", Row(o).c_str());
    switch (o.result.outcome) {
      case reports::Outcome::kPassed:
        ++passed;
        break;
      case reports::Outcome::kFailed:
        ++failed;
        break;
      case reports::Outcome::kError:
        ++errors;
        break;
    }
  }
  for (const runner::RunOutput& o : outputs) {
    if (o.result.name.empty() || o.result.outcome == reports::Outcome::kPassed) continue;
    std::printf("\n== %s: %s\n   %s\n", o.result.name.c_str(),
                std::string(reports::OutcomeName(o.result.outcome)).c_str(),
                o.result.error.c_str());
    if (!o.verdict.summary.empty()) std::printf("%s", o.verdict.summary.c_str());
    if (!o.notes.empty()) std::printf("%s", o.notes.c_str());
    std::printf("   files: %s\n", o.dir.c_str());
  }
  if (!bench_json.empty()) {  // Google Benchmark's JSON, carried in the results for the gate.
    if (Status s = reports::ReadBenchmarkFile(bench_json, &results); !s.ok()) {
      std::fprintf(stderr, "tbfault run: %s\n", s.ToString().c_str());
      return 2;
    }
  }
  reports::ReportPaths rp;
  rp.json = json.empty() ? out_dir + "/results.json" : json;
  rp.junit = junit;
  rp.markdown = out_dir + "/summary.md";
  rp.html = out_dir + "/report.html";
  if (Status s = reports::WriteReports(results, rp); !s.ok()) {
    std::fprintf(stderr, "tbfault run: %s\n", s.ToString().c_str());
    return 2;
  }
  std::printf("\n%d passed, %d failed, %d errors; results %s, report %s\n", passed, failed, errors,
              rp.json.c_str(), rp.html.c_str());
  if (g_interrupted.load()) {
    std::fprintf(stderr, "tbfault run: interrupted; every mount was unmounted\n");
    return 130;
  }
  return failed + errors > 0 ? 1 : 0;
}

}  // namespace

TBFAULT_COMMAND(run, "run scenarios: faults, read-back by every reader profile, verdicts", RunRun);

}  // namespace tbfault::cli
