// tbfault doctor PATH [--json] [--watch [--reload-ms N]]: why summaries under PATH would not appear
// in TensorBoard, per run: one finding per cause, naming the reader profile(s), file, offset and
// the number of values it hides (harness/core/doctor.h). --watch follows a live logdir, polling
// every N ms (default 5000, like TensorBoard's --reload_interval) and printing each finding as it
// arises (harness/core/doctor_watch.h); Ctrl-C ends it with the summary. Exit 0 nothing wrong, 3
// findings, 2 bad usage or unreadable path.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness/cli/command.h"
#include "harness/cli/flags.h"
#include "harness/core/doctor.h"
#include "harness/core/doctor_watch.h"

namespace tbfault::cli {
namespace {

std::string ProfileList(const core::Finding& f) {
  std::string out;
  for (core::Profile p : f.profiles) {
    out += (out.empty() ? "" : ",") + std::string(core::ProfileName(p));
  }
  return out.empty() ? "-" : out;
}

nlohmann::json ToJson(const core::Finding& f) {
  nlohmann::json profiles = nlohmann::json::array();
  for (core::Profile p : f.profiles) profiles.push_back(core::ProfileName(p));
  nlohmann::json j = {{"kind", core::FindingKindName(f.kind)},
                      {"profiles", profiles},
                      {"file", f.file},
                      {"offset", f.offset},
                      {"values", f.values},
                      {"tags", f.tags},
                      {"summary", f.summary},
                      {"reasons", f.reasons}};
  if (f.kind == core::FindingKind::kNoEvents) j["where"] = f.where;
  if (!f.plugin.empty()) j["plugin"] = f.plugin;
  if (!f.runs.empty()) j["runs"] = f.runs;
  return j;
}

nlohmann::json ToJson(const core::Diagnosis& d) {
  nlohmann::json findings = nlohmann::json::array();
  for (const core::Finding& f : d.findings) findings.push_back(ToJson(f));
  nlohmann::json runs = nlohmann::json::array();
  for (const core::RunDiagnosis& r : d.runs) {
    nlohmann::json run_findings = nlohmann::json::array();
    for (const core::Finding& f : r.findings) run_findings.push_back(ToJson(f));
    runs.push_back({{"run", r.run},
                    {"files", r.files},
                    {"values",
                     {{"strict", r.strict_values},
                      {"tb-rust", r.rust_values},
                      {"tb-python", r.python_values}}},
                    {"findings", run_findings}});
  }
  return {{"path", d.path},
          {"findings", findings},
          {"runs", runs},
          {"finding_count", d.finding_count()}};
}

void PrintFinding(const std::string& run, const core::Finding& f) {
  std::string_view kind = core::FindingKindName(f.kind);
  std::printf("FINDING %.*s run=%s profiles=%s", static_cast<int>(kind.size()), kind.data(),
              run.c_str(), ProfileList(f).c_str());
  if (!f.file.empty()) {
    std::printf(" file=%s offset=%llu", f.file.c_str(), static_cast<unsigned long long>(f.offset));
  }
  std::printf(" values=%llu\n", static_cast<unsigned long long>(f.values));
  std::printf("    %s\n", f.summary.c_str());
  for (const std::string& r : f.reasons) std::printf("    - %s\n", r.c_str());
  for (const std::string& w : f.where) std::printf("    event files in %s\n", w.c_str());
}

void PrintText(const core::Diagnosis& d) {
  for (const core::Finding& f : d.findings) PrintFinding("-", f);
  for (const core::RunDiagnosis& r : d.runs) {
    std::printf(
        "run %s: %zu file%s; strict reads %llu values, tb-rust shows %llu, tb-python %llu\n",
        r.run.c_str(), r.files.size(), r.files.size() == 1 ? "" : "s",
        static_cast<unsigned long long>(r.strict_values),
        static_cast<unsigned long long>(r.rust_values),
        static_cast<unsigned long long>(r.python_values));
    for (const core::Finding& f : r.findings) PrintFinding(r.run, f);
  }
  size_t n = d.finding_count();
  if (n == 0) {
    std::printf("no findings: TensorBoard should show every value under %s\n", d.path.c_str());
  } else {
    std::printf("%zu finding%s\n", n, n == 1 ? "" : "s");
  }
}

volatile std::sig_atomic_t g_stop = 0;

// --watch: poll until SIGINT/SIGTERM, each new finding printed (as text, or one JSON line) as it
// arises, then the summary.
int Watch(const std::string& path, bool json, int64_t reload_ms) {
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  core::DoctorWatch watch(path);
  while (!g_stop) {
    std::vector<core::WatchFinding> found;
    Status s = watch.Poll(&found);
    if (!s.ok()) {
      std::fprintf(stderr, "tbfault doctor: %s\n", s.ToString().c_str());
      return 2;
    }
    for (const core::WatchFinding& w : found) {
      if (json) {
        nlohmann::json j = ToJson(w.finding);
        j["run"] = w.run;
        std::printf("%s\n",
                    j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
      } else {
        PrintFinding(w.run, w.finding);
      }
    }
    std::fflush(stdout);
    for (int64_t waited = 0; waited < reload_ms && !g_stop; waited += 50) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::min<int64_t>(50, reload_ms - waited)));
    }
  }
  if (json) {
    std::printf("%s\n", ToJson(watch.diagnosis())
                            .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                            .c_str());
  } else {
    PrintText(watch.diagnosis());
  }
  return watch.diagnosis().finding_count() == 0 ? 0 : 3;
}

int RunDoctor(std::span<char*> args) {
  std::vector<std::string> paths;
  bool json = false, watch = false;
  int64_t reload_ms = 5000;
  Flags flags("doctor", "PATH [--json] [--watch [--reload-ms N]]");
  flags.Positional("PATH", &paths, 1, 1, "a logdir, a run directory or one event file");
  flags.Bool("--json", &json, "print the report as JSON");
  flags.Bool("--watch", &watch,
             "follow a logdir that is being written, polling like TensorBoard: each finding as it "
             "arises; Ctrl-C ends with the summary");
  flags.Int("--reload-ms", &reload_ms, 1, 3600000,
            "with --watch, ms between polls (TensorBoard's --reload_interval)");
  if (int rc = flags.Parse(args); rc >= 0) return rc;
  const std::string& path = paths[0];
  if (watch) return Watch(path, json, reload_ms);
  core::Diagnosis diagnosis;
  Status s = core::Diagnose(path, &diagnosis);
  if (!s.ok()) {
    std::fprintf(stderr, "tbfault doctor: %s\n", s.ToString().c_str());
    return 2;
  }
  if (json) {
    std::printf(
        "%s\n",
        ToJson(diagnosis).dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    PrintText(diagnosis);
  }
  return diagnosis.finding_count() == 0 ? 0 : 3;
}

}  // namespace

TBFAULT_COMMAND(doctor, "explain, per run, why summaries would not appear in TensorBoard",
                RunDoctor);

}  // namespace tbfault::cli
