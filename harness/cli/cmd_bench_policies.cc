// tbfault bench-policies: one table comparing the flush policies, the presets and the external
// writers, every figure measured in one run on this machine (runner::RunPolicyBench: throughput
// and add latency to tmpfs, step overhead under small-fast and llm-like, loss windows after a
// crash and a power cut, behaviour under ENOSPC, EACCES and 100 ms write delays). Prints the
// table; writes into --out (default build/suite/policies) results.json (one ScenarioResult per
// writer and measure, "policy/<spec>/<measure>"), report.md, report.html and table.txt.
// Exit 0, 1 when a measure could not run (an error outcome other than a writer that hung, which is
// the finding "blocked"), 2 on bad usage.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>

#include "harness/cli/command.h"
#include "harness/runner/policy_bench.h"
#include "reports/write_reports.h"

namespace tbfault::cli {
namespace {

constexpr char kUsage[] =
    "usage: tbfault bench-policies [--out DIR] [--writers SPEC,...] [--quick] [--tmpfs DIR]\n"
    "  --writers  writer specs, comma-separated (default: every policy and preset,\n"
    "             async:overflow=drop-newest, tensorboardx, tensorboard, tensorflow,\n"
    "             tensorflow-v1 where their venv exists)\n"
    "  --quick    every count shrunk: the whole run takes well under a minute\n";

std::atomic<bool> g_interrupted{false};
void OnSignal(int) { g_interrupted = true; }

int RunBenchPolicies(std::span<char*> args) {
  runner::PolicyBenchOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--help" || a == "-h") return std::fputs(kUsage, stdout), 0;
    if (a == "--quick") {
      options.quick = true;
      continue;
    }
    if (i + 1 < args.size() && a == "--out") {
      options.out_dir = args[++i];
    } else if (i + 1 < args.size() && a == "--tmpfs") {
      options.tmpfs_dir = args[++i];
    } else if (i + 1 < args.size() && a == "--writers") {
      std::string_view list = args[++i];
      while (!list.empty()) {
        size_t comma = list.find(',');
        std::string_view spec = list.substr(0, comma);
        if (!spec.empty()) options.writers.emplace_back(spec);
        list = comma == std::string_view::npos ? "" : list.substr(comma + 1);
      }
    } else {
      std::fprintf(stderr, "tbfault bench-policies: bad argument '%.*s'\n%s",
                   static_cast<int>(a.size()), a.data(), kUsage);
      return 2;
    }
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  options.interrupted = &g_interrupted;
  options.progress = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);

  runner::PolicyBench bench;
  Status s = runner::RunPolicyBench(options, &bench);
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
