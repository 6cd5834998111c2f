// The survival matrix from hand-built results: every cell kind, the worst-of rule (across profiles
// and across results files), base names, columns, citations.
#include "reports/survival.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "reports/markdown.h"

namespace tbfault::reports {
namespace {

// A result for `base`/`writer` with the given counts in one profile (the others see everything).
ScenarioResult Make(const std::string& base, const std::string& writer,
                    std::vector<std::pair<Verdict, uint64_t>> counts = {},
                    const std::string& profile = "strict") {
  ScenarioResult r;
  r.name = base + "/" + writer;
  r.writer = writer;
  r.seed = 7;
  r.events_logged = 100;
  bool violation = false;
  for (std::string_view name : kProfiles) {
    ProfileResult p;
    p.profile = std::string(name);
    uint64_t visible = 100;
    if (name == profile) {
      for (auto [v, n] : counts) {
        p.counts[VerdictIndex(v)] = n;
        visible -= n;
        if (IsViolation(v)) violation = true;
      }
    }
    p.counts[VerdictIndex(Verdict::kVisible)] = visible;
    p.passed = !(name == profile && violation);
    r.profiles.push_back(p);
  }
  r.outcome = violation ? Outcome::kFailed : Outcome::kPassed;
  if (violation) r.error = "strict: violations";
  return r;
}

ScenarioResult Errored(const std::string& base, const std::string& writer, const std::string& why,
                       RunFailure failure = RunFailure::kWriterFailed) {
  ScenarioResult r;
  r.name = base + "/" + writer;
  r.writer = writer;
  r.seed = 9;
  r.outcome = Outcome::kError;
  r.failure = failure;
  r.error = why;
  return r;
}

TEST(Survival, ClassifiesEveryCellKind) {
  EXPECT_EQ(Classify(Make("a", "w")), Survival::kPasses);
  EXPECT_EQ(Classify(Make("a", "w", {{Verdict::kLostUnacked, 5}})), Survival::kLosesUnacked);
  EXPECT_EQ(Classify(Make("a", "w", {{Verdict::kLostAcked, 5}})), Survival::kLosesAcked);
  EXPECT_EQ(Classify(Make("a", "w", {{Verdict::kLostSilent, 5}})), Survival::kSilentLoss);
  EXPECT_EQ(Classify(Make("a", "w", {{Verdict::kHidden, 5}})), Survival::kHidesData);
  EXPECT_EQ(Classify(Make("a", "w", {{Verdict::kCorrupt, 1}})), Survival::kCorrupt);
  EXPECT_EQ(Classify(Make("a", "w", {{Verdict::kPhantom, 1}})), Survival::kPhantom);
  EXPECT_EQ(Classify(Make("a", "w", {{Verdict::kDuplicate, 1}})), Survival::kDuplicate);
  EXPECT_EQ(Classify(Errored("a", "w", "the writer was killed", RunFailure::kHung)),
            Survival::kHangs);
  EXPECT_EQ(Classify(Errored("a", "w", "timed out, hung (words decide nothing)")),
            Survival::kError);
  EXPECT_EQ(Classify(Errored("a", "w", "writer process 0 failed: exit 1")), Survival::kError);
  for (Survival s :
       {Survival::kPasses, Survival::kLosesUnacked, Survival::kLosesAcked, Survival::kSilentLoss,
        Survival::kHidesData, Survival::kCorrupt, Survival::kPhantom, Survival::kDuplicate,
        Survival::kHangs, Survival::kError}) {
    EXPECT_NE(SurvivalName(s), "?");
  }
  EXPECT_EQ(SurvivalName(Survival::kLosesAcked), "loses acked");
  EXPECT_EQ(SurvivalName(Survival::kHidesData), "hides data");
  EXPECT_EQ(SurvivalName(Survival::kSilentLoss), "silent loss");
}

TEST(Survival, WorstAcrossProfilesAndClasses) {
  ScenarioResult r = Make("a", "w", {{Verdict::kLostUnacked, 3}, {Verdict::kHidden, 2}});
  EXPECT_EQ(Classify(r), Survival::kHidesData);
  // lost-acked in tb-python only, hidden in strict: lost-acked is worse.
  r.profiles[2].counts[VerdictIndex(Verdict::kLostAcked)] = 1;
  EXPECT_EQ(Classify(r), Survival::kLosesAcked);
  r.profiles[1].counts[VerdictIndex(Verdict::kCorrupt)] = 1;
  EXPECT_EQ(Classify(r), Survival::kCorrupt);
}

TEST(Survival, BaseNames) {
  EXPECT_EQ(BaseName(Make("crash-before-flush", "periodic:ms=20")), "crash-before-flush");
  ScenarioResult r = Make("x", "tensorboard");
  r.name = "nested/run/y";  // writer not in the name: drop the last component.
  EXPECT_EQ(BaseName(r), "nested/run");
  r.name = "plain";
  EXPECT_EQ(BaseName(r), "plain");
}

TEST(Survival, MatrixColumnsRowsAndWorstOfSeveralFiles) {
  Results a, b;
  a.scenarios = {Make("power-cut", "async", {{Verdict::kLostUnacked, 4}}),
                 Make("power-cut", "every-event"), Make("crash", "tensorboard"),
                 Make("crash", "zz-other"), Make("crash", "buffered")};
  b.scenarios = {Make("power-cut", "async", {{Verdict::kLostAcked, 1}}),  // a rerun, worse.
                 Make("crash", "tensorboardx", {{Verdict::kLostAcked, 312}}),
                 Make("crash", "buffered")};
  SurvivalMatrix m = BuildSurvival({&a, &b});
  EXPECT_EQ(m.writers, (std::vector<std::string>{"every-event", "buffered", "async", "tensorboardx",
                                                 "tensorboard", "zz-other"}));
  EXPECT_EQ(m.rows, (std::vector<std::string>{"crash", "power-cut"}));
  ASSERT_NE(m.cell("power-cut", "async"), nullptr);
  EXPECT_EQ(m.cell("power-cut", "async")->survival, Survival::kLosesAcked);
  EXPECT_EQ(m.cell("power-cut", "async")->result, &b.scenarios[0]);
  EXPECT_EQ(m.cell("power-cut", "tensorboardx"), nullptr);
  EXPECT_EQ(m.cell("crash", "buffered")->survival, Survival::kPasses);

  // Filters: mutants out, rows need two writers.
  a.scenarios.push_back(Make("torn", "mutant:torn-records", {{Verdict::kHidden, 9}}));
  a.scenarios.push_back(Make("lonely", "buffered"));
  SurvivalOptions o;
  o.exclude_writer_prefixes = {"mutant:"};
  o.min_writers_per_row = 2;
  m = BuildSurvival({&a, &b}, o);
  EXPECT_EQ(m.rows, (std::vector<std::string>{"crash", "power-cut"}));
  EXPECT_EQ(std::count(m.writers.begin(), m.writers.end(), "mutant:torn-records"), 0);
}

TEST(Survival, MarkdownCitesEveryCellThatDoesNotPass) {
  Results rs;
  rs.scenarios = {
      Make("crash-before-flush", "every-event"),
      Make("crash-before-flush", "buffered", {{Verdict::kLostUnacked, 20}}),
      Make("crash-before-flush", "tensorboardx", {{Verdict::kLostAcked, 312}}),
      Make("crash-before-flush", "tensorboard", {{Verdict::kLostSilent, 2}}),
      Make("disk-full", "every-event", {{Verdict::kHidden, 3}}, "tb-rust"),
      Make("disk-full", "buffered", {{Verdict::kCorrupt, 1}}),
      Make("disk-full", "tensorboardx", {{Verdict::kPhantom, 1}}),
      Make("disk-full", "tensorboard", {{Verdict::kDuplicate, 1}}),
      Errored("eio", "tensorboardx", "timed out after 60 s: the writer process (or the mount) hung",
              RunFailure::kHung),
      Errored("eio", "tensorboard", "writer process 0 failed: adapter | exited"),
  };
  // Passed, but a violation the scenario expects: still cited, and said to be expected.
  ScenarioResult expected = Make("restart", "every-event", {{Verdict::kHidden, 80}}, "tb-rust");
  expected.outcome = Outcome::kPassed;
  expected.error.clear();
  rs.scenarios.push_back(expected);
  // Failed without any violation (an expected class did not appear): passes, but cited.
  ScenarioResult unmet = Make("restart", "tensorboard");
  unmet.outcome = Outcome::kFailed;
  unmet.error = "tb-rust: expected exactly 80 hidden, got 0";
  rs.scenarios.push_back(unmet);

  SurvivalOptions o;
  std::string md = SurvivalMarkdown(BuildSurvival({&rs}), o);
  EXPECT_NE(md.find("| scenario | every-event | buffered | tensorboardx | tensorboard |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| crash-before-flush | passes | loses unacked [1] | loses acked [2] | "
                    "silent loss [3] |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| disk-full | hides data [4] | corrupt [5] | phantom [6] | duplicate [7] |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| eio | – | – | hangs [8] | error [9] |"), std::string::npos) << md;
  EXPECT_NE(md.find("| restart | hides data [10] | – | – | passes [11] |"), std::string::npos)
      << md;
  EXPECT_NE(
      md.find(
          "2. tensorboardx / crash-before-flush: 312 lost-acked (strict); expectations not met: "
          "strict: violations — reproduce: "
          "`tbfault run scenarios/faults/crash-before-flush.textproto --writer "
          "tensorboardx --seed 7`"),
      std::string::npos)
      << md;
  EXPECT_NE(md.find("1. buffered / crash-before-flush: 20 lost-unacked (strict) — reproduce"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("4. every-event / disk-full: 3 hidden (tb-rust); expectations not met"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("8. tensorboardx / eio: error: timed out after 60 s"), std::string::npos) << md;
  EXPECT_NE(md.find("9. tensorboard / eio: error: writer process 0 failed: adapter \\| exited"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("10. every-event / restart: 80 hidden (tb-rust); expected by the scenario"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("11. tensorboard / restart: nothing lost; expectations not met: tb-rust: "
                    "expected exactly 80 hidden, got 0"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("12."), std::string::npos) << md;  // passing cells are not cited.

  // Same counts in several profiles are grouped.
  ScenarioResult all = Make("x", "async", {{Verdict::kLostAcked, 4}});
  for (auto& p : all.profiles) p.counts[VerdictIndex(Verdict::kLostAcked)] = 4;
  Results one;
  one.scenarios = {all};
  EXPECT_NE(
      SurvivalMarkdown(BuildSurvival({&one})).find("4 lost-acked (strict, tb-rust, tb-python)"),
      std::string::npos);
  EXPECT_EQ(SurvivalMarkdown(BuildSurvival({})), "No scenario results for a survival matrix.\n");
}

// Columns are the writers a user chooses between; mutants and misuse scenarios are self-tests,
// listed after the table; scenarios labelled but not "faults" are not rows.
// tbfault explore's crash points: one row per scenario and crash, the worst point, cited by the
// explore command.
TEST(Survival, ExploredCrashPointsAreOneRowCitedByExplore) {
  Results rs;
  const std::string row = ExploredName("power-cut-sync-torn", "power-cut:torn");
  for (uint64_t lost : {0, 3, 1}) {
    ScenarioResult r = Make(row, "buffered", {{Verdict::kLostAcked, lost}});
    r.labels = {"faults", std::string(kExplored)};
    rs.scenarios.push_back(r);
  }
  ScenarioResult fixed = Make("power-cut-sync-torn", "buffered");
  fixed.labels = {"faults"};
  rs.scenarios.push_back(fixed);
  SurvivalMatrix m = BuildSurvival({&rs});
  ASSERT_EQ(m.rows, (std::vector<std::string>{"power-cut-sync-torn", row}));
  const SurvivalCell* c = m.cell(row, "buffered");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->survival, Survival::kLosesAcked);
  EXPECT_EQ(c->result->profiles[0].count(Verdict::kLostAcked), 3u);
  std::string md = SurvivalMarkdown(m);
  EXPECT_NE(md.find("reproduce: `tbfault explore scenarios/faults/power-cut-sync-torn.textproto "
                    "--writer buffered --crash power-cut:torn --seed 7`"),
            std::string::npos)
      << md;
  std::string base, crash;
  EXPECT_FALSE(SplitExploredName("plain-name", &base, &crash));
}

TEST(Survival, MutantsAndMisuseAreSelfTestsNotColumns) {
  Results rs;
  rs.scenarios = {Make("crash", "buffered"),
                  Make("crash", "async"),
                  Make("torn-records", "mutant:torn-records", {{Verdict::kHidden, 3}}),
                  Make("late-metadata", "buffered", {{Verdict::kHidden, 100}}, "tb-rust"),
                  Make("no-flush", "buffered:bytes=100000000"),
                  Make("clean", "buffered")};
  rs.scenarios[0].labels = rs.scenarios[1].labels = {"faults"};
  rs.scenarios[2].labels = {"quick", "mutant"};
  rs.scenarios[3].labels = {"misuse"};
  rs.scenarios[3].outcome = Outcome::kPassed;  // the misuse was expected to hide these.
  rs.scenarios[4].labels = {"misuse"};
  rs.scenarios[5].labels = {"quick"};
  SurvivalMatrix m = BuildSurvival({&rs});
  EXPECT_EQ(m.writers, (std::vector<std::string>{"buffered", "async"}));
  EXPECT_EQ(m.rows, std::vector<std::string>{"crash"});
  ASSERT_EQ(m.self_tests.size(), 3u);
  std::string md = SurvivalMarkdown(m);
  EXPECT_NE(md.find("| scenario | buffered | async |"), std::string::npos) << md;
  EXPECT_EQ(md.find("| scenario | buffered | async | mutant"), std::string::npos) << md;
  EXPECT_NE(md.find("- torn-records/mutant:torn-records (mutant:torn-records): NOT as expected"),
            std::string::npos)
      << md;
  EXPECT_NE(
      md.find("- late-metadata/buffered (buffered): caught as expected — 100 hidden (tb-rust)"),
      std::string::npos)
      << md;
}

TEST(Survival, InTheMarkdownSummaryOnlyWithSeveralWriters) {
  Results rs;
  rs.scenarios = {Make("crash", "buffered")};
  EXPECT_EQ(MarkdownSummary(rs).find("Survival matrix"), std::string::npos);
  rs.scenarios.push_back(Make("crash", "tensorboardx", {{Verdict::kLostAcked, 3}}));
  std::string md = MarkdownSummary(rs);
  EXPECT_NE(md.find("### Survival matrix"), std::string::npos) << md;
  EXPECT_NE(md.find("| crash | passes | loses acked [1] |"), std::string::npos) << md;
}

}  // namespace
}  // namespace tbfault::reports
