#include "harness/runner/explore.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>

#include "fusefs/trace_line.h"
#include "reports/survival.h"

namespace tbfault::runner {
namespace fs = std::filesystem;

namespace {

bool IsCrash(const scenario::Action& a) {
  return a.kind() == scenario::Action::PROCESS_CRASH || a.kind() == scenario::Action::POWER_CUT;
}

// Whether any profile counts a violation.
bool Violated(const reports::ScenarioResult& r) {
  for (const auto& p : r.profiles) {
    if (p.violations() > 0) return true;
  }
  return false;
}

// "strict: lost-acked 3, hidden 2; tb-rust: ..." over the violation classes.
std::string ViolationText(const reports::ScenarioResult& r) {
  std::string out;
  for (const auto& p : r.profiles) {
    std::string one;
    for (reports::Verdict v : reports::kVerdicts) {
      if (!reports::IsViolation(v) || p.count(v) == 0) continue;
      one += (one.empty() ? "" : ", ") + std::string(reports::VerdictName(v)) + " " +
             std::to_string(p.count(v));
    }
    if (!one.empty()) out += (out.empty() ? "" : "; ") + p.profile + ": " + one;
  }
  return out;
}

nlohmann::json ProfilesJson(const reports::ScenarioResult& r) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& p : r.profiles) {
    nlohmann::json counts = nlohmann::json::object();
    for (reports::Verdict v : reports::kVerdicts) {
      if (p.count(v) > 0) counts[std::string(reports::VerdictName(v))] = p.count(v);
    }
    j[p.profile] = counts;
  }
  return j;
}

}  // namespace

std::string CrashKind::Name() const { return power_cut ? "power-cut:" + mode : "process"; }

bool ParseCrashKind(const std::string& text, CrashKind* kind, std::string* why) {
  CrashKind k;
  if (text == "process") {
    *kind = k;
    return true;
  }
  std::string mode;
  if (text == "power-cut") {
    mode = "plain";
  } else if (text.starts_with("power-cut:")) {
    mode = text.substr(10);
  } else {
    *why = "'" + text + "' is not process or power-cut:MODE";
    return false;
  }
  if (mode != "plain" && mode != "torn" && mode != "zero-fill" && mode != "reorder") {
    *why = "power-cut mode '" + mode + "' is not plain, torn, zero-fill or reorder";
    return false;
  }
  k.power_cut = true;
  k.mode = mode;
  *kind = k;
  return true;
}

std::vector<uint64_t> ChooseCrashPoints(uint64_t ops, const ExploreOptions& o) {
  std::vector<uint64_t> all(ops);
  std::iota(all.begin(), all.end(), uint64_t{1});
  if (o.budget > 0 && o.budget < ops) {
    std::mt19937_64 rng(o.sample_seed);
    for (uint64_t i = 0; i < o.budget; ++i) {  // a partial Fisher-Yates shuffle.
      std::uniform_int_distribution<uint64_t> pick(i, ops - 1);
      std::swap(all[i], all[pick(rng)]);
    }
    all.resize(o.budget);
    std::sort(all.begin(), all.end());
  }
  std::vector<uint64_t> mine;
  for (size_t i = 0; i < all.size(); ++i) {
    if (static_cast<int>(i % static_cast<size_t>(o.shard_total)) == o.shard_index) {
      mine.push_back(all[i]);
    }
  }
  return mine;
}

Status ReadTracedOps(const std::string& trace, std::vector<TracedOp>* ops,
                     std::optional<TracedOp>* crashed) {
  ops->clear();
  crashed->reset();
  std::ifstream in(trace);
  if (!in) return Status::FromErrno(errno, trace + ": cannot read faultfs's trace");
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    faultfs::TraceLine t;
    if (!faultfs::ParseTraceLine(line, &t)) {
      return Status::Invalid(trace + ":" + std::to_string(lineno) + ": not a faultfs trace line");
    }
    if ((t.op & faultfs::kWritePathOps) == 0) continue;
    TracedOp op;
    op.op = std::string(faultfs::OpName(t.op));
    op.seq = t.seq;
    op.path = std::move(t.path);
    op.bytes = t.bytes;
    op.result = t.result;
    op.number = ops->size() + 1;
    ops->push_back(op);
    if (t.crash) *crashed = op;
  }
  return Status::Ok();
}

scenario::Scenario CrashPointScenario(const scenario::Scenario& s, const CrashKind& crash,
                                      uint64_t n) {
  scenario::Scenario v = s;
  v.clear_actions();
  v.clear_expect();
  v.mutable_reader()->set_no_live(true);  // a live reader's reads would renumber the ops.
  v.set_name(s.name() + (n == 0 ? "/explore-clean" : "/crash-at-op-" + std::to_string(n)));
  if (n > 0) {  // armed at step 0, before every other action (they stay in step order).
    scenario::Action* a = v.add_actions();
    a->set_kind(crash.power_cut ? scenario::Action::POWER_CUT : scenario::Action::PROCESS_CRASH);
    a->set_at_step(0);
    a->set_at_op(n);
    if (crash.power_cut) a->set_power_cut_mode(crash.mode);
  }
  for (const auto& a : s.actions()) {
    if (!IsCrash(a)) *v.add_actions() = a;
  }
  return v;
}

Status CheckExplorable(const scenario::Scenario& s) {
  for (const auto& a : s.actions()) {
    if (a.kind() == scenario::Action::RESTART) {
      return Status::Invalid("scenario '" + s.name() +
                             "' restarts its writer (RESTART): explore places one crash in one "
                             "writer process");
    }
  }
  return Status::Ok();
}

Status Explore(const scenario::Scenario& s, const ExploreOptions& o,
               const ExploreProgress& progress, ExploreResult* out) {
  const auto started = std::chrono::steady_clock::now();
  *out = ExploreResult();
  if (Status st = CheckExplorable(s); !st.ok()) return st;
  CrashKind crash;
  bool own = false;
  for (const auto& a : s.actions()) {
    if (IsCrash(a) && !own) {
      own = true;
      crash.power_cut = a.kind() == scenario::Action::POWER_CUT;
      if (!a.power_cut_mode().empty()) crash.mode = a.power_cut_mode();
    }
  }
  if (o.crash) crash = *o.crash;
  out->scenario = s.name();
  out->writer = s.writer().spec();
  out->crash = crash.Name();
  out->seed = s.seed();

  RunOptions ro = o.run;
  RunOutput clean;
  const scenario::Scenario clean_s = CrashPointScenario(s, crash, 0);
  if (Status st = RunScenario(clean_s, ro, &clean); !st.ok()) return st;
  out->clean = clean.result;
  if (clean.result.outcome == reports::Outcome::kError) {
    return Status::Invalid("the clean pass of '" + s.name() + "' errored: " + clean.result.error);
  }
  std::vector<TracedOp> ops;
  std::optional<TracedOp> none;
  if (Status st = ReadTracedOps(clean.dir + "/trace", &ops, &none); !st.ok()) return st;
  out->ops = ops.size();

  const std::vector<uint64_t> points = ChooseCrashPoints(ops.size(), o);
  for (size_t i = 0; i < points.size(); ++i) {
    if (ro.interrupted != nullptr && ro.interrupted->load()) {
      out->interrupted = true;
      break;
    }
    const uint64_t n = points[i];
    CrashPointResult p;
    p.op = ops[n - 1];
    RunOutput run;
    if (Status st = RunScenario(CrashPointScenario(s, crash, n), ro, &run); !st.ok()) return st;
    p.result = run.result;
    p.dir = run.dir;
    std::vector<TracedOp> seen;
    std::optional<TracedOp> fell;
    if (ReadTracedOps(run.dir + "/trace", &seen, &fell).ok() && fell) {
      p.fired = true;
      p.drifted = fell->number != n || fell->op != p.op.op || fell->bytes != p.op.bytes;
    }
    p.violation = run.result.outcome != reports::Outcome::kError && Violated(run.result);
    if (p.violation) {
      ++out->violations;
      if (!out->smallest || n < *out->smallest) out->smallest = n;
    }
    if (run.result.outcome == reports::Outcome::kError) ++out->errors;
    p.replay = "tbfault replay " + run.dir;
    if (!p.violation && run.result.outcome != reports::Outcome::kError && !o.keep_all) {
      std::error_code ec;
      fs::remove_all(run.dir, ec);
      p.dir.clear();
      p.replay.clear();
    }
    out->points.push_back(std::move(p));
    if (progress) progress(out->points.back(), i + 1, points.size());
  }
  out->duration_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return Status::Ok();
}

void AddExploredResults(const ExploreResult& r, reports::Results* out) {
  reports::ScenarioResult named;
  named.name = r.scenario;
  named.writer = r.writer;
  const std::string row = reports::ExploredName(reports::BaseName(named), r.crash);
  for (const auto& p : r.points) {
    reports::ScenarioResult q = p.result;
    q.name = row + "/" + r.writer;
    q.labels.push_back(std::string(reports::kExplored));
    if (p.violation) {
      q.error = "crash after op " + std::to_string(p.op.number) + " (" + p.op.op +
                ", replay: " + p.replay + "): " + q.error;
    }
    out->scenarios.push_back(std::move(q));
  }
}

nlohmann::json ToJson(const ExploreResult& r) {
  nlohmann::json j;
  j["scenario"] = r.scenario;
  j["writer"] = r.writer;
  j["crash"] = r.crash;
  j["seed"] = r.seed;
  j["ops"] = r.ops;
  j["clean"] = {{"outcome", std::string(reports::OutcomeName(r.clean.outcome))},
                {"verdicts", ProfilesJson(r.clean)}};
  j["tried"] = r.points.size();
  j["violations"] = r.violations;
  j["errors"] = r.errors;
  j["smallest_violating_op"] = r.smallest ? nlohmann::json(*r.smallest) : nlohmann::json();
  j["duration_s"] = r.duration_s;
  j["interrupted"] = r.interrupted;
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : r.points) {
    nlohmann::json q = {{"op", p.op.number},
                        {"trace_seq", p.op.seq},
                        {"kind", p.op.op},
                        {"path", p.op.path},
                        {"bytes", p.op.bytes},
                        {"fired", p.fired},
                        {"drifted", p.drifted},
                        {"outcome", std::string(reports::OutcomeName(p.result.outcome))},
                        {"violation", p.violation},
                        {"verdicts", ProfilesJson(p.result)}};
    if (!p.result.error.empty() && p.result.outcome == reports::Outcome::kError) {
      q["error"] = p.result.error;
    }
    if (!p.dir.empty()) q["dir"] = p.dir;
    if (!p.replay.empty()) q["replay"] = p.replay;
    points.push_back(std::move(q));
  }
  j["points"] = std::move(points);
  return j;
}

std::string ExploreTable(const ExploreResult& r) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%6s %6s %-7s %-8s %-9s %s\n", "op", "trace", "kind", "outcome",
                "crash", "violations");
  out += line;
  for (const auto& p : r.points) {
    const std::string v = p.result.outcome == reports::Outcome::kError ? p.result.error
                          : p.violation                                ? ViolationText(p.result)
                                                                       : "-";
    std::snprintf(line, sizeof line, "%6llu %6llu %-7s %-8s %-9s %s\n",
                  static_cast<unsigned long long>(p.op.number),
                  static_cast<unsigned long long>(p.op.seq), p.op.op.c_str(),
                  std::string(reports::OutcomeName(p.result.outcome)).c_str(),
                  !p.fired    ? "not-fired"
                  : p.drifted ? "drifted"
                              : "fired",
                  v.c_str());
    out += line;
  }
  std::snprintf(line, sizeof line,
                "%s, crash %s, seed %llu: %llu write-path ops, %zu tried, %llu with a violation, "
                "%llu errors, %.1f s%s\n",
                r.scenario.c_str(), r.crash.c_str(), static_cast<unsigned long long>(r.seed),
                static_cast<unsigned long long>(r.ops), r.points.size(),
                static_cast<unsigned long long>(r.violations),
                static_cast<unsigned long long>(r.errors), r.duration_s,
                r.interrupted ? " (interrupted)" : "");
  out += line;
  const std::string clean_v = ViolationText(r.clean);
  out +=
      "clean pass (no crash): " + (clean_v.empty() ? std::string("no violation") : clean_v) + "\n";
  if (r.smallest) {
    for (const auto& p : r.points) {
      if (p.op.number != *r.smallest) continue;
      out += "smallest violating op: " + std::to_string(p.op.number) + " (" + p.op.op + " " +
             p.op.path + ", trace #" + std::to_string(p.op.seq) + ")\n  replay: " + p.replay + "\n";
    }
  } else {
    out += "no crash point tried produced a violation\n";
  }
  return out;
}

}  // namespace tbfault::runner
