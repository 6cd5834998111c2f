#include "fusefs/rules.h"

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

namespace faultfs {
namespace {

Rule R(const std::string& text) {
  Rule r;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &r)) << text;
  return r;
}

uint32_t Add(RuleEngine* e, const std::string& text) {
  uint32_t id = 0;
  std::string error;
  EXPECT_TRUE(e->Add(R(text), &id, &error)) << error;
  return id;
}

std::string AddError(const std::string& text) {
  RuleEngine e(1);
  uint32_t id;
  std::string error;
  EXPECT_FALSE(e.Add(R(text), &id, &error));
  return error;
}

TEST(Rules, ValidationNamesTheField) {
  EXPECT_NE(AddError("ops: \"scribble\" effect { error: \"EIO\" }").find("ops: unknown op"),
            std::string::npos);
  EXPECT_NE(AddError("effect { error: \"EWHAT\" }").find("effect.error"), std::string::npos);
  EXPECT_NE(AddError("ops: \"write\"").find("needs an effect"), std::string::npos);
  EXPECT_NE(AddError("effect { delay { ms: 1 } deferred: true }").find("deferred"),
            std::string::npos);
  EXPECT_NE(AddError("trigger { probability: 2 } effect { error: \"EIO\" }").find("probability"),
            std::string::npos);
}

TEST(Rules, OpsPathAndFromTheNthOp) {
  RuleEngine e(1);
  Add(&e, "ops: \"write\" path: \"/run/*\" trigger { after_ops: 3 } effect { error: \"ENOSPC\" }");
  EXPECT_FALSE(e.Decide(kFsync, "/run/x", 0).fired());
  EXPECT_FALSE(e.Decide(kWrite, "/other/x", 10).fired());
  EXPECT_FALSE(e.Decide(kWrite, "/run/x", 10).fired());
  EXPECT_FALSE(e.Decide(kWrite, "/run/x", 10).fired());
  Decision d = e.Decide(kWrite, "/run/x", 10);
  EXPECT_TRUE(d.fired());
  EXPECT_EQ(d.err, ENOSPC);
  EXPECT_TRUE(e.Decide(kWrite, "/run/x", 10).fired());  // from the Nth on.
}

TEST(Rules, GlobsLiteralPrefixesAndExactPaths) {
  RuleEngine e(1);
  Add(&e, "path: \"/exact\" effect { error: \"EIO\" }");
  Add(&e, "path: \"/logs/*/events.*\" effect { error: \"ENOSPC\" }");
  Add(&e, "path: \"*.tmp\" effect { error: \"EPERM\" }");
  EXPECT_EQ(e.Decide(kWrite, "/exact", 1).err, EIO);
  EXPECT_FALSE(e.Decide(kWrite, "/exact2", 1).fired());
  EXPECT_FALSE(e.Decide(kWrite, "/exac", 1).fired());
  EXPECT_EQ(e.Decide(kWrite, "/logs/run/events.out", 1).err, ENOSPC);
  EXPECT_FALSE(e.Decide(kWrite, "/logs/run/other", 1).fired());
  EXPECT_FALSE(e.Decide(kWrite, "/log/run/events.out", 1).fired());
  EXPECT_EQ(e.Decide(kWrite, "/a/b.tmp", 1).err, EPERM);
  EXPECT_FALSE(e.Decide(kWrite, "/a/b.tmpx", 1).fired());
  EXPECT_FALSE(e.Decide(kWrite, "tmp", 1).fired());
}

TEST(Rules, AfterBytesCountAndClear) {
  RuleEngine e(1);
  uint32_t id = Add(&e, "trigger { after_bytes: 100 count: 1 } effect { error: \"EIO\" }");
  EXPECT_FALSE(e.Decide(kWrite, "/f", 60).fired());
  EXPECT_TRUE(e.Decide(kWrite, "/f", 60).fired());   // crosses 100 bytes.
  EXPECT_FALSE(e.Decide(kWrite, "/f", 60).fired());  // count: 1.
  EXPECT_TRUE(e.Remove(id));
  EXPECT_FALSE(e.Remove(id));
  Add(&e, "effect { error: \"EIO\" }");
  e.Clear();
  EXPECT_FALSE(e.Decide(kWrite, "/f", 1).fired());
}

TEST(Rules, WindowOpensAndCloses) {
  RuleEngine e(1);
  Add(&e, "trigger { window: \"storm\" } effect { error: \"EIO\" }");
  EXPECT_FALSE(e.Decide(kWrite, "/f", 1).fired());
  e.SetWindow("storm", true);
  EXPECT_TRUE(e.Decide(kWrite, "/f", 1).fired());
  e.SetWindow("storm", false);
  EXPECT_FALSE(e.Decide(kWrite, "/f", 1).fired());
}

std::vector<bool> Draws(uint64_t seed) {
  RuleEngine e(seed);
  Add(&e, "trigger { probability: 0.3 } effect { error: \"EIO\" }");
  std::vector<bool> out;
  for (int i = 0; i < 200; ++i) out.push_back(e.Decide(kWrite, "/f", 1).fired());
  return out;
}

TEST(Rules, ProbabilityIsSeededAndRoughlyRight) {
  auto a = Draws(42), b = Draws(42), c = Draws(43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  int fired = static_cast<int>(std::count(a.begin(), a.end(), true));
  EXPECT_GT(fired, 30);
  EXPECT_LT(fired, 90);
}

TEST(Rules, ShortWriteThenTheNextWriteFails) {
  RuleEngine e(1);
  Add(&e,
      "ops: \"write\" trigger { count: 1 } effect { short_write { bytes: 10 then_errno: \"EDQUOT\" "
      "} }");
  Decision d = e.Decide(kWrite, "/f", 100);
  EXPECT_EQ(d.short_bytes, 10);
  EXPECT_EQ(d.err, 0);
  d = e.Decide(kWrite, "/f", 90);
  EXPECT_EQ(d.err, EDQUOT);
  EXPECT_FALSE(e.Decide(kWrite, "/f", 90).fired());
}

TEST(Rules, FirstMatchingRuleDecidesAndDescribeCountsHits) {
  RuleEngine e(1);
  Add(&e, "ops: \"fsync\" effect { fsync_lie: true }");
  Add(&e, "effect { delay { ms: 5 } }");
  EXPECT_TRUE(e.Decide(kFsync, "/f", 0).fsync_lie);
  EXPECT_EQ(e.Decide(kWrite, "/f", 1).delay_ms, 5u);
  std::string desc = e.Describe();
  EXPECT_NE(desc.find("rule 1 hits=1"), std::string::npos) << desc;
  EXPECT_NE(desc.find("rule 2 hits=1"), std::string::npos) << desc;
}

TEST(Rules, ErrnoNames) {
  EXPECT_EQ(ParseErrno("ENOSPC"), ENOSPC);
  EXPECT_EQ(ParseErrno("EDQUOT"), EDQUOT);
  EXPECT_EQ(ParseErrno("13"), 13);
  EXPECT_EQ(ParseErrno("nope"), 0);
}

}  // namespace
}  // namespace faultfs
