// The runner <-> `tbfault drive` protocol: a plan survives ToArgs and ParseDrivePlan; garbage
// numbers, unknown flags and missing values are errors naming the flag; the stats file and the
// ending round-trip.
#include "harness/runner/drive_plan.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace tbfault::runner {
namespace {

namespace fs = std::filesystem;

class DrivePlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("drive_plan_test." + std::to_string(getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "s.textproto") << R"(name: "p" seed: 3
      workload { steps: 10 scalars_per_step: 1 }
      writer { spec: "buffered" }
      actions { kind: PROCESS_CRASH at_step: 5 })";
  }
  void TearDown() override { fs::remove_all(dir_); }

  DrivePlan Sample() const {
    DrivePlan p;
    p.scenario_file = (dir_ / "s.textproto").string();
    p.writer = "async:queue=64";
    p.logdir = "/mnt/x";
    p.control = "/tmp/c.sock";
    p.ledger = "/tmp/ledger-1";
    p.stats = "/tmp/stats-1.json";
    p.first_step = 20;
    p.end_step = 50;
    p.first_action = 0;
    p.last_action = 1;
    p.arm_from_step = 31;
    p.baseline_steps = 200;
    p.device = "auto";
    return p;
  }
  // The sample's argv with `flag`'s value replaced.
  std::vector<std::string> With(const std::string& flag, const std::string& value) const {
    std::vector<std::string> args = Sample().ToArgs();
    for (size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] == flag) args[i + 1] = value;
    }
    return args;
  }
  fs::path dir_;
};

TEST_F(DrivePlanTest, ToArgsAndParseRoundTrip) {
  const DrivePlan a = Sample();
  DrivePlan b;
  ASSERT_TRUE(ParseDrivePlan(a.ToArgs(), &b).ok());
  EXPECT_EQ(b.ToArgs(), a.ToArgs());
  EXPECT_EQ(b.first_step, 20);
  EXPECT_EQ(b.end_step, 50);
  EXPECT_EQ(b.last_action, 1);
  EXPECT_EQ(b.arm_from_step, 31);
  EXPECT_EQ(b.baseline_steps, 200);
  EXPECT_EQ(b.scenario.name(), "p");
  EXPECT_EQ(b.scenario.writer().spec(), "async:queue=64");  // --writer overrides the scenario's.
}

// Garbage is an error naming the flag, never 0 (strtoll turned "--baseline 10abc" into 10 and
// "--arm-from x" into 0).
TEST_F(DrivePlanTest, GarbageNumbersUnknownFlagsAndMissingValuesAreErrors) {
  DrivePlan p;
  for (auto [flag, value] :
       std::vector<std::pair<std::string, std::string>>{{"--baseline", "10abc"},
                                                        {"--baseline", ""},
                                                        {"--arm-from", "x"},
                                                        {"--arm-from", "-1"},
                                                        {"--steps", "20"},
                                                        {"--steps", "20:1e3"},
                                                        {"--steps", "50:20"},
                                                        {"--actions", "0:9"}}) {
    Status s = ParseDrivePlan(With(flag, value), &p);
    EXPECT_FALSE(s.ok()) << flag << " " << value;
    EXPECT_NE(s.ToString().find(flag), std::string::npos) << s.ToString();
  }
  std::vector<std::string> args = Sample().ToArgs();
  args.push_back("--bogus");
  args.push_back("1");
  EXPECT_NE(ParseDrivePlan(args, &p).ToString().find("--bogus"), std::string::npos);
  args = Sample().ToArgs();
  args.push_back("--device");
  EXPECT_NE(ParseDrivePlan(args, &p).ToString().find("needs a value"), std::string::npos);
  args = Sample().ToArgs();
  args.erase(args.begin(), args.begin() + 2);  // no --scenario.
  EXPECT_NE(ParseDrivePlan(args, &p).ToString().find("--scenario is required"), std::string::npos);
}

TEST_F(DrivePlanTest, StatsAndEndingRoundTrip) {
  DriveStats a;
  a.device = "cpu";
  a.events = 12;
  a.step_ns = {1, 2, 3};
  a.add_ns = {7};
  a.logging_ns = 99;
  a.errors_by_errno = {{"ENOSPC", 4}};
  a.create_errors = {"EACCES"};
  const std::string path = (dir_ / "stats.json").string();
  ASSERT_TRUE(a.Write(path).ok());
  DriveStats b;
  ASSERT_TRUE(DriveStats::Read(path, &b).ok());
  EXPECT_EQ(b.ToJson(), a.ToJson());
  std::ofstream(path) << R"({"device": 3})";
  Status bad = DriveStats::Read(path, &b);
  EXPECT_NE(bad.ToString().find("device"), std::string::npos) << bad.ToString();

  const std::string prefix = (dir_ / "ledger-0").string();
  std::optional<core::Ending> e;
  ASSERT_TRUE(ReadEnding(prefix, &e).ok());
  EXPECT_FALSE(e.has_value());  // no file: the process did not end itself.
  ASSERT_TRUE(WriteEnding(prefix, core::Ending::kPowerCut).ok());
  ASSERT_TRUE(ReadEnding(prefix, &e).ok());
  EXPECT_EQ(e, core::Ending::kPowerCut);
  std::ofstream(prefix + ".ending") << "crashed\n";
  EXPECT_FALSE(ReadEnding(prefix, &e).ok());
}

}  // namespace
}  // namespace tbfault::runner
