// The runner end to end: a real faultfs mount, real writer processes, the ledger and the verdict.
// Each test runs a scenario and checks the verdicts the runner reached; the mutant tests show the
// harness catches a broken writer where the real one passes. Skips where /dev/fuse is absent.
#include "harness/runner/runner.h"

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "harness/core/scenario.h"
#include "harness/runner/mount.h"

namespace tbfault::runner {
namespace {

namespace fs = std::filesystem;

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("/dev/fuse", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/fuse: FUSE test skipped";
    out_ = fs::temp_directory_path() /
           ("tbfault-runner-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(out_);
  }
  void TearDown() override {
    if (!out_.empty()) fs::remove_all(out_);
  }

  RunOutput Run(const std::string& text) {
    scenario::Scenario s;
    Status st = core::ParseScenario(text, "test.textproto", &s);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return Run(s);
  }
  RunOutput Run(const scenario::Scenario& s) {
    RunOptions o;
    o.out_dir = out_.string();
    o.tbfault_bin = TBFAULT_BIN;
    o.default_time_limit_s = 60;
    o.baseline_steps = 20;
    o.device = "cpu";
    RunOutput out;
    Status st = RunScenario(s, o, &out);
    EXPECT_TRUE(st.ok()) << st.ToString();
    EXPECT_FALSE(IsMounted(out.dir + "/mnt"));
    return out;
  }
  static uint64_t Count(const RunOutput& o, const char* profile, reports::Verdict v) {
    const reports::ProfileResult* p = o.result.profile(profile);
    return p == nullptr ? ~0ull : p->count(v);
  }
  fs::path out_;
};

using V = reports::Verdict;

// The pid of a live process whose argv[0] ends with `exe` and whose command line mentions
// `needle`; 0 when there is none.
pid_t FindProcess(const std::string& exe, const std::string& needle) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string argv0 = cmdline.substr(0, cmdline.find('\0'));
    if (argv0.ends_with("/" + exe) && cmdline.find(needle) != std::string::npos) {
      return static_cast<pid_t>(std::stol(name));
    }
  }
  return 0;
}

// While a scenario runs: once the writer process (`tbfault drive`) is there, waits `after` and
// sends `sig` to the process named `exe` whose command line mentions `needle`.
class KillDuringRun {
 public:
  KillDuringRun(std::string exe, std::string needle, int sig, std::chrono::milliseconds after)
      : thread_([=, this] {
          auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
          while (!done_ && std::chrono::steady_clock::now() < deadline) {
            if (FindProcess("tbfault", needle) != 0) {
              std::this_thread::sleep_for(after);
              if (pid_t pid = FindProcess(exe, needle); pid != 0) killed_ = kill(pid, sig) == 0;
              return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
          }
        }) {}
  ~KillDuringRun() {
    done_ = true;
    thread_.join();
  }
  bool killed() const { return killed_; }

 private:
  std::atomic<bool> done_{false}, killed_{false};
  std::thread thread_;
};

TEST_F(RunnerTest, CleanRunIsVisibleUnderEveryProfile) {
  RunOutput o = Run(R"(name: "clean" seed: 7
    workload { steps: 40 scalars_per_step: 3 histogram_every: 10 image_every: 20 text_every: 10 }
    writer { spec: "buffered" })");
  ASSERT_EQ(o.result.outcome, reports::Outcome::kPassed) << o.result.error;
  EXPECT_EQ(o.result.events_logged, 40u * 3 + 4 + 2 + 4);
  for (const char* p : {"strict", "tb-rust", "tb-python"}) {
    EXPECT_EQ(Count(o, p, V::kVisible), o.result.events_logged) << p;
  }
  EXPECT_TRUE(o.result.figures.events_per_s.has_value());
  EXPECT_FALSE(o.result.timeline.empty());
  EXPECT_TRUE(fs::exists(o.dir + "/result.json"));
  EXPECT_TRUE(fs::exists(o.dir + "/scenario.textproto"));
}

TEST_F(RunnerTest, ProcessCrashLosesOnlyUnacknowledgedEvents) {
  RunOutput o = Run(R"(name: "crash" seed: 3
    workload { steps: 60 scalars_per_step: 2 }
    writer { spec: "buffered:bytes=100000000" }
    actions { kind: PROCESS_CRASH at_step: 30 }
    expect { profile: "*" verdicts { verdict: "lost-unacked" at_least: 1 } })");
  ASSERT_EQ(o.result.outcome, reports::Outcome::kPassed) << o.result.error;
  EXPECT_EQ(o.verdict.ending, core::Ending::kProcessCrash);
  EXPECT_EQ(o.result.events_logged, 60u);  // steps 0..29, two scalars each.
  EXPECT_EQ(Count(o, "strict", V::kLostUnacked) + Count(o, "strict", V::kVisible), 60u);
  EXPECT_GT(o.result.profile("strict")->loss_window.events, 0u);
}

// A crash at an op, watched live: the live reader held the event file open, which kept the mount
// busy, so faultfs did not exit at the unmount and was taken down by force 5 s later.
TEST_F(RunnerTest, ACrashWatchedLiveUnmountsCleanly) {
  RunOutput o = Run(R"(name: "crash-live" seed: 5
    workload { steps: 45 scalars_per_step: 4 sync_every: 10 }
    writer { spec: "buffered" }
    actions { kind: PROCESS_CRASH at_op: 6 })");
  ASSERT_NE(o.result.outcome, reports::Outcome::kError) << o.result.error;
  EXPECT_EQ(o.verdict.ending, core::Ending::kProcessCrash);
  EXPECT_NE(o.notes.find("live reader:"), std::string::npos) << o.notes;
  EXPECT_EQ(o.notes.find("unmounted by force"), std::string::npos) << o.notes;
}

// The live reader hangs in a read of the mount (every read of a second, idle event file delayed
// 30 s; a delayed read of the writer's own file would hold the page the writer appends to, and
// hang the writer instead): the runner waits live_join_s, aborts the mount, and the run is an
// error naming the reader, not passed, with nothing left mounted.
TEST_F(RunnerTest, ALiveReaderHungInAReadIsTheRunsError) {
  scenario::Scenario s;
  ASSERT_TRUE(core::ParseScenario(R"(name: "reader-hangs" seed: 9
    workload { steps: 30 scalars_per_step: 1 step_ms: 10 flush_every: 1 }
    writer { spec: "every-event" }
    reader { reload_ms: 20 }
    actions { kind: EMPTY_FILE at_step: 5 }
    faults { rule: "ops: 'read' path: '*profile-empty*' effect { delay { ms: 30000 } }" })",
                                  "test.textproto", &s)
                  .ok());
  RunOptions o;
  o.out_dir = out_.string();
  o.tbfault_bin = TBFAULT_BIN;
  o.baseline_steps = 0;
  o.device = "cpu";
  o.live_join_s = 1;
  RunOutput out;
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(RunScenario(s, o, &out).ok());
  EXPECT_EQ(out.result.outcome, reports::Outcome::kError);
  EXPECT_EQ(out.result.failure, reports::RunFailure::kReaderDied) << out.result.error;
  EXPECT_NE(out.result.error.find("live reader hung"), std::string::npos) << out.result.error;
  EXPECT_FALSE(IsMounted(out.dir + "/mnt"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(25))
      << "the 30 s read was not cut short by the abort";
}

TEST_F(RunnerTest, DiskFullThenClearedRecoversWithOurWriter) {
  RunOutput o = Run(R"(name: "enospc" seed: 5
    workload { steps: 60 scalars_per_step: 4 flush_every: 5 }
    writer { spec: "every-event" }
    faults { rule: "ops: 'write' path: '*tfevents*' effect { error: 'ENOSPC' }"
             at_step: 20 clear_at_step: 30 })");
  EXPECT_EQ(o.result.outcome, reports::Outcome::kPassed) << o.result.error << o.verdict.summary;
  EXPECT_NE(o.notes.find("ENOSPC"), std::string::npos) << o.notes;
}

TEST_F(RunnerTest, MutantThatSwallowsErrorsIsCaughtAsLostSilent) {
  const char* kScenario = R"(name: "swallow" seed: 5
    workload { steps: 60 scalars_per_step: 4 flush_every: 5 }
    writer { spec: "%s" }
    faults { rule: "ops: 'write' path: '*tfevents*' effect { error: 'ENOSPC' }"
             at_step: 20 clear_at_step: 30 })";
  char text[1024];
  std::snprintf(text, sizeof text, kScenario, "mutant:swallow-errors");
  RunOutput o = Run(text);
  EXPECT_EQ(o.result.outcome, reports::Outcome::kFailed);
  EXPECT_GT(Count(o, "strict", V::kLostSilent), 0u) << o.verdict.summary;
}

TEST_F(RunnerTest, PowerCutWithoutFsyncLosesUnsyncedButNotSynced) {
  RunOutput o = Run(R"(name: "power" seed: 9
    workload { steps: 40 scalars_per_step: 2 sync_every: 10 }
    writer { spec: "buffered" }
    actions { kind: POWER_CUT at_step: 25 }
    expect { profile: "*" verdicts { verdict: "lost-unacked" at_least: 1 } })");
  ASSERT_EQ(o.result.outcome, reports::Outcome::kPassed) << o.result.error << o.verdict.summary;
  EXPECT_EQ(o.verdict.ending, core::Ending::kPowerCut);
  EXPECT_EQ(Count(o, "strict", V::kVisible), 40u);  // steps 0..19 flushed with fsync.
}

TEST_F(RunnerTest, FakeSyncMutantLosesAcknowledgedEventsAtAPowerCut) {
  RunOutput o = Run(R"(name: "fake-sync" seed: 9
    workload { steps: 40 scalars_per_step: 2 sync_every: 10 }
    writer { spec: "mutant:fake-sync" }
    actions { kind: POWER_CUT at_step: 25 })");
  EXPECT_EQ(o.result.outcome, reports::Outcome::kFailed);
  EXPECT_GT(Count(o, "strict", V::kLostAcked), 0u) << o.verdict.summary;
}

// Issue 17's oversized-length and purge-step-ignored: each scenario's expected verdicts fire for
// its mutant and not for the real writer (every-event), which passes everything the mutant fails.
TEST_F(RunnerTest, OversizedLengthAndPurgeStepIgnoredAreCaughtWhereTheRealWriterIsNot) {
  for (const std::string name : {"oversized-length", "purge-step-ignored"}) {
    scenario::Scenario s;
    ASSERT_TRUE(
        core::LoadScenario(
            std::string(TBFAULT_SOURCE_DIR) + "/scenarios/mutants/" + name + ".textproto", &s)
            .ok());
    s.set_name(name);
    RunOutput m = Run(s);
    EXPECT_EQ(m.result.outcome, reports::Outcome::kPassed) << name << m.result.error;
    s.set_name(name + "-real");
    s.mutable_writer()->set_spec("every-event");
    RunOutput r = Run(s);
    EXPECT_EQ(r.result.outcome, reports::Outcome::kFailed) << name;  // its expectations unmet.
    EXPECT_EQ(Count(r, "strict", V::kVisible), r.result.events_logged) << name;
    EXPECT_EQ(Count(r, "tb-python", V::kVisible), r.result.events_logged) << name;
    if (name == "oversized-length") {
      for (const char* p : {"strict", "tb-rust", "tb-python"}) {
        EXPECT_EQ(Count(m, p, V::kLostSilent), 1u) << p;
      }
      EXPECT_EQ(Count(m, "tb-rust", V::kHidden), 79u);
      EXPECT_EQ(Count(r, "tb-rust", V::kVisible), r.result.events_logged);
    } else {
      EXPECT_EQ(Count(m, "tb-python", V::kHidden), 60u);  // all of the crashed process.
      EXPECT_EQ(Count(m, "tb-rust", V::kHidden), Count(r, "tb-rust", V::kHidden));  // 20 each.
    }
  }
}

// tb-rust evicts the first run's steps 20..29 (a later value at step 20 came); the Python loader,
// without a SessionLog.START from the writer, keeps both (measured: harness/conformance).
TEST_F(RunnerTest, RestartFromAnEarlierStepIsEvictedByTbRustOnly) {
  RunOutput o = Run(R"(name: "restart" seed: 2
    workload { steps: 50 scalars_per_step: 1 flush_every: 1 }
    writer { spec: "every-event" }
    actions { kind: PROCESS_CRASH at_step: 30 }
    actions { kind: RESTART at_step: 30 resume_from_step: 20 }
    expect { profile: "tb-rust" verdicts { verdict: "hidden" exactly: 10 }
             verdicts { verdict: "retracted" at_least: 0 } }
  )");
  // Retracted: shown live before the restart evicted them, if the live reader polled between.
  EXPECT_EQ(o.result.outcome, reports::Outcome::kPassed) << o.result.error << o.verdict.summary;
  EXPECT_LE(Count(o, "tb-rust", V::kRetracted), 10u);
  EXPECT_EQ(Count(o, "strict", V::kRetracted), 0u);
  EXPECT_EQ(Count(o, "tb-python", V::kRetracted), 0u);
  EXPECT_EQ(o.result.events_logged, 30u + 30u);
  EXPECT_EQ(Count(o, "strict", V::kVisible), 60u);
  EXPECT_EQ(Count(o, "tb-python", V::kVisible), 60u);
}

// A fault armed at step 0 with no clear_at_step stays armed for the whole run (0 means never).
TEST_F(RunnerTest, FaultsArmedAtStepZeroWithoutClearStayArmed) {
  RunOutput o = Run(R"(name: "delay0" seed: 1
    workload { steps: 5 scalars_per_step: 1 }
    writer { spec: "every-event" }
    faults { rule: "ops: 'write' effect { delay { ms: 30 } }" at_step: 0 })");
  ASSERT_EQ(o.result.outcome, reports::Outcome::kPassed) << o.result.error;
  ASSERT_TRUE(o.result.figures.add_ns_p50.has_value());
  EXPECT_GE(*o.result.figures.add_ns_p50, 30e6);  // each add of every-event waits for its write.
  EXPECT_EQ(o.result.step_times.without_logging_ms.size(), 5u);  // baseline: at most the steps.
  std::ifstream trace(o.dir + "/trace");
  std::string all((std::istreambuf_iterator<char>(trace)), std::istreambuf_iterator<char>());
  EXPECT_NE(all.find("fault=rule1:delay=30"), std::string::npos) << all;

  RunOutput q = Run(R"(name: "quota0" seed: 1
    workload { steps: 50 scalars_per_step: 4 flush_every: 5 }
    writer { spec: "every-event" }
    faults { quota_bytes: 2000 at_step: 0 })");
  EXPECT_NE(q.notes.find("ENOSPC"), std::string::npos) << q.notes;
}

// The writer's cost to the step, measured three ways in one run: a slow disk (every write delayed
// 5 ms) lands in the training step with every-event, not with async; the no-op writer and logging
// disabled stay at the step's compute (1 ms).
TEST_F(RunnerTest, StepTimesWithTheWriterDisabledAndNoopAndTimeBlockedInTheWriter) {
  const char* kScenario = R"(name: "slow-disk" seed: 1
    workload { steps: 30 scalars_per_step: 1 step_ms: 1 }
    writer { spec: "%s" }
    faults { rule: "ops: 'write' effect { delay { ms: 5 } }" at_step: 0 })";
  char text[512];
  std::snprintf(text, sizeof text, kScenario, "every-event");
  RunOutput sync = Run(text);
  ASSERT_EQ(sync.result.outcome, reports::Outcome::kPassed) << sync.result.error;
  const reports::Figures& f = sync.result.figures;
  ASSERT_TRUE(f.step_ms_p50 && f.disabled_step_ms_p50 && f.noop_step_ms_p50 && f.blocked_ms &&
              f.blocked_pct);
  EXPECT_GE(*f.step_ms_p50, 6.0);  // 1 ms of compute + a write that takes 5 ms.
  EXPECT_GE(*f.disabled_step_ms_p50, 1.0);
  EXPECT_LT(*f.disabled_step_ms_p50, 5.0);
  EXPECT_GE(*f.noop_step_ms_p50, 1.0);
  EXPECT_LT(*f.noop_step_ms_p50, 5.0);
  EXPECT_GE(*f.blocked_ms, 30 * 5.0);
  EXPECT_GT(*f.blocked_pct, 50.0);
  EXPECT_GT(*f.step_overhead_pct_p50, 100.0);
  EXPECT_EQ(sync.result.step_times.noop_ms.size(), 20u);  // baseline_steps of each.
  EXPECT_EQ(sync.result.step_times.without_logging_ms.size(), 20u);

  std::snprintf(text, sizeof text, kScenario, "async");
  RunOutput async = Run(text);
  ASSERT_EQ(async.result.outcome, reports::Outcome::kPassed) << async.result.error;
  ASSERT_TRUE(async.result.figures.step_ms_p50 && async.result.figures.blocked_pct);
  EXPECT_LT(*async.result.figures.step_ms_p50, 5.0);  // the writer's thread waits, not the step.
  EXPECT_LT(*async.result.figures.blocked_pct, 50.0);
}

TEST_F(RunnerTest, HungWriterIsKilledByTheWatchdogAndNothingStaysMounted) {
  RunOutput o = Run(R"(name: "hang" seed: 1 time_limit_s: 3
    workload { steps: 20 scalars_per_step: 1 }
    writer { spec: "every-event" }
    faults { rule: "ops: 'write' effect { delay { ms: 100000 } }" at_step: 5 })");
  EXPECT_EQ(o.result.outcome, reports::Outcome::kError);
  EXPECT_EQ(o.result.failure, reports::RunFailure::kHung);
  EXPECT_NE(o.result.error.find("timed out"), std::string::npos) << o.result.error;
}

// The file system under test dying mid-run leaves nothing injected and nothing to judge: an error,
// never a pass (the writer reports ENOTCONN for the rest and closes; without the check the
// scenario passed with the events it had logged reported lost).
TEST_F(RunnerTest, FaultfsKilledDuringTheRunIsAnError) {
  const std::string kScenario = R"(name: "faultfs-killed" seed: 1
    workload { steps: 150 scalars_per_step: 1 step_ms: 10 flush_every: 1 }
    writer { spec: "every-event" })";
  KillDuringRun killer("faultfs", (out_ / "faultfs-killed").string(), SIGKILL,
                       std::chrono::milliseconds(600));
  RunOutput o = Run(kScenario);
  ASSERT_TRUE(killer.killed()) << "faultfs was never found: the test proves nothing";
  EXPECT_EQ(o.result.outcome, reports::Outcome::kError) << o.verdict.summary;
  EXPECT_EQ(o.result.failure, reports::RunFailure::kFileSystemDied);
  EXPECT_NE(o.result.error.find("faultfs died during the run"), std::string::npos)
      << o.result.error;
}

// Only the scenario's own crash action may end a writer by a signal: any other signal (an abort
// from std::bad_alloc, say) is an error naming the signal and the writer's log, not a crash whose
// losses are judged as allowed.
TEST_F(RunnerTest, WriterDyingOfAnUnplannedSignalIsAnErrorNamingIt) {
  const std::string kScenario = R"(name: "writer-aborted" seed: 1
    workload { steps: 150 scalars_per_step: 1 step_ms: 10 }
    writer { spec: "buffered" })";
  KillDuringRun killer("tbfault", (out_ / "writer-aborted").string(), SIGABRT,
                       std::chrono::milliseconds(600));
  RunOutput o = Run(kScenario);
  ASSERT_TRUE(killer.killed()) << "the writer process was never found: the test proves nothing";
  EXPECT_EQ(o.result.outcome, reports::Outcome::kError) << o.verdict.summary;
  EXPECT_EQ(o.result.failure, reports::RunFailure::kWriterSignalled);
  EXPECT_NE(o.result.error.find("signal 6 (SIGABRT"), std::string::npos) << o.result.error;
  EXPECT_NE(o.result.error.find("drive-0.log"), std::string::npos) << o.result.error;
}

TEST_F(RunnerTest, BadFaultRuleIsAnErrorNamingTheFault) {
  const char* text = R"(name: "bad-rule" seed: 1
    workload { steps: 5 }
    writer { spec: "every-event" }
    faults { rule: "ops: 'write' effect { error: 'ENOTANERRNO' }" at_step: 1 })";
  // Loading refuses it (core/scenario.cc); one that reaches the runner anyway (a scenario built in
  // code) is an error of the run naming the fault.
  scenario::Scenario s;
  EXPECT_NE(core::ParseScenario(text, "t", &s).ToString().find("faults[0].rule"),
            std::string::npos);
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &s));
  RunOutput o = Run(s);
  EXPECT_EQ(o.result.outcome, reports::Outcome::kError);
  EXPECT_NE(o.result.error.find("faults[0]"), std::string::npos) << o.result.error;
}

}  // namespace
}  // namespace tbfault::runner

namespace tbfault::runner {
namespace {

// The live reader: a writer that never reaches the kernel during the job (tensorboardx-like: an
// 8 KiB buffer, 120 s flushes) shows nothing live; every event a cycle could have shown is late,
// and the lag is about the job's length.
TEST_F(RunnerTest, LiveNothingVisibleUntilCloseIsLate) {
  RunOutput o = Run(R"(name: "live-late" seed: 3
    workload { steps: 20 scalars_per_step: 1 step_ms: 40 }
    writer { spec: "tensorboardx-like" }
    reader { reload_ms: 50 })");
  ASSERT_EQ(o.result.outcome, reports::Outcome::kPassed) << o.result.error;  // late: counted.
  for (const char* p : {"strict", "tb-rust", "tb-python"}) {
    EXPECT_GE(Count(o, p, V::kLate), 15u) << p;
    EXPECT_EQ(Count(o, p, V::kRetracted), 0u) << p;
    const reports::ProfileResult* r = o.result.profile(p);
    ASSERT_TRUE(r->figures.lag_ms_max.has_value()) << p;
    EXPECT_GT(*r->figures.lag_ms_max, 500) << p;  // the first event waited for the close.
    EXPECT_GE(*r->figures.lag_steps_max, 15) << p;
    EXPECT_GT(*r->figures.stale_ms_max, 500) << p;
  }
  // A lag bound makes late a failure.
  o = Run(R"(name: "live-bound" seed: 3
    workload { steps: 20 scalars_per_step: 1 step_ms: 40 }
    writer { spec: "tensorboardx-like" }
    reader { reload_ms: 50 }
    expect { profile: "tb-rust" max_lag_ms: 300 })");
  EXPECT_EQ(o.result.outcome, reports::Outcome::kFailed);
  EXPECT_NE(o.result.error.find("tb-rust lag_ms_max: expected <= 300"), std::string::npos)
      << o.result.error;
  EXPECT_FALSE(o.result.profile("tb-rust")->passed);
  EXPECT_TRUE(o.result.profile("strict")->passed);
}

// A writer that makes each event visible at once: seen live within a cycle or two, none late.
TEST_F(RunnerTest, LiveEveryEventIsSeenWithinACycle) {
  RunOutput o = Run(R"(name: "live-prompt" seed: 4
    workload { steps: 20 scalars_per_step: 1 step_ms: 40 flush_every: 1 }
    writer { spec: "every-event" }
    reader { reload_ms: 50 }
    expect { profile: "*" max_lag_ms: 5000 })");
  ASSERT_EQ(o.result.outcome, reports::Outcome::kPassed) << o.result.error;
  for (const char* p : {"strict", "tb-rust", "tb-python"}) {
    EXPECT_EQ(Count(o, p, V::kLate), 0u) << p;
    const reports::ProfileResult* r = o.result.profile(p);
    ASSERT_TRUE(r->figures.lag_ms_p50.has_value()) << p;
    EXPECT_LT(*r->figures.lag_ms_p50, *o.result.profile("strict")->figures.lag_ms_max + 1) << p;
  }
}

// FINDINGS R1, made deterministic: writer 0 (the older file) logs 10 steps behind writer 1, so
// every tb-rust cycle evicts writer 1's values it had shown; the ledger has writer 0 behind.
TEST_F(RunnerTest, LiveOlderFileGrowingAfterTheNewerRetractsWhatTbRustShowed) {
  scenario::Scenario s;
  ASSERT_TRUE(core::LoadScenario(std::string(TBFAULT_SOURCE_DIR) +
                                     "/scenarios/live/older-file-grows.textproto",
                                 &s)
                  .ok());
  RunOutput o = Run(s);
  ASSERT_EQ(o.result.outcome, reports::Outcome::kPassed) << o.result.error;
  EXPECT_EQ(o.result.events_logged, 60u + 50u);  // writer 0 logged steps 0..49 only.
  EXPECT_GE(Count(o, "tb-rust", V::kRetracted), 20u);
  EXPECT_EQ(Count(o, "strict", V::kRetracted), 0u);
  s.mutable_workload()->set_first_writer_behind(0);  // side by side: no retraction is certain.
  s.clear_expect();
  RunOutput side = Run(s);
  ASSERT_NE(side.result.outcome, reports::Outcome::kError) << side.result.error;
  EXPECT_EQ(side.result.events_logged, 120u);
  EXPECT_LT(Count(side, "tb-rust", V::kRetracted), Count(o, "tb-rust", V::kRetracted));
}

// A power cut after the live reader showed the points: lost-unacked in the final read (never
// synced), and retracted — the user saw them go.
TEST_F(RunnerTest, LivePowerCutRetractsWhatEveryProfileShowed) {
  scenario::Scenario s;
  ASSERT_TRUE(core::LoadScenario(std::string(TBFAULT_SOURCE_DIR) +
                                     "/scenarios/live/power-cut-after-shown.textproto",
                                 &s)
                  .ok());
  RunOutput o = Run(s);
  ASSERT_EQ(o.result.outcome, reports::Outcome::kPassed) << o.result.error;
  for (const char* p : {"strict", "tb-rust", "tb-python"}) {
    EXPECT_EQ(Count(o, p, V::kLostUnacked), 300u) << p;
    EXPECT_GE(Count(o, p, V::kRetracted), 250u) << p;
  }
}

// The step counter reset to 0 by a restart, seen live: tb-rust had shown the first process's
// steps, and evicts them once step 0 comes again — retracted, a violation.
TEST_F(RunnerTest, LiveRestartAtStepZeroRetractsWhatTbRustShowed) {
  const char* text = R"(name: "live-retract" seed: 5
    workload { steps: 30 scalars_per_step: 1 step_ms: 30 flush_every: 1 }
    writer { spec: "every-event" }
    reader { reload_ms: 50 }
    actions { kind: PROCESS_CRASH at_step: 20 }
    actions { kind: RESTART at_step: 20 resume_from_step: 0 steps: 10 }
    expect { profile: "tb-rust" verdicts { verdict: "hidden" at_least: 1 } })";
  RunOutput o = Run(text);
  EXPECT_EQ(o.result.outcome, reports::Outcome::kFailed);
  EXPECT_GE(Count(o, "tb-rust", V::kRetracted), 10u) << o.verdict.summary;
  EXPECT_EQ(Count(o, "strict", V::kRetracted), 0u);
  EXPECT_EQ(Count(o, "tb-python", V::kRetracted), 0u);
  EXPECT_NE(o.result.error.find("tb-rust retracted"), std::string::npos) << o.result.error;
}

// An idle writer's empty file with a later name: tb-python follows it and never goes back, so
// what the job logs afterwards is never shown live (late); tb-rust reads every file.
TEST_F(RunnerTest, LiveEmptyFileWithALaterNameMakesTbPythonLate) {
  RunOutput o = Run(R"(name: "live-empty" seed: 6
    workload { steps: 30 scalars_per_step: 1 step_ms: 30 flush_every: 1 }
    writer { spec: "every-event" }
    reader { reload_ms: 50 }
    actions { kind: EMPTY_FILE at_step: 10 })");
  ASSERT_EQ(o.result.outcome, reports::Outcome::kPassed) << o.result.error;
  EXPECT_GE(Count(o, "tb-python", V::kLate), 15u);
  EXPECT_EQ(Count(o, "tb-rust", V::kLate), 0u);
  EXPECT_EQ(Count(o, "tb-python", V::kVisible), 30u);  // a fresh reader shows them all.
}

}  // namespace
}  // namespace tbfault::runner
