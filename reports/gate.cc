#include "reports/gate.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include "reports/mann_whitney.h"

namespace tbfault::reports {
namespace {

using json = nlohmann::json;

enum class Better { kLower, kHigher, kIgnored };

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Better Direction(const std::string& metric) {
  if (metric == "real_time") return Better::kLower;
  if (EndsWith(metric, "_ratio")) return Better::kLower;
  if (EndsWith(metric, "_per_second") || EndsWith(metric, "_per_s")) return Better::kHigher;
  if (EndsWith(metric, "_ns") || metric.find("_ns_") != std::string::npos ||
      EndsWith(metric, "_pct")) {
    return Better::kLower;
  }
  return Better::kIgnored;
}

double NanosPerUnit(const std::string& unit) {
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  return 1;
}

// A counter measured as a ratio within each repetition (bench/gate_bench.cc): machine-independent.
bool IsRatioCounter(const std::string& metric) { return EndsWith(metric, "_ratio"); }

// One benchmark's repetitions: metric -> repetition_index -> value.
struct Series {
  std::map<std::string, std::map<int64_t, double>> metrics;
  std::string reference;         // from a "ref=<run_name>" label token.
  std::string error;             // the first repetition's error_message, when it reported an error.
  double max_slowdown_pct = -1;  // from a "max_slowdown=<pct>" label token; < 0: none.
};

std::map<std::string, Series> Collect(const json& benchmark) {
  std::map<std::string, Series> out;
  if (!benchmark.is_object() || !benchmark.contains("benchmarks")) return out;
  for (const json& b : benchmark["benchmarks"]) {
    if (!b.is_object() || b.value("run_type", "iteration") != "iteration") continue;
    std::string name = b.value("run_name", b.value("name", ""));
    Series& s = out[name];
    if (b.value("error_occurred", false)) {
      if (s.error.empty()) s.error = b.value("error_message", "error");
      continue;
    }
    std::istringstream label(b.value("label", ""));
    for (std::string token; label >> token;) {
      if (token.rfind("ref=", 0) == 0) s.reference = token.substr(4);
      if (token.rfind("max_slowdown=", 0) == 0) {
        char* end = nullptr;
        double v = std::strtod(token.c_str() + 13, &end);
        if (end != token.c_str() + 13 && *end == '\0' && v >= 0) s.max_slowdown_pct = v;
      }
    }
    int64_t rep = b.value("repetition_index", static_cast<int64_t>(s.metrics["real_time"].size()));
    double scale = NanosPerUnit(b.value("time_unit", "ns"));
    for (const auto& [key, value] : b.items()) {
      if (!value.is_number() || Direction(key) == Better::kIgnored) continue;
      double v = value.get<double>();
      s.metrics[key][rep] = key == "real_time" ? v * scale : v;
    }
  }
  return out;
}

// The values to compare for `name`/`metric`: ratios to the reference when it names one that is
// there.
std::vector<double> Values(const std::map<std::string, Series>& all, const std::string& name,
                           const std::string& metric, bool* ratio) {
  const Series& s = all.at(name);
  const auto& mine = s.metrics.at(metric);
  std::vector<double> out;
  *ratio = false;
  auto ref = all.find(s.reference);
  if (!s.reference.empty() && ref != all.end() && ref->second.metrics.count(metric)) {
    const auto& theirs = ref->second.metrics.at(metric);
    for (const auto& [rep, v] : mine) {
      auto it = theirs.find(rep);
      if (it != theirs.end() && it->second != 0) out.push_back(v / it->second);
    }
    *ratio = true;
    return out;
  }
  for (const auto& [rep, v] : mine) out.push_back(v);
  return out;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string Format(const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

int Rank(Outcome o) { return static_cast<int>(o); }  // passed < failed < error.

void GateScenarios(const Results& base, const Results& cur, const GateOptions& options,
                   GateReport* report) {
  for (const auto& b : base.scenarios) {
    if (options.exclude.count(b.name) > 0) {
      report->notes.push_back("scenario " + b.name + ": excluded");
      continue;
    }
    const ScenarioResult* c = cur.scenario(b.name);
    if (c == nullptr) {
      report->regressions.push_back("scenario " + b.name +
                                    ": in the baseline, missing from the results (--exclude " +
                                    b.name + " if that is meant)");
      continue;
    }
    bool worse = false;
    if (Rank(c->outcome) > Rank(b.outcome)) {
      report->regressions.push_back(
          "scenario " + b.name + ": " + std::string(OutcomeName(b.outcome)) + " -> " +
          std::string(OutcomeName(c->outcome)) + (c->error.empty() ? "" : " (" + c->error + ")"));
      worse = true;
    }
    for (const auto& bp : b.profiles) {
      const ProfileResult* cp = c->profile(bp.profile);
      if (cp == nullptr) {
        report->notes.push_back("scenario " + b.name + " profile " + bp.profile +
                                ": not in the results");
        continue;
      }
      for (Verdict v : kVerdicts) {
        const int i = VerdictIndex(v);
        if (IsViolation(v) && cp->counts[i] > bp.counts[i]) {
          report->regressions.push_back(Format(
              "scenario %s profile %s: %s %llu -> %llu", b.name.c_str(), bp.profile.c_str(),
              std::string(VerdictName(v)).c_str(), static_cast<unsigned long long>(bp.counts[i]),
              static_cast<unsigned long long>(cp->counts[i])));
          worse = true;
        }
      }
    }
    if (!worse) report->passes.push_back("scenario " + b.name + ": not worse");
  }
  for (const auto& c : cur.scenarios) {
    if (base.scenario(c.name) == nullptr) {
      report->notes.push_back("scenario " + c.name + ": new (not in the baseline)");
    }
  }
}

void GateBenchmarks(const Results& base, const Results& cur, const GateOptions& options,
                    GateReport* report) {
  auto b_all = Collect(base.benchmark);
  auto c_all = Collect(cur.benchmark);
  int absolute = 0;
  for (const auto& [name, bs] : b_all) {
    if (bs.metrics.empty()) continue;  // errored in the baseline: nothing to compare with.
    auto cit = c_all.find(name);
    if (cit == c_all.end()) {
      report->notes.push_back("benchmark " + name + ": not in the results");
      continue;
    }
    if (!cit->second.error.empty()) {
      // "skipped: ..." is a benchmark that cannot run here (no FUSE): counted, not a verdict.
      // Any other error is a benchmark that broke, and a gate that compares nothing must fail.
      if (cit->second.error.rfind("skipped:", 0) == 0) {
        ++report->skipped;
        report->notes.push_back("benchmark " + name + ": " + cit->second.error);
      } else {
        report->regressions.push_back("benchmark " + name + ": failed: " + cit->second.error);
      }
      continue;
    }
    for (const auto& [metric, unused] : bs.metrics) {
      if (!cit->second.metrics.count(metric)) continue;
      bool b_ratio = false, c_ratio = false;
      std::vector<double> bv = Values(b_all, name, metric, &b_ratio);
      std::vector<double> cv = Values(c_all, name, metric, &c_ratio);
      std::string what = "benchmark " + name + " " + metric;
      if (b_ratio != c_ratio) {
        report->notes.push_back(what + ": reference present on one side only; not compared");
        continue;
      }
      if (b_ratio) what += " (ratio to " + bs.reference + ")";
      if (options.ratios_only && !b_ratio && !IsRatioCounter(metric)) {
        ++absolute;
        continue;
      }
      const int n_min = static_cast<int>(std::min(bv.size(), cv.size()));
      if (n_min < options.min_repetitions) {
        report->notes.push_back(Format("%s: %d repetitions, the U test needs %d; not tested",
                                       what.c_str(), n_min, options.min_repetitions));
        continue;
      }
      const double bm = Median(bv), cm = Median(cv);
      // Slowdown as a positive percentage when worse, for both directions.
      double slowdown = Direction(metric) == Better::kLower ? (bm > 0 ? cm / bm - 1 : 0)
                                                            : (cm > 0 ? bm / cm - 1 : 0);
      slowdown *= 100;
      UTest t = MannWhitneyU(bv, cv);
      const double tolerance =
          bs.max_slowdown_pct >= 0 ? bs.max_slowdown_pct : options.max_slowdown_pct;
      std::string line =
          Format("%s: median %.4g -> %.4g (%.1f%% %s, tolerance %.0f%%), U test p=%.4f (n=%zu,%zu)",
                 what.c_str(), bm, cm, slowdown < 0 ? -slowdown : slowdown,
                 slowdown > 0 ? "worse" : "better", tolerance, t.p, bv.size(), cv.size());
      if (t.p < options.alpha && slowdown > tolerance) {
        report->regressions.push_back(line);
      } else {
        report->passes.push_back(line);
      }
      if (b_ratio || IsRatioCounter(metric)) ++report->ratios_compared;
    }
  }
  if (absolute > 0) {
    report->notes.push_back(Format("%d absolute metric(s) not gated (--ratios-only)", absolute));
  }
  if (options.ratios_only && report->ratios_compared == 0) {
    report->regressions.push_back(
        Format("benchmarks: no ratio compared (%d skipped): a speed gate that compares nothing "
               "fails",
               report->skipped));
  }
}

}  // namespace

std::string GateReport::ToText() const {
  std::string out;
  for (const auto& r : regressions) out += "REGRESSION " + r + "\n";
  for (const auto& n : notes) out += "note " + n + "\n";
  for (const auto& p : passes) out += "ok " + p + "\n";
  out += regressed() ? Format("gate: FAILED, %zu regression(s)\n", regressions.size())
                     : Format("gate: passed (%zu compared, %d skipped)\n", passes.size(), skipped);
  return out;
}

GateReport Gate(const Results& baseline, const Results& results, const GateOptions& options) {
  GateReport report;
  GateScenarios(baseline, results, options, &report);
  GateBenchmarks(baseline, results, options, &report);
  return report;
}

}  // namespace tbfault::reports
