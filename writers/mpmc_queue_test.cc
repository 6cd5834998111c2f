#include "writers/mpmc_queue.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace tbfault::writers {
namespace {

struct V {
  int value = 0;
};

TEST(MpmcQueue, FifoAndFull) {
  MpmcQueue<V> q(4);
  uint64_t t;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(q.TryPush({i}, &t));
    EXPECT_EQ(t, static_cast<uint64_t>(i));
  }
  EXPECT_FALSE(q.TryPush({9}, &t));
  V v;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(q.TryPop(&v, &t));
    EXPECT_EQ(v.value, i);
    EXPECT_EQ(t, static_cast<uint64_t>(i));
  }
  EXPECT_FALSE(q.TryPop(&v, &t));
  EXPECT_EQ(q.size(), 0u);
}

TEST(MpmcQueue, ManyProducersOneConsumerLoseNothing) {
  MpmcQueue<V> q(64);
  constexpr int kPerThread = 20000, kThreads = 4;
  std::vector<std::thread> producers;
  for (int p = 0; p < kThreads; ++p) {
    producers.emplace_back([&, p] {
      uint64_t t;
      for (int i = 0; i < kPerThread; ++i) {
        while (!q.TryPush({p * kPerThread + i}, &t)) std::this_thread::yield();
      }
    });
  }
  std::set<int> seen;
  uint64_t last_ticket = 0;
  V v;
  uint64_t ticket;
  while (seen.size() < size_t{kPerThread * kThreads}) {
    if (!q.TryPop(&v, &ticket)) continue;
    if (!seen.empty()) {
      EXPECT_EQ(ticket, last_ticket + 1);
    }
    last_ticket = ticket;
    EXPECT_TRUE(seen.insert(v.value).second);
  }
  for (auto& t : producers) t.join();
  EXPECT_EQ(q.pushed(), uint64_t{kPerThread * kThreads});
}

TEST(MpmcQueue, NoCellStraddlesACacheLine) {
  struct Item56 {
    char bytes[56];
  };
  MpmcQueue<Item56> q(8);  // 8 + 56 = 64 bytes a cell.
  uint64_t t;
  ASSERT_TRUE(q.TryPush({}, &t));
  EXPECT_EQ(MpmcQueue<Item56>::cell_size(), 64u);
  EXPECT_EQ(MpmcQueue<V>::cell_size(), 16u);  // 8 + 4, aligned to 16: four to a line.
}

}  // namespace
}  // namespace tbfault::writers
