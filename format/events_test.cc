#include "format/events.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "format/record.h"

namespace tbfault::format {
namespace {

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}

double WallFromBits(uint64_t bits) { return std::bit_cast<double>(bits); }

TEST(Events, FileVersionRecordMatchesDesignVector) {
  std::string rec;
  AppendEventRecord(&rec, FileVersionEvent(WallFromBits(0x41d7d69938800000ull)));
  std::string data =
      Bytes({0x09, 0x00, 0x00, 0x80, 0x38, 0x99, 0xd6, 0xd7, 0x41, 0x1a, 0x0d}) + "brain.Event:2";
  ASSERT_EQ(rec.size(), 24 + record::kFrameOverhead);
  EXPECT_EQ(record::DecodeFixed64(rec.data()), 24u);
  EXPECT_EQ(record::DecodeFixed32(rec.data() + 8), 0x224b7fa3u);
  EXPECT_EQ(rec.substr(12, 24), data);
  EXPECT_EQ(record::DecodeFixed32(rec.data() + 36), 0xab364b12u);
}

TEST(Events, ScalarRecordMatchesDesignVector) {
  std::string rec;
  AppendEventRecord(&rec, ScalarEvent(WallFromBits(0x41d7d6993db705c4ull), 77, "accuracy", 0.99f,
                                      /*first_of_tag=*/true));
  std::string data = Bytes({0x09, 0xc4, 0x05, 0xb7, 0x3d, 0x99, 0xd6, 0xd7, 0x41, 0x10, 0x4d, 0x2a,
                            0x25, 0x0a, 0x23, 0x0a, 0x08}) +
                     "accuracy" +
                     Bytes({0x42, 0x0a, 0x08, 0x01, 0x12, 0x00, 0x22, 0x04, 0xa4, 0x70, 0x7d, 0x3f,
                            0x4a, 0x0b, 0x0a, 0x09, 0x0a, 0x07}) +
                     "scalars";
  ASSERT_EQ(data.size(), 50u);
  ASSERT_EQ(rec.size(), 50 + record::kFrameOverhead);
  EXPECT_EQ(record::DecodeFixed32(rec.data() + 8), 0xec561924u);
  EXPECT_EQ(rec.substr(12, 50), data);
  EXPECT_EQ(record::DecodeFixed32(rec.data() + 62), 0x33645ba5u);
}

tensorboard::Event RoundTrip(const tensorboard::Event& e) {
  std::string rec;
  AppendEventRecord(&rec, e);
  tensorboard::Event back;
  EXPECT_TRUE(back.ParseFromArray(rec.data() + record::kHeaderSize,
                                  static_cast<int>(rec.size() - record::kFrameOverhead)));
  return back;
}

TEST(Events, ScalarMetadataOnlyOnFirstValue) {
  auto first = RoundTrip(ScalarEvent(1.5, 3, "loss", 2.25f, true));
  auto later = RoundTrip(ScalarEvent(1.5, 4, "loss", 2.0f, false));
  ASSERT_EQ(first.summary().value_size(), 1);
  EXPECT_EQ(first.summary().value(0).metadata().plugin_data().plugin_name(), "scalars");
  EXPECT_FALSE(later.summary().value(0).has_metadata());
  const auto& t = first.summary().value(0).tensor();
  EXPECT_EQ(t.dtype(), tensorboard::DT_FLOAT);
  EXPECT_EQ(t.tensor_shape().dim_size(), 0);
  float v;
  ASSERT_EQ(t.tensor_content().size(), 4u);
  std::memcpy(&v, t.tensor_content().data(), 4);
  EXPECT_EQ(v, 2.25f);
  EXPECT_EQ(first.step(), 3);
  EXPECT_EQ(first.wall_time(), 1.5);
}

TEST(Events, LegacyScalar) {
  auto e = RoundTrip(LegacyScalarEvent(2, 9, "lr", 0.1f));
  EXPECT_EQ(e.summary().value(0).simple_value(), 0.1f);
  EXPECT_FALSE(e.summary().value(0).has_metadata());
}

TEST(Events, HistogramIsKBy3DoubleTensor) {
  std::vector<double> values(1000);
  std::iota(values.begin(), values.end(), 0.0);
  auto e = RoundTrip(HistogramEvent(1, 5, "w", values, true));
  const auto& v = e.summary().value(0);
  EXPECT_EQ(v.metadata().plugin_data().plugin_name(), "histograms");
  const auto& t = v.tensor();
  EXPECT_EQ(t.dtype(), tensorboard::DT_DOUBLE);
  ASSERT_EQ(t.tensor_shape().dim_size(), 2);
  EXPECT_EQ(t.tensor_shape().dim(0).size(), 30);
  EXPECT_EQ(t.tensor_shape().dim(1).size(), 3);
  ASSERT_EQ(t.tensor_content().size(), 30 * 3 * sizeof(double));
  std::vector<HistogramBucket> b(30);
  std::memcpy(b.data(), t.tensor_content().data(), t.tensor_content().size());
  double total = 0;
  for (const auto& x : b) total += x.count;
  EXPECT_EQ(total, 1000);
  EXPECT_EQ(b.front().left, 0);
  EXPECT_EQ(b.back().right, 999);
}

TEST(Events, BucketValuesEdgeCases) {
  std::vector<HistogramBucket> b(4);
  BucketValues({}, 4, b);
  for (const auto& x : b) EXPECT_EQ(x.count, 0);
  std::vector<double> same = {2.5, 2.5, 2.5};
  BucketValues(same, 4, b);
  EXPECT_EQ(b[0].count, 3);
  EXPECT_EQ(b[0].left, 2.5);
  EXPECT_EQ(b[3].right, 2.5);
  std::vector<double> two = {0, 4};
  BucketValues(two, 4, b);
  EXPECT_EQ(b[0].count, 1);
  EXPECT_EQ(b[3].count, 1);  // The maximum lands in the last, closed bucket.
  EXPECT_EQ(b[1].left, 1);
}

TEST(Events, LegacyHistogramCountsEveryValue) {
  std::vector<double> values = {-3, -0.5, 0, 0, 1e-13, 7, 1e30};
  auto e = RoundTrip(LegacyHistogramEvent(1, 1, "h", values));
  const auto& h = e.summary().value(0).histo();
  EXPECT_EQ(h.num(), 7);
  EXPECT_EQ(h.min(), -3);
  EXPECT_EQ(h.max(), 1e30);
  EXPECT_EQ(std::accumulate(h.bucket().begin(), h.bucket().end(), 0.0), 7);
  ASSERT_EQ(h.bucket_limit_size(), h.bucket_size());
  for (int i = 1; i < h.bucket_limit_size(); ++i)
    EXPECT_LT(h.bucket_limit(i - 1), h.bucket_limit(i));
}

TEST(Events, TextIsStringTensor) {
  auto e = RoundTrip(TextEvent(1, 2, "notes", "hello **world**", true));
  const auto& v = e.summary().value(0);
  EXPECT_EQ(v.metadata().plugin_data().plugin_name(), "text");
  EXPECT_EQ(v.tensor().dtype(), tensorboard::DT_STRING);
  ASSERT_EQ(v.tensor().string_val_size(), 1);
  EXPECT_EQ(v.tensor().string_val(0), "hello **world**");
}

TEST(Events, ImageIsWidthHeightPng) {
  std::vector<uint8_t> px(4 * 6 * 3);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>(i * 7);
  tensorboard::Event e;
  ASSERT_TRUE(ImageEvent(1, 2, "img", px, /*height=*/4, /*width=*/6, 3, true, &e).ok());
  e = RoundTrip(e);
  const auto& v = e.summary().value(0);
  EXPECT_EQ(v.metadata().plugin_data().plugin_name(), "images");
  ASSERT_EQ(v.tensor().string_val_size(), 3);
  EXPECT_EQ(v.tensor().string_val(0), "6");
  EXPECT_EQ(v.tensor().string_val(1), "4");
  EXPECT_EQ(v.tensor().string_val(2).substr(0, 8), "\x89PNG\r\n\x1a\n");
  EXPECT_EQ(v.tensor().tensor_shape().dim(0).size(), 3);
}

TEST(Events, ImageRejectsBadShape) {
  std::vector<uint8_t> px(10);
  tensorboard::Event e;
  Status s = ImageEvent(1, 2, "img", px, 2, 2, 3, true, &e);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("size"), std::string::npos);
}

TEST(Events, SessionLog) {
  auto e = RoundTrip(SessionLogEvent(1, 40, tensorboard::SessionLog::START, "restart"));
  EXPECT_EQ(e.session_log().status(), tensorboard::SessionLog::START);
  EXPECT_EQ(e.step(), 40);
  EXPECT_EQ(e.session_log().msg(), "restart");
}

}  // namespace
}  // namespace tbfault::format
