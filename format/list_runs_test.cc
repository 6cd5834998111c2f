#include "format/list_runs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace tbfault::format {
namespace {

namespace fs = std::filesystem;

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tbfault-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Touch(const fs::path& p) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "";
  }
  fs::path dir_;
};

using ListRunsTest = TempDir;

TEST_F(ListRunsTest, RunsAreDirectoriesHoldingEventFilesInNameOrder) {
  Touch(dir_ / "events.out.tfevents.2.h.1.0");
  Touch(dir_ / "events.out.tfevents.1.h.1.0");
  Touch(dir_ / "notes.txt");
  Touch(dir_ / "train" / "events.out.tfevents.5.h.2.0");
  Touch(dir_ / "eval" / "sub" / "x.tfevents.y");
  Touch(dir_ / "empty" / "README");
  std::vector<RunFiles> runs;
  ASSERT_TRUE(ListRuns(dir_.string(), &runs).ok());
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].run, ".");
  ASSERT_EQ(runs[0].files.size(), 2u);
  EXPECT_EQ(fs::path(runs[0].files[0]).filename(), "events.out.tfevents.1.h.1.0");
  EXPECT_EQ(runs[1].run, "eval/sub");
  EXPECT_EQ(runs[2].run, "train");
}

TEST_F(ListRunsTest, SingleFileAndMissingPath) {
  Touch(dir_ / "events.out.tfevents.1.h.1.0");
  std::vector<RunFiles> runs;
  ASSERT_TRUE(ListRuns((dir_ / "events.out.tfevents.1.h.1.0").string(), &runs).ok());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].files.size(), 1u);
  Status s = ListRuns((dir_ / "nope").string(), &runs);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.error_number(), ENOENT);
  EXPECT_NE(s.ToString().find("nope"), std::string::npos);
}

// The symlink tree of harness/conformance/rules_probes.py's `symlinks` logdir (FINDINGS.md L1):
// both TensorBoard loaders show the linked run, the linked tree's run and the linked file.
TEST_F(ListRunsTest, FollowsLinksToRunsTreesAndFiles) {
  fs::path lg = dir_ / "logdir", ext = dir_ / "elsewhere";
  Touch(lg / "real" / "events.out.tfevents.1.h.1.0");
  Touch(ext / "runA" / "events.out.tfevents.2.h.1.0");
  Touch(ext / "tree" / "runB" / "events.out.tfevents.3.h.1.0");
  Touch(ext / "files" / "events.out.tfevents.4.h.1.0");
  fs::create_directory_symlink(ext / "runA", lg / "linked_run");
  fs::create_directory_symlink(ext / "tree", lg / "linked_tree");
  fs::create_directories(lg / "filelink");
  fs::create_symlink(ext / "files" / "events.out.tfevents.4.h.1.0",
                     lg / "filelink" / "events.out.tfevents.4.h.1.0");
  fs::create_symlink("/nonexistent-tbfault", lg / "dangling");
  std::vector<RunFiles> runs;
  std::vector<std::string> cycles;
  ASSERT_TRUE(ListRuns(lg.string(), &runs, &cycles).ok());
  std::vector<std::string> names;
  for (const RunFiles& r : runs) names.push_back(r.run);
  EXPECT_EQ(names,
            (std::vector<std::string>{"filelink", "linked_run", "linked_tree/runB", "real"}));
  // The run is named by the path through the link, and its files are reachable from here.
  EXPECT_EQ(runs[2].files[0],
            (lg / "linked_tree" / "runB" / "events.out.tfevents.3.h.1.0").string());
  EXPECT_TRUE(fs::exists(runs[0].files[0]));
  EXPECT_TRUE(cycles.empty());
}

TEST_F(ListRunsTest, ACycleIsEnteredOnceAndReported) {
  Touch(dir_ / "real" / "events.out.tfevents.1.h.1.0");
  fs::create_directory_symlink("..", dir_ / "real" / "loop");   // back to the logdir
  fs::create_directory_symlink(".", dir_ / "real" / "self");    // to itself
  fs::create_directory_symlink(dir_ / "real", dir_ / "again");  // not a cycle: a second name
  std::vector<RunFiles> runs;
  std::vector<std::string> cycles;
  ASSERT_TRUE(ListRuns(dir_.string(), &runs, &cycles).ok());
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].run, "again");  // rustboard shows a run twice under two names, as here
  EXPECT_EQ(runs[1].run, "real");
  EXPECT_EQ(cycles,
            (std::vector<std::string>{"again/loop", "again/self", "real/loop", "real/self"}));
}

TEST_F(ListRunsTest, AnUnreadableLinkedDirectoryIsAnError) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads any directory";
  Touch(dir_ / "ext" / "run" / "events.out.tfevents.1.h.1.0");
  fs::create_directories(dir_ / "lg");
  fs::create_directory_symlink(dir_ / "ext" / "run", dir_ / "lg" / "linked");
  fs::permissions(dir_ / "ext" / "run", fs::perms::none);
  std::vector<RunFiles> runs;
  Status s = ListRuns((dir_ / "lg").string(), &runs);
  fs::permissions(dir_ / "ext" / "run", fs::perms::owner_all);
  EXPECT_EQ(s.error_number(), EACCES);
  EXPECT_NE(s.ToString().find("linked"), std::string::npos);
}

}  // namespace
}  // namespace tbfault::format
