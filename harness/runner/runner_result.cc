#include "harness/runner/runner_result.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <map>

#include "harness/load/percentile.h"
#include "harness/load/step_timer.h"

namespace tbfault::runner {
namespace fs = std::filesystem;

void FillFigures(const std::vector<DriveStats>& stats, reports::ScenarioResult* r,
                 std::string* notes) {
  static constexpr size_t kSamples = 200;
  load::StepTimes step, base, noop, add;
  double events = 0, logging_s = 0, bytes = 0;
  std::map<std::string, uint64_t> errors;
  for (const DriveStats& d : stats) {
    for (int64_t x : d.step_ns) step.Add(x);
    for (int64_t x : d.baseline_ns) base.Add(x);
    for (int64_t x : d.noop_ns) noop.Add(x);
    for (int64_t x : d.add_ns) add.Add(x);
    events += static_cast<double>(d.events);
    logging_s += static_cast<double>(d.logging_ns) / 1e9;
    bytes += static_cast<double>(d.bytes_written);
    for (const auto& [name, n] : d.errors_by_errno) errors[name] += n;
    if (!d.device.empty() && d.device != "synthetic")
      *notes += "workload device: " + d.device + "\n";
  }
  reports::Figures& f = r->figures;
  if (logging_s > 0) {
    f.events_per_s = events / logging_s;
    f.mb_per_s = bytes / 1e6 / logging_s;
  }
  if (add.size() > 0) {
    f.add_ns_p50 = add.p50();
    f.add_ns_p99 = add.p99();
    f.add_ns_max = add.Percentile(100);
  }
  auto ms = [](int64_t ns) { return static_cast<double>(ns) / 1e6; };
  if (step.size() > 0) {
    f.step_ms_p50 = ms(step.p50());
    f.step_ms_p99 = ms(step.p99());
    f.blocked_ms = logging_s * 1e3;
    if (step.total_ns() > 0) f.blocked_pct = logging_s * 1e9 / step.total_ns() * 100;
  }
  if (base.size() > 0) {
    f.disabled_step_ms_p50 = ms(base.p50());
    f.disabled_step_ms_p99 = ms(base.p99());
  }
  if (noop.size() > 0) {
    f.noop_step_ms_p50 = ms(noop.p50());
    f.noop_step_ms_p99 = ms(noop.p99());
  }
  const load::StepCost cost = load::CompareSteps(step, base);
  f.step_added_us_p50 = cost.added_us_p50;
  f.step_added_us_p99 = cost.added_us_p99;
  f.step_overhead_pct_p50 = cost.pct_p50;
  f.step_overhead_pct_p99 = cost.pct_p99;
  auto thin = [&](const load::StepTimes& t) {
    return load::Thin<double>(t.samples(), kSamples, ms);
  };
  r->step_times.with_logging_ms = thin(step);
  r->step_times.without_logging_ms = thin(base);
  r->step_times.noop_ms = thin(noop);
  if (!errors.empty()) {
    std::string line = "writer errors:";
    for (const auto& [name, n] : errors) line += " " + name + " x" + std::to_string(n);
    *notes += line + "\n";
  }
}

void FillProfiles(const core::ScenarioVerdict& v, const scenario::Scenario& s,
                  reports::ScenarioResult* r) {
  for (const core::ProfileJudgement& j : v.judgements) {
    reports::ProfileResult p;
    p.profile = std::string(core::ProfileName(j.profile));
    std::string why;
    p.passed = core::MeetsExpectation(j, core::ExpectationFor(s, j.profile), &why);
    p.counts = j.counts;  // one vocabulary (reports/verdict.h): no conversion.
    p.loss_window = j.loss_window;
    for (bool violations : {true, false}) {
      std::array<int, core::kVerdictCount> taken{};
      for (const core::EventVerdict& e : j.verdicts) {
        if (core::IsViolation(e.verdict) != violations) continue;
        if (e.verdict == core::Verdict::kVisible) continue;
        if (taken[core::VerdictIndex(e.verdict)]++ >= 3) continue;
        std::string reason = e.reason;
        if (!e.cause_file.empty()) {
          reason += " (cause: " + fs::path(e.cause_file).filename().string() + " offset " +
                    std::to_string(e.cause_offset) + ")";
        }
        p.examples.push_back({e.verdict, e.tag, e.step, e.file, e.offset, std::move(reason)});
      }
    }
    r->profiles.push_back(std::move(p));
  }
}

void FillLive(const std::vector<core::LiveJudgement>& live, reports::ScenarioResult* r) {
  for (const core::LiveJudgement& l : live) {
    for (reports::ProfileResult& p : r->profiles) {
      if (p.profile != core::ProfileName(l.profile)) continue;
      p.passed = p.passed && l.met;
      reports::Figures& f = p.figures;
      f.lag_ms_p50 = l.lag_ms_p50;
      f.lag_ms_p99 = l.lag_ms_p99;
      f.lag_ms_max = l.lag_ms_max;
      f.lag_steps_p50 = l.lag_steps_p50;
      f.lag_steps_p99 = l.lag_steps_p99;
      f.lag_steps_max = l.lag_steps_max;
      f.stale_ms_max = l.stale_ms_max;
    }
  }
}

void FillLiveTimeline(const std::vector<core::LoggedEvent>& events, const core::LiveRecord& live,
                      reports::ScenarioResult* r) {
  const auto& cycles = live.cycles();
  if (events.empty() || cycles.empty()) return;
  std::vector<uint64_t> added;  // add times, sorted.
  added.reserve(events.size());
  for (const auto& e : events) added.push_back(e.t_ns);
  std::sort(added.begin(), added.end());
  // From the job's first add (the reader polled through the start-up and baselines too: the
  // last cycle before the first add is kept, at time 0).
  const uint64_t origin = added.front();
  auto ms = [&](uint64_t t) { return static_cast<double>(t - std::min(t, origin)) / 1e6; };
  size_t first = 0;
  while (first + 1 < cycles.size() && cycles[first + 1].end_ns < origin) ++first;
  const size_t stride = std::max<size_t>(1, (cycles.size() - first + 199) / 200);
  for (size_t i = first; i < cycles.size(); ++i) {
    const bool drop = i > 0 && [&] {
      for (int p = 0; p < 3; ++p) {
        if (cycles[i].shown[p] < cycles[i - 1].shown[p]) return true;
      }
      return false;
    }();
    const bool next_drops = i + 1 < cycles.size() && [&] {
      for (int p = 0; p < 3; ++p) {
        if (cycles[i + 1].shown[p] < cycles[i].shown[p]) return true;
      }
      return false;
    }();
    if ((i - first) % stride != 0 && i + 1 != cycles.size() && !drop && !next_drops) continue;
    reports::LivePoint pt;
    pt.t_ms = ms(cycles[i].end_ns);
    pt.logged = static_cast<uint64_t>(
        std::upper_bound(added.begin(), added.end(), cycles[i].end_ns) - added.begin());
    for (core::Profile p : core::kAllProfiles) {
      pt.visible[std::string(core::ProfileName(p))] = cycles[i].shown[static_cast<int>(p)];
    }
    r->live_timeline.push_back(std::move(pt));
  }
  for (reports::FaultMark& f : r->faults) {
    // Seq order: the first time the job reached the step; if it never logged there (a crash at
    // the step), its last add before it.
    const core::LoggedEvent* before = nullptr;
    for (const auto& e : events) {
      if (e.step >= f.step) {
        f.t_ms = ms(e.t_ns);
        break;
      }
      if (before == nullptr || e.step >= before->step) before = &e;
    }
    if (!f.t_ms && before != nullptr) f.t_ms = ms(before->t_ns);
  }
}

void FillTimeline(const std::vector<core::LoggedEvent>& events, const core::ScenarioVerdict& v,
                  int64_t steps, reports::ScenarioResult* r) {
  int64_t stride = std::max<int64_t>(1, (steps + 49) / 50);
  size_t points = static_cast<size_t>(steps / stride + 1);
  std::vector<uint64_t> logged(points, 0);
  auto bucket = [&](int64_t step) {
    return static_cast<size_t>(std::clamp<int64_t>(step / stride, 0, points - 1));
  };
  for (const auto& e : events) logged[bucket(e.step)]++;
  std::map<std::string, std::vector<uint64_t>> visible;
  for (const auto& j : v.judgements) {
    auto& vis = visible[std::string(core::ProfileName(j.profile))];
    vis.assign(points, 0);
    for (const auto& e : j.verdicts) {
      if (e.verdict == core::Verdict::kVisible) vis[bucket(e.step)]++;
    }
  }
  reports::TimelinePoint acc;
  for (size_t i = 0; i < points; ++i) {
    acc.step = std::min<int64_t>(static_cast<int64_t>(i + 1) * stride - 1, steps);
    acc.logged += logged[i];
    for (auto& [name, vis] : visible) acc.visible[name] += vis[i];
    r->timeline.push_back(acc);
  }
}

void FillFaultMarks(const scenario::Scenario& s, reports::ScenarioResult* r) {
  for (const auto& f : s.faults()) {
    r->faults.push_back({f.at_step(), "fault: " + f.rule().substr(0, 60)});
    if (f.clear_at_step() > 0) r->faults.push_back({f.clear_at_step(), "fault cleared"});
  }
  for (const auto& a : s.actions()) {
    std::string label = scenario::Action::Kind_Name(a.kind());
    std::transform(label.begin(), label.end(), label.begin(), [](char c) {
      return c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    if (!a.power_cut_mode().empty()) label += " " + a.power_cut_mode();
    r->faults.push_back({a.at_step(), label});
  }
}

}  // namespace tbfault::runner
