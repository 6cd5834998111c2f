#include "writers/policy.h"

#include <gtest/gtest.h>

namespace tbfault::writers {
namespace {

TEST(Policy, EveryNameParses) {
  for (const char* const* n = PolicyNames(); *n != nullptr; ++n) {
    Policy p;
    EXPECT_TRUE(ParsePolicy(*n, &p).ok()) << *n;
    Policy back;
    ASSERT_TRUE(ParsePolicy(PolicySpec(p), &back).ok()) << PolicySpec(p);
    EXPECT_EQ(PolicySpec(back), PolicySpec(p));
  }
}

TEST(Policy, OptionsAndDurable) {
  Policy p;
  ASSERT_TRUE(
      ParsePolicy("async:queue=16,overflow=drop-oldest,max_block_ms=5,ms=20+durable", &p).ok());
  EXPECT_EQ(p.kind, Policy::Kind::kAsync);
  EXPECT_EQ(p.queue, 16u);
  EXPECT_EQ(p.overflow, Policy::Overflow::kDropOldest);
  EXPECT_EQ(p.max_block_ms, 5u);
  EXPECT_EQ(p.flush_ms, 20u);
  EXPECT_TRUE(p.durable);
  ASSERT_TRUE(ParsePolicy("buffered:bytes=100,events=3", &p).ok());
  EXPECT_EQ(p.flush_bytes, 100u);
  EXPECT_EQ(p.flush_events, 3u);
  EXPECT_FALSE(p.durable);
}

TEST(Policy, PresetsFollowTheWritersTheyImitate) {
  Policy p;
  ASSERT_TRUE(ParsePolicy("tf2-like", &p).ok());
  EXPECT_EQ(p.kind, Policy::Kind::kBuffered);
  EXPECT_EQ(p.flush_events, 10u);
  EXPECT_EQ(p.flush_ms, 120000u);
  ASSERT_TRUE(ParsePolicy("tensorboardx-like", &p).ok());
  EXPECT_EQ(p.kind, Policy::Kind::kAsync);
  EXPECT_EQ(p.queue, 10u);
  EXPECT_TRUE(p.durable);
  EXPECT_EQ(p.write_bytes, 8192u);  // a Python file object's buffer.
  ASSERT_TRUE(ParsePolicy("pytorch-like", &p).ok());
  EXPECT_FALSE(p.durable);
  EXPECT_EQ(p.write_bytes, 8192u);
  ASSERT_TRUE(ParsePolicy("buffered:write=4096", &p).ok());
  EXPECT_EQ(p.write_bytes, 4096u);
  Policy back;
  ASSERT_TRUE(ParsePolicy(PolicySpec(p), &back).ok());
  EXPECT_EQ(back.write_bytes, 4096u);
}

TEST(Policy, BadSpecsNameTheProblem) {
  Policy p;
  Status s = ParsePolicy("fast", &p);
  EXPECT_NE(s.message().find("unknown policy 'fast'"), std::string::npos) << s.message();
  s = ParsePolicy("async:queue", &p);
  EXPECT_NE(s.message().find("not key=value"), std::string::npos) << s.message();
  s = ParsePolicy("async:queue=-1", &p);
  EXPECT_NE(s.message().find("not a non-negative integer"), std::string::npos) << s.message();
  s = ParsePolicy("async:overflow=explode", &p);
  EXPECT_NE(s.message().find("overflow must be"), std::string::npos) << s.message();
  s = ParsePolicy("async:queue=", &p);
  EXPECT_NE(s.message().find("not a non-negative integer"), std::string::npos) << s.message();
  s = ParsePolicy("buffered:colour=red", &p);
  EXPECT_NE(s.message().find("colour"), std::string::npos) << s.message();
}

TEST(Policy, NumbersOutsideTheirRangesAreErrorsNamingTheRange) {
  Policy p;
  // Each was accepted: queue=2147483648 made the writer allocate 128 GiB and abort (bad_alloc).
  const std::pair<const char*, const char*> bad[] = {
      {"async:queue=2147483648", "option queue: '2147483648' is out of range [1, 4194304]"},
      {"async:queue=99999999999", "out of range [1, 4194304]"},
      {"async:queue=0", "out of range [1, 4194304]"},
      {"async:queue=99999999999999999999999", "out of range"},  // beyond uint64
      {"buffered:bytes=1099511627776", "option bytes: '1099511627776' is out of range"},
      {"buffered:write=1099511627776", "option write"},
      {"buffered:events=1099511627776", "option events"},
      {"periodic:ms=18446744073709551615", "option ms"},
      {"async:max_block_ms=86400001", "option max_block_ms"},
      {"async:max_pending=17179869184", "option max_pending"},
  };
  for (const auto& [spec, want] : bad) {
    Status s = ParsePolicy(spec, &p);
    EXPECT_FALSE(s.ok()) << spec;
    EXPECT_NE(s.message().find(want), std::string::npos) << spec << ": " << s.message();
    EXPECT_NE(s.message().find(spec), std::string::npos) << s.message();
  }
  // The bounds themselves are fine.
  ASSERT_TRUE(
      ParsePolicy("async:queue=4194304,max_block_ms=86400000,max_pending=4294967296", &p).ok());
  EXPECT_EQ(p.queue, 4194304u);
  EXPECT_EQ(p.max_pending, 4294967296u);
  ASSERT_TRUE(ParsePolicy("buffered:bytes=1073741824,events=0", &p).ok());
  EXPECT_EQ(p.flush_bytes, 1073741824u);
}

}  // namespace
}  // namespace tbfault::writers
