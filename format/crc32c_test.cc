#include "format/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace tbfault::crc32c {
namespace {

using Fn = uint32_t (*)(uint32_t, const char*, size_t);

class Crc32cTest : public ::testing::TestWithParam<Fn> {
 protected:
  uint32_t Crc(std::string_view s) { return GetParam()(0, s.data(), s.size()); }
  void SetUp() override {
    if (GetParam() == &ExtendHardware && !HardwareAvailable()) GTEST_SKIP() << "no SSE4.2";
  }
};

TEST_P(Crc32cTest, DesignVectors) {
  EXPECT_EQ(Crc(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(Mask(Crc(std::string(8, '\0'))), 0x07980329u);
  EXPECT_EQ(Mask(Crc(std::string("\x1a\x11"
                                 "CRC test, one two",
                                 19))),
            0x5794d08au);
}

TEST_P(Crc32cTest, RfcVectors) {  // RFC 3720 B.4.
  EXPECT_EQ(Crc(std::string(32, '\xff')), 0x62a8ab43u);
  std::string inc, dec;
  for (int i = 0; i < 32; ++i) inc += static_cast<char>(i), dec += static_cast<char>(31 - i);
  EXPECT_EQ(Crc(inc), 0x46dd794eu);
  EXPECT_EQ(Crc(dec), 0x113fdb5cu);
  EXPECT_EQ(Crc("123456789"), 0xe3069283u);
}

TEST_P(Crc32cTest, ExtendEqualsWholeAtEverySplitAndAlignment) {
  std::mt19937 rng(7);
  std::string buf(300, '\0');
  for (auto& c : buf) c = static_cast<char>(rng());
  for (size_t offset = 0; offset < 9; ++offset) {
    std::string_view s(buf.data() + offset, 200);
    uint32_t whole = Crc(s);
    EXPECT_EQ(whole, ExtendPortable(0, s.data(), s.size()));
    for (size_t split = 0; split <= s.size(); split += 13) {
      uint32_t a = GetParam()(0, s.data(), split);
      EXPECT_EQ(GetParam()(a, s.data() + split, s.size() - split), whole);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, Crc32cTest, ::testing::Values(&ExtendPortable, &ExtendHardware),
                         [](const auto& info) {
                           return info.param == &ExtendPortable ? "Portable" : "Hardware";
                         });

TEST(Crc32cMask, UnmaskInvertsMaskAndMaskChangesValue) {
  for (uint32_t c : {0u, 1u, 0xffffffffu, 0x8a9136aau}) {
    EXPECT_EQ(Unmask(Mask(c)), c);
    EXPECT_NE(Mask(c), c);
  }
}

}  // namespace
}  // namespace tbfault::crc32c
