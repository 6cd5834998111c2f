// Tests of RunPolicyBench: the quick mode for two policies, every figure present and sane, the
// comparisons that hold by construction (every-event makes a system call per add, async batches
// them; every-event has handed each event to the kernel before a crash, async has not), and the
// behaviour words' definitions on hand-made results. The fault scenarios need /dev/fuse: without
// it they are skipped and counted.
#include "harness/runner/policy_bench.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

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
        "tensorflow-v1"}) {
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
  // A write(2) per add against one per batch: far apart, not a matter of noise.
  EXPECT_LT(*every.events_per_s, *async.events_per_s);
  if (fuse) {
    // every-event hands each event to the kernel before the add returns: a SIGKILL loses none.
    EXPECT_EQ(every.crash_loss->events, 0u);
    EXPECT_LE(every.crash_loss->events, async.crash_loss->events);
  } else {
    EXPECT_EQ(b.fuse_scenarios_skipped, 10);
  }

  // The results model: one ScenarioResult per writer and measure, figures filled.
  size_t per_writer = fuse ? 8 : 3;
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

}  // namespace
}  // namespace tbfault::runner
