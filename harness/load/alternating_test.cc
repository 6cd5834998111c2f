#include "harness/load/alternating.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tbfault::load {
namespace {

// A workload that writes down what it was asked: "<name><step>" per Step, "<name>D" per Drain.
class Recording : public Workload {
 public:
  Recording(std::string name, std::vector<std::string>* log) : name_(std::move(name)), log_(log) {}
  Status Step(int64_t step, StepOutput* out) override {
    log_->push_back(name_ + std::to_string(step));
    out->Clear();
    out->step = step;
    out->scalars.push_back({"loss", static_cast<float>(step)});
    return step == fail_at_ ? Status::FromErrno(EIO, "step") : Status::Ok();
  }
  Status Drain(StepOutput* out) override {
    log_->push_back(name_ + "D");
    out->Clear();
    return Status::Ok();
  }
  int64_t value_lag() const override { return 0; }
  std::string device() const override { return "cpu"; }
  const LoadProfile& profile() const override { return profile_; }
  int64_t fail_at_ = -1;

 private:
  std::string name_;
  std::vector<std::string>* log_;
  LoadProfile profile_;
};

TEST(RunAlternatingTest, RoundsAlternateTheWaysOverTheSameStepsAndDrainEachRound) {
  std::vector<std::string> log;
  Recording a("a", &log), b("b", &log);
  StepTimes ta, tb;
  double sum = 0;
  ASSERT_TRUE(RunAlternating({{&a, {}, &ta}, {&b, NoopSink(&sum), &tb}}, 10, 4, 2).ok());
  EXPECT_EQ(log, (std::vector<std::string>{"a10", "a11", "aD", "b10", "b11", "bD", "a12", "a13",
                                           "aD", "b12", "b13", "bD"}));
  EXPECT_EQ(ta.size(), 4u);
  EXPECT_EQ(tb.size(), 4u);
  EXPECT_DOUBLE_EQ(sum, 10 + 11 + 12 + 13);  // the no-op read every value of its own way only.
}

TEST(RunAlternatingTest, RoundsAreClampedToOnePerStepAndAtLeastOne) {
  std::vector<std::string> log;
  Recording a("a", &log), b("b", &log);
  StepTimes ta, tb;
  ASSERT_TRUE(RunAlternating({{&a, {}, &ta}, {&b, {}, &tb}}, 0, 2, 99).ok());
  EXPECT_EQ(log, (std::vector<std::string>{"a0", "aD", "b0", "bD", "a1", "aD", "b1", "bD"}));
  log.clear();
  ASSERT_TRUE(RunAlternating({{&a, {}, &ta}, {&b, {}, &tb}}, 0, 3, 0).ok());
  EXPECT_EQ(log, (std::vector<std::string>{"a0", "a1", "a2", "aD", "b0", "b1", "b2", "bD"}));
  log.clear();
  ASSERT_TRUE(RunAlternating({{&a, {}, &ta}}, 0, 0, 5).ok());
  EXPECT_TRUE(log.empty());
}

TEST(RunAlternatingTest, TheFirstErrorStopsIt) {
  std::vector<std::string> log;
  Recording a("a", &log), b("b", &log);
  b.fail_at_ = 1;
  StepTimes ta, tb;
  Status s = RunAlternating({{&a, {}, &ta}, {&b, {}, &tb}}, 0, 4, 2);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.error_number(), EIO);
  EXPECT_EQ(log, (std::vector<std::string>{"a0", "a1", "aD", "b0", "b1"}));
}

}  // namespace
}  // namespace tbfault::load
