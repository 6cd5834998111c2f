#include "writers/scalar_encoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "format/events.h"

namespace tbfault::writers {
namespace {

TEST(ScalarEncoder, ByteIdenticalToProtobufBuilders) {
  std::string long_tag(200, 'x');  // a two-byte length varint.
  // Tags of every length mod 8 exercise each tail of the inline CRC (8/4/2/1-byte steps).
  std::vector<std::string> tags = {"loss", "a/b/c", long_tag};
  for (int n = 1; n <= 9; ++n) tags.push_back(std::string(n, 't'));
  for (const std::string& tag : tags) {
    for (bool first : {true, false}) {
      ScalarTemplate t(tag, first);
      for (int64_t step :
           {int64_t{0}, int64_t{1}, int64_t{77}, int64_t{-5}, int64_t{1} << 40,
            std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
        for (double wall : {0.0, -0.0, 1.5, 1.7e9 + 0.123456, std::nan(""),
                            std::numeric_limits<double>::infinity()}) {
          for (float value : {0.0f, -0.0f, 0.99f, -3.5e10f, std::nanf(""),
                              -std::numeric_limits<float>::infinity()}) {
            std::string want;
            format::AppendEventRecord(&want, format::ScalarEvent(wall, step, tag, value, first));
            std::string got(t.max_frame_size(), '\0');
            got.resize(t.Encode(got.data(), wall, step, value));
            ASSERT_EQ(got, want) << tag << " first=" << first << " step=" << step
                                 << " wall=" << wall << " value=" << value;
            std::string portable(t.max_frame_size(), '\0');
            portable.resize(t.EncodePortable(portable.data(), wall, step, value));
            ASSERT_EQ(portable, want) << "portable CRC, " << tag << " step=" << step;
          }
        }
      }
    }
  }
}

TEST(ScalarEncoder, OnlyTheFirstValueCarriesMetadata) {
  ScalarTemplate first("loss", true), later("loss", false);
  std::string a(first.max_frame_size(), '\0'), b(later.max_frame_size(), '\0');
  a.resize(first.Encode(a.data(), 1, 1, 1));
  b.resize(later.Encode(b.data(), 1, 1, 1));
  EXPECT_NE(a.find("scalars"), std::string::npos);
  EXPECT_EQ(b.find("scalars"), std::string::npos);
}

}  // namespace
}  // namespace tbfault::writers
