#include "harness/cli/output_paths.h"

#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/statfs.h>

#include <filesystem>
#include <fstream>

#include "harness/core/test_logdir.h"

namespace tbfault::cli {
namespace {

namespace fs = std::filesystem;

class OutputPathsTest : public ::testing::Test {
 protected:
  core::testing::TempLogdir tmp_;
  fs::path dir_ = tmp_.path();
};

TEST_F(OutputPathsTest, NewDirectoryIsCreatedWithTheMarker) {
  fs::path out = dir_ / "a" / "b";
  ASSERT_TRUE(PrepareOutDir(out.string()).ok());
  EXPECT_TRUE(fs::is_directory(out));
  EXPECT_TRUE(fs::exists(out / kOutDirMarker));
}

TEST_F(OutputPathsTest, ADirectoryTbfaultWroteIsEmptiedNeverMixed) {
  fs::path out = dir_ / "out";
  ASSERT_TRUE(PrepareOutDir(out.string()).ok());
  fs::create_directories(out / "old-scenario" / "logdir");
  std::ofstream(out / "results.json") << "{}";
  std::ofstream(out / "old-scenario" / "logdir" / "f") << "x";
  ASSERT_TRUE(PrepareOutDir(out.string()).ok());
  EXPECT_FALSE(fs::exists(out / "results.json"));
  EXPECT_FALSE(fs::exists(out / "old-scenario"));
  EXPECT_TRUE(fs::exists(out / kOutDirMarker));
  EXPECT_EQ(std::distance(fs::directory_iterator(out), fs::directory_iterator()), 1);
}

TEST_F(OutputPathsTest, AnyOtherNonEmptyDirectoryOrAFileIsRefusedAndLeftAlone) {
  fs::path mine = dir_ / "mine";
  fs::create_directories(mine);
  std::ofstream(mine / "thesis.tex") << "x";
  Status s = PrepareOutDir(mine.string());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("not an output directory of tbfault"), std::string::npos)
      << s.ToString();
  EXPECT_TRUE(fs::exists(mine / "thesis.tex"));
  EXPECT_FALSE(fs::exists(mine / kOutDirMarker));

  std::ofstream(dir_ / "file") << "x";
  s = PrepareOutDir((dir_ / "file").string());
  EXPECT_NE(s.ToString().find("not a directory"), std::string::npos) << s.ToString();
  s = PrepareOutDir((dir_ / "file" / "sub").string());
  EXPECT_FALSE(s.ok());

  fs::create_directories(dir_ / "empty");
  EXPECT_TRUE(PrepareOutDir((dir_ / "empty").string()).ok());
}

TEST_F(OutputPathsTest, OutputFileNeedsAnExistingDirectoryAndIsNotOne) {
  EXPECT_TRUE(CheckOutputFile((dir_ / "r.json").string()).ok());
  EXPECT_TRUE(CheckOutputFile("relative.json").ok());  // the working directory.
  Status s = CheckOutputFile((dir_ / "missing" / "r.json").string());
  EXPECT_EQ(s.error_number(), ENOENT) << s.ToString();
  std::ofstream(dir_ / "file") << "x";
  EXPECT_EQ(CheckOutputFile((dir_ / "file" / "r.json").string()).error_number(), ENOTDIR);
  s = CheckOutputFile(dir_.string());
  EXPECT_NE(s.ToString().find("is a directory"), std::string::npos) << s.ToString();
}

TEST_F(OutputPathsTest, TmpfsMustExistAndBeATmpfs) {
  Status s = CheckTmpfsDir("/nonexistent");
  EXPECT_EQ(s.error_number(), ENOENT);
  EXPECT_FALSE(fs::exists("/nonexistent"));
  struct statfs here {};
  ASSERT_EQ(statfs(dir_.c_str(), &here), 0);
  if (here.f_type != TMPFS_MAGIC) {
    s = CheckTmpfsDir(dir_.string());
    EXPECT_NE(s.ToString().find("not a tmpfs"), std::string::npos) << s.ToString();
  }
  struct statfs shm {};
  if (statfs("/dev/shm", &shm) == 0 && shm.f_type == TMPFS_MAGIC) {
    EXPECT_TRUE(CheckTmpfsDir("/dev/shm").ok());
  }
}

}  // namespace
}  // namespace tbfault::cli
