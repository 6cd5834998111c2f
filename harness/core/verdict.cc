#include "harness/core/verdict.h"

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "format/status.h"

namespace tbfault::core {
namespace {

constexpr Ending kEndings[] = {Ending::kCleanClose, Ending::kProcessCrash, Ending::kPowerCut};

using SeriesKey = std::tuple<std::string, std::string, int64_t>;  // run, tag, step.
using LocationKey =
    std::tuple<std::string, std::string, std::string, uint64_t>;  // run, tag, file, offset.

// A profile's point with its value and file resolved (profile.h keeps points compact).
struct Shown {
  int64_t step;
  uint64_t offset;
  const std::string& file;
  SeriesValue value;
};

// Every point of `view`, resolved, in view order (runs, tags, points).
std::vector<Shown> Resolve(const ProfileView& view) {
  std::vector<Shown> out;
  for (const auto& [run, rv] : view.runs) {
    for (const auto& [tag, series] : rv.tags) {
      for (size_t i = 0; i < series.points.size(); ++i) {
        const Point& p = series.points[i];
        out.push_back({p.step, p.offset, rv.file(p), series.value(i)});
      }
    }
  }
  return out;
}

struct PointRef {
  const std::string* run;
  const std::string* tag;
  const Shown* point;
};

struct Location {
  std::string file;
  uint64_t offset;
};

// Ledger indices by (run, tag, step), in seq order.
std::map<SeriesKey, std::vector<size_t>> IndexEvents(const std::vector<LoggedEvent>& events) {
  std::map<SeriesKey, std::vector<size_t>> by_key;
  for (size_t i = 0; i < events.size(); ++i) {
    by_key[{events[i].run, events[i].tag, events[i].step}].push_back(i);
  }
  return by_key;
}

// Places ledger events on the strict reader's intact records: per (run, tag, step), equal values
// first (in order), then the rest pairwise in order.
std::map<LocationKey, size_t> PlaceOnDisk(const std::vector<LoggedEvent>& events,
                                          const std::map<SeriesKey, std::vector<size_t>>& by_key,
                                          const ProfileView& strict,
                                          const std::vector<Shown>& resolved,
                                          std::vector<const Shown*>* placed) {
  std::map<SeriesKey, std::vector<const Shown*>> disk;
  const Shown* next = resolved.data();
  for (const auto& [run, rv] : strict.runs) {
    for (const auto& [tag, series] : rv.tags) {
      for (size_t i = 0; i < series.points.size(); ++i, ++next) {
        disk[{run, tag, next->step}].push_back(next);
      }
    }
  }
  std::map<LocationKey, size_t> where;
  placed->assign(events.size(), nullptr);
  for (auto& [key, points] : disk) {
    auto it = by_key.find(key);
    if (it == by_key.end()) continue;
    std::vector<bool> used(points.size(), false);
    for (int pass = 0; pass < 2; ++pass) {
      for (size_t idx : it->second) {
        if ((*placed)[idx] != nullptr) continue;
        for (size_t k = 0; k < points.size(); ++k) {
          if (used[k] || (pass == 0 && !Matches(events[idx].value, points[k]->value))) continue;
          used[k] = true;
          (*placed)[idx] = points[k];
          where[{std::get<0>(key), std::get<1>(key), points[k]->file, points[k]->offset}] = idx;
          break;
        }
      }
    }
  }
  return where;
}

std::string Describe(const SeriesValue& v) {
  return std::string(KindName(v.kind)) + " " + ValueToString(v);
}

}  // namespace

std::string_view EndingName(Ending e) {
  switch (e) {
    case Ending::kCleanClose:
      return "clean-close";
    case Ending::kProcessCrash:
      return "process-crash";
    case Ending::kPowerCut:
      return "power-cut";
  }
  return "?";
}

std::optional<Ending> EndingFromName(std::string_view name) {
  for (Ending e : kEndings) {
    if (EndingName(e) == name) return e;
  }
  return std::nullopt;
}

ProfileJudgement Judge(const std::vector<LoggedEvent>& events, const Acks& acks, Ending ending,
                       const ProfileView& strict, const ProfileView& view) {
  return Judge(events, {Segment{1, UINT64_MAX, acks, ending}}, strict, view);
}

ProfileJudgement Judge(const std::vector<LoggedEvent>& events, const std::vector<Segment>& segments,
                       const ProfileView& strict, const ProfileView& view) {
  static const Segment kNoSegment{};
  auto segment_of = [&](uint64_t seq) -> const Segment& {
    for (const Segment& g : segments) {
      if (seq >= g.first_seq && seq <= g.last_seq) return g;
    }
    return kNoSegment;
  };
  ProfileJudgement j;
  j.profile = view.profile;
  auto by_key = IndexEvents(events);
  std::vector<const Shown*> placed;
  const std::vector<Shown> strict_points = Resolve(strict);
  const std::vector<Shown> view_points = Resolve(view);
  std::map<LocationKey, size_t> where = PlaceOnDisk(events, by_key, strict, strict_points, &placed);

  std::vector<EventVerdict> per_event(events.size());
  std::vector<bool> shown(events.size(), false);
  std::vector<EventVerdict> extra;  // phantoms and duplicates.

  auto show = [&](size_t idx, const PointRef& ref) {
    EventVerdict v{events[idx].seq,
                   *ref.run,
                   *ref.tag,
                   ref.point->step,
                   Verdict::kVisible,
                   ref.point->file,
                   ref.point->offset,
                   "",
                   "",
                   0};
    if (shown[idx]) {
      v.verdict = Verdict::kDuplicate;
      v.reason = "shown again (first shown from " + per_event[idx].file + " offset " +
                 std::to_string(per_event[idx].offset) + ")";
      extra.push_back(std::move(v));
      return;
    }
    shown[idx] = true;
    if (!Matches(events[idx].value, ref.point->value)) {
      v.verdict = Verdict::kCorrupt;
      v.reason = "seen " + Describe(ref.point->value) + ", logged " + Describe(events[idx].value);
    }
    per_event[idx] = std::move(v);
  };

  // Points from records placed on disk first, then the rest by (run, tag, step).
  std::vector<PointRef> unplaced;
  const Shown* next = view_points.data();
  for (const auto& [run, rv] : view.runs) {
    for (const auto& [tag, series] : rv.tags) {
      for (size_t i = 0; i < series.points.size(); ++i) {
        const Shown& p = *next++;
        auto it = where.find({run, tag, p.file, p.offset});
        if (it != where.end()) {
          show(it->second, {&run, &tag, &p});
        } else {
          unplaced.push_back({&run, &tag, &p});
        }
      }
    }
  }
  for (const PointRef& ref : unplaced) {
    auto it = by_key.find({*ref.run, *ref.tag, ref.point->step});
    const std::vector<size_t> none;
    const std::vector<size_t>& cands = it == by_key.end() ? none : it->second;
    size_t pick = SIZE_MAX;
    for (size_t idx : cands) {  // unshown with the same value, then unshown at all.
      if (!shown[idx] && Matches(events[idx].value, ref.point->value)) {
        pick = idx;
        break;
      }
    }
    for (size_t idx : cands) {
      if (pick == SIZE_MAX && !shown[idx]) pick = idx;
    }
    for (size_t idx : cands) {  // all shown: a second sighting of an equal value is a duplicate.
      if (pick == SIZE_MAX && Matches(events[idx].value, ref.point->value)) pick = idx;
    }
    if (pick != SIZE_MAX) {
      show(pick, ref);
      continue;
    }
    extra.push_back({0, *ref.run, *ref.tag, ref.point->step, Verdict::kPhantom, ref.point->file,
                     ref.point->offset, "never logged: " + Describe(ref.point->value), "", 0});
  }

  reports::LossWindowBuilder loss_window;
  for (size_t idx = 0; idx < events.size(); ++idx) {
    if (shown[idx]) continue;
    const LoggedEvent& e = events[idx];
    EventVerdict v{e.seq, e.run, e.tag, e.step, Verdict::kHidden, "", 0, "", "", 0};
    if (placed[idx] != nullptr) {
      v.file = placed[idx]->file;
      v.offset = placed[idx]->offset;
      v.reason = view.WhyNotShown(e.run, e.tag, v.file, v.offset, &v.cause_file, &v.cause_offset);
      if (v.reason.empty()) v.reason = "intact on disk but not reached";
    } else if (int err = segment_of(e.seq).acks.FailedErrno(e.seq); err != 0) {
      v.verdict = Verdict::kLostUnacked;
      v.reason = "reported lost by the writer (" + std::string(ErrnoName(err)) + ")";
    } else if (Ending ending = segment_of(e.seq).ending; ending == Ending::kCleanClose) {
      v.verdict = Verdict::kLostSilent;
      v.reason = "absent after a clean close, never reported lost";
    } else {
      const Acks& acks = segment_of(e.seq).acks;
      uint64_t level = ending == Ending::kPowerCut
                           ? acks.synced
                           : std::max({acks.written, acks.flushed, acks.synced});
      std::string_view level_name = ending == Ending::kPowerCut ? "synced" : "written";
      bool acked = e.seq <= level;
      v.verdict = acked ? Verdict::kLostAcked : Verdict::kLostUnacked;
      v.reason = std::string(acked ? "acknowledged " : "not ") + std::string(level_name) +
                 " before the " + std::string(EndingName(ending)) + " (" + std::string(level_name) +
                 " watermark " + std::to_string(level) + ")";
    }
    if (InLossWindow(v.verdict)) loss_window.Add(e.bytes, e.t_ns);
    per_event[idx] = std::move(v);
  }
  j.loss_window = loss_window.Get();

  j.verdicts = std::move(per_event);
  for (auto& v : extra) j.verdicts.push_back(std::move(v));
  for (const auto& v : j.verdicts) j.counts[VerdictIndex(v.verdict)]++;
  return j;
}

bool MeetsExpectation(const ProfileJudgement& j, const Expectation& expected, std::string* why) {
  why->clear();
  for (Verdict v : kVerdicts) {
    auto it = expected.find(v);
    uint64_t got = j.count(v);
    bool ok;
    std::string want;
    if (it == expected.end()) {
      if (!IsViolation(v)) continue;
      ok = got == 0;
      want = "0";
    } else {
      ok = got >= it->second.min && got <= it->second.max;
      want = it->second.min == it->second.max ? std::to_string(it->second.min)
                                              : "at least " + std::to_string(it->second.min);
    }
    if (!ok) {
      if (!why->empty()) *why += "; ";
      *why += std::string(ProfileName(j.profile)) + " " + std::string(VerdictName(v)) +
              ": expected " + want + ", got " + std::to_string(got);
    }
  }
  return why->empty();
}

std::string RenderSummary(uint64_t events_logged, const std::vector<ProfileJudgement>& judgements,
                          size_t examples) {
  std::string out = "events logged: " + std::to_string(events_logged) + "\n";
  char buf[256];
  for (const auto& j : judgements) {
    std::snprintf(buf, sizeof(buf),
                  "%-9s visible %llu, loss window %llu events / %llu bytes / %.3f s, %llu "
                  "violations\n",
                  std::string(ProfileName(j.profile)).c_str(),
                  static_cast<unsigned long long>(j.count(Verdict::kVisible)),
                  static_cast<unsigned long long>(j.loss_window.events),
                  static_cast<unsigned long long>(j.loss_window.bytes), j.loss_window.seconds,
                  static_cast<unsigned long long>(j.violations()));
    out += buf;
    for (Verdict cls : kVerdicts) {
      if (!IsViolation(cls) || j.count(cls) == 0) continue;
      out += "  " + std::string(VerdictName(cls)) + ": " + std::to_string(j.count(cls)) + "\n";
      size_t shown = 0;
      for (const auto& v : j.verdicts) {
        if (v.verdict != cls || shown++ >= examples) continue;
        out += "    tag=" + v.tag + " step=" + std::to_string(v.step) +
               (v.file.empty() ? "" : " file=" + v.file + " offset=" + std::to_string(v.offset)) +
               " reason=" + v.reason +
               (v.cause_file.empty() ? ""
                                     : " (cause " + v.cause_file + " offset " +
                                           std::to_string(v.cause_offset) + ")") +
               "\n";
      }
    }
  }
  return out;
}

}  // namespace tbfault::core
