// The EXIT action end to end, on a real faultfs mount: the writer process returns normally without
// closing (or destroying) its writer, the runner takes the planned exit for the ending it is
// (exit-without-close: judged at the written level, so what a writer never wrote is the loss
// window, never lost-silent), and a program that dies on its way out is an error. Skips where
// /dev/fuse is absent; the external writers' cases also where the venv is missing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "harness/core/scenario.h"
#include "harness/runner/mount.h"
#include "harness/runner/runner.h"

namespace tbfault::runner {
namespace {

namespace fs = std::filesystem;
using V = reports::Verdict;

class ExitWithoutCloseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("/dev/fuse", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/fuse: FUSE test skipped";
    out_ = fs::temp_directory_path() /
           ("tbfault-exit-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(out_);
    fs::create_directories(out_);
  }
  void TearDown() override {
    if (!out_.empty()) fs::remove_all(out_);
  }

  // `bin`: the program the runner starts as `BIN drive ...` (default: tbfault itself).
  RunOutput Run(const std::string& text, const std::string& bin = TBFAULT_BIN) {
    scenario::Scenario s;
    Status st = core::ParseScenario(text, "test.textproto", &s);
    EXPECT_TRUE(st.ok()) << st.ToString();
    RunOptions o;
    o.out_dir = out_.string();
    o.tbfault_bin = bin;
    o.default_time_limit_s = 120;
    o.device = "cpu";
    RunOutput out;
    st = RunScenario(s, o, &out);
    EXPECT_TRUE(st.ok()) << st.ToString();
    EXPECT_FALSE(IsMounted(out.dir + "/mnt"));
    return out;
  }
  static uint64_t Count(const RunOutput& o, const char* profile, V v) {
    const reports::ProfileResult* p = o.result.profile(profile);
    return p == nullptr ? ~0ull : p->count(v);
  }
  static bool HasVenv() {
    const std::string python = TBFAULT_ADAPTER_PYTHON;
    return !python.empty() && access(python.c_str(), X_OK) == 0 &&
           std::system(("'" + python + "' -c 'import tensorboardX' >/dev/null 2>&1").c_str()) == 0;
  }
  fs::path out_;
};

// The buffered writer acknowledged what its flushes wrote: at the exit its buffer (the steps after
// the last flush) is never written, and those events are lost-unacked, not lost-silent as after a
// clean close (the judge would say so if the runner took the exit for one).
TEST_F(ExitWithoutCloseTest, BufferedWriterLosesOnlyWhatItNeverWrote) {
  RunOutput o = Run(R"(name: "exit-buffered" seed: 3
    workload { steps: 30 scalars_per_step: 2 flush_every: 10 }
    writer { spec: "buffered:bytes=100000000" }
    actions { kind: EXIT at_step: 25 }
    expect { profile: "*" verdicts { verdict: "lost-unacked" exactly: 10 } })");
  ASSERT_EQ(o.result.outcome, reports::Outcome::kPassed) << o.result.error << o.verdict.summary;
  EXPECT_EQ(o.verdict.ending, core::Ending::kExitWithoutClose);
  EXPECT_EQ(o.result.events_logged, 50u);  // steps 0..24: the exit comes before step 25.
  for (const char* p : {"strict", "tb-rust", "tb-python"}) {
    EXPECT_EQ(Count(o, p, V::kVisible), 40u) << p;  // the flushes at steps 9 and 19.
    EXPECT_EQ(Count(o, p, V::kLostSilent), 0u) << p;
    EXPECT_EQ(Count(o, p, V::kLostAcked), 0u) << p;
  }
  ASSERT_FALSE(o.verdict.judgements.empty());
  for (const core::EventVerdict& v : o.verdict.judgements[0].verdicts) {
    if (v.verdict != V::kLostUnacked) continue;
    EXPECT_NE(v.reason.find("not written before the exit-without-close"), std::string::npos)
        << v.reason;
  }
  EXPECT_NE(o.notes.find("writer process 0 ended as planned: exit-without-close"),
            std::string::npos)
      << o.notes;
}

// A writer that writes every event loses nothing at an exit; the ending is still the exit.
TEST_F(ExitWithoutCloseTest, EveryEventWriterLosesNothing) {
  RunOutput o = Run(R"(name: "exit-every-event" seed: 4
    workload { steps: 30 scalars_per_step: 2 }
    writer { spec: "every-event" }
    actions { kind: EXIT at_step: 30 })");
  ASSERT_EQ(o.result.outcome, reports::Outcome::kPassed) << o.result.error << o.verdict.summary;
  EXPECT_EQ(o.verdict.ending, core::Ending::kExitWithoutClose);
  EXPECT_EQ(Count(o, "strict", V::kVisible), 60u);
  EXPECT_EQ(Count(o, "tb-rust", V::kVisible), 60u);
}

// An exit, then a restart: each process's writer is judged by its own ending — the first one's
// unwritten buffer is lost-unacked, the second closes cleanly.
TEST_F(ExitWithoutCloseTest, ExitThenRestartJudgesEachWriterByItsEnding) {
  RunOutput o = Run(R"(name: "exit-restart" seed: 5
    workload { steps: 40 scalars_per_step: 1 flush_every: 10 }
    writer { spec: "buffered:bytes=100000000" }
    actions { kind: EXIT at_step: 15 }
    actions { kind: RESTART at_step: 15 resume_from_step: 15 }
    expect { profile: "*" verdicts { verdict: "lost-unacked" exactly: 5 } })");
  ASSERT_EQ(o.result.outcome, reports::Outcome::kPassed) << o.result.error << o.verdict.summary;
  EXPECT_EQ(o.result.events_logged, 40u);
  EXPECT_EQ(o.verdict.ending, core::Ending::kCleanClose);  // the last writer's.
  EXPECT_EQ(Count(o, "strict", V::kVisible), 35u);
}

// Writers used one after another: the first was closed (cleanly, as far as it said) before the
// exit, so what it lost is judged as after a clean close — lost-silent from the mutant that
// swallows its ENOSPC — not as the exit's allowed loss.
TEST_F(ExitWithoutCloseTest, AWriterClosedBeforeTheExitIsJudgedByItsCleanClose) {
  RunOutput o = Run(R"(name: "exit-after-rollover" seed: 9
    workload { steps: 40 scalars_per_step: 2 files: 2 flush_every: 5 }
    writer { spec: "mutant:swallow-errors" }
    faults { rule: "ops: 'write' path: '*tfevents*' effect { error: 'ENOSPC' }"
             at_step: 5 clear_at_step: 10 }
    actions { kind: EXIT at_step: 40 })");
  EXPECT_EQ(o.result.outcome, reports::Outcome::kFailed) << o.result.error;
  EXPECT_EQ(o.verdict.ending, core::Ending::kExitWithoutClose);  // the last writer's.
  EXPECT_GT(Count(o, "strict", V::kLostSilent), 0u) << o.verdict.summary;
  EXPECT_EQ(Count(o, "strict", V::kLostAcked), 0u) << o.verdict.summary;
}

// The planned exit of a program that dies in its exit handlers is an error naming what happened,
// not an exit whose losses are allowed: an adapter whose program crashes once asked to exit.
TEST_F(ExitWithoutCloseTest, AProgramDyingAtItsExitIsAnError) {
  const std::string python = TBFAULT_ADAPTER_PYTHON;
  if (python.empty() || access(python.c_str(), X_OK) != 0) GTEST_SKIP() << "no adapter python";
  const std::string adapter = (out_ / "crash_at_exit_adapter").string();
  std::ofstream(adapter) << "#!" << python << "\n"
                         << "import os, signal, struct, sys\n"
                            "def frame():\n"
                            "    n = sys.stdin.buffer.read(4)\n"
                            "    return sys.stdin.buffer.read(struct.unpack('<I', n)[0]) if n "
                            "else None\n"
                            "def answer(accepted):\n"
                            "    body = b'\\x0a\\x00' + (b'\\x18' + bytes([accepted]) if "
                            "accepted else b'')\n"
                            "    sys.stdout.buffer.write(struct.pack('<I', len(body)) + body)\n"
                            "    sys.stdout.flush()\n"
                            "answer(0)\n"
                            "n = 0\n"
                            "while True:\n"
                            "    f = frame()\n"
                            "    if f is None: os._exit(0)\n"
                            "    if f[:1] == b'\\x0a': n += 1\n"  // Request.scalar (field 1).
                            "    answer(n)\n"
                            "    if f[:1] == b'\\x42':\n"  // Request.exit (field 8).
                            "        os.kill(os.getpid(), signal.SIGSEGV)\n";
  fs::permissions(adapter, fs::perms::owner_all);
  RunOutput o = Run(R"(name: "exit-crash" seed: 6
    workload { steps: 5 scalars_per_step: 1 }
    writer { spec: "external:)" +
                    adapter + R"(" }
    actions { kind: EXIT at_step: 5 })");
  EXPECT_EQ(o.result.outcome, reports::Outcome::kError) << o.verdict.summary;
  EXPECT_EQ(o.result.failure, reports::RunFailure::kWriterFailed) << o.result.error;
  EXPECT_NE(o.result.error.find("signal 11"), std::string::npos) << o.result.error;
}

// The runner's side of the same rule: a writer process that named its exit without close and then
// did not end with status 0 (here a wrapper around `tbfault drive` that dies once the real drive
// returned, as a program dying in its exit handlers would) is an error, not the planned ending.
TEST_F(ExitWithoutCloseTest, AnExitNamedButNotEndingWithStatusZeroIsAnError) {
  const std::string wrapper = (out_ / "dies-after-drive").string();
  for (const char* how : {"kill -SEGV $$", "exit 3"}) {
    std::ofstream(wrapper) << "#!/bin/sh\n"
                           << "'" << TBFAULT_BIN << "' \"$@\" || exit $?\n"
                           << how << "\n";
    fs::permissions(wrapper, fs::perms::owner_all);
    RunOutput o = Run(R"(name: "exit-then-die" seed: 8
      workload { steps: 5 scalars_per_step: 1 }
      writer { spec: "every-event" }
      actions { kind: EXIT at_step: 5 })",
                      wrapper);
    EXPECT_EQ(o.result.outcome, reports::Outcome::kError) << how << ": " << o.verdict.summary;
    const bool sig = std::string(how).starts_with("kill");
    EXPECT_EQ(o.result.failure,
              sig ? reports::RunFailure::kWriterSignalled : reports::RunFailure::kWriterFailed)
        << o.result.error;
    EXPECT_NE(o.result.error.find("was to exit without closing its writer"), std::string::npos)
        << o.result.error;
    EXPECT_NE(o.result.error.find(sig ? "signal 11" : "status 3"), std::string::npos)
        << o.result.error;
  }
}

// tensorboardX registers an atexit handler that closes its writer: a script that never calls
// close() still gets every event (scenarios/misuse/tbx-exit-without-close.textproto).
TEST_F(ExitWithoutCloseTest, TensorboardXClosesAtInterpreterExit) {
  if (!HasVenv()) GTEST_SKIP() << "no venv with tensorboardX";
  RunOutput o = Run(R"(name: "exit-tbx" seed: 7
    workload { steps: 6 scalars_per_step: 1 }
    writer { spec: "tensorboardx" }
    actions { kind: EXIT at_step: 6 })");
  ASSERT_EQ(o.result.outcome, reports::Outcome::kPassed) << o.result.error << o.verdict.summary;
  EXPECT_EQ(o.verdict.ending, core::Ending::kExitWithoutClose);
  EXPECT_EQ(Count(o, "strict", V::kVisible), 6u);  // none was flushed: atexit wrote them all.
}

}  // namespace
}  // namespace tbfault::runner
