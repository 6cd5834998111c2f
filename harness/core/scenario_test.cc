#include "harness/core/scenario.h"

#include <gtest/gtest.h>

#include <fstream>

#include "harness/core/test_logdir.h"

namespace tbfault::core {
namespace {

constexpr char kGood[] = R"pb(
  description: "disk full mid-run, then cleared"
  labels: "quick"
  workload { steps: 100 scalars_per_step: 4 histogram_every: 10 run: "train" }
  writer { spec: "buffered" }
  faults { rule: "op: WRITE errno: ENOSPC" at_step: 40 clear_at_step: 60 }
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

TEST(ScenarioTest, ParsesAGoodFile) {
  scenario::Scenario s;
  Status st = Parse(kGood, &s);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(s.name(), "disk_full");  // from the file name.
  EXPECT_EQ(s.workload().steps(), 100);
  EXPECT_EQ(s.faults(0).rule(), "op: WRITE errno: ENOSPC");
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
  struct Case {
    const char* text;
    const char* want;
  } cases[] = {
      {"workload { steps: 10 }\nwriter { spec: \"b\" }\nbogus: 1\n",
       "scenarios/disk_full.textproto:3:6: Message type \"tbfault.scenario.Scenario\" has no field "
       "named \"bogus\""},
      {"workload {\n  steps: 0\n}\nwriter { spec: \"b\" }\n",
       "scenarios/disk_full.textproto:2:3: workload.steps: must be > 0"},
      {"workload { steps: 10 }\n", "workload { steps: 10 }"},  // replaced below
      {"workload { steps: 10 }\nwriter { spec: \"b\" }\nexpect {\n  profile: \"tb-go\"\n}\n",
       "scenarios/disk_full.textproto:4:3: expect[0].profile: unknown profile 'tb-go'"},
      {"workload { steps: 10 }\nwriter { spec: \"b\" }\nexpect {\n  profile: \"*\"\n"
       "  verdicts { verdict: \"gone\" exactly: 1 }\n}\n",
       "scenarios/disk_full.textproto:5:14: expect[0].verdicts[0].verdict: unknown verdict class "
       "'gone'"},
      {"workload { steps: 10 }\nwriter { spec: \"b\" }\n"
       "actions { kind: POWER_CUT at_step: 5 power_cut_mode: \"melt\" }\n",
       "scenarios/disk_full.textproto:3:38: actions[0].power_cut_mode: unknown mode 'melt'"},
      {"workload { steps: 10 }\nwriter { spec: \"b\" }\n"
       "actions { kind: RESTART at_step: 5 resume_from_step: 7 }\n",
       "actions[0].resume_from_step: must be within 0..at_step"},
      {"workload { steps: 10 }\nwriter { spec: \"b\" }\n"
       "faults { rule: \"x\" at_step: 11 }\n",
       "scenarios/disk_full.textproto:3:20: faults[0].at_step: outside 0..workload.steps"},
  };
  cases[2] = {"workload { steps: 10 }\n", "scenarios/disk_full.textproto: writer.spec: missing"};
  for (const Case& c : cases) {
    scenario::Scenario s;
    Status st = Parse(c.text, &s);
    ASSERT_FALSE(st.ok()) << c.text;
    EXPECT_NE(st.ToString().find(c.want), std::string::npos)
        << "got: " << st.ToString() << "\nwant: " << c.want;
  }
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
    std::string text =
        "writer { spec: \"b\" }\nworkload {\n  steps: 10\n  run: \"" + std::string(run) + "\"\n}\n";
    Status st = Parse(text, &s);
    EXPECT_EQ(st.ToString(),
              "scenarios/disk_full.textproto:4:3: workload.run: must stay inside "
              "the mount (relative, without '..')")
        << run;
  }
  Status st = Parse("workload { steps: 10 }\nwriter { spec: \"b\" }\nread_dir: \"../x\"\n", &s);
  EXPECT_EQ(st.ToString(),
            "scenarios/disk_full.textproto:3:1: read_dir: must stay inside the "
            "mount (relative, without '..')");
  EXPECT_TRUE(Parse("workload { steps: 10 run: \"a/..b/c..\" }\nwriter { spec: \"b\" }\n"
                    "read_dir: \"a/b\"\n",
                    &s)
                  .ok());
}

}  // namespace
}  // namespace tbfault::core
