#include "reports/gate.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "reports/test_results.h"

namespace tbfault::reports {
namespace {

using testing::SampleBenchmark;
using testing::SampleResults;

bool Mentions(const std::vector<std::string>& lines, const std::string& needle) {
  for (const auto& l : lines) {
    if (l.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(GateTest, IdenticalResultsPass) {
  Results r = SampleResults();
  r.benchmark = SampleBenchmark(100, 50, 0.02, 9, 1);
  GateReport g = Gate(r, r, {});
  EXPECT_FALSE(g.regressed()) << g.ToText();
  EXPECT_TRUE(Mentions(g.passes, "scenario clean/buffered"));
  EXPECT_TRUE(Mentions(g.passes, "benchmark BM_Add real_time"));
}

TEST(GateTest, MoreViolationsFail) {
  Results base = SampleResults(), cur = SampleResults();
  ProfileResult& p = cur.scenarios[1].profiles[1];  // tb-rust: 3 hidden in the baseline.
  p.counts[VerdictIndex(Verdict::kHidden)] = 5;
  GateReport g = Gate(base, cur, {});
  ASSERT_TRUE(g.regressed());
  EXPECT_EQ(g.regressions,
            std::vector<std::string>{
                "scenario power-cut/mutant-no-truncate profile tb-rust: hidden 3 -> 5"});
}

TEST(GateTest, ANewViolationClassFailsEvenWhenTheTotalIsEqual) {
  Results base = SampleResults(), cur = SampleResults();
  ProfileResult& p = cur.scenarios[1].profiles[2];
  p.counts[VerdictIndex(Verdict::kHidden)] = 2;
  p.counts[VerdictIndex(Verdict::kDuplicate)] = 1;
  GateReport g = Gate(base, cur, {});
  EXPECT_TRUE(Mentions(g.regressions, "tb-python: duplicate 0 -> 1")) << g.ToText();
}

TEST(GateTest, PassToFailAndErrorFail) {
  Results base = SampleResults(), cur = SampleResults();
  cur.scenarios[0].outcome = Outcome::kFailed;
  cur.scenarios[1].outcome = Outcome::kError;
  cur.scenarios[1].error = "watchdog: writer hung for 30 s";
  GateReport g = Gate(base, cur, {});
  EXPECT_TRUE(Mentions(g.regressions, "scenario clean/buffered: passed -> failed"));
  EXPECT_TRUE(Mentions(g.regressions,
                       "power-cut/mutant-no-truncate: failed -> error (watchdog: writer hung"));
}

TEST(GateTest, FewerViolationsAndNewScenariosAreNotRegressions) {
  Results base = SampleResults(), cur = SampleResults();
  cur.scenarios[1].profiles[1].counts[VerdictIndex(Verdict::kHidden)] = 0;
  cur.scenarios[1].outcome = Outcome::kPassed;
  cur.scenarios.push_back(testing::SampleScenario("new/one", "ours:async", 0));
  GateReport g = Gate(base, cur, {});
  EXPECT_FALSE(g.regressed()) << g.ToText();
  EXPECT_TRUE(Mentions(g.notes, "scenario new/one: new"));
}

// A run that lost scenarios (none at all, or some) must not pass: each scenario of the baseline
// missing from the results is a regression unless it is excluded by name.
TEST(GateTest, MissingScenariosFailUnlessExcluded) {
  Results base = SampleResults(), none = SampleResults(), some = SampleResults();
  none.scenarios.clear();
  some.scenarios.erase(some.scenarios.begin());
  GateReport g = Gate(base, none, {});
  EXPECT_TRUE(g.regressed()) << g.ToText();
  EXPECT_EQ(g.regressions.size(), base.scenarios.size()) << g.ToText();
  g = Gate(base, some, {});
  EXPECT_EQ(g.regressions,
            std::vector<std::string>{"scenario clean/buffered: in the baseline, missing from the "
                                     "results (--exclude clean/buffered if that is meant)"});
  g = Gate(base, some, {.exclude = {"clean/buffered"}});
  EXPECT_FALSE(g.regressed()) << g.ToText();
  EXPECT_TRUE(Mentions(g.notes, "scenario clean/buffered: excluded"));
}

TEST(GateTest, ThirtyPercentSlowdownWithTightRepetitionsFails) {
  Results base, cur;
  base.benchmark = SampleBenchmark(100, 50, 0.01, 9, 1);
  cur.benchmark = SampleBenchmark(130, 50, 0.01, 9, 2);
  GateReport g = Gate(base, cur, {});
  EXPECT_TRUE(Mentions(g.regressions, "benchmark BM_Add real_time: median")) << g.ToText();
  EXPECT_TRUE(Mentions(g.regressions, "benchmark BM_AddRel real_time (ratio to BM_Ref)"));
  EXPECT_FALSE(Mentions(g.regressions, "benchmark BM_Ref "));  // the reference did not change.
}

TEST(GateTest, NoiseOnlyDifferencesPass) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    Results base, cur;
    base.benchmark = SampleBenchmark(100, 50, 0.05, 9, seed);
    cur.benchmark = SampleBenchmark(102, 50, 0.05, 9, seed + 100);
    GateReport g = Gate(base, cur, {});
    EXPECT_FALSE(g.regressed()) << "seed " << seed << "\n" << g.ToText();
  }
}

TEST(GateTest, AShiftSmallerThanMaxSlowdownPassesEvenWhenSignificant) {
  Results base, cur;
  base.benchmark = SampleBenchmark(100, 50, 0.001, 9, 1);
  cur.benchmark = SampleBenchmark(105, 50, 0.001, 9, 2);
  GateReport g = Gate(base, cur, {});
  EXPECT_FALSE(g.regressed()) << g.ToText();
  g = Gate(base, cur, {.max_slowdown_pct = 3});
  EXPECT_TRUE(Mentions(g.regressions, "BM_Add real_time")) << g.ToText();
}

TEST(GateTest, RatioToReferenceCancelsAUniformlySlowerMachine) {
  Results base, cur;
  base.benchmark = SampleBenchmark(100, 50, 0.01, 9, 1);
  cur.benchmark = SampleBenchmark(130, 65, 0.01, 9, 2);  // everything 30% slower.
  GateReport g = Gate(base, cur, {});
  EXPECT_TRUE(Mentions(g.regressions, "benchmark BM_Add real_time")) << g.ToText();
  EXPECT_FALSE(Mentions(g.regressions, "BM_AddRel"));
  EXPECT_TRUE(Mentions(g.passes, "BM_AddRel real_time (ratio to BM_Ref)"));
}

TEST(GateTest, TooFewRepetitionsAreANoteNotAVerdict) {
  Results base, cur;
  base.benchmark = SampleBenchmark(100, 50, 0.01, 3, 1);
  cur.benchmark = SampleBenchmark(200, 50, 0.01, 3, 2);
  GateReport g = Gate(base, cur, {});
  EXPECT_FALSE(g.regressed());
  EXPECT_TRUE(Mentions(g.notes, "BM_Add real_time: 3 repetitions, the U test needs 5"));
}

TEST(GateTest, HigherIsBetterCounters) {
  Results base, cur;
  base.benchmark = SampleBenchmark(100, 50, 0.01, 9, 1);
  cur.benchmark = SampleBenchmark(100, 50, 0.01, 9, 2);
  for (auto* b : {&base.benchmark, &cur.benchmark}) {
    double rate = b == &base.benchmark ? 1e6 : 0.7e6;
    int i = 0;
    for (auto& e : (*b)["benchmarks"]) e["items_per_second"] = rate * (1 + 0.001 * (i++ % 5));
  }
  GateReport g = Gate(base, cur, {});
  EXPECT_TRUE(Mentions(g.regressions, "BM_Add items_per_second")) << g.ToText();
}

// Google Benchmark JSON of one benchmark whose repetitions report a ratio measured inside each
// (bench/gate_bench.cc) and an absolute time, both spread by +-1% around their medians.
nlohmann::json RatioBenchmark(const std::string& name, double ratio, double real_ms, int reps) {
  nlohmann::json out = {{"context", nlohmann::json::object()},
                        {"benchmarks", nlohmann::json::array()}};
  for (int i = 0; i < reps; ++i) {
    double jitter = 1 + 0.01 * ((i * 7) % 5 - 2) / 2;
    out["benchmarks"].push_back({{"name", name},
                                 {"run_name", name},
                                 {"run_type", "iteration"},
                                 {"repetition_index", i},
                                 {"real_time", real_ms * jitter},
                                 {"time_unit", "ms"},
                                 {"writer_vs_write_ratio", ratio * jitter}});
  }
  return out;
}

TEST(GateTest, RatiosOnlyGatesTheRatioAndNotTheAbsoluteTime) {
  Results base, slower_machine, slower_writer;
  base.benchmark = RatioBenchmark("BM_PolicyVsWrite/buffered", 4.0, 10, 9);
  slower_machine.benchmark = RatioBenchmark("BM_PolicyVsWrite/buffered", 4.0, 20, 9);
  slower_writer.benchmark = RatioBenchmark("BM_PolicyVsWrite/buffered", 5.2, 10, 9);
  GateReport g = Gate(base, slower_machine, {});
  EXPECT_TRUE(Mentions(g.regressions, "BM_PolicyVsWrite/buffered real_time")) << g.ToText();
  g = Gate(base, slower_machine, {.ratios_only = true});
  EXPECT_FALSE(g.regressed()) << g.ToText();
  EXPECT_EQ(g.ratios_compared, 1);
  EXPECT_TRUE(Mentions(g.notes, "1 absolute metric(s) not gated (--ratios-only)")) << g.ToText();
  g = Gate(base, slower_writer, {.ratios_only = true});
  EXPECT_EQ(g.regressions.size(), 1u) << g.ToText();
  EXPECT_TRUE(Mentions(g.regressions,
                       "benchmark BM_PolicyVsWrite/buffered writer_vs_write_ratio: median 4 -> 5.2 "
                       "(30.0% worse, tolerance 10%)"))
      << g.ToText();
}

// A "max_slowdown=<pct>" label token in the baseline is that benchmark's own tolerance.
TEST(GateTest, ABaselineLabelSetsTheBenchmarksTolerance) {
  Results base, cur;
  base.benchmark = RatioBenchmark("BM_FaultfsVsTmpfs/every_event", 10, 10, 9);
  cur.benchmark = RatioBenchmark("BM_FaultfsVsTmpfs/every_event", 14, 10, 9);
  GateReport g = Gate(base, cur, {.ratios_only = true});
  EXPECT_TRUE(Mentions(g.regressions, "(40.0% worse, tolerance 10%)")) << g.ToText();
  for (auto& b : base.benchmark["benchmarks"]) b["label"] = "ratio max_slowdown=50";
  g = Gate(base, cur, {.ratios_only = true});
  EXPECT_FALSE(g.regressed()) << g.ToText();
  EXPECT_TRUE(Mentions(g.passes, "(40.0% worse, tolerance 50%)")) << g.ToText();
  cur.benchmark = RatioBenchmark("BM_FaultfsVsTmpfs/every_event", 16, 10, 9);
  g = Gate(base, cur, {.ratios_only = true});
  EXPECT_TRUE(Mentions(g.regressions, "(60.0% worse, tolerance 50%)")) << g.ToText();
}

// "skipped: ..." (cannot run here) is counted; any other error is a regression; and a speed gate
// that compared no ratio at all fails.
TEST(GateTest, SkippedBenchmarksAreCountedBrokenOnesFail) {
  Results base, skipped, broken;
  base.benchmark = RatioBenchmark("BM_FaultfsVsTmpfs/buffered", 1.2, 10, 9);
  for (auto* r : {&skipped, &broken}) {
    r->benchmark = RatioBenchmark("BM_FaultfsVsTmpfs/buffered", 1.2, 10, 9);
    for (auto& b : r->benchmark["benchmarks"]) {
      b["error_occurred"] = true;
      b["error_message"] = r == &skipped ? "skipped: cannot mount faultfs: no /dev/fuse" : "EIO";
    }
  }
  GateReport g = Gate(base, skipped, {});
  EXPECT_FALSE(g.regressed()) << g.ToText();
  EXPECT_EQ(g.skipped, 1);
  EXPECT_TRUE(Mentions(g.notes, "benchmark BM_FaultfsVsTmpfs/buffered: skipped: cannot mount"));
  EXPECT_NE(g.ToText().find("gate: passed (0 compared, 1 skipped)"), std::string::npos);
  g = Gate(base, skipped, {.ratios_only = true});
  EXPECT_TRUE(Mentions(g.regressions, "benchmarks: no ratio compared (1 skipped)")) << g.ToText();
  g = Gate(base, broken, {});
  EXPECT_TRUE(Mentions(g.regressions, "benchmark BM_FaultfsVsTmpfs/buffered: failed: EIO"));
}

// The CLI: exit statuses 0, 1, 2 with the built binary.
class GateCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(TBFAULT_BIN, X_OK) != 0) GTEST_SKIP() << "tbfault binary not built: " TBFAULT_BIN;
    dir_ = std::filesystem::temp_directory_path() / ("gate_cli_test." + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const Results& r) {
    std::string path = (dir_ / name).string();
    EXPECT_TRUE(WriteResultsFile(path, r).ok());
    return path;
  }
  int Run(const std::string& args, std::string* out) {
    std::string cmd = std::string(TBFAULT_BIN) + " gate " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::filesystem::path dir_;
};

TEST_F(GateCliTest, ExitStatuses) {
  Results base = SampleResults(), worse = SampleResults();
  base.benchmark = SampleBenchmark(100, 50, 0.01, 9, 1);
  worse.benchmark = SampleBenchmark(130, 50, 0.01, 9, 2);
  std::string b = Write("base.json", base), w = Write("worse.json", worse);
  std::string out;
  EXPECT_EQ(Run("--baseline " + b + " --results " + b, &out), 0) << out;
  out.clear();
  EXPECT_EQ(Run("--baseline " + b + " --results " + w, &out), 1) << out;
  EXPECT_NE(out.find("REGRESSION benchmark BM_Add real_time"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(Run("--baseline " + b + " --results " + w + " --max-slowdown 50", &out), 0) << out;
  out.clear();
  std::string missing = (dir_ / "missing.json").string();
  EXPECT_EQ(Run("--baseline " + missing + " --results " + b, &out), 2);
  EXPECT_EQ(out, "tbfault gate: open " + missing + ": No such file or directory (ENOENT)\n");
  out.clear();
  EXPECT_EQ(Run("--baseline " + b, &out), 2);
  out.clear();
  EXPECT_EQ(Run("--baseline " + b + " --results " + b + " --max-slowdown x", &out), 2);
  // Results that hold none of the baseline's scenarios fail, unless each is excluded by name.
  Results empty;
  std::string e = Write("empty.json", empty);
  out.clear();
  EXPECT_EQ(Run("--baseline " + b + " --results " + e, &out), 1) << out;
  EXPECT_NE(out.find("missing from the results"), std::string::npos) << out;
  std::string excludes;
  for (const auto& s : base.scenarios) excludes += " --exclude " + s.name;
  out.clear();
  EXPECT_EQ(Run("--baseline " + b + " --results " + e + excludes, &out), 0) << out;
}

TEST_F(GateCliTest, ReadsGoogleBenchmarkJsonAsIs) {
  std::string b = (dir_ / "base.json").string(), w = (dir_ / "worse.json").string();
  ASSERT_TRUE(WriteFile(b, RatioBenchmark("BM_X", 4.0, 10, 9).dump()).ok());
  ASSERT_TRUE(WriteFile(w, RatioBenchmark("BM_X", 5.2, 10, 9).dump()).ok());
  std::string out;
  EXPECT_EQ(Run("--ratios-only --baseline " + b + " --results " + b, &out), 0) << out;
  EXPECT_NE(out.find("gate: passed (1 compared, 0 skipped)"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(Run("--ratios-only --baseline " + b + " --results " + w, &out), 1) << out;
  EXPECT_NE(out.find("REGRESSION benchmark BM_X writer_vs_write_ratio"), std::string::npos) << out;
}

}  // namespace
}  // namespace tbfault::reports
