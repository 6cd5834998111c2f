#include "harness/runner/suite.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>

#include "harness/core/scenario.h"

namespace tbfault::runner {
namespace fs = std::filesystem;

std::vector<scenario::Scenario> ExpandWriters(const scenario::Scenario& s) {
  if (s.writer().specs().empty()) return {s};
  std::vector<scenario::Scenario> out;
  for (const std::string& spec : s.writer().specs()) {
    scenario::Scenario v = s;
    v.set_name(s.name() + "/" + spec);
    v.mutable_writer()->set_spec(spec);
    v.mutable_writer()->clear_specs();
    out.push_back(std::move(v));
  }
  return out;
}

Status LoadSuite(const std::vector<std::string>& paths, std::vector<SuiteEntry>* out) {
  out->clear();
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else if (fs::is_directory(p, ec)) {
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::end(it);
           it.increment(ec)) {
        if (it->is_regular_file() && it->path().extension() == ".textproto") {
          files.push_back(it->path().string());
        }
      }
      if (ec) return Status::FromErrno(ec.value(), p + ": cannot list");
    } else {
      return Status::FromErrno(ENOENT, p + ": no such scenario file or directory");
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> names;
  for (const std::string& f : files) {
    scenario::Scenario s;
    if (Status st = core::LoadScenario(f, &s); !st.ok()) return st;
    for (auto& v : ExpandWriters(s)) {
      if (std::find(names.begin(), names.end(), v.name()) != names.end()) {
        return Status::Invalid(f + ": name: scenario '" + v.name() + "' is defined twice");
      }
      names.push_back(v.name());
      out->push_back({f, s.name(), std::move(v)});
    }
  }
  return Status::Ok();
}

bool Selected(const scenario::Scenario& s, const std::string& filter) {
  if (filter.empty()) return true;
  if (filter.rfind("label:", 0) == 0) {
    std::string label = filter.substr(6);
    return std::find(s.labels().begin(), s.labels().end(), label) != s.labels().end();
  }
  return fnmatch(filter.c_str(), s.name().c_str(), 0) == 0;
}

void Shard(int index, int total, std::vector<SuiteEntry>* entries) {
  if (total <= 1) return;
  std::vector<SuiteEntry> kept;
  for (size_t i = 0; i < entries->size(); ++i) {
    if (static_cast<int>(i % total) == index) kept.push_back(std::move((*entries)[i]));
  }
  *entries = std::move(kept);
}

std::string DefaultScenarioDir() {
  std::error_code ec;
  if (fs::is_directory("scenarios", ec)) return "scenarios";
  return std::string(TBFAULT_SOURCE_DIR) + "/scenarios";
}

}  // namespace tbfault::runner
