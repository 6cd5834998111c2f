// LiveRecord: what a reader that polled a run while the job ran saw, per profile (DESIGN.md
// section 3, "live"). After each reload cycle of a run's RunReader, Observe records every point
// a profile shows for the first time (its record's file and offset, and the cycle's time) and
// every point it showed before and has since dropped (evicted, purged). Cost per cycle: the
// points new since the last cycle, the Dropped entries new since then, and one look at the back
// of each series (points are appended, and evictions and purges take from the back); a `full`
// cycle (the last, after the writer ended) looks at every point. Storage: 16 bytes per record
// seen, per profile; a few bytes per point gone.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "harness/core/profile.h"
#include "harness/core/run_reader.h"

namespace tbfault::core {

class LiveRecord {
 public:
  // After a cycle of `reader` (a run `run`, the key ProfileView::runs uses) that ended at `t_ns`
  // (steady clock): records what each of the reader's profiles shows now. `full`: look at every
  // point, not only the back of each series.
  void Observe(const std::string& run, const RunReader& reader, uint64_t t_ns, bool full);

  // When `profile` first showed the record at (run, file, offset) — `file` by its base name —, or
  // none if it never did.
  std::optional<uint64_t> FirstVisible(Profile profile, const std::string& run,
                                       const std::string& file, uint64_t offset) const;
  // When `profile` stopped showing it (the cycle that dropped it), or none.
  std::optional<uint64_t> GoneAt(Profile profile, const std::string& run, const std::string& file,
                                 uint64_t offset) const;

  uint64_t records_seen() const;  // over every profile.

  // A whole reload cycle (every run): when it started (before listing) and ended, and how many
  // points each profile showed then (by Profile), over every run.
  struct Cycle {
    uint64_t start_ns = 0, end_ns = 0;
    std::array<uint64_t, 3> shown{};
  };
  void AddCycle(const Cycle& c) { cycles_.push_back(c); }
  const std::vector<Cycle>& cycles() const { return cycles_; }
  // The first cycle that started after `t_ns`, or null.
  const Cycle* FirstCycleAfter(uint64_t t_ns) const;

 private:
  struct Seen {
    uint64_t offset;
    uint64_t first_ns;
  };
  static uint64_t Key(uint32_t file, uint64_t offset) {  // offsets below 2^44 (16 TiB).
    return (static_cast<uint64_t>(file) << 44) | offset;
  }
  struct RunRecord {
    std::vector<std::vector<Seen>> files;  // by RunView::files index, sorted by offset.
    std::unordered_map<std::string, uint32_t> by_path, by_name;  // full path, base name -> index.
    std::unordered_map<uint64_t, uint64_t> gone;                 // Key -> when first dropped.
    size_t dropped_done = 0;  // RunView::dropped entries looked at.
  };
  static const Seen* Find(const std::vector<Seen>& seen, uint64_t offset);
  const RunRecord* Run(Profile profile, const std::string& run) const;
  void ObserveView(const RunView& view, uint64_t t_ns, bool full, RunRecord* rec);

  std::array<std::map<std::string, RunRecord>, 3> runs_;  // by Profile.
  std::vector<Cycle> cycles_;                             // in time order.
};

}  // namespace tbfault::core
