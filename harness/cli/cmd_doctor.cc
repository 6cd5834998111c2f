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

#include "harness/cli/command.h"
#include "harness/core/doctor.h"
#include "harness/core/doctor_watch.h"

namespace tbfault::cli {
namespace {

constexpr char kUsage[] = "usage: tbfault doctor PATH [--json] [--watch [--reload-ms N]]\n";

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
int Watch(const std::string& path, bool json, long reload_ms) {
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
        std::printf("%s\n", j.dump().c_str());
      } else {
        PrintFinding(w.run, w.finding);
      }
    }
    std::fflush(stdout);
    for (long waited = 0; waited < reload_ms && !g_stop; waited += 50) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(50L, reload_ms - waited)));
    }
  }
  if (json) {
    std::printf("%s\n", ToJson(watch.diagnosis()).dump(2).c_str());
  } else {
    PrintText(watch.diagnosis());
  }
  return watch.diagnosis().finding_count() == 0 ? 0 : 3;
}

int RunDoctor(std::span<char*> args) {
  std::string path;
  bool json = false, watch = false;
  long reload_ms = 5000;
  std::vector<char*> rest;  // --watch and --reload-ms taken out; the rest as for doctor.
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--watch") {
      watch = true;
    } else if (a == "--reload-ms") {
      char* end = nullptr;
      reload_ms = i + 1 < args.size() ? std::strtol(args[i + 1], &end, 10) : 0;
      if (end == nullptr || *end != '\0' || reload_ms < 1 || reload_ms > 3600000) {
        std::fprintf(stderr, "tbfault doctor: --reload-ms needs a number of ms, 1 to 3600000\n%s",
                     kUsage);
        return 2;
      }
      ++i;
    } else {
      rest.push_back(args[i]);
    }
  }
  if (int rc = ParsePathAndJson(rest, "doctor", kUsage, &path, &json); rc >= 0) return rc;
  if (watch) return Watch(path, json, reload_ms);
  core::Diagnosis diagnosis;
  Status s = core::Diagnose(path, &diagnosis);
  if (!s.ok()) {
    std::fprintf(stderr, "tbfault doctor: %s\n", s.ToString().c_str());
    return 2;
  }
  if (json) {
    std::printf("%s\n", ToJson(diagnosis).dump(2).c_str());
  } else {
    PrintText(diagnosis);
  }
  return diagnosis.finding_count() == 0 ? 0 : 3;
}

}  // namespace

TBFAULT_COMMAND(doctor, "explain, per run, why summaries would not appear in TensorBoard",
                RunDoctor);

}  // namespace tbfault::cli
