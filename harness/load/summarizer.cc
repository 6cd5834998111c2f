#include "harness/load/summarizer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tbfault::load {
namespace {

enum LayerTag {
  kWeightNorm,
  kGradNorm,
  kWeightMean,
  kWeightStd,
  kGradMaxAbs,
  kActMean,
  kActZeroFrac,
  kUpdateRatio,
  kHistWeights,
  kHistActivations,
  kPerLayerTags
};
const char* const kLayerTagNames[kPerLayerTags] = {
    "weight_norm", "grad_norm",     "weight_mean",  "weight_std", "grad_max_abs",
    "act_mean",    "act_zero_frac", "update_ratio", "weights",    "activations"};
constexpr size_t kTextCapacity = 256;

}  // namespace

Summarizer::Summarizer(const LoadProfile& profile, const MlpDims& dims)
    : profile_(profile), dims_(dims) {
  for (int l = 0; l < dims_.num_layers(); ++l) {
    for (int t = 0; t < kPerLayerTags; ++t) {
      layer_tags_.push_back("layer" + std::to_string(l) + "/" + kLayerTagNames[t]);
    }
  }
  const int bursts = std::min(profile_.burst_tags, dims_.num_units());
  for (int u = 0; u < bursts; ++u) burst_tags_.push_back("burst/unit" + std::to_string(u));
  text_.reserve(kTextCapacity);
}

unsigned Summarizer::FlagsFor(int64_t step) const {
  unsigned flags = 0;
  if (profile_.Due(profile_.histogram_every, step)) flags |= kWantHistograms;
  if (profile_.Due(profile_.image_every, step)) flags |= kWantImage;
  if (profile_.Due(profile_.burst_every, step) && !burst_tags_.empty()) flags |= kWantUnitNorms;
  return flags;
}

void Summarizer::Reserve(StepOutput* out) const {
  out->scalars.reserve(4 + static_cast<size_t>(dims_.num_layers()) * 8 + burst_tags_.size());
  out->histograms.reserve(dims_.num_histograms());
  out->images.reserve(1);
  out->texts.reserve(1);
}

void Summarizer::Fill(const RawStep& raw, StepOutput* out) {
  out->Clear();
  out->step = raw.step;
  const double* s = raw.stats;
  const int layers = dims_.num_layers();
  const float lr = profile_.LearningRate(raw.step);
  const double loss = s[MlpDims::GlobalIndex(kLossGroup, kSum)] / dims_.batch;
  const double accuracy = s[MlpDims::GlobalIndex(kCorrectGroup, kSum)] / dims_.batch;
  double grad_sq = 0;
  for (int l = 0; l < layers; ++l) grad_sq += s[MlpDims::StatIndex(l, kGrads, kSumSq)];
  out->scalars.push_back({"loss", static_cast<float>(loss)});
  out->scalars.push_back({"accuracy", static_cast<float>(accuracy)});
  out->scalars.push_back({"learning_rate", lr});
  out->scalars.push_back({"grad_norm", static_cast<float>(std::sqrt(grad_sq))});

  auto tag = [&](int l, int t) -> std::string_view { return layer_tags_[l * kPerLayerTags + t]; };
  for (int l = 0; l < layers; ++l) {
    auto stat = [&](int tensor, int field) { return s[MlpDims::StatIndex(l, tensor, field)]; };
    const double w_norm = std::sqrt(stat(kWeights, kSumSq));
    const double g_norm = std::sqrt(stat(kGrads, kSumSq));
    out->scalars.push_back({tag(l, kWeightNorm), static_cast<float>(w_norm)});
    out->scalars.push_back({tag(l, kGradNorm), static_cast<float>(g_norm)});
    if (profile_.scalars != ScalarSet::kFull) continue;
    const double wn = stat(kWeights, kCount), an = stat(kActivations, kCount);
    const double w_mean = stat(kWeights, kSum) / wn;
    const double w_var = std::max(0.0, stat(kWeights, kSumSq) / wn - w_mean * w_mean);
    out->scalars.push_back({tag(l, kWeightMean), static_cast<float>(w_mean)});
    out->scalars.push_back({tag(l, kWeightStd), static_cast<float>(std::sqrt(w_var))});
    out->scalars.push_back({tag(l, kGradMaxAbs), static_cast<float>(stat(kGrads, kMaxAbs))});
    out->scalars.push_back({tag(l, kActMean), static_cast<float>(stat(kActivations, kSum) / an)});
    out->scalars.push_back(
        {tag(l, kActZeroFrac), static_cast<float>(stat(kActivations, kZeros) / an)});
    out->scalars.push_back(
        {tag(l, kUpdateRatio), static_cast<float>(w_norm > 0 ? lr * g_norm / w_norm : 0.0)});
  }

  if (raw.flags & kWantHistograms) {
    for (int l = 0; l < layers; ++l) {
      const int tensors[2] = {kWeights, kActivations};
      for (int h = 0; h < 2; ++h) {
        HistogramValue v;
        v.tag = tag(l, h == 0 ? kHistWeights : kHistActivations);
        v.min = s[MlpDims::StatIndex(l, tensors[h], kMin)];
        v.max = s[MlpDims::StatIndex(l, tensors[h], kMax)];
        v.num = s[MlpDims::StatIndex(l, tensors[h], kCount)];
        v.sum = s[MlpDims::StatIndex(l, tensors[h], kSum)];
        v.sum_squares = s[MlpDims::StatIndex(l, tensors[h], kSumSq)];
        const uint32_t* counts =
            raw.histograms + static_cast<size_t>(2 * l + h) * kHistogramBuckets;
        for (int b = 0; b < kHistogramBuckets; ++b) v.counts[b] = counts[b];
        out->histograms.push_back(v);
      }
    }
  }
  if (raw.flags & kWantImage) {
    out->images.push_back(
        {"layer0/weights_image", dims_.image_height(), dims_.image_width(), 1, raw.image});
  }
  if (raw.flags & kWantUnitNorms) {
    for (size_t u = 0; u < burst_tags_.size(); ++u)
      out->scalars.push_back({burst_tags_[u], raw.unit_norms[u]});
  }
  if (profile_.Due(profile_.text_every, raw.step)) {
    char buf[kTextCapacity];
    int n = std::snprintf(buf, sizeof buf, "step %lld: loss %.4f accuracy %.4f lr %.5f",
                          static_cast<long long>(raw.step), loss, accuracy, lr);
    text_.assign(buf, static_cast<size_t>(std::clamp(n, 0, static_cast<int>(kTextCapacity) - 1)));
    out->texts.push_back({"status", text_});
  }
}

}  // namespace tbfault::load
