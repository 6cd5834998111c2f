#include "harness/runner/suite.h"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <thread>

#include "harness/core/scenario.h"
#include "harness/runner/shard.h"

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

std::string DefaultScenarioDir() {
  std::error_code ec;
  if (fs::is_directory("scenarios", ec)) return "scenarios";
  return std::string(TBFAULT_SOURCE_DIR) + "/scenarios";
}

std::vector<SuiteEntry> SelectSuite(std::vector<SuiteEntry> suite, const Selection& selection) {
  std::vector<SuiteEntry> selected;
  std::string last_file;
  for (auto& e : suite) {
    if (!selection.writer.empty()) {  // the whole suite against one writer: once per file.
      if (e.file == last_file) continue;
      last_file = e.file;
      e.scenario.set_name(e.base_name + "/" + selection.writer);
      e.scenario.mutable_writer()->set_spec(selection.writer);
    }
    if (selection.seed) e.scenario.set_seed(*selection.seed);
    if (Selected(e.scenario, selection.filter)) selected.push_back(std::move(e));
  }
  Shard(selection.shard_index, selection.shard_total, &selected);
  return selected;
}

Status RunSuite(const std::vector<SuiteEntry>& entries, const RunOptions& options, int jobs,
                const SuiteProgress& progress, std::vector<RunOutput>* outputs) {
  outputs->assign(entries.size(), RunOutput());
  std::atomic<size_t> next{0}, done{0};
  std::mutex mu;
  Status bad_out;
  auto stop = [&] { return options.interrupted != nullptr && options.interrupted->load(); };
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < entries.size() && !stop();) {
      if (progress) {
        std::lock_guard<std::mutex> lock(mu);
        progress(i, false, done.load());
      }
      Status s = RunScenario(entries[i].scenario, options, &(*outputs)[i]);
      std::lock_guard<std::mutex> lock(mu);
      if (!s.ok()) bad_out = s;
      size_t d = done.fetch_add(1) + 1;
      if (progress) progress(i, true, d);
    }
  };
  std::vector<std::thread> threads;
  for (int j = 0; j < std::max(1, jobs); ++j) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  return bad_out;
}

void StampResults(reports::Results* results) {
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  results->host = host;
  time_t now = time(nullptr);
  char created[32];
  strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  results->created = created;
}

reports::Results SuiteResults(const std::vector<RunOutput>& outputs) {
  reports::Results results;
  StampResults(&results);
  for (const RunOutput& o : outputs) {
    if (!o.result.name.empty()) results.scenarios.push_back(o.result);  // else not run.
  }
  return results;
}

}  // namespace tbfault::runner
