#include "harness/core/verdict.h"

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "format/status.h"

namespace tbfault::core {
namespace {

constexpr Ending kEndings[] = {Ending::kCleanClose, Ending::kProcessCrash, Ending::kPowerCut,
                               Ending::kExitWithoutClose};

constexpr uint32_t kNoId = UINT32_MAX;

// Runs, tags and files as dense integer ids, looked up by the strings' views (every string named
// outlives the judgement: the ledger's events and the views). The judge keys everything by them.
class Ids {
 public:
  uint32_t Series(std::string_view run, std::string_view tag, bool add) {
    return Lookup(&series_, {run, tag}, add);
  }
  uint32_t File(std::string_view run, std::string_view file) {
    return Lookup(&files_, {run, file}, true);
  }
  size_t series_count() const { return series_.size(); }

 private:
  using Key = std::pair<std::string_view, std::string_view>;
  struct Hash {
    size_t operator()(const Key& k) const {
      return std::hash<std::string_view>()(k.first) * 0x9e3779b97f4a7c15ull ^
             std::hash<std::string_view>()(k.second);
    }
  };
  using Map = std::unordered_map<Key, uint32_t, Hash>;
  static uint32_t Lookup(Map* m, const Key& k, bool add) {
    if (!add) {
      auto it = m->find(k);
      return it == m->end() ? kNoId : it->second;
    }
    return m->try_emplace(k, static_cast<uint32_t>(m->size())).first->second;
  }
  Map series_;
  Map files_;
};

// A profile's point, resolved lazily: its value is decoded from the series when compared.
struct Shown {
  int64_t step;
  uint64_t offset;
  const std::string* file;
  uint32_t file_id;
  const Series* series;
  size_t index;
  SeriesValue value() const { return series->value(index); }
};

// Ledger indices by (series id, step), in seq order (events are in seq order).
class EventIndex {
 public:
  EventIndex(const std::vector<LoggedEvent>& events, Ids* ids) {
    refs_.reserve(events.size());
    for (size_t i = 0; i < events.size(); ++i) {
      refs_.push_back({ids->Series(events[i].run, events[i].tag, true), events[i].step, i});
    }
    std::sort(refs_.begin(), refs_.end(), [](const Ref& a, const Ref& b) {
      return std::tie(a.series, a.step, a.index) < std::tie(b.series, b.step, b.index);
    });
  }
  // The events of (series, step), in seq order.
  template <typename F>
  void ForEach(uint32_t series, int64_t step, F f) const {
    if (series == kNoId) return;
    auto it = std::lower_bound(refs_.begin(), refs_.end(), Ref{series, step, 0},
                               [](const Ref& a, const Ref& b) {
                                 return std::tie(a.series, a.step) < std::tie(b.series, b.step);
                               });
    for (; it != refs_.end() && it->series == series && it->step == step; ++it) {
      if (!f(it->index)) return;
    }
  }

 private:
  struct Ref {
    uint32_t series;
    int64_t step;
    size_t index;
  };
  std::vector<Ref> refs_;
};

// The file ids of a run's files (RunView::files order).
std::vector<uint32_t> FileIds(const std::string& run, const RunView& rv, Ids* ids) {
  std::vector<uint32_t> out;
  for (const std::string& f : rv.files) out.push_back(ids->File(run, f));
  return out;
}

// Ledger events placed on the strict reader's intact records.
struct Placement {
  std::vector<Shown> disk;  // strict points of logged series, in view order (a series contiguous).
  std::vector<const Shown*> placed;  // by event: where it lies, or null.
  // Per series id, [begin, end) in by_location: its disk positions by (file id, offset) (the
  // order they are read in, so sorting is rarely needed).
  std::vector<std::pair<size_t, size_t>> range;
  std::vector<size_t> by_location;
  std::vector<size_t> event;   // by disk position: the event placed there, or SIZE_MAX.
  std::vector<uint64_t> when;  // by disk position: placement order, 0 when none was placed.

  // The event placed last on the record (series, file, offset), or SIZE_MAX (as a map from
  // records to events assigned in placement order would answer). `hint`, a by_location index to
  // look at first, is left just past the record.
  size_t Find(uint32_t series, uint32_t file, uint64_t offset, size_t* hint) const {
    if (series >= range.size()) return SIZE_MAX;
    const auto [b, e] = range[series];
    const std::pair<uint32_t, uint64_t> target{file, offset};
    auto key = [&](size_t k) {
      const Shown& p = disk[by_location[k]];
      return std::pair<uint32_t, uint64_t>{p.file_id, p.offset};
    };
    size_t k;
    if (*hint >= b && *hint < e && key(*hint) == target) {
      k = *hint;
      while (k > b && key(k - 1) == target) --k;
    } else {
      size_t lo = b, hi = e;
      while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (key(mid) < target) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      k = lo;
    }
    size_t best = SIZE_MAX;
    uint64_t best_when = 0;
    for (; k < e && key(k) == target; ++k) {
      const size_t pos = by_location[k];
      if (when[pos] > best_when) {
        best_when = when[pos];
        best = event[pos];
      }
    }
    *hint = k;
    return best;
  }
};

// Places ledger events on the strict reader's intact records: per (run, tag, step), equal values
// first (in order), then the rest pairwise in order.
void PlaceOnDisk(const std::vector<LoggedEvent>& events, const EventIndex& index,
                 const ProfileView& strict, size_t series_count, Ids* ids, Placement* out) {
  struct Ref {
    uint32_t series;
    int64_t step;
    size_t pos;  // in disk.
  };
  std::vector<Ref> refs;
  std::vector<Shown>& disk = out->disk;
  out->range.assign(series_count, {0, 0});
  for (const auto& [run, rv] : strict.runs) {
    const std::vector<uint32_t> file_ids = FileIds(run, rv, ids);
    for (const auto& [tag, series] : rv.tags) {
      const uint32_t sid = ids->Series(run, tag, false);
      if (sid == kNoId) continue;  // never logged: nothing to place on it.
      const size_t begin = disk.size();
      size_t i = 0;
      for (const Point p : series.points) {
        refs.push_back({sid, p.step, disk.size()});
        disk.push_back({p.step, p.offset, &rv.files[p.file], file_ids[p.file], &series, i++});
      }
      out->range[sid] = {begin, disk.size()};
      for (size_t k = begin; k < disk.size(); ++k) out->by_location.push_back(k);
      auto by_location = [&](size_t a, size_t b) {
        return std::tie(disk[a].file_id, disk[a].offset) <
               std::tie(disk[b].file_id, disk[b].offset);
      };
      auto first = out->by_location.begin() + static_cast<std::ptrdiff_t>(begin);
      if (!std::is_sorted(first, out->by_location.end(), by_location)) {
        std::stable_sort(first, out->by_location.end(), by_location);
      }
    }
  }
  std::sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) {
    return std::tie(a.series, a.step, a.pos) < std::tie(b.series, b.step, b.pos);
  });
  out->placed.assign(events.size(), nullptr);
  out->event.assign(disk.size(), SIZE_MAX);
  out->when.assign(disk.size(), 0);
  uint64_t placements = 0;
  std::vector<bool> used;
  for (size_t g = 0; g < refs.size();) {
    size_t end = g;
    while (end < refs.size() && refs[end].series == refs[g].series &&
           refs[end].step == refs[g].step) {
      ++end;
    }
    used.assign(end - g, false);
    for (int pass = 0; pass < 2; ++pass) {
      index.ForEach(refs[g].series, refs[g].step, [&](size_t idx) {
        if (out->placed[idx] != nullptr) return true;
        for (size_t k = g; k < end; ++k) {
          const Shown& point = disk[refs[k].pos];
          if (used[k - g] || (pass == 0 && !Matches(events[idx].value, point.value()))) continue;
          used[k - g] = true;
          out->placed[idx] = &point;
          out->event[refs[k].pos] = idx;
          out->when[refs[k].pos] = ++placements;
          break;
        }
        return true;
      });
    }
    g = end;
  }
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
    case Ending::kExitWithoutClose:
      return "exit-without-close";
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
  Ids ids;
  const EventIndex index(events, &ids);
  Placement placement;
  PlaceOnDisk(events, index, strict, ids.series_count(), &ids, &placement);
  const std::vector<const Shown*>& placed = placement.placed;

  std::vector<EventVerdict> per_event(events.size());
  std::vector<bool> shown(events.size(), false);
  std::vector<EventVerdict> extra;  // phantoms and duplicates.

  struct PointRef {
    const std::string* run;
    const std::string* tag;
    uint32_t series;
    Shown point;
  };
  auto show = [&](size_t idx, const PointRef& ref) {
    EventVerdict v{events[idx].seq,
                   *ref.run,
                   *ref.tag,
                   ref.point.step,
                   Verdict::kVisible,
                   *ref.point.file,
                   ref.point.offset,
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
    const SeriesValue seen = ref.point.value();
    if (!Matches(events[idx].value, seen)) {
      v.verdict = Verdict::kCorrupt;
      v.reason = "seen " + Describe(seen) + ", logged " + Describe(events[idx].value);
    }
    per_event[idx] = std::move(v);
  };

  // Points from records placed on disk first, then the rest by (run, tag, step).
  std::vector<PointRef> unplaced;
  for (const auto& [run, rv] : view.runs) {
    const std::vector<uint32_t> file_ids = FileIds(run, rv, &ids);
    for (const auto& [tag, series] : rv.tags) {
      const uint32_t sid = ids.Series(run, tag, false);
      size_t i = 0, hint = 0;
      for (const Point p : series.points) {
        const PointRef ref{
            &run, &tag, sid, {p.step, p.offset, &rv.files[p.file], file_ids[p.file], &series, i++}};
        const size_t idx = placement.Find(sid, file_ids[p.file], p.offset, &hint);
        if (idx != SIZE_MAX) {
          show(idx, ref);
        } else {
          unplaced.push_back(ref);
        }
      }
    }
  }
  std::vector<size_t> cands;
  for (const PointRef& ref : unplaced) {
    cands.clear();
    index.ForEach(ref.series, ref.point.step, [&](size_t idx) {
      cands.push_back(idx);
      return true;
    });
    const SeriesValue seen = ref.point.value();
    size_t pick = SIZE_MAX;
    for (size_t idx : cands) {  // unshown with the same value, then unshown at all.
      if (!shown[idx] && Matches(events[idx].value, seen)) {
        pick = idx;
        break;
      }
    }
    for (size_t idx : cands) {
      if (pick == SIZE_MAX && !shown[idx]) pick = idx;
    }
    for (size_t idx : cands) {  // all shown: a second sighting of an equal value is a duplicate.
      if (pick == SIZE_MAX && Matches(events[idx].value, seen)) pick = idx;
    }
    if (pick != SIZE_MAX) {
      show(pick, ref);
      continue;
    }
    extra.push_back({0, *ref.run, *ref.tag, ref.point.step, Verdict::kPhantom, *ref.point.file,
                     ref.point.offset, "never logged: " + Describe(seen), "", 0});
  }

  reports::LossWindowBuilder loss_window;
  for (size_t idx = 0; idx < events.size(); ++idx) {
    if (shown[idx]) continue;
    const LoggedEvent& e = events[idx];
    EventVerdict v{e.seq, e.run, e.tag, e.step, Verdict::kHidden, "", 0, "", "", 0};
    if (placed[idx] != nullptr) {
      v.file = *placed[idx]->file;
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
      if ((!IsViolation(cls) && cls != Verdict::kDownsampled) || j.count(cls) == 0) continue;
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
