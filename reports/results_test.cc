#include "reports/results.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "reports/test_results.h"

namespace tbfault::reports {
namespace {

std::string TempPath(const std::string& name) {
  auto dir =
      std::filesystem::temp_directory_path() / ("reports_results_test." + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

TEST(ResultsTest, VerdictNamesRoundTrip) {
  for (Verdict v : kVerdicts) EXPECT_EQ(VerdictFromName(VerdictName(v)), v);
  EXPECT_FALSE(VerdictFromName("vanished").has_value());
  EXPECT_FALSE(IsViolation(Verdict::kVisible));
  EXPECT_FALSE(IsViolation(Verdict::kLostUnacked));
  EXPECT_TRUE(IsViolation(Verdict::kHidden));
  EXPECT_TRUE(IsViolation(Verdict::kLostAcked));
}

TEST(ResultsTest, JsonRoundTripIsExact) {
  Results r = testing::SampleResults();
  r.benchmark = testing::SampleBenchmark(100, 50, 0.01, 5, 1);
  nlohmann::json j = ToJson(r);
  EXPECT_EQ(j["schema_version"], kSchemaVersion);
  Results back;
  ASSERT_TRUE(FromJson(j, &back).ok());
  EXPECT_EQ(ToJson(back), j);
  ASSERT_EQ(back.scenarios.size(), 2u);
  const ScenarioResult& s = back.scenarios[1];
  EXPECT_EQ(s.outcome, Outcome::kFailed);
  EXPECT_EQ(s.profile("tb-rust")->count(Verdict::kHidden), 3u);
  EXPECT_EQ(s.profile("tb-rust")->violations(), 3u);
  EXPECT_EQ(s.profile("strict")->violations(), 0u);
  EXPECT_EQ(s.profile("tb-rust")->examples[0].offset, 4096u);
  EXPECT_EQ(*s.figures.add_ns_p99, 410);
  EXPECT_FALSE(s.figures.add_ns_max.has_value());
  EXPECT_EQ(s.timeline.back().visible.at("strict"), 180u);
  EXPECT_EQ(*s.profile("tb-rust")->figures.lag_ms_p99, 900);  // live, per profile.
  EXPECT_FALSE(s.profile("tb-rust")->figures.events_per_s.has_value());
  EXPECT_EQ(s.profile("tb-rust")->count(Verdict::kLate), 5u);  // counted, not a violation.
  EXPECT_EQ(s.live_timeline.size(), 21u);
  EXPECT_EQ(s.live_timeline[11].visible.at("tb-rust"), 103u);
  EXPECT_EQ(*s.faults[0].t_ms, 1000);
  EXPECT_FALSE(s.faults[1].t_ms.has_value());
  EXPECT_EQ(s.step_times.with_logging_ms.size(), 50u);
  EXPECT_EQ(s.step_times.noop_ms.size(), 50u);
  EXPECT_EQ(*s.figures.noop_step_ms_p50, 10.4);
  EXPECT_EQ(*s.figures.blocked_pct, 0.6);
  EXPECT_FALSE(s.figures.noop_step_ms_p99.has_value());
  EXPECT_EQ(back.benchmark, r.benchmark);
}

TEST(ResultsTest, FileRoundTrip) {
  Results r = testing::SampleResults();
  std::string path = TempPath("results.json");
  ASSERT_TRUE(WriteResultsFile(path, r).ok());
  Results back;
  Status s = ReadResultsFile(path, &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(ToJson(back), ToJson(r));
}

TEST(ResultsTest, ErrorsNameTheFileAndTheField) {
  nlohmann::json j = ToJson(testing::SampleResults());
  j["scenarios"][1]["profiles"][2]["counts"]["hidden"] = -1;
  std::string path = TempPath("bad.json");
  ASSERT_TRUE(WriteFile(path, j.dump()).ok());
  Results r;
  Status s = ReadResultsFile(path, &r);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            path + ": scenarios[1].profiles[2].counts.hidden: expected a non-negative integer");

  j = ToJson(testing::SampleResults());
  j["schema_version"] = 99;
  EXPECT_NE(FromJson(j, &r).message().find("schema_version: is 99"), std::string::npos);

  j = ToJson(testing::SampleResults());
  j["scenarios"][0].erase("seed");
  EXPECT_EQ(FromJson(j, &r).message(), "scenarios[0].seed: missing");

  j = ToJson(testing::SampleResults());
  j["scenarios"][0]["profiles"][0]["examples"] = {{{"verdict", "gone"}, {"tag", "t"}, {"step", 1}}};
  EXPECT_EQ(FromJson(j, &r).message(),
            "scenarios[0].profiles[0].examples[0].verdict: unknown verdict class \"gone\"");

  ASSERT_TRUE(WriteFile(path, "{not json").ok());
  EXPECT_EQ(ReadResultsFile(path, &r).message(), path + ": not valid JSON");
  Status missing = ReadResultsFile(TempPath("absent.json"), &r);
  EXPECT_EQ(missing.error_number(), ENOENT);
}

TEST(ResultsTest, ReadsGoogleBenchmarkJson) {
  std::string path = TempPath("bench.json");
  ASSERT_TRUE(WriteFile(path, testing::SampleBenchmark(100, 50, 0.01, 3, 2).dump()).ok());
  Results r;
  ASSERT_TRUE(ReadBenchmarkFile(path, &r).ok());
  EXPECT_EQ(r.benchmark["benchmarks"].size(), 10u);
  ASSERT_TRUE(WriteFile(path, R"({"context": {}})").ok());
  EXPECT_FALSE(ReadBenchmarkFile(path, &r).ok());
}

}  // namespace
}  // namespace tbfault::reports
