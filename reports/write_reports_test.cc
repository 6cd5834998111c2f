#include "reports/write_reports.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "reports/test_results.h"

namespace tbfault::reports {
namespace {

TEST(WriteReportsTest, WritesWhatIsAskedAndNothingElse) {
  auto dir =
      std::filesystem::temp_directory_path() / ("write_reports_test." + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  Results r = testing::SampleResults();
  ReportPaths paths;
  paths.json = (dir / "results.json").string();
  paths.junit = (dir / "junit.xml").string();
  paths.markdown = (dir / "summary.md").string();
  paths.tb_logdir = (dir / "tb").string();
  Status s = WriteReports(r, paths);
  ASSERT_TRUE(s.ok()) << s.ToString();
  Results back;
  EXPECT_TRUE(ReadResultsFile(paths.json, &back).ok());
  EXPECT_EQ(ToJson(back), ToJson(r));
  std::string md;
  EXPECT_TRUE(ReadFile(paths.markdown, &md).ok());
  EXPECT_EQ(md.rfind("## tbfault: 1 passed, 1 failed", 0), 0u);
  EXPECT_TRUE(std::filesystem::exists(paths.junit));
  EXPECT_TRUE(std::filesystem::is_directory(dir / "tb" / "clean" / "buffered"));
  EXPECT_FALSE(std::filesystem::exists(dir / "report.html"));

  paths = {};
  paths.junit = (dir / "no-such-dir" / "junit.xml").string();
  s = WriteReports(r, paths);
  EXPECT_EQ(s.error_number(), ENOENT);
  EXPECT_NE(s.ToString().find("no-such-dir/junit.xml"), std::string::npos) << s.ToString();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tbfault::reports
