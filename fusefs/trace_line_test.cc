// ParseTraceLine on lines as faultfs writes them (the real mount's lines: crash_point_test.cc).
#include "fusefs/trace_line.h"

#include <gtest/gtest.h>

namespace faultfs {
namespace {

TEST(TraceLine, ReadsEveryFieldOfAPlainLine) {
  TraceLine t;
  ASSERT_TRUE(ParseTraceLine("12 write /run/events.out.tfevents.1.h.2.0 bytes=2164 result=2164", &t));
  EXPECT_EQ(t.seq, 12u);
  EXPECT_EQ(t.op, kWrite);
  EXPECT_EQ(t.path, "/run/events.out.tfevents.1.h.2.0");
  EXPECT_EQ(t.bytes, 2164u);
  EXPECT_EQ(t.result, 2164);
  EXPECT_FALSE(t.fault);
  EXPECT_FALSE(t.crash);
  EXPECT_NE(kWritePathOps & t.op, 0u);
}

TEST(TraceLine, AFaultACrashAnErrorAndAPathWithSpaces) {
  TraceLine t;
  ASSERT_TRUE(ParseTraceLine(
      "5 fsync /a dir/f bytes=0 result=-5 fault=rule2:errno=5:deferred crash=power-cut:torn@5", &t));
  EXPECT_EQ(t.op, kFsync);
  EXPECT_EQ(t.path, "/a dir/f");
  EXPECT_EQ(t.result, -5);
  EXPECT_TRUE(t.fault);
  EXPECT_TRUE(t.crash);
  ASSERT_TRUE(ParseTraceLine("7 open /f bytes=0 result=0", &t));
  EXPECT_EQ(kWritePathOps & t.op, 0u);
}

TEST(TraceLine, AnythingElseIsNotATraceLine) {
  TraceLine t;
  for (const char* bad : {"", "12", "12 write /f", "12 write /f bytes=x result=1",
                          "12 write /f bytes=1 result=", "x write /f bytes=1 result=1",
                          "12 meteor /f bytes=1 result=1", "12 * /f bytes=1 result=1",
                          "12 write /f result=1 bytes=1"}) {
    EXPECT_FALSE(ParseTraceLine(bad, &t)) << bad;
  }
}

}  // namespace
}  // namespace faultfs
