#include "harness/load/profile.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace tbfault::load {
namespace {

TEST(LoadProfileTest, ShippedProfilesParse) {
  for (const char* name : {"small-fast", "llm-like", "vision", "burst"}) {
    LoadProfile p;
    Status s = LoadProfileByName(name, &p);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(p.name, name);
  }
}

TEST(LoadProfileTest, ParsesEveryKey) {
  LoadProfile p;
  Status s = ParseProfile(
      "# comment\nname = t  # trailing\ninput=4\nhidden = 8, 9\nclasses = 3\nbatch = 2\nbatches = "
      "5\n"
      "learning_rate = 1e-2\nlr_decay_steps = 10\nscalars = full\nhistogram_every = 7\nimage_every "
      "= 8\n"
      "text_every = 9\nburst_every = 11\nburst_tags = 12\n",
      "t.profile", &p);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(p.name, "t");
  EXPECT_EQ(p.input, 4);
  EXPECT_EQ(p.hidden, (std::vector<int>{8, 9}));
  EXPECT_EQ(p.classes, 3);
  EXPECT_EQ(p.batch, 2);
  EXPECT_EQ(p.batches, 5);
  EXPECT_DOUBLE_EQ(p.learning_rate, 0.01);
  EXPECT_EQ(p.lr_decay_steps, 10);
  EXPECT_EQ(p.scalars, ScalarSet::kFull);
  EXPECT_EQ(p.histogram_every, 7);
  EXPECT_EQ(p.image_every, 8);
  EXPECT_EQ(p.text_every, 9);
  EXPECT_EQ(p.burst_every, 11);
  EXPECT_EQ(p.burst_tags, 12);
  EXPECT_FLOAT_EQ(p.LearningRate(10), 0.005f);
}

std::string ErrorOf(std::string_view text) {
  LoadProfile p;
  Status s = ParseProfile(text, "dir/x.profile", &p);
  EXPECT_FALSE(s.ok());
  return s.message();
}

TEST(LoadProfileTest, ErrorsNameFileAndLine) {
  EXPECT_EQ(ErrorOf("name = a\n\nbogus = 1\n"), "dir/x.profile:3: unknown key 'bogus'");
  EXPECT_EQ(ErrorOf("name = a\nbatch = -3\n"), "dir/x.profile:2: bad value '-3' for 'batch'");
  EXPECT_EQ(ErrorOf("name = a\nhidden = 4,,5\n"), "dir/x.profile:2: bad value '4,,5' for 'hidden'");
  EXPECT_EQ(ErrorOf("name = a\nlearning_rate = fast\n"),
            "dir/x.profile:2: bad value 'fast' for 'learning_rate'");
  EXPECT_EQ(ErrorOf("name = a\njust words\n"),
            "dir/x.profile:2: expected 'key = value', got 'just words'");
  EXPECT_EQ(ErrorOf("name = a\nscalars = many\n"),
            "dir/x.profile:2: scalars must be 'basic' or 'full', got 'many'");
  EXPECT_EQ(ErrorOf("input = 3\n"), "dir/x.profile:0: missing 'name'");
  EXPECT_EQ(ErrorOf("name = a\nlearning_rate = inf\n"),
            "dir/x.profile:2: bad value 'inf' for 'learning_rate'");
}

TEST(LoadProfileTest, MissingFileNamesPath) {
  LoadProfile p;
  Status s = LoadProfileByName("/nonexistent/dir/none.profile", &p);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error_number(), ENOENT);
  EXPECT_NE(s.ToString().find("/nonexistent/dir/none.profile"), std::string::npos);
}

TEST(LoadProfileTest, ReadsFileByPathAndReportsItsLine) {
  const std::string path = ::testing::TempDir() + "/bad.profile";
  std::ofstream(path) << "name = x\nhidden = 3\nclasses = one\n";
  LoadProfile p;
  Status s = LoadProfileByName(path, &p);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), path + ":3: bad value 'one' for 'classes'");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace tbfault::load
