// Explore on the mutants, through real faultfs mounts (skipped, counted by gtest, without
// /dev/fuse): it finds fake-sync's lost-acked and torn-records' hidden data at crash points the
// fixed scenario does not test, and nothing for every-event+durable. The scenarios are the suite's
// files, shortened so that each test stays a few seconds.
#include "harness/runner/explore.h"

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/core/scenario.h"
#include "harness/runner/mount.h"

namespace tbfault::runner {
namespace {

namespace fs = std::filesystem;
using reports::Verdict;

uint64_t Count(const reports::ScenarioResult& r, const char* profile, Verdict v) {
  const reports::ProfileResult* p = r.profile(profile);
  return p == nullptr ? 0 : p->count(v);
}

TEST(ExploreUnit, ASampleIsSeededSortedAndShardsPartitionIt) {
  ExploreOptions o;
  EXPECT_EQ(ChooseCrashPoints(4, o), (std::vector<uint64_t>{1, 2, 3, 4}));
  o.budget = 5;
  o.sample_seed = 7;
  std::vector<uint64_t> a = ChooseCrashPoints(100, o), b = ChooseCrashPoints(100, o);
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a, b);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(std::adjacent_find(a.begin(), a.end()), a.end());
  o.sample_seed = 8;
  EXPECT_NE(ChooseCrashPoints(100, o), a);
  o.sample_seed = 7;
  std::vector<uint64_t> joined;
  for (int i = 0; i < 3; ++i) {
    o.shard_index = i;
    o.shard_total = 3;
    for (uint64_t n : ChooseCrashPoints(100, o)) joined.push_back(n);
  }
  std::sort(joined.begin(), joined.end());
  EXPECT_EQ(joined, a);
}

TEST(ExploreUnit, ReadsTheWritePathOpsOfATraceAndWhereTheCrashFell) {
  char tmpl[] = "/tmp/tbfault-explore-trace-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/trace";
  std::ofstream(path) << "1 mkdir /run bytes=0 result=0\n"
                         "2 create /run/f bytes=0 result=0\n"
                         "3 write /run/f bytes=40 result=40\n"
                         "4 flush /run/f bytes=0 result=0\n"
                         "5 write /run/f bytes=10 result=7 fault=rule1:short=7\n"
                         "6 fsync /run/f bytes=0 result=0 crash=power-cut:torn@4\n";
  std::vector<TracedOp> ops;
  std::optional<TracedOp> fell;
  ASSERT_TRUE(ReadTracedOps(path, &ops, &fell).ok());
  ASSERT_EQ(ops.size(), 4u);
  EXPECT_EQ(ops[2].op, "write");
  EXPECT_EQ(ops[2].seq, 5u);
  EXPECT_EQ(ops[2].result, 7);
  EXPECT_EQ(ops[2].bytes, 10u);
  EXPECT_EQ(ops[2].path, "/run/f");
  ASSERT_TRUE(fell.has_value());
  EXPECT_EQ(fell->number, 4u);
  EXPECT_EQ(fell->op, "fsync");
  std::ofstream(path) << "garbage\n";
  EXPECT_FALSE(ReadTracedOps(path, &ops, &fell).ok());
  fs::remove_all(tmpl);
}

TEST(ExploreUnit, TheCrashPointScenarioReplacesTheFixedCrashAndDropsExpectations) {
  scenario::Scenario s;
  ASSERT_TRUE(core::LoadScenario(
                  std::string(TBFAULT_SOURCE_DIR) + "/scenarios/mutants/fake-sync.textproto", &s)
                  .ok());
  CrashKind torn;
  std::string why;
  ASSERT_TRUE(ParseCrashKind("power-cut:torn", &torn, &why));
  EXPECT_FALSE(ParseCrashKind("power-cut:sideways", &torn, &why));
  EXPECT_FALSE(ParseCrashKind("meteor", &torn, &why));
  ASSERT_TRUE(ParseCrashKind("power-cut:torn", &torn, &why));
  scenario::Scenario v = CrashPointScenario(s, torn, 12);
  ASSERT_EQ(v.actions_size(), 1);
  EXPECT_EQ(v.actions(0).kind(), scenario::Action::POWER_CUT);
  EXPECT_EQ(v.actions(0).at_op(), 12u);
  EXPECT_EQ(v.actions(0).at_step(), 0);
  EXPECT_EQ(v.actions(0).power_cut_mode(), "torn");
  EXPECT_EQ(v.expect_size(), 0);
  EXPECT_EQ(v.name(), "fake-sync/crash-at-op-12");
  EXPECT_TRUE(v.reader().no_live());
  EXPECT_EQ(CrashPointScenario(s, torn, 0).actions_size(), 0);
}

class ExploreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("/dev/fuse", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/fuse: FUSE test skipped";
    out_ = fs::temp_directory_path() /
           ("tbfault-explore-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(out_);
  }
  void TearDown() override {
    if (!out_.empty()) fs::remove_all(out_);
  }
  scenario::Scenario Load(const std::string& rel) {
    scenario::Scenario s;
    Status st = core::LoadScenario(std::string(TBFAULT_SOURCE_DIR) + "/" + rel, &s);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return s;
  }
  RunOptions Options() {
    RunOptions o;
    o.out_dir = out_.string();
    o.tbfault_bin = TBFAULT_BIN;
    o.default_time_limit_s = 60;
    o.baseline_steps = 0;
    o.device = "cpu";
    return o;
  }
  ExploreResult Explore(const scenario::Scenario& s, ExploreOptions o) {
    o.run = Options();
    ExploreResult r;
    Status st = runner::Explore(s, o, nullptr, &r);
    EXPECT_TRUE(st.ok()) << st.ToString();
    for (const auto& p : r.points) {
      EXPECT_TRUE(p.fired) << "op " << p.op.number;
      EXPECT_FALSE(p.drifted) << "op " << p.op.number;
      EXPECT_NE(p.result.outcome, reports::Outcome::kError) << p.result.error;
      EXPECT_FALSE(IsMounted(out_.string() + "/" + ResultDirName(p.result.name) + "/mnt"));
    }
    return r;
  }
  fs::path out_;
};

// fake-sync acknowledges a sync it never made. The fixed scenario cuts the power at step 30 (of
// 40 here); explore finds the acked loss at the first op after the first false sync.
TEST_F(ExploreTest, FakeSyncLosesAckedEventsAtACrashPointBeforeTheFixedCut) {
  scenario::Scenario s = Load("scenarios/mutants/fake-sync.textproto");
  s.mutable_workload()->set_steps(40);
  s.mutable_actions(0)->set_at_step(30);
  RunOutput fixed;
  ASSERT_TRUE(RunScenario(s, Options(), &fixed).ok());
  ASSERT_EQ(fixed.result.outcome, reports::Outcome::kPassed) << fixed.result.error;
  std::vector<TracedOp> ops;
  std::optional<TracedOp> none;
  ASSERT_TRUE(ReadTracedOps(fixed.dir + "/trace", &ops, &none).ok());
  const uint64_t fixed_cut_after = ops.size();  // the write-path ops before the fixed cut.

  ExploreResult r = Explore(s, {});
  EXPECT_EQ(r.crash, "power-cut:plain");  // the scenario's own.
  ASSERT_GT(r.ops, fixed_cut_after);
  ASSERT_EQ(r.points.size(), r.ops);
  ASSERT_TRUE(r.smallest.has_value());
  EXPECT_LT(*r.smallest, fixed_cut_after);
  EXPECT_GE(r.violations, 2u);
  for (const auto& p : r.points) {
    EXPECT_EQ(p.violation, p.op.number >= *r.smallest) << "op " << p.op.number;
    if (p.op.number == *r.smallest) {
      EXPECT_GT(Count(p.result, "strict", Verdict::kLostAcked), 0u);
      // The kept directory replays: its scenario, run again, gives the same verdicts.
      scenario::Scenario again;
      ASSERT_TRUE(core::LoadScenario(p.dir + "/scenario.textproto", &again).ok());
      RunOptions ro = Options();
      ro.out_dir = (out_ / "replay").string();
      RunOutput rerun;
      ASSERT_TRUE(RunScenario(again, ro, &rerun).ok());
      for (const char* profile : {"strict", "tb-rust", "tb-python"}) {
        for (Verdict v : reports::kVerdicts) {
          EXPECT_EQ(Count(rerun.result, profile, v), Count(p.result, profile, v))
              << profile << " " << reports::VerdictName(v);
        }
      }
    } else if (!p.violation) {
      EXPECT_TRUE(p.dir.empty()) << "a point without a violation keeps no directory";
    }
  }
}

// The passes run without the live reader, so two clean passes trace the same ops, write for
// write (with it, a poll between two appends made the kernel split the second one elsewhere).
TEST_F(ExploreTest, CleanPassesTraceTheSameOpsAndCarryNoLiveFigures) {
  scenario::Scenario s = Load("scenarios/mutants/fake-sync.textproto");
  s.mutable_workload()->set_steps(40);
  s.mutable_workload()->set_step_ms(2);
  s.mutable_reader()->set_reload_ms(10);  // what the passes must not inherit.
  const scenario::Scenario clean = CrashPointScenario(s, CrashKind{}, 0);
  std::vector<TracedOp> first;
  for (int run = 0; run < 2; ++run) {
    RunOutput o;
    ASSERT_TRUE(RunScenario(clean, Options(), &o).ok());
    ASSERT_NE(o.result.outcome, reports::Outcome::kError) << o.result.error;
    EXPECT_TRUE(o.result.live_timeline.empty());
    EXPECT_EQ(o.notes.find("live reader:"), std::string::npos) << o.notes;
    // Nobody opened the event file while it was written (a live reader's open shows here).
    std::ifstream trace(o.dir + "/trace");
    bool writing = false;
    for (std::string line; std::getline(trace, line);) {
      if (line.find(" create /") != std::string::npos) writing = true;
      if (line.find(" flush /") != std::string::npos) writing = false;
      EXPECT_FALSE(writing && line.find(" open /") != std::string::npos) << line;
    }
    std::vector<TracedOp> ops;
    std::optional<TracedOp> none;
    ASSERT_TRUE(ReadTracedOps(o.dir + "/trace", &ops, &none).ok());
    if (run == 0) {
      first = ops;
      continue;
    }
    ASSERT_EQ(ops.size(), first.size());
    for (size_t i = 0; i < ops.size(); ++i) {
      EXPECT_EQ(ops[i].op, first[i].op) << "op " << i + 1;
      EXPECT_EQ(ops[i].bytes, first[i].bytes) << "op " << i + 1;
    }
  }
}

// torn-records leaves a torn record after its short write: a process crash from the next
// record on hides what came after it (the fixed scenario has no crash at all).
TEST_F(ExploreTest, TornRecordsHidesDataAtEveryCrashPointAfterTheTornWrite) {
  scenario::Scenario s = Load("scenarios/mutants/torn-records.textproto");
  s.mutable_workload()->set_steps(45);
  ExploreResult r = Explore(s, {});
  EXPECT_EQ(r.crash, "process");
  uint64_t torn = 0;
  for (const auto& p : r.points) {
    if (torn == 0 && p.op.op == "write" && p.op.result >= 0 &&
        static_cast<uint64_t>(p.op.result) < p.op.bytes) {
      torn = p.op.number;
    }
  }
  ASSERT_GT(torn, 0u) << "the short write is not in the trace";
  ASSERT_TRUE(r.smallest.has_value());
  EXPECT_GT(*r.smallest, torn);
  for (const auto& p : r.points) {
    const uint64_t hidden = Count(p.result, "tb-rust", Verdict::kHidden);
    if (p.op.number <= torn) {
      EXPECT_FALSE(p.violation) << "op " << p.op.number;
    }
    if (p.op.number >= *r.smallest) {
      EXPECT_GT(hidden, 0u) << "op " << p.op.number;
    }
  }
}

// A writer that fsyncs every event (and the directory after creating its file) survives a power
// cut anywhere, torn tail and all.
TEST_F(ExploreTest, EveryEventDurableHasNoViolationAtAnyCrashPointTried) {
  scenario::Scenario s = Load("scenarios/mutants/fake-sync.textproto");
  s.mutable_workload()->set_steps(20);
  s.mutable_actions(0)->set_at_step(15);
  s.mutable_writer()->set_spec("every-event+durable");
  ExploreOptions o;
  CrashKind torn;
  std::string why;
  ASSERT_TRUE(ParseCrashKind("power-cut:torn", &torn, &why));
  o.crash = torn;
  o.budget = 6;
  o.sample_seed = 33;
  ExploreResult r = Explore(s, o);
  ASSERT_EQ(r.points.size(), 6u);
  EXPECT_GT(r.ops, 100u);  // an fsync per event.
  EXPECT_EQ(r.violations, 0u) << ExploreTable(r);
  EXPECT_FALSE(r.smallest.has_value());
}

// The torn and reorder cuts of one seed cut alike in two runs (they were keyed by the event file's
// name, which carries the time and the pid).
TEST_F(ExploreTest, TornAndReorderPowerCutsReplayFromTheirSeed) {
  for (const char* file : {"scenarios/faults/power-cut-sync-torn.textproto",
                           "scenarios/faults/power-cut-sync-reorder.textproto"}) {
    scenario::Scenario s = Load(file);
    s.mutable_writer()->clear_specs();
    s.mutable_writer()->set_spec("buffered");
    s.mutable_workload()->set_steps(100);
    s.mutable_actions(0)->set_at_step(75);
    reports::ScenarioResult first;
    for (int run = 0; run < 2; ++run) {
      RunOutput o;
      ASSERT_TRUE(RunScenario(s, Options(), &o).ok());
      ASSERT_NE(o.result.outcome, reports::Outcome::kError) << o.result.error;
      if (run == 0) {
        first = o.result;
        continue;
      }
      for (const char* profile : {"strict", "tb-rust", "tb-python"}) {
        for (Verdict v : reports::kVerdicts) {
          if (reports::IsLive(v)) continue;  // when the live reader polled: not the seed's.
          EXPECT_EQ(Count(o.result, profile, v), Count(first, profile, v))
              << file << " " << profile << " " << reports::VerdictName(v);
        }
      }
    }
  }
}

// The command as a user runs it: the table, the smallest op and its replay, explore.json, the
// results for survival; bad input is one line and exit 2.
TEST_F(ExploreTest, TheCommandPrintsTheSmallestOpAndWritesItsJson) {
  scenario::Scenario s = Load("scenarios/mutants/fake-sync.textproto");
  s.mutable_workload()->set_steps(40);
  s.mutable_actions(0)->set_at_step(30);
  fs::create_directories(out_);
  const std::string file = (out_ / "fake-sync.textproto").string();
  std::string text;
  google::protobuf::TextFormat::PrintToString(s, &text);
  std::ofstream(file) << text;
  auto run = [](const std::string& args, std::string* output) {
    FILE* p = popen((std::string(TBFAULT_BIN) + " explore " + args + " 2>&1").c_str(), "r");
    char buf[4096];
    size_t n;
    output->clear();
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) output->append(buf, n);
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  std::string output;
  const std::string out = (out_ / "cli").string();
  ASSERT_EQ(run(file + " --budget 3 --seed 33 --quiet --out " + out, &output), 1) << output;
  EXPECT_NE(output.find("smallest violating op: "), std::string::npos) << output;
  EXPECT_NE(output.find("replay: tbfault replay "), std::string::npos) << output;
  std::ifstream in(out + "/explore.json");
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  const nlohmann::json& e = j["explorations"][0];
  EXPECT_EQ(e["tried"], 3);
  EXPECT_EQ(e["crash"], "power-cut:plain");
  EXPECT_TRUE(e["smallest_violating_op"].is_number()) << e.dump();
  EXPECT_TRUE(fs::exists(out + "/results.json"));

  const std::string restart =
      std::string(TBFAULT_SOURCE_DIR) + "/scenarios/faults/restart-from-checkpoint.textproto";
  EXPECT_EQ(run(restart + " --out " + out, &output), 2);
  EXPECT_NE(output.find("restart-from-checkpoint.textproto: "), std::string::npos) << output;
  EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
  EXPECT_EQ(run(file + " --crash meteor", &output), 2);
  EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
}

}  // namespace
}  // namespace tbfault::runner
