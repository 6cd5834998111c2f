#include "fusefs/durability.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace faultfs {
namespace {

namespace fs = std::filesystem;

class DurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/faultfs-durability-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }
  void Write(const std::string& path, const std::string& bytes) {
    std::ofstream(root_ + path, std::ios::binary) << bytes;
  }
  std::string Read(const std::string& path) {
    std::ifstream in(root_ + path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string root_;
};

TEST_F(DurabilityTest, PlainKeepsSyncedBytesAndDurableNamesOnly) {
  Durability d(root_);
  Write("/old", "existing");
  d.Seen("/old", 8);
  Write("/old", "existing+more");  // unsynced append to a file that was there.
  Write("/f", std::string(100, 'a'));
  d.Created("/f", false);
  d.Synced("/f", 60);
  d.DirSynced("/");
  Write("/new", "never dir-synced");
  d.Created("/new", false);
  d.Synced("/new", 16);
  d.PowerCut(CutMode::kPlain, 1);
  EXPECT_EQ(Read("/old"), "existing");
  EXPECT_EQ(Read("/f"), std::string(60, 'a'));
  EXPECT_FALSE(fs::exists(root_ + "/new"));
}

TEST_F(DurabilityTest, TornKeepsARandomPrefixSameForTheSameSeed) {
  std::string data(10000, 'x');
  uint64_t sizes[2];
  for (int run = 0; run < 2; ++run) {
    Durability d(root_);
    Write("/f", data);
    d.Seen("/f", 1000);
    d.PowerCut(CutMode::kTorn, 99);
    std::string got = Read("/f");
    EXPECT_GE(got.size(), 1000u);
    EXPECT_LE(got.size(), data.size());
    EXPECT_EQ(got, data.substr(0, got.size()));
    sizes[run] = got.size();
  }
  EXPECT_EQ(sizes[0], sizes[1]);
}

TEST_F(DurabilityTest, ZeroFillKeepsTheSizeNotTheData) {
  Durability d(root_);
  Write("/f", std::string(5000, 'x'));
  d.Seen("/f", 1000);
  d.PowerCut(CutMode::kZeroFill, 1);
  std::string got = Read("/f");
  ASSERT_EQ(got.size(), 5000u);
  EXPECT_EQ(got.substr(0, 1000), std::string(1000, 'x'));
  EXPECT_EQ(got.substr(1000), std::string(4000, '\0'));
}

TEST_F(DurabilityTest, ReorderKeepsASubsetOfBlocks) {
  Durability d(root_);
  std::string data(64 * 1024, 'x');
  Write("/f", data);
  d.Seen("/f", 4096);
  d.PowerCut(CutMode::kReorder, 5);
  std::string got = Read("/f");
  EXPECT_EQ(got.substr(0, 4096), std::string(4096, 'x'));
  int kept = 0, zeroed = 0;
  for (size_t b = 4096; b < got.size(); b += 4096) {
    std::string block = got.substr(b, 4096);
    if (block == std::string(block.size(), 'x'))
      ++kept;
    else if (block == std::string(block.size(), '\0'))
      ++zeroed;
    else
      ADD_FAILURE() << "block at " << b << " is neither kept nor zeroed";
  }
  EXPECT_GT(kept, 0);
  EXPECT_GT(zeroed, 0);  // 15 blocks at 1/2 each: both happen (fixed seed).
}

TEST_F(DurabilityTest, FailedFsyncLosesTheDirtyBytesForGood) {
  Durability d(root_);
  Write("/f", std::string(300, 'x'));
  d.Seen("/f", 100);
  d.FsyncFailed("/f", 300);  // linux mode: bytes 100..300 were dropped from the page cache.
  d.Synced("/f", 300);       // a later fsync "succeeds".
  d.PowerCut(CutMode::kPlain, 1);
  std::string got = Read("/f");
  ASSERT_EQ(got.size(), 300u);
  EXPECT_EQ(got.substr(100), std::string(200, '\0'));
}

// An event file's name carries the time and the pid: two runs of one seed name it differently,
// and must cut it alike (the torn and reorder cuts were not replayable while keyed by the name).
TEST_F(DurabilityTest, TornAndReorderCutAlikeWhateverTheFilesAreCalled) {
  std::string data;
  for (int i = 0; i < 40000; ++i) data += static_cast<char>('a' + i % 26);
  for (CutMode mode : {CutMode::kTorn, CutMode::kReorder}) {
    std::string got[2];
    for (int run = 0; run < 2; ++run) {
      const std::string name = "/events.out.tfevents." + std::to_string(1000 + run) + ".host." +
                               std::to_string(4242 + run);
      Durability d(root_);
      Write(name, data);
      d.Created(name, false);
      d.Synced(name, 1000);
      d.DirSynced("/");
      d.PowerCut(mode, 14);
      got[run] = Read(name);
      fs::remove(root_ + name);
    }
    EXPECT_GT(got[0].size(), 0u);
    EXPECT_EQ(got[0], got[1]) << "mode " << static_cast<int>(mode);
  }
}

}  // namespace
}  // namespace faultfs
