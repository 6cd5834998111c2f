#include "harness/load/step_timer.h"

#include <gtest/gtest.h>

#include "harness/load/cpu_workload.h"
#include "harness/load/percentile.h"

namespace tbfault::load {
namespace {

TEST(StepTimesTest, NearestRankPercentiles) {
  StepTimes t;
  EXPECT_EQ(t.p50(), 0);
  for (int64_t v : {50, 10, 40, 20, 30, 60, 70, 80, 90, 100}) t.Add(v);
  EXPECT_EQ(t.p50(), 50);
  EXPECT_EQ(t.p99(), 100);
  EXPECT_EQ(t.Percentile(0), 10);
  EXPECT_EQ(t.Percentile(10), 10);
  EXPECT_EQ(t.Percentile(11), 20);
  EXPECT_EQ(t.total_ns(), 550);
  EXPECT_NEAR(t.steps_per_second(), 10 * 1e9 / 550, 1);
}

// The one definition every figure uses, on doubles as on step times: the same ranks.
TEST(PercentileTest, NearestRankOnAnySamplesAndThinningKeepsOrder) {
  std::vector<double> v = {50, 10, 40, 20, 30, 60, 70, 80, 90, 100};
  EXPECT_EQ(NearestRank(v, 50), 50);
  EXPECT_EQ(NearestRank(v, 99), 100);
  EXPECT_EQ(NearestRank(v, 100), 100);
  EXPECT_EQ(NearestRank(v, 0), 10);
  EXPECT_EQ(NearestRank(std::vector<double>{4, 1, 3, 2}, 50),
            2);  // not 3: nearest rank, not rounding.
  EXPECT_EQ(NearestRank(std::vector<double>{}, 50), 0);
  std::vector<int> ten = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_EQ(Thin<int>(ten, 5, [](int x) { return x; }), (std::vector<int>{0, 2, 4, 6, 8}));
  EXPECT_EQ(Thin<int>(ten, 50, [](int x) { return x; }).size(), 10u);
}

// What the writer adds: always in us; as a percentage only for steps of at least 1 ms.
TEST(StepTimesTest, CompareStepsGivesAPercentageOnlyForStepsOfAMillisecond) {
  StepTimes fast, fast_logged, slow, slow_logged;
  for (int i = 0; i < 10; ++i) {
    fast.Add(1000);          // 1 us steps:
    fast_logged.Add(51000);  // 50 us added would read +5000%.
    slow.Add(2000000);       // 2 ms steps:
    slow_logged.Add(2100000);
  }
  StepCost f = CompareSteps(fast_logged, fast);
  ASSERT_TRUE(f.added_us_p50 && f.added_us_p99);
  EXPECT_DOUBLE_EQ(*f.added_us_p50, 50);
  EXPECT_FALSE(f.pct_p50.has_value());
  StepCost s = CompareSteps(slow_logged, slow);
  EXPECT_DOUBLE_EQ(*s.added_us_p50, 100);
  ASSERT_TRUE(s.pct_p50.has_value());
  EXPECT_NEAR(*s.pct_p50, 5.0, 1e-9);
  EXPECT_FALSE(CompareSteps(slow_logged, StepTimes()).added_us_p50.has_value());
}

LoadProfile Small() {
  LoadProfile p;
  EXPECT_TRUE(LoadProfileByName("small-fast", &p).ok());
  return p;
}

TEST(RunStepsTest, HandsEveryStepToTheSinkAndTimesEach) {
  CpuWorkload w(Small(), 1);
  StepTimes times;
  std::vector<int64_t> steps;
  Status s = RunSteps(
      w, 0, 50,
      [&](const StepOutput& out) {
        steps.push_back(out.step);
        return Status::Ok();
      },
      &times);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(times.size(), 50u);
  ASSERT_EQ(steps.size(), 50u);
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(steps[i], i);
  EXPECT_GT(times.p50(), 0);
  EXPECT_GE(times.p99(), times.p50());
}

TEST(RunStepsTest, WithoutSinkStillTimesSteps) {
  CpuWorkload w(Small(), 1);
  StepTimes times;
  ASSERT_TRUE(RunSteps(w, 0, 20, nullptr, &times).ok());
  EXPECT_EQ(times.size(), 20u);
}

TEST(RunStepsTest, SinkErrorStopsTheRun) {
  CpuWorkload w(Small(), 1);
  StepTimes times;
  Status s = RunSteps(
      w, 0, 100,
      [](const StepOutput& out) {
        return out.step == 4 ? Status::FromErrno(ENOSPC, "write x") : Status::Ok();
      },
      &times);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error_number(), ENOSPC);
  EXPECT_EQ(times.size(), 5u);
}

}  // namespace
}  // namespace tbfault::load
