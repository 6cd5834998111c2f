#include "harness/core/sampled_judge.h"

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "harness/core/downsample_reservoir.h"

namespace tbfault::core {
namespace {

struct Key {  // a record: its file (index into RunView::files) and offset.
  uint32_t file;
  uint64_t offset;
  auto operator<=>(const Key&) const = default;
};

constexpr uint32_t kNone = UINT32_MAX;

// A record of the series as its loader read it: shown, or dropped (tb-python: by purge `purge`).
struct Read {
  Key key;
  int64_t step;
  bool shown;
  uint32_t purge;
};

bool DroppedByLoader(Profile p, DropCause c) {
  return p == Profile::kTbRust
             ? c == DropCause::kEvicted
             : c == DropCause::kPurgedByStart || c == DropCause::kPurgedByRegression;
}

// The records of `series` that the chart shows, sorted, replaying the loader's reservoir (of
// `capacity`, 0 unbounded) and the route's downsampling to `route`.
std::vector<Key> Chosen(Profile profile, const Series& series,
                        const std::vector<const Dropped*>& drops,
                        const std::unordered_map<std::string_view, uint32_t>& file_index,
                        uint64_t capacity, uint64_t route) {
  auto index_of = [&](const std::string& f) {
    auto it = file_index.find(f);
    return it == file_index.end() ? kNone : it->second;
  };
  std::vector<Read> reads;
  reads.reserve(series.points.size() + drops.size());
  for (const Point& p : series.points) reads.push_back({{p.file, p.offset}, p.step, true, kNone});
  std::vector<Key> purges;  // tb-python: the purging records, each a filter of the reservoir.
  for (const Dropped* d : drops) {
    reads.push_back({{index_of(d->file), d->offset}, d->step, false, kNone});
    if (profile == Profile::kTbPython) purges.push_back({index_of(d->cause_file), d->cause_offset});
  }
  std::sort(purges.begin(), purges.end());
  purges.erase(std::unique(purges.begin(), purges.end()), purges.end());
  for (size_t i = 0; i < drops.size(); ++i) {
    if (profile != Profile::kTbPython) break;
    const Key cause{index_of(drops[i]->cause_file), drops[i]->cause_offset};
    reads[series.points.size() + i].purge = static_cast<uint32_t>(
        std::lower_bound(purges.begin(), purges.end(), cause) - purges.begin());
  }
  // Into read order (files are read in index order, each from its start): the points are in it
  // already, the drops in the order dropped.
  auto by_key = [](const Read& a, const Read& b) { return a.key < b.key; };
  const auto mid = reads.begin() + static_cast<ptrdiff_t>(series.points.size());
  std::sort(mid, reads.end(), by_key);
  if (std::is_sorted(reads.begin(), mid, by_key)) {
    std::inplace_merge(reads.begin(), mid, reads.end(), by_key);
  } else {
    std::stable_sort(reads.begin(), reads.end(), by_key);
  }

  // The reservoir, then the route's downsampling of what it holds (in the order it holds them).
  std::vector<uint32_t> held;
  if (profile == Profile::kTbRust) {
    RustReservoir reservoir(capacity);
    for (size_t i = 0; i < reads.size(); ++i) reservoir.Offer(reads[i].step, uint32_t(i));
    held = reservoir.items();
  } else {
    PythonReservoir reservoir(capacity);
    size_t next_purge = 0;
    auto purge_until = [&](const Key& k) {  // a purge acts before its own record's values.
      for (; next_purge < purges.size() && purges[next_purge] <= k; ++next_purge) {
        const uint32_t m = static_cast<uint32_t>(next_purge);
        reservoir.Filter([&](uint32_t id) { return reads[id].purge != m; });
      }
    };
    for (size_t i = 0; i < reads.size(); ++i) {
      purge_until(reads[i].key);
      reservoir.Add(static_cast<uint32_t>(i));
    }
    purge_until({kNone, UINT64_MAX});
    held = reservoir.items();
  }
  std::vector<uint32_t> kept;
  for (uint64_t i : profile == Profile::kTbRust ? RustDownsample(held.size(), route)
                                                : PythonDownsample(held.size(), route)) {
    kept.push_back(held[i]);
  }
  std::vector<Key> shown;
  for (uint32_t id : kept) {
    if (reads[id].shown) shown.push_back(reads[id].key);
  }
  std::sort(shown.begin(), shown.end());
  return shown;
}

struct SeriesChoice {
  Kind kind = Kind::kUnknown;
  uint64_t shown = 0;                      // points shown before the chart's limit.
  uint64_t limit = 0;                      // the chart's count (0: every point).
  std::optional<std::vector<Key>> chosen;  // the records the chart shows; none: all of them.
  std::vector<size_t> visible;             // indices into j->verdicts, in seq order.
  const std::unordered_map<std::string_view, uint32_t>* files = nullptr;
};

}  // namespace

void JudgeDownsampling(const std::vector<LoggedEvent>& events, const ProfileView& view,
                       const SamplesSpec& spec, ProfileJudgement* j) {
  if (j->profile == Profile::kStrict) return;
  const Profile profile = j->profile;
  std::map<std::pair<std::string_view, std::string_view>, SeriesChoice> series;
  for (const LoggedEvent& e : events) {
    SeriesChoice& s = series[{e.run, e.tag}];
    if (s.kind == Kind::kUnknown) s.kind = e.value.kind;
  }
  // Reproduce the reservoirs' choice, series by series.
  std::map<std::string_view, std::unordered_map<std::string_view, uint32_t>> file_index;
  for (const auto& [run, rv] : view.runs) {
    auto& files = file_index[run];
    for (uint32_t i = 0; i < rv.files.size(); ++i) files.emplace(rv.files[i], i);
    std::map<std::string_view, std::vector<const Dropped*>> drops;
    for (const Dropped& d : rv.dropped) {
      if (DroppedByLoader(profile, d.cause)) drops[d.tag].push_back(&d);
    }
    for (const auto& [tag, s] : rv.tags) {
      auto it = series.find({run, tag});
      if (it == series.end()) continue;
      SeriesChoice& c = it->second;
      c.files = &files;
      c.kind = s.kind;
      c.limit = ChartSamples(profile, s.kind, spec);
      if (c.limit == 0) continue;
      const uint64_t capacity = ReservoirSize(profile, s.kind, spec);
      auto d = drops.find(tag);
      static const std::vector<const Dropped*> kNoDrops;
      const auto& series_drops = d == drops.end() ? kNoDrops : d->second;
      const uint64_t reads = s.points.size() + series_drops.size();
      if (reads <= c.limit && (capacity == 0 || reads <= capacity)) continue;  // all kept.
      c.chosen = Chosen(profile, s, series_drops, files, capacity, c.limit);
    }
  }
  for (size_t i = 0; i < j->verdicts.size(); ++i) {
    const EventVerdict& v = j->verdicts[i];
    const Verdict c = v.verdict;
    if (c != Verdict::kVisible && c != Verdict::kCorrupt && c != Verdict::kDuplicate &&
        c != Verdict::kPhantom) {
      continue;
    }
    auto it = series.find({v.run, v.tag});
    if (it == series.end()) continue;  // a phantom series: nothing logged to downsample.
    it->second.shown++;
    if (c == Verdict::kVisible) it->second.visible.push_back(i);
  }
  uint64_t total = 0;
  for (auto& [key, s] : series) {
    if (s.visible.empty() || !s.chosen) continue;
    const std::string reason =
        "not among the points the " + std::string(PluginOfKind(s.kind)) + " chart shows (" +
        std::string(ProfileName(profile)) + "'s seeded reservoir and route keep " +
        std::to_string(s.chosen->size()) + " of " + std::to_string(s.shown) + ")";
    const std::string* last_file = nullptr;  // verdicts of a series mostly share one file.
    uint32_t file = kNone;
    for (size_t i : s.visible) {
      EventVerdict& v = j->verdicts[i];
      if (last_file == nullptr || v.file != *last_file) {
        auto f = s.files->find(v.file);
        file = f == s.files->end() ? kNone : f->second;
        last_file = &v.file;
      }
      if (std::binary_search(s.chosen->begin(), s.chosen->end(), Key{file, v.offset})) continue;
      v.verdict = Verdict::kDownsampled;
      v.reason = reason;
      ++total;
    }
  }
  j->counts[VerdictIndex(Verdict::kVisible)] -= total;
  j->counts[VerdictIndex(Verdict::kDownsampled)] += total;
}

}  // namespace tbfault::core
