#include "harness/core/live_judge.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "harness/core/scenario.h"
#include "harness/load/percentile.h"

namespace tbfault::core {
namespace {

// The job's step at a time: the step of the last add call returned by then (ledger order by time).
class StepTimeline {
 public:
  explicit StepTimeline(const std::vector<LoggedEvent>& events) {
    at_.reserve(events.size());
    for (const LoggedEvent& e : events) at_.push_back({e.t_ns, e.step});
    std::stable_sort(at_.begin(), at_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  int64_t StepAt(uint64_t t_ns) const {
    auto it = std::upper_bound(at_.begin(), at_.end(), t_ns,
                               [](uint64_t t, const auto& a) { return t < a.first; });
    return it == at_.begin() ? 0 : std::prev(it)->second;
  }

 private:
  std::vector<std::pair<uint64_t, int64_t>> at_;
};

// The points a profile's live views showed at the end, for the events the final read lost: per
// (run, tag), the series' points sorted by step, indexed on first use.
class ShownAtEnd {
 public:
  ShownAtEnd(Profile profile, const LiveViews& views) : profile_(profile), views_(views) {}

  // The point of `e` (same run, tag, step and number) the views still showed, with its file's
  // base name; null when none (or no views).
  const Point* Find(const LoggedEvent& e, std::string* file) {
    if (!views_) return nullptr;
    const RunView* view = views_(profile_, e.run);
    if (view == nullptr) return nullptr;
    auto tag = view->tags.find(e.tag);
    if (tag == view->tags.end()) return nullptr;
    std::vector<Point>& points = index_[{e.run, e.tag}];
    if (points.empty()) {
      for (size_t i = 0; i < tag->second.points.size(); ++i) points.push_back(tag->second.points[i]);
      std::stable_sort(points.begin(), points.end(),
                       [](const Point& a, const Point& b) { return a.step < b.step; });
    }
    auto it = std::lower_bound(points.begin(), points.end(), e.step,
                               [](const Point& p, int64_t step) { return p.step < step; });
    for (; it != points.end() && it->step == e.step; ++it) {
      if (it->number == e.value.number || (std::isnan(it->number) && std::isnan(e.value.number))) {
        *file = std::filesystem::path(view->file(*it)).filename().string();
        return &*it;
      }
    }
    return nullptr;
  }

 private:
  const Profile profile_;
  const LiveViews& views_;
  std::map<std::pair<std::string, std::string>, std::vector<Point>> index_;
};

constexpr bool IsLost(Verdict v) {
  return v == Verdict::kLostUnacked || v == Verdict::kLostAcked || v == Verdict::kLostSilent;
}

std::string Ms(uint64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f ms", static_cast<double>(ns) / 1e6);
  return buf;
}

// The longest time nothing new was shown while an event to be shown was accepted: `shown` holds
// (first shown, accepted) per event.
double StaleMsMax(std::vector<std::pair<uint64_t, uint64_t>> shown) {
  if (shown.empty()) return 0;
  std::sort(shown.begin(), shown.end());
  std::vector<uint64_t> min_add(shown.size());  // min accepted over shown[i..].
  for (size_t i = shown.size(); i-- > 0;) {
    min_add[i] = i + 1 < shown.size() ? std::min(min_add[i + 1], shown[i].second) : shown[i].second;
  }
  uint64_t stale = 0, prev = 0;
  bool have_prev = false;
  for (size_t i = 0; i < shown.size(); ++i) {
    if (have_prev && shown[i].first == prev) continue;
    uint64_t from = std::max(have_prev ? prev : 0, min_add[i]);
    if (shown[i].first > from) stale = std::max(stale, shown[i].first - from);
    prev = shown[i].first;
    have_prev = true;
  }
  return static_cast<double>(stale) / 1e6;
}

LiveJudgement JudgeProfile(const std::vector<LoggedEvent>& events,
                           const std::vector<ProcessEnd>& ends, const LiveRecord& live,
                           const StepTimeline& timeline, const LiveViews& views,
                           ProfileJudgement* j) {
  const uint64_t last_cycle_ns = live.cycles().empty() ? 0 : live.cycles().back().end_ns;
  LiveJudgement out;
  out.profile = j->profile;
  const uint64_t origin = events.empty() ? 0 : events.front().t_ns;
  std::vector<double> lag_ms, lag_steps;
  std::vector<std::pair<uint64_t, uint64_t>> shown;
  std::vector<EventVerdict> examples;
  int late_examples = 0, retracted_examples = 0;
  ShownAtEnd at_end(j->profile, views);
  for (const EventVerdict& v : j->verdicts) {
    if (v.seq == 0 || v.seq > events.size() || v.verdict == Verdict::kDuplicate ||
        v.verdict == Verdict::kPhantom || IsLive(v.verdict)) {
      continue;
    }
    const LoggedEvent& e = events[v.seq - 1];
    if (e.seq != v.seq) continue;  // events are numbered 1.. in order (the runner's merge).
    std::optional<uint64_t> first, gone;
    const std::string name = std::filesystem::path(v.file).filename().string();
    if (!v.file.empty()) {
      first = live.FirstVisible(j->profile, v.run, name, v.offset);
      if (first) gone = live.GoneAt(j->profile, v.run, name, v.offset);
    }
    const bool final_shown = v.verdict == Verdict::kVisible || v.verdict == Verdict::kCorrupt ||
                             v.verdict == Verdict::kDownsampled;
    auto end = std::lower_bound(ends.begin(), ends.end(), v.seq,
                                [](const ProcessEnd& p, uint64_t s) { return p.last_seq < s; });
    const uint64_t writer_end = end == ends.end() ? UINT64_MAX : end->end_ns;
    if (v.file.empty() && IsLost(v.verdict)) {  // shown by its own process, before a power cut?
      std::string file;
      if (const Point* pt = at_end.Find(e, &file)) {
        first = live.FirstVisible(j->profile, v.run, file, pt->offset);
        const uint64_t writer_start = end == ends.begin() ? 0 : std::prev(end)->end_ns;
        if (first && (*first < writer_start || *first > writer_end)) first.reset();  // another's.
      }
    }
    // Whether a live cycle had the chance to show it while its writer ran.
    const LiveRecord::Cycle* chance = live.FirstCycleAfter(e.t_ns);
    const bool had_chance = chance != nullptr && chance->end_ns <= writer_end;
    EventVerdict x{v.seq, v.run, v.tag, v.step, Verdict::kLate, v.file, v.offset, "", "", 0};
    if (first) {
      out.seen_live++;
      const uint64_t lag = *first > e.t_ns ? *first - e.t_ns : 0;
      lag_ms.push_back(static_cast<double>(lag) / 1e6);
      lag_steps.push_back(
          static_cast<double>(std::max<int64_t>(0, timeline.StepAt(*first) - e.step)));
      shown.push_back({*first, e.t_ns});
      if (gone || v.verdict == Verdict::kHidden || IsLost(v.verdict)) {
        out.retracted++;
        if (retracted_examples++ < 3) {
          x.verdict = Verdict::kRetracted;
          x.reason = "shown live at +" + Ms(*first - std::min(*first, origin)) + ", " +
                     (gone                 ? "dropped by the cycle at +" + Ms(*gone - std::min(*gone, origin))
                      : IsLost(v.verdict) ? "then lost (" + std::string(VerdictName(v.verdict)) + ": " + v.reason + ")"
                                          : "then not shown to a reader started after the run (" + v.reason + ")");
          x.cause_file = v.cause_file;
          x.cause_offset = v.cause_offset;
          examples.push_back(x);
        }
      }
      if (*first > writer_end && had_chance) {
        out.late++;
        if (late_examples++ < 3) {
          x.verdict = Verdict::kLate;
          x.reason = "first shown " + Ms(lag) + " after the add, " + Ms(*first - writer_end) +
                     " after its writer process exited";
          examples.push_back(x);
        }
      }
    } else if (final_shown) {
      shown.push_back({std::max(last_cycle_ns, e.t_ns), e.t_ns});
      if (!had_chance) continue;
      out.late++;
      out.never_live++;
      if (late_examples++ < 3) {
        x.verdict = Verdict::kLate;
        x.reason = "never shown live; shown only by a reader started after the run";
        examples.push_back(x);
      }
    }
  }
  if (!lag_ms.empty()) {
    out.lag_ms_p50 = load::NearestRank(lag_ms, 50);
    out.lag_ms_p99 = load::NearestRank(lag_ms, 99);
    out.lag_ms_max = load::NearestRank(lag_ms, 100);
    out.lag_steps_p50 = load::NearestRank(lag_steps, 50);
    out.lag_steps_p99 = load::NearestRank(lag_steps, 99);
    out.lag_steps_max = load::NearestRank(lag_steps, 100);
  }
  if (!shown.empty()) out.stale_ms_max = StaleMsMax(std::move(shown));
  j->counts[VerdictIndex(Verdict::kLate)] = out.late;
  j->counts[VerdictIndex(Verdict::kRetracted)] = out.retracted;
  for (EventVerdict& x : examples) j->verdicts.push_back(std::move(x));
  return out;
}

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

}  // namespace

std::vector<LiveJudgement> JudgeLive(const std::vector<LoggedEvent>& events,
                                     const std::vector<ProcessEnd>& ends, const LiveRecord& live,
                                     const scenario::Scenario* scenario, ScenarioVerdict* verdict,
                                     const LiveViews& views) {
  std::vector<ProcessEnd> sorted = ends;
  std::sort(sorted.begin(), sorted.end(),
            [](const ProcessEnd& a, const ProcessEnd& b) { return a.last_seq < b.last_seq; });
  const StepTimeline timeline(events);
  std::vector<LiveJudgement> out;
  verdict->met = true;
  verdict->unmet.clear();
  auto fail = [&](const std::string& why) {
    verdict->met = false;
    verdict->unmet += (verdict->unmet.empty() ? "" : "; ") + why;
  };
  for (ProfileJudgement& j : verdict->judgements) {
    LiveJudgement l = JudgeProfile(events, sorted, live, timeline, views, &j);
    const std::string name(ProfileName(j.profile));
    if (scenario != nullptr) {
      if (std::optional<double> bound = MaxLagMsFor(*scenario, j.profile)) {
        if (l.lag_ms_max && *l.lag_ms_max > *bound) {
          l.unmet = name + " lag_ms_max: expected <= " + Number(*bound) + ", got " +
                    Number(*l.lag_ms_max);
        }
        if (l.never_live > 0) {
          l.unmet += (l.unmet.empty() ? "" : "; ") + name +
                     " late: " + std::to_string(l.never_live) + " never shown live (lag bound " +
                     Number(*bound) + " ms)";
        }
        l.met = l.unmet.empty();
      }
    }
    std::string why;
    Expectation expected =
        scenario != nullptr ? ExpectationFor(*scenario, j.profile) : Expectation();
    if (!MeetsExpectation(j, expected, &why)) fail(why);
    if (!l.met) fail(l.unmet);
    out.push_back(std::move(l));
  }
  verdict->summary = RenderSummary(verdict->events_logged, verdict->judgements);
  return out;
}

}  // namespace tbfault::core
