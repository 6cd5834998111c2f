#include "reports/tb_events.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <vector>

#include "format/events.h"
#include "format/file_name.h"

namespace tbfault::reports {
namespace {

// A run directory for `name`: its '/'-separated parts, with empty, "." and ".." parts made safe.
std::filesystem::path RunDir(const std::string& logdir, const std::string& name) {
  std::filesystem::path dir = logdir;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    std::string part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") part = "_";
    dir /= part;
    start = end + 1;
  }
  return dir;
}

class RunFile {
 public:
  RunFile(double wall_time, int64_t step) : wall_time_(wall_time), step_(step) {
    format::AppendEventRecord(&data_, format::FileVersionEvent(wall_time));
  }
  void Add(const std::string& tag, double value) {
    format::AppendEventRecord(
        &data_, format::ScalarEvent(wall_time_, step_, tag, static_cast<float>(value), true));
  }
  Status Write(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::FromErrno(ec.value(), "mkdir " + dir.string());
    return WriteFile((dir / format::NextEventFileName(".tbfault")).string(), data_);
  }

 private:
  double wall_time_;
  int64_t step_;
  std::string data_;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

bool Compared(const std::string& key) {  // the metrics gate.h compares, by name.
  auto ends = [&](std::string_view s) {
    return key.size() >= s.size() && key.compare(key.size() - s.size(), s.size(), s) == 0;
  };
  return ends("_per_second") || ends("_per_s") || ends("_ns") || ends("_pct") ||
         key.find("_ns_") != std::string::npos;
}

}  // namespace

Status WriteResultsEvents(const Results& results, const std::string& logdir, int64_t step,
                          double wall_time) {
  for (const auto& s : results.scenarios) {
    RunFile file(wall_time, step);
    file.Add("passed", s.outcome == Outcome::kPassed ? 1 : 0);
    file.Add("duration_s", s.duration_s);
    for (const auto& [name, value] : FigureList(s.figures)) {
      if (value) file.Add("figures/" + std::string(name), *value);
    }
    for (const auto& p : s.profiles) {
      file.Add("violations/" + p.profile, static_cast<double>(p.violations()));
      file.Add("visible/" + p.profile, static_cast<double>(p.count(Verdict::kVisible)));
      file.Add("loss_window_events/" + p.profile, static_cast<double>(p.loss_window.events));
      file.Add("loss_window_s/" + p.profile, p.loss_window.seconds);
    }
    Status st = file.Write(RunDir(logdir, s.name));
    if (!st.ok()) return st;
  }
  if (!results.benchmark.is_object() || !results.benchmark.contains("benchmarks")) {
    return Status::Ok();
  }
  std::map<std::string, std::vector<double>> samples;  // "<run_name>/<metric>" -> repetitions.
  for (const auto& b : results.benchmark["benchmarks"]) {
    if (!b.is_object() || b.value("run_type", "iteration") != "iteration") continue;
    if (b.value("error_occurred", false)) continue;
    std::string name = b.value("run_name", b.value("name", ""));
    std::string unit = b.value("time_unit", "ns");
    double scale = unit == "us" ? 1e3 : unit == "ms" ? 1e6 : unit == "s" ? 1e9 : 1;
    for (const auto& [key, value] : b.items()) {
      if (!value.is_number()) continue;
      if (key == "real_time") {
        samples[name + "/real_time_ns"].push_back(value.get<double>() * scale);
      } else if (Compared(key)) {
        samples[name + "/" + key].push_back(value.get<double>());
      }
    }
  }
  if (samples.empty()) return Status::Ok();
  RunFile file(wall_time, step);
  for (const auto& [tag, v] : samples) file.Add(tag + "_median", Median(v));
  return file.Write(RunDir(logdir, "benchmarks"));
}

}  // namespace tbfault::reports
