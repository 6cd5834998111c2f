#include "harness/core/live_view.h"

#include <algorithm>
#include <filesystem>

namespace tbfault::core {

const LiveRecord::Seen* LiveRecord::Find(const std::vector<Seen>& seen, uint64_t offset) {
  auto it = std::lower_bound(seen.begin(), seen.end(), offset,
                             [](const Seen& s, uint64_t o) { return s.offset < o; });
  return it != seen.end() && it->offset == offset ? &*it : nullptr;
}

void LiveRecord::Observe(const std::string& run, const RunReader& reader, uint64_t t_ns,
                         bool full) {
  for (Profile p : kAllProfiles) {
    const ProfileReader* r = reader.reader(p);
    if (r != nullptr) ObserveView(r->view(), t_ns, full, &runs_[static_cast<int>(p)][run]);
  }
}

void LiveRecord::ObserveView(const RunView& view, uint64_t t_ns, bool full, RunRecord* rec) {
  while (rec->files.size() < view.files.size()) {
    const uint32_t i = static_cast<uint32_t>(rec->files.size());
    rec->files.emplace_back();
    rec->by_path.emplace(view.files[i], i);
    rec->by_name.emplace(std::filesystem::path(view.files[i]).filename().string(), i);
  }
  // Points gone since the last cycle: the reader drops a point it showed only by evicting or
  // purging it, and says so in `dropped` (appended in order).
  for (; rec->dropped_done < view.dropped.size(); ++rec->dropped_done) {
    const Dropped& d = view.dropped[rec->dropped_done];
    if (d.cause != DropCause::kEvicted && d.cause != DropCause::kPurgedByStart &&
        d.cause != DropCause::kPurgedByRegression) {
      continue;
    }
    auto f = rec->by_path.find(d.file);
    if (f == rec->by_path.end() || Find(rec->files[f->second], d.offset) == nullptr) continue;
    rec->gone.try_emplace(Key(f->second, d.offset), t_ns);
  }
  // New points: from the back of each series, those not seen before (a full cycle: all).
  // (A PointList hands out its points by value: they are copied here, not pointed at.)
  std::vector<Point> fresh;
  for (const auto& [tag, series] : view.tags) {
    for (size_t i = series.points.size(); i-- > 0;) {
      const Point pt = series.points[i];
      if (Find(rec->files[pt.file], pt.offset) != nullptr) {
        if (full) continue;
        break;
      }
      fresh.push_back(pt);
    }
  }
  std::sort(fresh.begin(), fresh.end(), [](const Point& a, const Point& b) {
    return a.file != b.file ? a.file < b.file : a.offset < b.offset;
  });
  for (const Point& pt : fresh) {
    std::vector<Seen>& seen = rec->files[pt.file];
    if (seen.empty() || seen.back().offset < pt.offset) {
      seen.push_back({pt.offset, t_ns});
    } else {
      auto it = std::lower_bound(seen.begin(), seen.end(), pt.offset,
                                 [](const Seen& s, uint64_t o) { return s.offset < o; });
      if (it == seen.end() || it->offset != pt.offset) seen.insert(it, {pt.offset, t_ns});
    }
  }
}

const LiveRecord::RunRecord* LiveRecord::Run(Profile profile, const std::string& run) const {
  const auto& runs = runs_[static_cast<int>(profile)];
  auto it = runs.find(run);
  return it == runs.end() ? nullptr : &it->second;
}

std::optional<uint64_t> LiveRecord::FirstVisible(Profile profile, const std::string& run,
                                                 const std::string& file, uint64_t offset) const {
  const RunRecord* rec = Run(profile, run);
  if (rec == nullptr) return std::nullopt;
  auto f = rec->by_name.find(file);
  if (f == rec->by_name.end()) return std::nullopt;
  const Seen* s = Find(rec->files[f->second], offset);
  if (s == nullptr) return std::nullopt;
  return s->first_ns;
}

std::optional<uint64_t> LiveRecord::GoneAt(Profile profile, const std::string& run,
                                           const std::string& file, uint64_t offset) const {
  const RunRecord* rec = Run(profile, run);
  if (rec == nullptr || rec->gone.empty()) return std::nullopt;
  auto f = rec->by_name.find(file);
  if (f == rec->by_name.end()) return std::nullopt;
  auto g = rec->gone.find(Key(f->second, offset));
  if (g == rec->gone.end()) return std::nullopt;
  return g->second;
}

const LiveRecord::Cycle* LiveRecord::FirstCycleAfter(uint64_t t_ns) const {
  auto it = std::upper_bound(cycles_.begin(), cycles_.end(), t_ns,
                             [](uint64_t t, const Cycle& c) { return t < c.start_ns; });
  return it == cycles_.end() ? nullptr : &*it;
}

uint64_t LiveRecord::records_seen() const {
  uint64_t n = 0;
  for (const auto& runs : runs_) {
    for (const auto& [run, rec] : runs) {
      for (const auto& seen : rec.files) n += seen.size();
    }
  }
  return n;
}

}  // namespace tbfault::core
