#include "harness/load/step_timer.h"

#include <gtest/gtest.h>

#include "harness/load/cpu_workload.h"

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
