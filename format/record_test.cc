#include "format/record.h"

#include <gtest/gtest.h>

#include <string>

namespace tbfault::record {
namespace {

TEST(Record, FixedRoundTrip) {
  char b[8];
  EncodeFixed64(b, 0x0102030405060708ull);
  EXPECT_EQ(b[0], 0x08);
  EXPECT_EQ(DecodeFixed64(b), 0x0102030405060708ull);
  EncodeFixed32(b, 0xdeadbeefu);
  EXPECT_EQ(DecodeFixed32(b), 0xdeadbeefu);
}

TEST(Record, FrameLayout) {
  std::string out;
  AppendFrame(&out, "abc");
  ASSERT_EQ(out.size(), 3 + kFrameOverhead);
  EXPECT_EQ(DecodeFixed64(out.data()), 3u);
  EXPECT_EQ(DecodeFixed32(out.data() + 8), crc32c::MaskedValue(out.data(), 8));
  EXPECT_EQ(out.substr(12, 3), "abc");
  EXPECT_EQ(DecodeFixed32(out.data() + 15), crc32c::MaskedValue("abc"));
}

TEST(Record, EmptyRecordIsSixteenBytes) {
  std::string out;
  AppendFrame(&out, "");
  ASSERT_EQ(out.size(), kFrameOverhead);
  EXPECT_EQ(DecodeFixed32(out.data() + 8), 0x07980329u);  // masked CRC of 8 zero bytes.
}

}  // namespace
}  // namespace tbfault::record
