// StepOutput: the summaries one training step asks to log. Everything in it is a view: tags point
// into the workload's tag table (valid for the workload's life), pixels and text into buffers the
// workload owns (valid until its next Step() or Drain()). The vectors keep their capacity across
// steps, so filling a StepOutput allocates nothing after the first steps of each kind.
//
// `step` is the training step the values BELONG TO, which is not always the step just run: a GPU
// workload in async mode hands back step s-1's values from Step(s) (see Workload::value_lag()).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "harness/load/mlp_layout.h"

namespace tbfault::load {

struct ScalarValue {
  std::string_view tag;
  float value = 0;
};

// kHistogramBuckets equal-width buckets over [min, max]: bucket i is [Left(i), Right(i)) and the
// last one includes max. When min == max every value is counted in the last bucket and all edges
// are min. Writers build the modern [k,3] [left, right, count] tensor or a legacy HistogramProto
// from this.
struct HistogramValue {
  std::string_view tag;
  double min = 0, max = 0, num = 0, sum = 0, sum_squares = 0;
  std::array<double, kHistogramBuckets> counts{};

  double Left(int i) const { return min + (max - min) * i / kHistogramBuckets; }
  double Right(int i) const { return min + (max - min) * (i + 1) / kHistogramBuckets; }
};

// Row-major height x width x channels, 8-bit.
struct ImageValue {
  std::string_view tag;
  int height = 0, width = 0, channels = 0;
  const uint8_t* pixels = nullptr;
};

struct TextValue {
  std::string_view tag;
  std::string_view text;
};

struct StepOutput {
  int64_t step = -1;  // The step the values belong to; -1 when this call produced none.
  std::vector<ScalarValue> scalars;
  std::vector<HistogramValue> histograms;
  std::vector<ImageValue> images;
  std::vector<TextValue> texts;

  bool empty() const { return step < 0; }
  size_t num_values() const {
    return scalars.size() + histograms.size() + images.size() + texts.size();
  }
  // What a no-op writer does: reads every value (scalars, histogram counts) and writes nothing.
  // The sum is for keeping, so that the reads cannot be optimised away.
  double ReadEveryValue() const {
    double sum = static_cast<double>(images.size() + texts.size());
    for (const auto& v : scalars) sum += v.value;
    for (const auto& h : histograms) sum += h.num;
    return sum;
  }
  void Clear() {
    step = -1;
    scalars.clear();
    histograms.clear();
    images.clear();
    texts.clear();
  }
};

}  // namespace tbfault::load
