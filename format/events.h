// Builders for the events TensorBoard reads (DESIGN.md section 2). Modern encodings put the plugin
// metadata on a tag's FIRST value only (`first_of_tag`): readers take a series' metadata from its
// first value, and repeating it wastes bytes. The caller (a writer) knows which value is first.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "format/proto/event.pb.h"
#include "format/status.h"

namespace tbfault::format {

constexpr std::string_view kFileVersion = "brain.Event:2";
constexpr int kDefaultHistogramBuckets = 30;

double WallTimeNow();  // Seconds since the epoch, microsecond resolution.

// The first record of every event file.
tensorboard::Event FileVersionEvent(double wall_time);

// A [left, right, count] row of a modern histogram.
struct HistogramBucket {
  double left;
  double right;
  double count;
};

// Adds one value to `summary`; these are the building blocks of the *Event builders below.
void AddScalar(tensorboard::Summary* summary, std::string_view tag, float value, bool first_of_tag);
void AddLegacyScalar(tensorboard::Summary* summary, std::string_view tag, float value);
void AddHistogram(tensorboard::Summary* summary, std::string_view tag,
                  std::span<const HistogramBucket> buckets, bool first_of_tag);
void AddLegacyHistogram(tensorboard::Summary* summary, std::string_view tag,
                        std::span<const double> values);
void AddText(tensorboard::Summary* summary, std::string_view tag, std::string_view text,
             bool first_of_tag);
// `png` is an encoded PNG of `width` x `height` pixels (see png.h).
void AddImage(tensorboard::Summary* summary, std::string_view tag, int width, int height,
              std::string_view png, bool first_of_tag);

// TensorBoard's bucketing (histogram plugin, summary_v2): `bucket_count` equal-width buckets from
// min to max, the last closed; one value (or all equal) fills the first bucket; no values gives
// zeros.
void BucketValues(std::span<const double> values, int bucket_count, std::span<HistogramBucket> out);

tensorboard::Event ScalarEvent(double wall_time, int64_t step, std::string_view tag, float value,
                               bool first_of_tag);
tensorboard::Event LegacyScalarEvent(double wall_time, int64_t step, std::string_view tag,
                                     float value);
tensorboard::Event HistogramEvent(double wall_time, int64_t step, std::string_view tag,
                                  std::span<const double> values, bool first_of_tag,
                                  int bucket_count = kDefaultHistogramBuckets);
tensorboard::Event LegacyHistogramEvent(double wall_time, int64_t step, std::string_view tag,
                                        std::span<const double> values);
tensorboard::Event TextEvent(double wall_time, int64_t step, std::string_view tag,
                             std::string_view text, bool first_of_tag);
// `pixels` is height x width x channels uint8 (channels 1, 3 or 4), row-major.
Status ImageEvent(double wall_time, int64_t step, std::string_view tag,
                  std::span<const uint8_t> pixels, int height, int width, int channels,
                  bool first_of_tag, tensorboard::Event* out);
tensorboard::Event SessionLogEvent(double wall_time, int64_t step,
                                   tensorboard::SessionLog::SessionStatus status,
                                   std::string_view msg = {});

// Serialized event framed as one TFRecord (record.h), appended to `dst`.
void AppendEventRecord(std::string* dst, const tensorboard::Event& event);

}  // namespace tbfault::format
