#include "harness/core/downsample_reservoir.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <unordered_set>

namespace tbfault::core {

void PythonReservoir::Add(uint32_t id) {
  if (items_.size() < max_ || max_ == 0) {
    items_.push_back(id);
  } else {
    const uint64_t r = random_.RandInt(0, seen_);
    if (r < max_) {
      items_.erase(items_.begin() + static_cast<ptrdiff_t>(r));
      items_.push_back(id);
    } else {
      items_.back() = id;
    }
  }
  ++seen_;
}

void PythonReservoir::Rescale(size_t before) {
  // int(round(seen * (len(items) / float(size_before)))): doubles, and round() is half to even,
  // which std::nearbyint is in the default rounding mode.
  const double share =
      before > 0 ? static_cast<double>(items_.size()) / static_cast<double>(before) : 0.0;
  seen_ = static_cast<uint64_t>(std::nearbyint(static_cast<double>(seen_) * share));
}

void RustReservoir::Offer(int64_t step, uint32_t id) {
  if (capacity_ == 0) return;  // Capacity::Bounded(0) keeps nothing.
  // preempt(step): the items are in step order, so those at steps >= step are a tail.
  const size_t old_len = steps_.size();
  size_t keep = old_len;
  while (keep > 0 && steps_[keep - 1] >= step) --keep;
  if (keep != old_len) {
    steps_.resize(keep);
    ids_.resize(keep);
    seen_ = static_cast<uint64_t>(static_cast<unsigned __int128>(seen_) * keep / old_len);
  }
  ++seen_;
  if (seen_ > capacity_) {
    const uint64_t dst = rng_.UniformBelow(seen_);
    if (dst >= capacity_) {
      if (!ids_.empty()) {
        steps_.pop_back();
        ids_.pop_back();
      }
    } else if (ids_.size() >= capacity_) {
      steps_.erase(steps_.begin() + static_cast<ptrdiff_t>(dst));
      ids_.erase(ids_.begin() + static_cast<ptrdiff_t>(dst));
    }
  }
  steps_.push_back(step);
  ids_.push_back(id);
}

std::vector<uint64_t> PythonDownsample(uint64_t n, uint64_t k) {
  std::vector<uint64_t> out;
  if (k >= n) {  // k > n returns xs; k == n samples every index.
    for (uint64_t i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  if (k == 0) return out;
  // random.Random(0).sample(range(n - 1), k - 1) (Lib/random.py, 3.11): a pool for small
  // populations, else rejection from a set; only which indices are drawn matters (sorted after).
  PyRandom random(0);
  const uint64_t pop = n - 1, want = k - 1;
  uint64_t setsize = 21;
  if (want > 5) {
    setsize += static_cast<uint64_t>(
        std::pow(4.0, std::ceil(std::log(static_cast<double>(want * 3)) / std::log(4.0))));
  }
  if (pop <= setsize) {
    std::vector<uint64_t> pool(pop);
    for (uint64_t i = 0; i < pop; ++i) pool[i] = i;
    for (uint64_t i = 0; i < want; ++i) {
      const uint64_t j = random.RandBelow(pop - i);
      out.push_back(pool[j]);
      pool[j] = pool[pop - i - 1];
    }
  } else {
    std::unordered_set<uint64_t> selected;
    for (uint64_t i = 0; i < want; ++i) {
      uint64_t j = random.RandBelow(pop);
      while (selected.contains(j)) j = random.RandBelow(pop);
      selected.insert(j);
      out.push_back(j);
    }
  }
  std::sort(out.begin(), out.end());
  out.push_back(n - 1);
  return out;
}

}  // namespace tbfault::core

namespace tbfault::core {
namespace {

// rand 0.7.3 seq::index::sample(rng, length, amount) over u32 (the set drawn; the order, which
// Floyd's shuffle and the swaps give, does not matter once sorted).
std::vector<uint64_t> RandIndexSample(RustChaCha20& rng, uint32_t length, uint32_t amount) {
  std::vector<uint64_t> out;
  auto inplace = [&] {
    std::vector<uint32_t> idx(length);
    for (uint32_t i = 0; i < length; ++i) idx[i] = i;
    for (uint32_t i = 0; i < amount; ++i) std::swap(idx[i], idx[rng.GenRange(i, length)]);
    out.assign(idx.begin(), idx.begin() + amount);
  };
  auto floyd = [&] {
    for (uint32_t j = length - amount; j < length; ++j) {
      const uint32_t t = rng.GenRange(0, j + 1);
      out.push_back(std::find(out.begin(), out.end(), t) != out.end() ? j : t);
    }
  };
  auto rejection = [&] {
    std::unordered_set<uint32_t> seen;
    for (uint32_t i = 0; i < amount; ++i) {
      uint32_t pos = rng.UniformU32(length);
      while (!seen.insert(pos).second) pos = rng.UniformU32(length);
      out.push_back(pos);
    }
  };
  const int j = length < 500000 ? 0 : 1;
  if (amount < 163) {
    const float c0[2] = {1.6f, 8.0f / 45.0f}, c1[2] = {10.0f, 70.0f / 9.0f};
    const float amount_fp = static_cast<float>(amount);
    const float m4 = c0[j] * amount_fp;
    if (amount > 11 && static_cast<float>(length) < (c1[j] + m4) * amount_fp) {
      inplace();
    } else {
      floyd();
    }
  } else {
    const float c[2] = {270.0f, 330.0f / 9.0f};
    if (static_cast<float>(length) < c[j] * static_cast<float>(amount)) {
      inplace();
    } else {
      rejection();
    }
  }
  return out;
}

}  // namespace

std::vector<uint64_t> RustDownsample(uint64_t n, uint64_t k) {
  std::vector<uint64_t> out;
  if (k >= n) {
    for (uint64_t i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  if (k == 0) return out;
  RustChaCha20 rng(0);
  out = RandIndexSample(rng, static_cast<uint32_t>(n - 1), static_cast<uint32_t>(k - 1));
  std::sort(out.begin(), out.end());
  out.push_back(n - 1);
  return out;
}

}  // namespace tbfault::core
