// Tests of RunPolicyBench: the quick mode for two policies, every figure present and sane, the
// comparisons that hold by construction (every-event makes a system call per add, async batches
// them; every-event has handed each event to the kernel before a crash, async has not), and the
// behaviour words' definitions on hand-made results; a throughput round ends at its time budget;
// the fault scenarios' watchdog leaves a writer's start-up (TensorFlow's import) out of the time
// limit and has a limit of its own for it. The fault scenarios need /dev/fuse: without it they are
// skipped and counted.
#include "harness/runner/policy_bench.h"

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "harness/runner/runner.h"

namespace tbfault::runner {
namespace {

namespace fs = std::filesystem;
using reports::Outcome;
using reports::ScenarioResult;
using reports::Verdict;

ScenarioResult Judged(uint64_t logged, uint64_t visible, uint64_t lost_unacked) {
  ScenarioResult r;
  r.events_logged = logged;
  for (auto name : reports::kProfiles) {
    reports::ProfileResult p;
    p.profile = name;
    p.counts[reports::VerdictIndex(Verdict::kVisible)] = visible;
    p.counts[reports::VerdictIndex(Verdict::kLostUnacked)] = lost_unacked;
    r.profiles.push_back(p);
  }
  r.step_times.without_logging_ms = {1, 1, 1, 2};
  r.step_times.with_logging_ms = {1, 1, 2, 3};
  return r;
}

TEST(ClassifyBehaviour, FollowsTheDocumentedOrder) {
  EXPECT_EQ(ClassifyBehaviour(Judged(10, 10, 0), true), Behaviour::kRecovered);
  EXPECT_EQ(ClassifyBehaviour(Judged(10, 10, 0), false), Behaviour::kKeptGoing);
  EXPECT_EQ(ClassifyBehaviour(Judged(10, 8, 2), true), Behaviour::kKeptGoing);
  ScenarioResult slow = Judged(10, 10, 0);
  slow.step_times.with_logging_ms.push_back(101);
  EXPECT_EQ(ClassifyBehaviour(slow, true), Behaviour::kBlocked);
  ScenarioResult silent = slow;
  silent.profiles[2].counts[reports::VerdictIndex(Verdict::kLostSilent)] = 1;
  EXPECT_EQ(ClassifyBehaviour(silent, true), Behaviour::kLostSilently);
  ScenarioResult hung;
  hung.outcome = Outcome::kError;
  hung.failure = reports::RunFailure::kHung;  // the fact, not the words, decides.
  hung.error = "the writer process was killed";
  EXPECT_EQ(ClassifyBehaviour(hung, true), Behaviour::kBlocked);
  hung.failure = reports::RunFailure::kMountFailed;
  hung.error = "faultfs hung and would not mount";
  EXPECT_EQ(ClassifyBehaviour(hung, true), Behaviour::kError);
}

TEST(PolicyBench, DefaultWritersCoverPoliciesPresetsAndExternals) {
  auto w = DefaultBenchWriters();
  for (const char* s :
       {"every-event", "buffered", "periodic", "async", "async:overflow=drop-newest", "tf2-like",
        "tensorboardx-like", "pytorch-like", "tensorboardx", "tensorboard", "tensorflow",
        "tensorflow-v1", "keras"}) {
    EXPECT_NE(std::find(w.begin(), w.end(), s), w.end()) << s;
  }
}

TEST(PolicyBench, BadSpecIsAnError) {
  PolicyBenchOptions o;
  o.writers = {"no-such-policy"};
  o.quick = true;
  o.out_dir = fs::temp_directory_path() / ("tbfault-pb-bad-" + std::to_string(getpid()));
  PolicyBench b;
  Status s = RunPolicyBench(o, &b);
  EXPECT_FALSE(s.ok());
  fs::remove_all(o.out_dir);
}

TEST(PolicyBench, QuickRunOfTwoPolicies) {
  PolicyBenchOptions o;
  o.writers = {"every-event", "async"};
  o.quick = true;
  o.tbfault_bin = TBFAULT_BIN;
  o.out_dir = fs::temp_directory_path() / ("tbfault-pb-" + std::to_string(getpid()));
  PolicyBench b;
  Status s = RunPolicyBench(o, &b);
  ASSERT_TRUE(s.ok()) << s.ToString();
  bool fuse = access("/dev/fuse", R_OK | W_OK) == 0;

  // The table: two header lines, one row per writer in order, the legend; at most 160 columns.
  std::string table = FormatPolicyTable(b);
  std::istringstream lines(table);
  std::vector<std::string> l;
  for (std::string line; std::getline(lines, line);) {
    EXPECT_LE(line.size(), 160u) << line;
    l.push_back(line);
  }
  ASSERT_GE(l.size(), 4u) << table;
  EXPECT_NE(l[0].find("ENOSPC"), std::string::npos) << table;
  EXPECT_EQ(l[1].rfind("writer", 0), 0u) << table;
  EXPECT_EQ(l[2].rfind("every-event ", 0), 0u) << table;
  EXPECT_EQ(l[3].rfind("async ", 0), 0u) << table;
  if (fuse) {
    EXPECT_EQ(l[2].find(" - "), std::string::npos) << "a cell is empty:\n" << table;
  }

  ASSERT_EQ(b.rows.size(), 2u);
  for (const PolicyRow& r : b.rows) {
    SCOPED_TRACE(r.spec);
    ASSERT_TRUE(r.events_per_s && r.mb_per_s && r.add_ns_p50 && r.add_ns_p99);
    EXPECT_GT(*r.events_per_s, 1000);
    EXPECT_GT(*r.mb_per_s, 0);
    EXPECT_GT(*r.add_ns_p50, 0);
    EXPECT_GE(*r.add_ns_p99, *r.add_ns_p50);
    ASSERT_TRUE(r.small_fast_us_p50 && r.small_fast_us_p99 && r.llm_like_us_p50 &&
                r.llm_like_us_p99);
    for (double us :
         {*r.small_fast_us_p50, *r.small_fast_us_p99, *r.llm_like_us_p50, *r.llm_like_us_p99}) {
      EXPECT_GT(us, -1e6);  // the writer cannot save a second per step, nor cost one here.
      EXPECT_LT(us, 1e6);
    }
    if (fuse) {
      ASSERT_TRUE(r.crash_loss && r.power_cut_loss);
      for (Behaviour x : {r.enospc, r.eacces, r.delay}) {
        EXPECT_NE(x, Behaviour::kSkipped);
        EXPECT_NE(x, Behaviour::kError);
      }
    }
  }
  const PolicyRow& every = b.rows[0];
  const PolicyRow& async = b.rows[1];
  if (fuse) {  // freshness: every-event shows an event within a cycle or two of 50 ms.
    ASSERT_TRUE(every.lag_ms_p50 && every.lag_ms_p99 && async.lag_ms_p50);
    EXPECT_LT(*every.lag_ms_p50, 1000);
    EXPECT_NE(table.find("freshness: tb-rust live lag"), std::string::npos) << table;
  }
  // A write(2) per add against one per batch: far apart, not a matter of noise.
  EXPECT_LT(*every.events_per_s, *async.events_per_s);
  if (fuse) {
    // every-event hands each event to the kernel before the add returns: a SIGKILL loses none.
    EXPECT_EQ(every.crash_loss->events, 0u);
    EXPECT_LE(every.crash_loss->events, async.crash_loss->events);
  } else {
    EXPECT_EQ(b.fuse_scenarios_skipped, 12);
  }

  // The results model: one ScenarioResult per writer and measure, figures filled.
  size_t per_writer = fuse ? 9 : 3;
  EXPECT_EQ(b.results.scenarios.size(), 2 * per_writer);
  const reports::ScenarioResult* t = b.results.scenario("policy/async/throughput");
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->figures.events_per_s && t->figures.add_ns_max);
  const reports::ScenarioResult* tr = b.results.scenario("policy/every-event/train-llm-like");
  ASSERT_NE(tr, nullptr);
  EXPECT_TRUE(tr->figures.step_added_us_p50.has_value());
  EXPECT_FALSE(tr->step_times.with_logging_ms.empty());
  if (fuse) {
    const reports::ScenarioResult* c = b.results.scenario("policy/every-event/crash");
    ASSERT_NE(c, nullptr);
    EXPECT_NE(c->outcome, Outcome::kError) << c->error;
  }
  fs::remove_all(o.out_dir);
}

// A round of a slow writer ends at its time budget, not at its event count: every-event does a
// write(2) per add, so 10^8 of them would take minutes.
TEST(PolicyBench, ThroughputRoundEndsAtItsTimeBudget) {
  const std::string dir =
      fs::temp_directory_path() / ("tbfault-pb-round-" + std::to_string(getpid()));
  std::vector<double> add_ns;
  auto t0 = std::chrono::steady_clock::now();
  ThroughputRound r = MeasureThroughputRound("every-event", dir, 100000000, 0.2, &add_ns);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  EXPECT_GT(r.events, 0);
  EXPECT_LT(r.events, 100000000);
  EXPECT_EQ(add_ns.size(), static_cast<size_t>(r.events));
  EXPECT_LT(secs, 10.0);
  EXPECT_NEAR(r.events_per_s, r.events / secs, r.events / secs * 0.5);  // one clock, one count.

  add_ns.clear();  // a count reached first: exactly that many.
  r = MeasureThroughputRound("every-event", dir, 500, 60.0, &add_ns);
  EXPECT_EQ(r.events, 500);
  EXPECT_EQ(add_ns.size(), 500u);
  EXPECT_FALSE(fs::exists(dir));
}

// The real TensorFlow writer, whose start-up (its import) takes seconds here: a one-second time
// limit counts from the writer open, so the run passes; a start-up limit shorter than the import
// kills it as hung, naming the start-up.
TEST(PolicyBench, WatchdogLeavesTheWritersStartUpOut) {
  if (access("/dev/fuse", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/fuse";
  const char* env = std::getenv("TBFAULT_PYTHON");
  const std::string python = env != nullptr && *env != 0 ? env : TBFAULT_ADAPTER_PYTHON;
  const std::string probe = "'" + python + "' -c 'import tensorflow' >/dev/null 2>&1";
  if (std::system(probe.c_str()) != 0) GTEST_SKIP() << python << " cannot import tensorflow";
  scenario::Scenario s;  // parsed, not loaded: this test binary does not link the external writers.
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(R"(name: "startup" seed: 1
    time_limit_s: 1 workload { steps: 20 scalars_per_step: 2 flush_every: 10 }
    writer { spec: "tensorflow" })",
                                                            &s));
  RunOptions o;
  o.out_dir = fs::temp_directory_path() / ("tbfault-pb-startup-" + std::to_string(getpid()));
  o.tbfault_bin = TBFAULT_BIN;
  o.baseline_steps = 5;
  o.device = "cpu";
  RunOutput out;
  ASSERT_TRUE(RunScenario(s, o, &out).ok());
  EXPECT_EQ(out.result.outcome, Outcome::kPassed) << out.result.error;
  EXPECT_GT(out.result.duration_s, 1.0) << "TensorFlow started in under the limit: proves nothing";

  o.startup_limit_s = 0.3;  // python cannot import TensorFlow this fast.
  ASSERT_TRUE(RunScenario(s, o, &out).ok());
  EXPECT_EQ(out.result.outcome, Outcome::kError);
  EXPECT_EQ(out.result.failure, reports::RunFailure::kHung);
  EXPECT_NE(out.result.error.find("did not open its writer within"), std::string::npos)
      << out.result.error;
  fs::remove_all(o.out_dir);
}

}  // namespace
}  // namespace tbfault::runner
