// The loaders' generators and reservoirs against numbers their own code printed: CPython 3.11's
// random (the venv's python) and tensorboard 2.21's reservoir.py / data_provider._downsample;
// rustboard's (tensorboard_data_server 0.7.2: rand_chacha 0.2.2, rand 0.7.3) through what its
// HTTP API served (FINDINGS.md D2).
#include <gtest/gtest.h>

#include <numeric>

#include "harness/core/downsample_reservoir.h"
#include "harness/core/downsample_rng.h"

namespace tbfault::core {
namespace {

TEST(DownsampleRngTest, PythonRandomZeroAsCPythonPrintsIt) {
  // random.Random(0).getrandbits(32), five times.
  PyRandom r(0);
  for (uint64_t want : {3626764237u, 1654615998u, 3255389356u, 3823568514u, 1806341205u}) {
    EXPECT_EQ(r.GetRandBits(32), want);
  }
  // getrandbits(k) for k = 1, 7, 31, 33, 64 from a fresh Random(0): words, low first, the last
  // shifted.
  PyRandom bits(0);
  EXPECT_EQ(bits.GetRandBits(1), 1u);
  EXPECT_EQ(bits.GetRandBits(7), 49u);
  EXPECT_EQ(bits.GetRandBits(31), 1627694678u);
  EXPECT_EQ(bits.GetRandBits(33), 3823568514u);
  EXPECT_EQ(bits.GetRandBits(64), 4776171008201404212u);
  // _randbelow(n) for n = 1, 2, 3, 10, 1000, 1001, 65536, 100000, 2**40 + 3, in one sequence.
  PyRandom below(0);
  const uint64_t ns[] = {1, 2, 3, 10, 1000, 1001, 65536, 100000, (uint64_t{1} << 40) + 3};
  const uint64_t want[] = {0, 1, 0, 4, 988, 523, 63691, 53075, 669284121952};
  for (size_t i = 0; i < std::size(ns); ++i) EXPECT_EQ(below.RandBelow(ns[i]), want[i]) << ns[i];
}

TEST(DownsampleReservoirTest, PythonBucketKeepsWhatReservoirPyKeeps) {
  // _ReservoirBucket(100, random.Random(0)), items 0..4999.
  PythonReservoir r(100);
  for (uint32_t i = 0; i < 5000; ++i) r.Add(i);
  const std::vector<uint32_t>& items = r.items();
  ASSERT_EQ(items.size(), 100u);
  const std::vector<uint32_t> head = {154, 160, 322, 365, 377, 408, 476, 524, 614, 717, 754, 760};
  EXPECT_EQ(std::vector<uint32_t>(items.begin(), items.begin() + 12), head);
  EXPECT_EQ(std::vector<uint32_t>(items.end() - 5, items.end()),
            (std::vector<uint32_t>{4700, 4801, 4824, 4831, 4999}));
  EXPECT_EQ(std::accumulate(items.begin(), items.end(), uint64_t{0}), 260479u);
}

TEST(DownsampleReservoirTest, PythonFilterScalesSeenAsFilterItems) {
  // _ReservoirBucket(10): 0..49, FilterItems(x < 30), then 30..59.
  PythonReservoir r(10);
  for (uint32_t i = 0; i < 50; ++i) r.Add(i);
  EXPECT_EQ(r.items(), (std::vector<uint32_t>{1, 2, 3, 11, 20, 24, 32, 33, 37, 49}));
  r.Filter([](uint32_t id) { return id < 30; });
  for (uint32_t i = 30; i < 60; ++i) r.Add(i);
  EXPECT_EQ(r.items(), (std::vector<uint32_t>{3, 20, 24, 30, 33, 38, 45, 55, 56, 59}));
}

TEST(DownsampleReservoirTest, PythonDownsampleAsDataProvider) {
  // data_provider._downsample(list(range(n)), k): both of random.sample's branches.
  EXPECT_EQ(PythonDownsample(20, 10), (std::vector<uint64_t>{1, 4, 6, 7, 8, 12, 13, 15, 17, 19}));
  for (auto [n, k, head, sum] :
       {std::tuple<uint64_t, uint64_t, std::vector<uint64_t>, uint64_t>{
            100, 51, {0, 3, 5, 9, 12, 17, 18, 25, 26, 27, 32, 33, 35, 36, 38}, 2790},
        {500, 51, {20, 37, 48, 50, 51, 71, 75, 111, 128, 132, 144, 155, 158, 169, 181}, 14378}}) {
    const std::vector<uint64_t> got = PythonDownsample(n, k);
    ASSERT_EQ(got.size(), k);
    EXPECT_EQ(std::vector<uint64_t>(got.begin(), got.begin() + 15), head) << n;
    EXPECT_EQ(std::accumulate(got.begin(), got.end(), uint64_t{0}), sum) << n;
    EXPECT_EQ(got.back(), n - 1);
  }
  EXPECT_EQ(PythonDownsample(5, 9).size(), 5u);
  EXPECT_TRUE(PythonDownsample(5, 0).empty());
}

TEST(DownsampleReservoirTest, RustReservoirKeepsWhatRustboardServed) {
  // tensorboard --load_fast=true --samples_per_plugin scalars=100 over steps 0..4999 served 100
  // steps summing to 232285 (reservoir_conformance.py); and by default, 0..1499 then a restart
  // at 700 and 700..1199 (preempting 700..1499), 959 summing to 625153.
  RustReservoir r(100);
  for (uint32_t i = 0; i < 5000; ++i) r.Offer(i, i);
  ASSERT_EQ(r.items().size(), 100u);
  EXPECT_EQ(std::vector<uint32_t>(r.items().begin(), r.items().begin() + 12),
            (std::vector<uint32_t>{54, 63, 71, 90, 258, 264, 301, 340, 447, 507, 516, 541}));
  EXPECT_EQ(std::vector<uint32_t>(r.items().end() - 4, r.items().end()),
            (std::vector<uint32_t>{4850, 4856, 4857, 4999}));
  EXPECT_EQ(std::accumulate(r.items().begin(), r.items().end(), uint64_t{0}), 232285u);
  RustReservoir restart(1000);
  for (int64_t s = 0; s < 1500; ++s) restart.Offer(s, uint32_t(s));
  for (int64_t s = 700; s < 1200; ++s) restart.Offer(s, uint32_t(s));
  ASSERT_EQ(restart.items().size(), 959u);
  EXPECT_EQ(std::accumulate(restart.items().begin(), restart.items().end(), uint64_t{0}), 625153u);
}

TEST(DownsampleReservoirTest, RustDownsampleAsRustboardsRoutes) {
  // Its text route (100 of a 100-capacity reservoir over 300 texts: no second sampling) and its
  // histograms route (51 of 100 over 600: rand::seq::index::sample's in-place branch).
  for (auto [n, route, head, sum] :
       {std::tuple<uint32_t, uint64_t, std::vector<uint32_t>, uint64_t>{
            300, 100, {8, 9, 13, 14, 17, 18, 21, 24, 25, 30, 35, 36}, 14380},
        {600, 51, {25, 30, 42, 55, 76, 82, 94, 107, 116, 133, 158, 164}, 17115}}) {
    RustReservoir r(100);
    for (uint32_t i = 0; i < n; ++i) r.Offer(i, i);
    std::vector<uint32_t> kept;
    for (uint64_t i : RustDownsample(r.items().size(), route)) kept.push_back(r.items()[i]);
    ASSERT_EQ(kept.size(), route);
    EXPECT_EQ(std::vector<uint32_t>(kept.begin(), kept.begin() + 12), head) << n;
    EXPECT_EQ(std::accumulate(kept.begin(), kept.end(), uint64_t{0}), sum) << n;
    EXPECT_EQ(kept.back(), n - 1);
  }
  EXPECT_EQ(RustDownsample(5, 9).size(), 5u);
  EXPECT_TRUE(RustDownsample(5, 0).empty());
}

TEST(DownsampleReservoirTest, RustReservoirKeepsTheLastAndPreempts) {
  RustReservoir r(10);
  for (uint32_t i = 0; i < 500; ++i) r.Offer(i, i);
  ASSERT_EQ(r.items().size(), 10u);
  EXPECT_EQ(r.items().back(), 499u);
  EXPECT_TRUE(std::is_sorted(r.items().begin(), r.items().end()));
  r.Offer(3, 1000);  // a restart at step 3 preempts every step >= 3.
  for (uint32_t id : r.items()) EXPECT_TRUE(id < 3 || id == 1000) << id;
  EXPECT_EQ(r.items().back(), 1000u);
}

}  // namespace
}  // namespace tbfault::core
