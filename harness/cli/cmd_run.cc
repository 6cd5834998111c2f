// tbfault run [PATH...] [--filter GLOB|label:NAME] [--seed N] [--jobs N] [--shard I/N] [--out DIR]
//             [--junit FILE] [--json FILE] [--device cpu|gpu|auto] [--writer SPEC]
// Runs scenarios (default: all under scenarios/) with a live progress line, prints a table and
// each failing scenario's summary, and writes the results (JSON, JUnit, Markdown, HTML) under
// --out. --shard also honours GTEST_SHARD_INDEX / GTEST_TOTAL_SHARDS. Stale mounts a killed
// runner left are cleaned first; SIGINT/SIGTERM stop the run and unmount everything.
// Exit 0 every scenario met its expectations, 1 any did not (or errored), 2 bad input, 130 when
// interrupted.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "harness/cli/command.h"
#include "harness/runner/mount.h"
#include "harness/runner/runner.h"
#include "harness/runner/suite.h"
#include "reports/write_reports.h"

namespace tbfault::cli {
namespace {

constexpr char kUsage[] =
    "usage: tbfault run [PATH...] [--filter GLOB|label:NAME] [--seed N] [--jobs N]\n"
    "                   [--shard I/N] [--out DIR] [--junit FILE] [--json FILE]\n"
    "                   [--device cpu|gpu|auto] [--writer SPEC] [--bench-json FILE] [--quiet]\n";

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

int RunRun(std::span<char*> args) {
  std::vector<std::string> paths;
  std::string filter, out_dir = "tbfault-results", junit, json, writer_override, bench_json;
  runner::RunOptions options;
  int jobs = 1, shard_index = 0, shard_total = 1;
  bool seed_set = false, shard_set = false, quiet = false;
  uint64_t seed = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--quiet") {
      quiet = true;
      continue;
    }
    if (a.rfind("--", 0) != 0) {
      paths.push_back(a);
      continue;
    }
    if (i + 1 >= args.size()) {
      std::fprintf(stderr, "tbfault run: %s needs a value\n%s", a.c_str(), kUsage);
      return 2;
    }
    std::string v = args[++i];
    char* end = nullptr;
    bool ok = true;
    if (a == "--filter") {
      filter = v;
    } else if (a == "--seed") {
      seed = std::strtoull(v.c_str(), &end, 10);
      ok = seed_set = *end == '\0' && !v.empty();
    } else if (a == "--jobs") {
      jobs = static_cast<int>(std::strtol(v.c_str(), &end, 10));
      ok = *end == '\0' && jobs >= 1 && jobs <= 64;
    } else if (a == "--shard") {
      ok = std::sscanf(v.c_str(), "%d/%d", &shard_index, &shard_total) == 2 && shard_total >= 1 &&
           shard_index >= 0 && shard_index < shard_total;
      shard_set = true;
    } else if (a == "--out") {
      out_dir = v;
    } else if (a == "--junit") {
      junit = v;
    } else if (a == "--json") {
      json = v;
    } else if (a == "--device") {
      ok = v == "cpu" || v == "gpu" || v == "auto";
      options.device = v;
    } else if (a == "--writer") {
      writer_override = v;
    } else if (a == "--bench-json") {
      bench_json = v;
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "tbfault run: bad argument %s %s\n%s", a.c_str(), v.c_str(), kUsage);
      return 2;
    }
  }
  if (!shard_set) {
    const char* gi = std::getenv("GTEST_SHARD_INDEX");
    const char* gt = std::getenv("GTEST_TOTAL_SHARDS");
    if (gi != nullptr && gt != nullptr) {
      shard_index = std::atoi(gi);
      shard_total = std::max(1, std::atoi(gt));
    }
  }
  if (paths.empty()) paths.push_back(runner::DefaultScenarioDir());
  std::vector<runner::SuiteEntry> suite;
  if (Status s = runner::LoadSuite(paths, &suite); !s.ok()) {
    std::fprintf(stderr, "tbfault run: %s\n", s.ToString().c_str());
    return 2;
  }
  runner::Selection selection{writer_override, std::nullopt, filter, shard_index, shard_total};
  if (seed_set) selection.seed = seed;
  std::vector<runner::SuiteEntry> selected = runner::SelectSuite(std::move(suite), selection);
  if (selected.empty()) {
    std::fprintf(stderr, "tbfault run: no scenario selected\n");
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) {
    std::fprintf(stderr, "tbfault run: %s: %s\n", out_dir.c_str(), ec.message().c_str());
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
