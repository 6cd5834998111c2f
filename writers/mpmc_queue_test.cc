#include "writers/mpmc_queue.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace tbfault::writers {
namespace {

struct V {
  uint64_t ticket = 0;
  int value = 0;
};

TEST(MpmcQueue, FifoAndFull) {
  MpmcQueue<V> q(4);
  uint64_t t;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(q.TryPush({0, i}, &t));
    EXPECT_EQ(t, static_cast<uint64_t>(i));
  }
  EXPECT_FALSE(q.TryPush({0, 9}, &t));
  V v;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(q.TryPop(&v));
    EXPECT_EQ(v.value, i);
    EXPECT_EQ(v.ticket, static_cast<uint64_t>(i));
  }
  EXPECT_FALSE(q.TryPop(&v));
}

TEST(MpmcQueue, ManyProducersOneConsumerLoseNothing) {
  MpmcQueue<V> q(64);
  constexpr int kPerThread = 20000, kThreads = 4;
  std::vector<std::thread> producers;
  for (int p = 0; p < kThreads; ++p) {
    producers.emplace_back([&, p] {
      uint64_t t;
      for (int i = 0; i < kPerThread; ++i) {
        while (!q.TryPush({0, p * kPerThread + i}, &t)) std::this_thread::yield();
      }
    });
  }
  std::set<int> seen;
  uint64_t last_ticket = 0;
  V v;
  while (seen.size() < size_t{kPerThread * kThreads}) {
    if (!q.TryPop(&v)) continue;
    if (!seen.empty()) EXPECT_EQ(v.ticket, last_ticket + 1);
    last_ticket = v.ticket;
    EXPECT_TRUE(seen.insert(v.value).second);
  }
  for (auto& t : producers) t.join();
  EXPECT_EQ(q.pushed(), uint64_t{kPerThread * kThreads});
}

}  // namespace
}  // namespace tbfault::writers
