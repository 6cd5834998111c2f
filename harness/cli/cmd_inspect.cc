// tbfault inspect PATH [--json]: per run and file, records, events by kind, tags with step ranges
// and counts, and one line per anomaly. Exit 0 clean, 3 anomalies found, 2 bad usage or unreadable
// path.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "format/inspect.h"
#include "harness/cli/command.h"
#include "harness/cli/flags.h"

namespace tbfault::cli {
namespace {

nlohmann::json ToJson(const format::InspectReport& report) {
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& run : report.runs) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : run.files) {
      nlohmann::json anomalies = nlohmann::json::array();
      for (const auto& a : f.anomalies) {
        anomalies.push_back({{"kind", format::AnomalyName(a.kind)},
                             {"offset", a.offset},
                             {"skipped", a.skipped},
                             {"detail", a.detail}});
      }
      files.push_back({{"path", f.path},
                       {"size", f.size},
                       {"records", f.records},
                       {"events_by_kind", f.events_by_kind},
                       {"anomalies", anomalies}});
    }
    nlohmann::json tags = nlohmann::json::object();
    for (const auto& [tag, t] : run.tags) {
      tags[tag] = {
          {"kind", t.kind}, {"count", t.count}, {"min_step", t.min_step}, {"max_step", t.max_step}};
    }
    runs.push_back({{"run", run.run}, {"files", files}, {"tags", tags}});
  }
  return {{"runs", runs}, {"anomalies", report.anomaly_count()}};
}

void PrintText(const format::InspectReport& report) {
  if (report.runs.empty()) std::printf("no event files found\n");
  for (const auto& run : report.runs) {
    std::printf("run %s\n", run.run.c_str());
    for (const auto& f : run.files) {
      std::printf("  file %s  %llu bytes, %llu records\n", f.path.c_str(),
                  static_cast<unsigned long long>(f.size),
                  static_cast<unsigned long long>(f.records));
      std::string kinds;
      for (const auto& [kind, n] : f.events_by_kind) {
        kinds += (kinds.empty() ? "" : ", ") + kind + " " + std::to_string(n);
      }
      if (!kinds.empty()) std::printf("    events: %s\n", kinds.c_str());
    }
    for (const auto& [tag, t] : run.tags) {
      std::printf("  tag %-32s %-9s %6llu values, steps %lld..%lld\n", tag.c_str(), t.kind.c_str(),
                  static_cast<unsigned long long>(t.count), static_cast<long long>(t.min_step),
                  static_cast<long long>(t.max_step));
    }
  }
  for (const auto& run : report.runs) {
    for (const auto& f : run.files) {
      for (const auto& a : f.anomalies) {
        std::string_view kind = format::AnomalyName(a.kind);
        std::printf("ANOMALY %.*s file=%s offset=%llu %s (%llu bytes skipped)\n",
                    static_cast<int>(kind.size()), kind.data(), f.path.c_str(),
                    static_cast<unsigned long long>(a.offset), a.detail.c_str(),
                    static_cast<unsigned long long>(a.skipped));
      }
    }
  }
}

int RunInspect(std::span<char*> args) {
  std::vector<std::string> paths;
  bool json = false;
  Flags flags("inspect", "PATH [--json]");
  flags.Positional("PATH", &paths, 1, 1, "a logdir, a run directory or one event file");
  flags.Bool("--json", &json, "print the report as JSON");
  if (int rc = flags.Parse(args); rc >= 0) return rc;
  const std::string& path = paths[0];
  format::InspectReport report;
  Status s = format::Inspect(path, &report);
  if (!s.ok()) {
    std::fprintf(stderr, "tbfault inspect: %s\n", s.ToString().c_str());
    return 2;
  }
  if (json) {
    std::printf(
        "%s\n",
        ToJson(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    PrintText(report);
  }
  return report.anomaly_count() == 0 ? 0 : 3;
}

}  // namespace

TBFAULT_COMMAND(inspect, "summarise event files and report every anomaly with its offset",
                RunInspect);

}  // namespace tbfault::cli
