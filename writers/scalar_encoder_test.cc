#include "writers/scalar_encoder.h"

#include <gtest/gtest.h>

#include <string>

#include "format/events.h"

namespace tbfault::writers {
namespace {

TEST(ScalarEncoder, ByteIdenticalToProtobufBuilders) {
  std::string long_tag(200, 'x');  // a two-byte length varint.
  for (const std::string& tag : {std::string("loss"), std::string("a/b/c"), long_tag}) {
    for (bool first : {true, false}) {
      ScalarTemplate t(tag, first);
      for (int64_t step : {int64_t{0}, int64_t{1}, int64_t{77}, int64_t{-5}, int64_t{1} << 40}) {
        for (double wall : {0.0, 1.5, 1.7e9 + 0.123456}) {
          for (float value : {0.0f, 0.99f, -3.5e10f}) {
            std::string want;
            format::AppendEventRecord(&want, format::ScalarEvent(wall, step, tag, value, first));
            std::string got(t.max_frame_size(), '\0');
            got.resize(t.Encode(got.data(), wall, step, value));
            ASSERT_EQ(got, want) << tag << " first=" << first << " step=" << step
                                 << " wall=" << wall << " value=" << value;
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
