#include "harness/runner/suite.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness/runner/runner.h"
#include "harness/runner/shard.h"

namespace tbfault::runner {
namespace {

namespace fs = std::filesystem;

class SuiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tbfault-suite-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  fs::path dir_;
};

TEST_F(SuiteTest, MatrixExpandsOneScenarioPerWriterSpec) {
  Write("a.textproto",
        "labels: 'quick' workload { steps: 5 } writer { specs: 'buffered' specs: 'async' }");
  Write("b.textproto", "workload { steps: 5 } writer { spec: 'every-event' }");
  std::vector<SuiteEntry> suite;
  ASSERT_TRUE(LoadSuite({dir_.string()}, &suite).ok());
  ASSERT_EQ(suite.size(), 3u);
  EXPECT_EQ(suite[0].scenario.name(), "a/buffered");
  EXPECT_EQ(suite[0].scenario.writer().spec(), "buffered");
  EXPECT_EQ(suite[1].scenario.name(), "a/async");
  EXPECT_EQ(suite[1].base_name, "a");
  EXPECT_EQ(suite[2].scenario.name(), "b");
  EXPECT_TRUE(Selected(suite[0].scenario, "label:quick"));
  EXPECT_FALSE(Selected(suite[2].scenario, "label:quick"));
  EXPECT_TRUE(Selected(suite[1].scenario, "a/*"));
  EXPECT_FALSE(Selected(suite[2].scenario, "a/*"));
  Shard(1, 2, &suite);  // by name: a/async 0, a/buffered 1, b 0 (shard_test.cc).
  ASSERT_EQ(suite.size(), 1u);
  EXPECT_EQ(suite[0].scenario.name(), "a/buffered");
}

TEST_F(SuiteTest, BadFileIsOneErrorNamingFileLineAndField) {
  Write("bad.textproto", "workload { steps: 0 } writer { spec: 'buffered' }");
  std::vector<SuiteEntry> suite;
  Status s = LoadSuite({dir_.string()}, &suite);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("bad.textproto:1"), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find("workload.steps"), std::string::npos) << s.ToString();
  EXPECT_FALSE(LoadSuite({(dir_ / "missing").string()}, &suite).ok());
}

TEST(SuiteRepoTest, EveryScenarioOfTheSuiteLoads) {
  std::vector<SuiteEntry> suite;
  Status s = LoadSuite({std::string(TBFAULT_SOURCE_DIR) + "/scenarios"}, &suite);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_GE(suite.size(), 30u);
  size_t quick = 0;
  for (const auto& e : suite) quick += Selected(e.scenario, "label:quick");
  EXPECT_GE(quick, 5u);
}

TEST(ResultDirNameTest, KeepsNamesReadableAndSafe) {
  EXPECT_EQ(ResultDirName("disk-full/async:queue=64"), "disk-full/async_queue=64");
  EXPECT_EQ(ResultDirName("../x"), "_./x");
  EXPECT_EQ(ResultDirName("/abs"), "_abs");
}

// The selection step of `tbfault run`: one writer for every file (once per file), a seed, a filter.
TEST_F(SuiteTest, SelectSuiteAppliesTheWriterOncePerFileTheSeedAndTheFilter) {
  Write("a.textproto",
        "labels: 'quick' workload { steps: 5 } writer { specs: 'buffered' specs: 'async' }");
  Write("b.textproto", "workload { steps: 5 } writer { spec: 'every-event' }");
  std::vector<SuiteEntry> suite;
  ASSERT_TRUE(LoadSuite({dir_.string()}, &suite).ok());
  std::vector<SuiteEntry> all = SelectSuite(suite, {"tensorboardx", 42, "", 0, 1});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].scenario.name(), "a/tensorboardx");
  EXPECT_EQ(all[0].scenario.writer().spec(), "tensorboardx");
  EXPECT_EQ(all[1].scenario.seed(), 42u);
  std::vector<SuiteEntry> quick = SelectSuite(suite, {"", std::nullopt, "label:quick", 0, 1});
  ASSERT_EQ(quick.size(), 2u);
  EXPECT_EQ(quick[1].scenario.name(), "a/async");
  EXPECT_EQ(SelectSuite(suite, {"", std::nullopt, "", 1, 2}).size(), 1u);
  std::vector<RunOutput> outputs(2);
  outputs[1].result.name = "ran";
  reports::Results r = SuiteResults(outputs);  // the one not run is left out.
  ASSERT_EQ(r.scenarios.size(), 1u);
  EXPECT_FALSE(r.created.empty());
}

}  // namespace
}  // namespace tbfault::runner
