// tbfault bench-policies: one table comparing the flush policies, the presets and the external
// writers, every figure measured in one run on this machine (runner::RunPolicyBench: throughput
// and add latency to tmpfs, step overhead under small-fast and llm-like, loss windows after a
// crash and a power cut, behaviour under ENOSPC, EACCES and 100 ms write delays). Prints the
// table; writes into --out (default build/suite/policies) results.json (one ScenarioResult per
// writer and measure, "policy/<spec>/<measure>"), report.md, report.html and table.txt.
// --out is prepared before anything runs (output_paths.h); --tmpfs must be a tmpfs directory.
// Exit 0, 1 when a measure could not run (an error outcome other than a writer that hung, which is
// the finding "blocked"), 2 on bad usage or a bad output path, 130 when interrupted.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>

#include "harness/cli/command.h"
#include "harness/cli/flags.h"
#include "harness/cli/output_paths.h"
#include "harness/runner/mount.h"
#include "harness/runner/policy_bench.h"
#include "reports/write_reports.h"

namespace tbfault::cli {
namespace {

std::atomic<bool> g_interrupted{false};
void OnSignal(int) { g_interrupted = true; }

int RunBenchPolicies(std::span<char*> args) {
  runner::PolicyBenchOptions options;
  Flags flags("bench-policies", "[--out DIR] [--writers SPEC,...] [--quick] [--tmpfs DIR]");
  flags.String("--out", "DIR", &options.out_dir,
               "results.json, report.md, report.html, table.txt and the runs go here; emptied "
               "first when an earlier tbfault command wrote it, refused when it holds anything "
               "else");
  flags.Custom(
      "--writers", "SPEC,...",
      [&](std::string_view list, std::string* why) {
        options.writers.clear();
        while (!list.empty()) {
          size_t comma = list.find(',');
          std::string_view spec = list.substr(0, comma);
          if (!spec.empty()) options.writers.emplace_back(spec);
          list = comma == std::string_view::npos ? "" : list.substr(comma + 1);
        }
        if (options.writers.empty()) *why = "no writer spec";
        return !options.writers.empty();
      },
      "every policy and preset, async:overflow=drop-newest, tensorboardx, tensorboard, "
      "tensorflow, tensorflow-v1, keras where their venv exists",
      "writer specs, comma-separated");
  flags.Bool("--quick", &options.quick, "every count shrunk: the whole run takes under a minute");
  flags.String("--tmpfs", "DIR", &options.tmpfs_dir,
               "an existing directory on a tmpfs for the throughput runs (default /dev/shm when "
               "writable, else the temp dir)");
  if (int rc = flags.Parse(args); rc >= 0) return rc;
  if (!options.tmpfs_dir.empty()) {
    if (Status s = CheckTmpfsDir(options.tmpfs_dir); !s.ok())
      return flags.Fail("--tmpfs: " + s.ToString());
  }
  if (Status s = PrepareOutDir(options.out_dir); !s.ok()) {
    std::fprintf(stderr, "tbfault bench-policies: %s\n", s.ToString().c_str());
    return 2;
  }
  // As `tbfault run`: SIGINT/SIGTERM/SIGHUP stop the bench between measures, every mount is
  // unmounted, exit 130.
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  options.interrupted = &g_interrupted;
  options.progress = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };

  runner::PolicyBench bench;
  Status s = runner::RunPolicyBench(options, &bench);
  runner::UnmountAll();
  if (g_interrupted.load()) {
    std::fprintf(stderr, "tbfault bench-policies: interrupted; every mount was unmounted\n");
    return 130;
  }
  if (!s.ok()) {
    std::fprintf(stderr, "tbfault bench-policies: %s\n", s.ToString().c_str());
    return 2;
  }
  std::string table = runner::FormatPolicyTable(bench);
  std::fputs(table.c_str(), stdout);

  char host[256] = "";
  gethostname(host, sizeof host - 1);
  bench.results.host = host;
  char created[32];
  std::time_t now = std::time(nullptr);
  std::strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  bench.results.created = created;
  reports::ReportPaths paths;
  paths.json = options.out_dir + "/results.json";
  paths.markdown = options.out_dir + "/report.md";
  paths.html = options.out_dir + "/report.html";
  s = reports::WriteReports(bench.results, paths);
  if (s.ok()) s = reports::WriteFile(options.out_dir + "/table.txt", table);
  if (!s.ok()) {
    std::fprintf(stderr, "tbfault bench-policies: %s\n", s.ToString().c_str());
    return 2;
  }
  std::printf("results: %s (and report.md, report.html, table.txt)\n", paths.json.c_str());
  for (const auto& r : bench.results.scenarios) {
    if (r.outcome == reports::Outcome::kError && !runner::Hung(r)) return 1;
  }
  return 0;
}

}  // namespace

TBFAULT_COMMAND_NAMED(bench_policies, "bench-policies",
                      "compare flush policies and writers in one table: throughput, latency, step "
                      "overhead, loss windows, fault behaviour",
                      RunBenchPolicies);

}  // namespace tbfault::cli
