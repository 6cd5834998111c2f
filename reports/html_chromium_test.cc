// The HTML report in a real browser: headless Chromium (Debian's chromium) loads it with no console
// messages (errors, uncaught exceptions, failed loads) and its DOM holds the plots; a screenshot is
// taken. A control page with a deliberate script error proves the console check can fail. Skips,
// with a message, when chromium or gnuplot is absent.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "reports/gnuplot.h"
#include "reports/html.h"
#include "reports/test_results.h"

namespace tbfault::reports {
namespace {

// TBFAULT_CHROMIUM overrides the search (set it empty to check that the test skips).
std::string FindChromium() {
  if (const char* env = std::getenv("TBFAULT_CHROMIUM")) return access(env, X_OK) == 0 ? env : "";
  for (const char* p :
       {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
    if (access(p, X_OK) == 0) return p;
  }
  return "";
}

struct Load {
  std::string dom;
  std::string console;  // the log lines Chromium writes for console messages.
  int status = -1;
};

class ChromiumTest : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = FindChromium();
    if (chromium_.empty()) GTEST_SKIP() << "chromium absent: headless HTML check skipped";
    if (!GnuplotAvailable()) GTEST_SKIP() << "gnuplot absent: headless HTML check skipped";
    dir_ =
        std::filesystem::temp_directory_path() / ("html_chromium_test." + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Loads `path` headless; `extra` is e.g. "--dump-dom" or "--screenshot=FILE".
  Load Open(const std::string& path, const std::string& extra) {
    std::string out = (dir_ / "stdout").string(), err = (dir_ / "stderr").string();
    std::string cmd = "timeout 120 " + chromium_ +
                      " --headless --no-sandbox --disable-gpu --disable-background-networking"
                      " --no-first-run --user-data-dir=" +
                      (dir_ / "profile").string() +
                      " --enable-logging=stderr --v=0 --window-size=1200,1800 " + extra +
                      " file://" + path + " >" + out + " 2>" + err;
    Load load;
    load.status = system(cmd.c_str());
    EXPECT_TRUE(ReadFile(out, &load.dom).ok());
    std::string log;
    EXPECT_TRUE(ReadFile(err, &log).ok());
    for (size_t at = 0; at < log.size();) {
      size_t end = log.find('\n', at);
      if (end == std::string::npos) end = log.size();
      std::string line = log.substr(at, end - at);
      if (line.find(":CONSOLE") != std::string::npos ||
          line.find("Uncaught") != std::string::npos) {
        load.console += line + "\n";
      }
      at = end + 1;
    }
    return load;
  }

  std::string chromium_;
  std::filesystem::path dir_;
};

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST_F(ChromiumTest, ConsoleCheckCatchesAScriptError) {
  std::string path = (dir_ / "control.html").string();
  ASSERT_TRUE(WriteFile(path,
                        "<!DOCTYPE html><html><body><p>control</p>"
                        "<script>notDefinedAnywhere();</script></body></html>")
                  .ok());
  Load load = Open(path, "--dump-dom");
  EXPECT_EQ(load.status, 0);
  EXPECT_NE(load.dom.find("control"), std::string::npos);
  EXPECT_NE(load.console.find("Uncaught ReferenceError: notDefinedAnywhere"), std::string::npos)
      << "the console check would miss errors; log lines:\n"
      << load.console;
}

TEST_F(ChromiumTest, ReportLoadsCleanlyWithItsPlots) {
  Results r = testing::SampleResults();
  r.benchmark = testing::SampleBenchmark(100, 50, 0.01, 1, 1);
  std::string path = (dir_ / "report.html").string();
  ASSERT_TRUE(WriteFile(path, HtmlReport(r)).ok());

  Load load = Open(path, "--dump-dom");
  ASSERT_EQ(load.status, 0);
  EXPECT_EQ(load.console, "") << "console messages while loading the report";
  EXPECT_NE(load.dom.find("<title>tbfault report</title>"), std::string::npos);
  EXPECT_EQ(Count(load.dom, "<svg"), 7u);    // the parser built every plot as SVG elements,
  EXPECT_GE(Count(load.dom, "<path"), 10u);  // with their drawn lines.

  // A screenshot for people to look at (TBFAULT_SCREENSHOT=FILE keeps it).
  const char* keep = std::getenv("TBFAULT_SCREENSHOT");
  std::string png = keep ? keep : (dir_ / "report.png").string();
  load = Open(path, "--screenshot=" + png);
  EXPECT_EQ(load.status, 0);
  EXPECT_EQ(load.console, "");
  ASSERT_TRUE(std::filesystem::exists(png));
  EXPECT_GT(std::filesystem::file_size(png), 20000u);  // a rendered page, not a blank one.
}

}  // namespace
}  // namespace tbfault::reports
