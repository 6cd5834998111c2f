#include "harness/core/scenario.h"

#include <gtest/gtest.h>

#include <fstream>
#include <span>

#include "harness/core/test_logdir.h"

namespace tbfault::core {
namespace {

constexpr char kGood[] = R"pb(
  description: "disk full mid-run, then cleared"
  labels: "quick"
  workload { steps: 100 scalars_per_step: 4 histogram_every: 10 run: "train" }
  writer { spec: "buffered" }
  faults { rule: "ops: 'write' effect { error: 'ENOSPC' }" at_step: 40 clear_at_step: 60 }
  actions { kind: PROCESS_CRASH at_step: 80 }
  expect {
    profile: "*"
    verdicts { verdict: "lost-unacked" at_least: 1 }
  }
  expect {
    profile: "tb-rust"
    verdicts { verdict: "hidden" exactly: 3 }
  }
)pb";

Status Parse(const std::string& text, scenario::Scenario* s) {
  return ParseScenario(text, "scenarios/disk_full.textproto", s);
}

// Each text is refused with one line that holds `want` (file, line, field and reason).
struct BadCase {
  const char* text;
  const char* want;
};
void ExpectErrors(std::span<const BadCase> cases) {
  for (const BadCase& c : cases) {
    scenario::Scenario s;
    Status st = Parse(c.text, &s);
    ASSERT_FALSE(st.ok()) << c.text;
    EXPECT_NE(st.ToString().find(c.want), std::string::npos)
        << "got: " << st.ToString() << "\nwant: " << c.want;
    EXPECT_EQ(st.ToString().find('\n'), std::string::npos) << st.ToString();
  }
}

TEST(ScenarioTest, ParsesAGoodFile) {
  scenario::Scenario s;
  Status st = Parse(kGood, &s);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(s.name(), "disk_full");  // from the file name.
  EXPECT_EQ(s.workload().steps(), 100);
  EXPECT_EQ(s.faults(0).rule(), "ops: 'write' effect { error: 'ENOSPC' }");
  EXPECT_EQ(s.actions(0).kind(), scenario::Action::PROCESS_CRASH);

  Expectation rust = ExpectationFor(s, Profile::kTbRust);
  ASSERT_EQ(rust.size(), 2u);
  EXPECT_EQ(rust.at(Verdict::kHidden).min, 3u);
  EXPECT_EQ(rust.at(Verdict::kHidden).max, 3u);
  EXPECT_EQ(rust.at(Verdict::kLostUnacked).min, 1u);
  EXPECT_EQ(rust.at(Verdict::kLostUnacked).max, UINT64_MAX);
  EXPECT_EQ(ExpectationFor(s, Profile::kTbPython).count(Verdict::kHidden), 0u);
}

// Each malformed file gives one error naming the file, the line and the field.
TEST(ScenarioTest, ErrorsNameFileLineAndField) {
  BadCase cases[] = {
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\nbogus: 1\n",
       "scenarios/disk_full.textproto:3:6: Message type \"tbfault.scenario.Scenario\" has no field "
       "named \"bogus\""},
      {"workload {\n  steps: 0\n}\nwriter { spec: \"buffered\" }\n",
       "scenarios/disk_full.textproto:2:3: workload.steps: must be > 0"},
      {"workload { steps: 10 }\n", "workload { steps: 10 }"},  // replaced below
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\nexpect {\n  profile: \"tb-go\"\n}\n",
       "scenarios/disk_full.textproto:4:3: expect[0].profile: unknown profile 'tb-go'"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\nexpect {\n  profile: \"*\"\n"
       "  verdicts { verdict: \"gone\" exactly: 1 }\n}\n",
       "scenarios/disk_full.textproto:5:14: expect[0].verdicts[0].verdict: unknown verdict class "
       "'gone'"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\n"
       "actions { kind: POWER_CUT at_step: 5 power_cut_mode: \"melt\" }\n",
       "scenarios/disk_full.textproto:3:38: actions[0].power_cut_mode: unknown mode 'melt'"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\n"
       "actions { kind: RESTART at_step: 5 resume_from_step: 7 }\n",
       "actions[0].resume_from_step: must be within 0..at_step"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\n"
       "actions { kind: CLEAR at_step: 5 at_op: 3 }\n",
       "actions[0].at_op: only for PROCESS_CRASH and POWER_CUT"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\n"
       "actions { kind: EXIT at_step: 5 }\nactions { kind: CLEAR at_step: 6 }\n",
       "scenarios/disk_full.textproto:4:11: actions[1].kind: comes after the EXIT of actions[0], "
       "which ends its process: never applied"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\n"
       "faults { rule: \"x\" at_step: 11 }\n",
       "scenarios/disk_full.textproto:3:20: faults[0].at_step: outside 0..workload.steps"},
  };
  cases[2] = {"workload { steps: 10 }\n", "scenarios/disk_full.textproto: writer.spec: missing"};
  ExpectErrors(cases);
  // An EXIT ends its process; a RESTART after it starts the next one, whose actions apply.
  scenario::Scenario s;
  Status st = Parse(
      "workload { steps: 10 }\nwriter { spec: \"buffered\" }\n"
      "actions { kind: EXIT at_step: 5 }\nactions { kind: RESTART at_step: 5 }\n"
      "actions { kind: EXIT at_step: 10 }\n",
      &s);
  EXPECT_TRUE(st.ok()) << st.ToString();
}

// Sizes, counts and times beyond what a machine can run are refused with file:line: each of these
// was accepted, and ran (writers: 100000 made 35,097 ledgers) or never timed out (nan).
TEST(ScenarioTest, RangesOfSizesCountsAndTimes) {
  BadCase cases[] = {
      {"workload {\n  steps: 10\n  writers: 100000\n}\nwriter { spec: \"buffered\" }\n",
       "scenarios/disk_full.textproto:3:3: workload.writers: 100000 is outside 0..64"},
      {"workload {\n  steps: 10\n  files: 100000\n}\nwriter { spec: \"buffered\" }\n",
       "scenarios/disk_full.textproto:3:3: workload.files: 100000 is outside 0..1000"},
      {"workload { steps: 100000000000 }\nwriter { spec: \"buffered\" }\n",
       "workload.steps: 100000000000 is outside 1..10000000"},
      {"workload { steps: 10 scalars_per_step: 2000000000 }\nwriter { spec: \"buffered\" }\n",
       "workload.scalars_per_step: 2000000000 is outside 0..10000"},
      {"workload { steps: 10 step_ms: nan }\nwriter { spec: \"buffered\" }\n",
       "scenarios/disk_full.textproto:1:22: workload.step_ms: must be a number of milliseconds"},
      {"workload { steps: 10 step_ms: inf }\nwriter { spec: \"buffered\" }\n", "workload.step_ms"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\ntime_limit_s: inf\n",
       "scenarios/disk_full.textproto:3:1: time_limit_s: must be a number of seconds"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\ntime_limit_s: nan\n",
       "time_limit_s: must be"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\ntime_limit_s: -1\n",
       "time_limit_s: must be"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\ntime_limit_s: 1e9\n",
       "time_limit_s: must be"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\n"
       "actions { kind: RESTART at_step: 5 resume_from_step: 5 steps: 11 }\n",
       "actions[0].steps: outside 0..workload.steps"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\nreader {\n  reload_ms: 5\n}\n",
       "scenarios/disk_full.textproto:4:3: reader.reload_ms: 5 is outside 10..600000"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\nreader { reload_ms: -1 }\n",
       "reader.reload_ms: -1 is outside"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\n"
       "reader { samples_per_plugin: \"scalars=x\" }\n",
       "scenarios/disk_full.textproto:3:10: reader.samples_per_plugin: \"scalars=x\" is not "
       "PLUGIN=K"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\nexpect { profile: \"*\" max_lag_ms: "
       "nan }\n",
       "scenarios/disk_full.textproto:3:23: expect[0].max_lag_ms: must be a number of "
       "milliseconds"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\nexpect { profile: \"*\" max_lag_ms: "
       "-3 }\n",
       "expect[0].max_lag_ms: must be"},
      {"workload { steps: 10 first_writer_behind: 3 }\nwriter { spec: \"buffered\" }\n",
       "workload.first_writer_behind: needs writers >= 2, and must be within 0..steps-1"},
      {"workload { steps: 10 writers: 2 first_writer_behind: 10 }\nwriter { spec: \"buffered\" }\n",
       "workload.first_writer_behind: needs writers >= 2"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\nreader { no_live: true }\n"
       "expect { profile: \"*\" max_lag_ms: 500 }\n",
       "expect[0].max_lag_ms: bounds the live lag, but reader.no_live turns the live reader off"},
  };
  ExpectErrors(cases);
}

TEST(ScenarioTest, TheLiveReaderPeriodAndTheLagBound) {
  scenario::Scenario s;
  ASSERT_TRUE(Parse("workload { steps: 10 }\nwriter { spec: \"buffered\" }\n", &s).ok());
  EXPECT_EQ(ReloadMs(s), kDefaultReloadMs);
  EXPECT_FALSE(MaxLagMsFor(s, Profile::kTbRust));
  ASSERT_TRUE(Parse("workload { steps: 10 }\nwriter { spec: \"buffered\" }\n"
                    "reader { reload_ms: 50 }\n"
                    "expect { profile: \"*\" max_lag_ms: 500 }\n"
                    "expect { profile: \"tb-python\" max_lag_ms: 2000 }\n"
                    "expect { profile: \"strict\" verdicts { verdict: \"late\" exactly: 0 } }\n",
                    &s)
                  .ok());
  EXPECT_EQ(ReloadMs(s), 50);
  EXPECT_EQ(MaxLagMsFor(s, Profile::kTbRust), 500);
  EXPECT_EQ(MaxLagMsFor(s, Profile::kStrict), 500);
  EXPECT_EQ(MaxLagMsFor(s, Profile::kTbPython), 2000);
  EXPECT_EQ(ExpectationFor(s, Profile::kStrict).count(Verdict::kLate), 1u);
  EXPECT_TRUE(SamplesSpecOf(s).empty());
  ASSERT_TRUE(Parse("workload { steps: 10 }\nwriter { spec: \"buffered\" }\n"
                    "reader { samples_per_plugin: \"scalars=100,images=5\" }\n"
                    "expect { profile: \"*\" verdicts { verdict: \"downsampled\" exactly: 0 } }\n",
                    &s)
                  .ok());
  EXPECT_EQ(SamplesSpecOf(s).at("scalars"), 100u);
  EXPECT_EQ(ExpectationFor(s, Profile::kTbRust).count(Verdict::kDownsampled), 1u);
}

// What the writer factory, the load profiles and faultfs would refuse later is refused at load,
// with file:line (before: `tbfault list` counted the file and `run` failed the scenario later).
TEST(ScenarioTest, SemanticsAreCheckedByThePartsThatRunThem) {
  BadCase cases[] = {
      {"workload { steps: 10 }\nwriter {\n  spec: \"warp-speed\"\n}\n",
       "scenarios/disk_full.textproto:3:3: writer.spec: policy 'warp-speed': unknown policy"},
      {"workload { steps: 10 }\nwriter { spec: \"mutant:nope\" }\n",
       "writer.spec: unknown mutant 'nope'"},
      {"workload { steps: 10 }\nwriter { spec: \"async:queue=2147483648\" }\n",
       "writer.spec: policy 'async:queue=2147483648': option queue"},
      {"workload { steps: 10 }\nwriter { specs: \"buffered\" specs: \"nope\" }\n",
       "scenarios/disk_full.textproto:2:28: writer.specs[1]: policy 'nope'"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\n"
       "faults { rule: \"ops: 'write' effect { error: 'EBOGUS' }\" }\n",
       "scenarios/disk_full.textproto:3:10: faults[0].rule: faultfs refuses it: effect.error: "
       "unknown errno 'EBOGUS'"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\n"
       "faults { rule: \"ops: 'write' effect { error: '0' }\" }\n",
       "unknown errno '0'"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\n"
       "faults { rule: \"ops: 'write' effect { error: '-5' }\" }\n",
       "unknown errno '-5'"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\n"
       "faults { rule: \"ops: 'scribble' effect { error: 'EIO' }\" }\n",
       "faults[0].rule: faultfs refuses it: ops: unknown op 'scribble'"},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\n"
       "faults { rule: \"op: WRITE errno: ENOSPC\" }\n",
       "faults[0].rule: faultfs refuses it: 1:3: Message type \"faultfs.Rule\" has no field named "
       "\"op\""},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\nfsync_errors: \"posix\"\n",
       "scenarios/disk_full.textproto:3:1: fsync_errors: unknown mode 'posix' (linux, sticky)"},
      {"workload {\n  steps: 10\n  profile: \"no-such-profile\"\n}\nwriter { spec: \"buffered\" "
       "}\n",
       "scenarios/disk_full.textproto:3:3: workload.profile: "},
      {"workload { steps: 10 }\nwriter { spec: \"buffered\" }\n"
       "actions { kind: RESTART at_step: 5 resume_from_step: 5 writer: \"mutant:ghost\" }\n",
       "scenarios/disk_full.textproto:3:56: actions[0].writer: unknown mutant 'ghost'"},
      // A newline in a quoted spec is escaped: still one line (found by scenario_fuzz).
      {"workload { steps: 10 }\nwriter { spec: \"every-ev\\nt\" }\n",
       "writer.spec: policy 'every-ev\\nt': unknown policy"},
  };
  ExpectErrors(cases);
  // And what they accept is accepted.
  scenario::Scenario s;
  Status st = Parse(
      "workload { steps: 10 profile: \"small-fast\" }\nwriter { specs: \"ours:async\" specs: "
      "\"mutant:control\" specs: \"tensorboardx\" }\nfsync_errors: \"sticky\"\n"
      "faults { rule: \"ops: 'fsync' effect { error: 'EIO' }\" }\n"
      "actions { kind: RESTART at_step: 5 resume_from_step: 5 writer: \"buffered+durable\" }\n",
      &s);
  EXPECT_TRUE(st.ok()) << st.ToString();
}

TEST(ScenarioTest, LoadsFromDiskAndReportsMissingFiles) {
  testing::TempLogdir dir;
  std::string path = dir.path() + "/clean.textproto";
  std::ofstream(path) << kGood;
  scenario::Scenario s;
  Status st = LoadScenario(path, &s);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(s.name(), "clean");
  st = LoadScenario(dir.path() + "/missing.textproto", &s);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.ToString().find("missing.textproto"), std::string::npos);
}

// A scenario's run and read_dir stay inside the mount: `../../..` would bypass fault injection.
TEST(ScenarioTest, PathsThatLeaveTheMountAreRefusedWithTheirLine) {
  scenario::Scenario s;
  for (const char* run : {"../../..", "/etc", "a/../../b", ".."}) {
    std::string text = "writer { spec: \"buffered\" }\nworkload {\n  steps: 10\n  run: \"" +
                       std::string(run) + "\"\n}\n";
    Status st = Parse(text, &s);
    EXPECT_EQ(st.ToString(),
              "scenarios/disk_full.textproto:4:3: workload.run: must stay inside "
              "the mount (relative, without '..')")
        << run;
  }
  Status st =
      Parse("workload { steps: 10 }\nwriter { spec: \"buffered\" }\nread_dir: \"../x\"\n", &s);
  EXPECT_EQ(st.ToString(),
            "scenarios/disk_full.textproto:3:1: read_dir: must stay inside the "
            "mount (relative, without '..')");
  EXPECT_TRUE(Parse("workload { steps: 10 run: \"a/..b/c..\" }\nwriter { spec: \"buffered\" }\n"
                    "read_dir: \"a/b\"\n",
                    &s)
                  .ok());
}

}  // namespace
}  // namespace tbfault::core
