#include "format/events.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "format/png.h"
#include "format/record.h"

namespace tbfault::format {
namespace {

void SetPlugin(tensorboard::Summary::Value* v, std::string_view plugin) {
  v->mutable_metadata()->mutable_plugin_data()->set_plugin_name(std::string(plugin));
}

tensorboard::Event SummaryEvent(double wall_time, int64_t step) {
  tensorboard::Event e;
  e.set_wall_time(wall_time);
  e.set_step(step);
  e.mutable_summary();
  return e;
}

// TensorFlow's default legacy histogram bucket limits: +-1e-12 * 1.1^k up to 1e20, then DBL_MAX.
const std::vector<double>& LegacyBucketLimits() {
  static const std::vector<double> limits = [] {
    std::vector<double> pos;
    for (double v = 1e-12; v < 1e20; v *= 1.1) pos.push_back(v);
    std::vector<double> all;
    for (auto it = pos.rbegin(); it != pos.rend(); ++it) all.push_back(-*it);
    all.push_back(0.0);
    all.insert(all.end(), pos.begin(), pos.end());
    all.push_back(std::numeric_limits<double>::max());
    return all;
  }();
  return limits;
}

}  // namespace

double WallTimeNow() {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return static_cast<double>(us) / 1e6;
}

tensorboard::Event FileVersionEvent(double wall_time) {
  tensorboard::Event e;
  e.set_wall_time(wall_time);
  e.set_file_version(std::string(kFileVersion));
  return e;
}

void AddScalar(tensorboard::Summary* summary, std::string_view tag, float value,
               bool first_of_tag) {
  auto* v = summary->add_value();
  v->set_tag(std::string(tag));
  auto* t = v->mutable_tensor();
  t->set_dtype(tensorboard::DT_FLOAT);
  t->mutable_tensor_shape();  // Rank 0: present and empty, as TensorFlow writes it.
  char bytes[4];
  std::memcpy(bytes, &value, 4);
  t->set_tensor_content(bytes, 4);
  if (first_of_tag) SetPlugin(v, "scalars");
}

void AddLegacyScalar(tensorboard::Summary* summary, std::string_view tag, float value) {
  auto* v = summary->add_value();
  v->set_tag(std::string(tag));
  v->set_simple_value(value);
}

void BucketValues(std::span<const double> values, int bucket_count,
                  std::span<HistogramBucket> out) {
  for (int i = 0; i < bucket_count; ++i) out[i] = {0, 0, 0};
  if (values.empty() || bucket_count <= 0) return;
  auto [lo_it, hi_it] = std::minmax_element(values.begin(), values.end());
  double lo = *lo_it, hi = *hi_it, range = hi - lo;
  if (range == 0) {
    for (int i = 0; i < bucket_count; ++i) out[i] = {lo, hi, 0};
    out[0].count = static_cast<double>(values.size());
    return;
  }
  double width = range / bucket_count;
  for (int i = 0; i < bucket_count; ++i) {
    out[i].left = lo + width * i;
    out[i].right = i + 1 == bucket_count ? hi : lo + width * (i + 1);
  }
  for (double x : values) {
    int idx = static_cast<int>(std::floor((x - lo) / width));
    idx = std::clamp(idx, 0, bucket_count - 1);
    out[idx].count += 1;
  }
}

void AddHistogram(tensorboard::Summary* summary, std::string_view tag,
                  std::span<const HistogramBucket> buckets, bool first_of_tag) {
  auto* v = summary->add_value();
  v->set_tag(std::string(tag));
  auto* t = v->mutable_tensor();
  t->set_dtype(tensorboard::DT_DOUBLE);
  t->mutable_tensor_shape()->add_dim()->set_size(static_cast<int64_t>(buckets.size()));
  t->mutable_tensor_shape()->add_dim()->set_size(3);
  static_assert(sizeof(HistogramBucket) == 3 * sizeof(double));
  t->set_tensor_content(reinterpret_cast<const char*>(buckets.data()),
                        buckets.size() * sizeof(HistogramBucket));
  if (first_of_tag) SetPlugin(v, "histograms");
}

void AddLegacyHistogram(tensorboard::Summary* summary, std::string_view tag,
                        std::span<const double> values) {
  auto* v = summary->add_value();
  v->set_tag(std::string(tag));
  auto* h = v->mutable_histo();
  const auto& limits = LegacyBucketLimits();
  std::vector<double> counts(limits.size(), 0.0);
  double lo = std::numeric_limits<double>::max(), hi = std::numeric_limits<double>::lowest();
  double sum = 0, sum_sq = 0;
  for (double x : values) {
    size_t idx = std::upper_bound(limits.begin(), limits.end(), x) - limits.begin();
    counts[std::min(idx, limits.size() - 1)] += 1;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
    sum += x;
    sum_sq += x * x;
  }
  h->set_min(values.empty() ? 0 : lo);
  h->set_max(values.empty() ? 0 : hi);
  h->set_num(static_cast<double>(values.size()));
  h->set_sum(sum);
  h->set_sum_squares(sum_sq);
  for (size_t i = 0; i < limits.size(); ++i) {
    if (counts[i] == 0) continue;  // Empty buckets are left out, as TensorFlow does.
    h->add_bucket_limit(limits[i]);
    h->add_bucket(counts[i]);
  }
}

void AddText(tensorboard::Summary* summary, std::string_view tag, std::string_view text,
             bool first_of_tag) {
  auto* v = summary->add_value();
  v->set_tag(std::string(tag));
  auto* t = v->mutable_tensor();
  t->set_dtype(tensorboard::DT_STRING);
  t->mutable_tensor_shape();
  t->add_string_val(std::string(text));
  if (first_of_tag) SetPlugin(v, "text");
}

void AddImage(tensorboard::Summary* summary, std::string_view tag, int width, int height,
              std::string_view png, bool first_of_tag) {
  auto* v = summary->add_value();
  v->set_tag(std::string(tag));
  auto* t = v->mutable_tensor();
  t->set_dtype(tensorboard::DT_STRING);
  t->mutable_tensor_shape()->add_dim()->set_size(3);
  t->add_string_val(std::to_string(width));
  t->add_string_val(std::to_string(height));
  t->add_string_val(std::string(png));
  if (first_of_tag) {
    SetPlugin(v, "images");
    v->mutable_metadata()->set_data_class(tensorboard::DATA_CLASS_BLOB_SEQUENCE);
  }
}

tensorboard::Event ScalarEvent(double wall_time, int64_t step, std::string_view tag, float value,
                               bool first_of_tag) {
  auto e = SummaryEvent(wall_time, step);
  AddScalar(e.mutable_summary(), tag, value, first_of_tag);
  return e;
}

tensorboard::Event LegacyScalarEvent(double wall_time, int64_t step, std::string_view tag,
                                     float value) {
  auto e = SummaryEvent(wall_time, step);
  AddLegacyScalar(e.mutable_summary(), tag, value);
  return e;
}

tensorboard::Event HistogramEvent(double wall_time, int64_t step, std::string_view tag,
                                  std::span<const double> values, bool first_of_tag,
                                  int bucket_count) {
  std::vector<HistogramBucket> buckets(bucket_count);
  BucketValues(values, bucket_count, buckets);
  auto e = SummaryEvent(wall_time, step);
  AddHistogram(e.mutable_summary(), tag, buckets, first_of_tag);
  return e;
}

tensorboard::Event LegacyHistogramEvent(double wall_time, int64_t step, std::string_view tag,
                                        std::span<const double> values) {
  auto e = SummaryEvent(wall_time, step);
  AddLegacyHistogram(e.mutable_summary(), tag, values);
  return e;
}

tensorboard::Event TextEvent(double wall_time, int64_t step, std::string_view tag,
                             std::string_view text, bool first_of_tag) {
  auto e = SummaryEvent(wall_time, step);
  AddText(e.mutable_summary(), tag, text, first_of_tag);
  return e;
}

Status ImageEvent(double wall_time, int64_t step, std::string_view tag,
                  std::span<const uint8_t> pixels, int height, int width, int channels,
                  bool first_of_tag, tensorboard::Event* out) {
  std::string png;
  Status s = EncodePng(pixels, height, width, channels, &png);
  if (!s.ok()) return s;
  *out = SummaryEvent(wall_time, step);
  AddImage(out->mutable_summary(), tag, width, height, png, first_of_tag);
  return Status::Ok();
}

tensorboard::Event SessionLogEvent(double wall_time, int64_t step,
                                   tensorboard::SessionLog::SessionStatus status,
                                   std::string_view msg) {
  tensorboard::Event e;
  e.set_wall_time(wall_time);
  e.set_step(step);
  e.mutable_session_log()->set_status(status);
  if (!msg.empty()) e.mutable_session_log()->set_msg(std::string(msg));
  return e;
}

void AppendEventRecord(std::string* dst, const tensorboard::Event& event) {
  size_t n = event.ByteSizeLong();
  size_t start = dst->size();
  dst->resize(start + n + record::kFrameOverhead);
  char* out = dst->data() + start;
  event.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(out + record::kHeaderSize));
  record::FrameInPlace(out, n);
}

}  // namespace tbfault::format
