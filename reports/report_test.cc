// JUnit XML, Markdown and HTML rendered from the sample results model.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "reports/gnuplot.h"
#include "reports/html.h"
#include "reports/junit.h"
#include "reports/markdown.h"
#include "reports/test_results.h"

namespace tbfault::reports {
namespace {

std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("reports_test." + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST(XmlEscapeTest, EscapesMarkupAndReplacesWhatXmlForbids) {
  EXPECT_EQ(XmlEscape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(XmlEscape(std::string("x\0y\x1b\tz\n", 7)), "x\xEF\xBF\xBDy\xEF\xBF\xBD\tz\n");
  EXPECT_EQ(XmlEscape("caf\xC3\xA9 \xE2\x9C\x85"),
            "caf\xC3\xA9 \xE2\x9C\x85");  // valid UTF-8 kept.
  EXPECT_EQ(XmlEscape("bad\xFF\xC3"), "bad\xEF\xBF\xBD\xEF\xBF\xBD");
}

// Well-formedness is checked by a real XML parser (Python's minidom), which also gives the text
// back.
TEST_F(ReportTest, JUnitIsWellFormedWithOneCasePerScenarioAndProfile) {
  if (access("/usr/bin/python3", X_OK) != 0)
    GTEST_SKIP() << "python3 absent: XML parse check skipped";
  Results r = testing::SampleResults();
  r.scenarios[1].profiles[1].examples[0].reason += std::string(" \x01 ]]> end");
  r.scenarios.push_back(testing::SampleScenario("errored", "ours:async", 0));
  r.scenarios.back().outcome = Outcome::kError;
  r.scenarios.back().error = "watchdog <30 s> & killed";
  std::string path = (dir_ / "junit.xml").string();
  ASSERT_TRUE(WriteFile(path, JUnitXml(r)).ok());
  std::string out = Shell(
      "python3 -c 'import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); "
      "t = d.getElementsByTagName; print(len(t(\"testcase\")), len(t(\"failure\")), "
      "len(t(\"error\")), t(\"testsuites\")[0].getAttribute(\"failures\")); "
      "print(t(\"failure\")[0].getAttribute(\"message\")); "
      "print(t(\"failure\")[0].firstChild.data); "
      "print(t(\"error\")[0].getAttribute(\"message\"))' " +
      path);
  // 3 scenarios x 3 profiles; the failing scenario fails on tb-rust and tb-python; 3 errors.
  EXPECT_EQ(out.substr(0, out.find('\n')), "9 2 3 2") << out;
  EXPECT_NE(out.find("3 violation(s), hidden 3"), std::string::npos) << out;
  EXPECT_NE(out.find("hidden tag=loss/<train>&\"x\" step=120 "
                     "file=run/events.out.tfevents.1700000000.host.1.0 offset=4096"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("]]> end"), std::string::npos) << out;
  EXPECT_NE(out.find("watchdog <30 s> & killed"), std::string::npos) << out;
}

TEST(MarkdownTest, OneRowPerScenarioAndTheFailures) {
  Results r = testing::SampleResults();
  r.scenarios[0].name = "pipe|in name";
  std::string md = MarkdownSummary(r);
  EXPECT_EQ(md.substr(0, md.find('\n')), "## tbfault: 1 passed, 1 failed, 0 errors");
  EXPECT_NE(md.find("| scenario | writer | outcome | strict | tb-rust | tb-python | loss window | "
                    "events/s | step added |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| `pipe\\|in name` | `ours:buffered` | ✅ passed | ✅ 180 visible |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| ❌ 3 hidden | ❌ 3 hidden | 20 ev, 0.50 s | 1.5e+06 |"), std::string::npos)
      << md;
  // The step time the writer adds: always in us, the % only for steps of at least 1 ms.
  EXPECT_NE(md.find("| 1.5e+06 | +300 us (+0.4%) |"), std::string::npos) << md;
  r.scenarios[0].figures.step_overhead_pct_p50.reset();  // a step under 1 ms: no percentage.
  // A lost event has no record: "not on disk", never "in  at offset 0".
  r.scenarios[1].profiles[1].examples.insert(
      r.scenarios[1].profiles[1].examples.begin(),
      {Verdict::kLostAcked, "loss", 149, "", 0, "acknowledged written before the process-crash"});
  EXPECT_NE(MarkdownSummary(r).find("lost-acked `loss` step 149, not on disk: acknowledged"),
            std::string::npos)
      << MarkdownSummary(r);
  EXPECT_EQ(MarkdownSummary(r).find(" in `` at offset"), std::string::npos);
  EXPECT_NE(MarkdownSummary(r).find("| 1.5e+06 | +300 us |"), std::string::npos);
  EXPECT_EQ(StepAddedText(Figures()), "–");
  EXPECT_NE(md.find("### Failures"), std::string::npos);
  EXPECT_NE(md.find("- `tb-rust`: 3 hidden\n  - hidden `loss/<train>&\"x\"` step 120 in "
                    "`run/events.out.tfevents.1700000000.host.1.0` at offset 4096: after a torn "
                    "record at offset 4080 (bad length CRC)"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("- `strict`"), std::string::npos);  // passed profiles are not listed.
  // Fits a screen: header, table head (2), 2 rows, then the failures.
  EXPECT_LT(Count(md, "\n"), 20u);
}

TEST(MarkdownTest, AllPassedHasNoFailureSection) {
  Results r;
  r.scenarios.push_back(testing::SampleScenario("clean", "ours:buffered", 0));
  std::string md = MarkdownSummary(r);
  EXPECT_EQ(md.find("Failures"), std::string::npos);
  EXPECT_NE(md.find("1 passed, 0 failed"), std::string::npos);
}

TEST(HtmlTest, ScriptsPlotWhatTheModelHolds) {
  Results r = testing::SampleResults();
  std::string t = TimelineScript(r.scenarios[0]);
  EXPECT_NE(t.find("set label 'power-cut' at 100,"), std::string::npos) << t;
  EXPECT_NE(t.find("\n200 200 180 80 80\n"), std::string::npos) << t;
  EXPECT_NE(TradeOffScript(r).find("1500000 0.5 \"ours:buffered\""), std::string::npos);
  EXPECT_EQ(GnuplotQuote("it's\nx"), "'it''s x'");
  std::string live = LiveTimelineScript(r.scenarios[0]);
  EXPECT_NE(live.find("set label 'power-cut' at 1.000,"), std::string::npos) << live;
  EXPECT_NE(live.find("\n1.100 110 105 103 105\n"), std::string::npos) << live;  // the drop.
  EXPECT_EQ(live.find("'clear'"), std::string::npos) << live;  // no time: not on this plot.
  ScenarioResult empty;
  EXPECT_EQ(LiveTimelineScript(empty), "");
  EXPECT_EQ(TimelineScript(empty), "");
  EXPECT_EQ(StepTimesScript(empty), "");
}

TEST(HtmlTest, ContainsTheInlineSvgPlots) {
  if (!GnuplotAvailable()) GTEST_SKIP() << "gnuplot absent: plots not rendered";
  Results r = testing::SampleResults();
  r.benchmark = testing::SampleBenchmark(100, 50, 0.01, 1, 1);
  std::string html = HtmlReport(r);
  // One trade-off plot, and a timeline, a live timeline and a step-time plot per scenario.
  EXPECT_EQ(Count(html, "<svg"), 7u);
  EXPECT_EQ(Count(html, "</svg>"), 7u);
  EXPECT_EQ(Count(html, "data-plot="), 7u);
  EXPECT_NE(html.find("120/900/1500 (12), 1400"), std::string::npos);  // live figures.
  EXPECT_EQ(html.find("plot unavailable"), std::string::npos);
  EXPECT_EQ(html.find("<?xml"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("loss/&lt;train&gt;&amp;&quot;x&quot;"), std::string::npos);
  EXPECT_NE(html.find("<td>BM_AddRel</td>"), std::string::npos);
  EXPECT_NE(html.find("power-cut/mutant-no-truncate: events logged vs visible"), std::string::npos);
}

TEST(HtmlTest, GnuplotErrorsAreReportedNotHidden) {
  if (!GnuplotAvailable()) GTEST_SKIP() << "gnuplot absent";
  std::string svg;
  Status s = RenderSvg("set terminal svg\nplot $nothing using 1:2\n", &svg);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("gnuplot failed"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace tbfault::reports
