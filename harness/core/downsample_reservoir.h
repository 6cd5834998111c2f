// The reservoirs of TensorBoard's two loaders over item ids (FINDINGS.md D2), replayed with their
// own seeded generators (downsample_rng.h) so that the ids kept are the points a chart shows:
//   PythonReservoir  tb-python's _ReservoirBucket (event_processing/reservoir.py, one per tag,
//                    random.Random(0), always_keep_last): below max_size append; else
//                    r = randint(0, seen): r < max_size pops item r and appends, otherwise the
//                    new item replaces the last. Filter is FilterItems (a purge): seen scales by
//                    the share of items kept, rounded half to even.
//   RustReservoir    rustboard's StageReservoir (ChaCha20Rng::seed_from_u64(0), one per tag): an
//                    offer first preempts the items at steps >= its own (seen scales down, floor),
//                    then, once more were seen than it holds, rolls d in 0..seen: d >= capacity
//                    drops the last item, else a full reservoir evicts item d; the offer is
//                    appended.
//   PythonDownsample tb-python's data_provider._downsample(xs, k): the indices kept when a route
//                    asks for k of n (random.Random(0).sample of n - 1, sorted, and the last).
//   RustDownsample   rustboard's downsample.rs, the same with rand::seq::index::sample.
// Each add is O(1) amortised (an eviction moves up to capacity ids, with probability
// capacity / seen).
#pragma once

#include <cstdint>
#include <vector>

#include "harness/core/downsample_rng.h"

namespace tbfault::core {

class PythonReservoir {
 public:
  explicit PythonReservoir(uint64_t max_size) : max_(max_size), random_(0) {}
  void Add(uint32_t id);
  // Keeps the items for which keep(id) is true.
  template <typename Keep>
  void Filter(Keep keep) {
    const size_t before = items_.size();
    std::erase_if(items_, [&](uint32_t id) { return !keep(id); });
    Rescale(before);
  }
  const std::vector<uint32_t>& items() const { return items_; }  // in reservoir order.

 private:
  void Rescale(size_t before);
  uint64_t max_;
  uint64_t seen_ = 0;
  PyRandom random_;
  std::vector<uint32_t> items_;
};

class RustReservoir {
 public:
  explicit RustReservoir(uint64_t capacity) : capacity_(capacity), rng_(0) {}
  void Offer(int64_t step, uint32_t id);
  const std::vector<uint32_t>& items() const { return ids_; }  // in step order.

 private:
  uint64_t capacity_;
  uint64_t seen_ = 0;
  RustChaCha20 rng_;
  std::vector<int64_t> steps_;
  std::vector<uint32_t> ids_;
};

// The indices of xs that data_provider._downsample(xs, k) returns, ascending (n = len(xs)).
std::vector<uint64_t> PythonDownsample(uint64_t n, uint64_t k);

// The same for rustboard's downsample(xs, k) (downsample.rs): a fresh ChaCha20Rng of seed 0,
// rand 0.7.3's seq::index::sample of k - 1 among n - 1 (Floyd's, in-place or rejection, chosen
// as it chooses), sorted, and the last.
std::vector<uint64_t> RustDownsample(uint64_t n, uint64_t k);

}  // namespace tbfault::core
