#include "harness/load/cpu_mlp.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tbfault::load {

CpuMlp::CpuMlp(const MlpDims& dims, SyntheticData data) : dims_(dims), data_(std::move(data)) {
  const int layers = dims_.num_layers(), batch = dims_.batch;
  w_ = data_.weights;
  for (int l = 0; l < layers; ++l) {
    b_.emplace_back(dims_.out(l), 0.0f);
    dw_.emplace_back(w_[l].size(), 0.0f);
    db_.emplace_back(dims_.out(l), 0.0f);
    act_.emplace_back(static_cast<size_t>(dims_.out(l)) * batch, 0.0f);
    dz_.emplace_back(static_cast<size_t>(dims_.out(l)) * batch, 0.0f);
  }
  dx_.resize(static_cast<size_t>(*std::max_element(dims_.sizes.begin(), dims_.sizes.end())) *
             batch);
  loss_.resize(batch);
  correct_.resize(batch);
  stats_.resize(dims_.num_stats());
  histograms_.resize(static_cast<size_t>(dims_.num_histograms()) * kHistogramBuckets);
  unit_norms_.resize(dims_.num_units());
  image_.resize(static_cast<size_t>(dims_.image_height()) * dims_.image_width());
}

void CpuMlp::Reduce(const float* x, size_t n, double* g) const {
  double sum = 0, sumsq = 0, mn = std::numeric_limits<double>::infinity(), mx = -mn, maxabs = 0,
         zeros = 0;
  for (size_t i = 0; i < n; ++i) {
    double v = x[i];
    sum += v;
    sumsq += v * v;
    mn = std::min(mn, v);
    mx = std::max(mx, v);
    maxabs = std::max(maxabs, std::fabs(v));
    zeros += v == 0 ? 1 : 0;
  }
  g[kSum] = sum, g[kSumSq] = sumsq, g[kMin] = mn, g[kMax] = mx, g[kMaxAbs] = maxabs,
  g[kZeros] = zeros;
  g[kCount] = static_cast<double>(n);
}

RawStep CpuMlp::Step(int64_t step, float lr, unsigned flags) {
  const int layers = dims_.num_layers(), batch = dims_.batch;
  const size_t k = static_cast<size_t>(step % static_cast<int64_t>(data_.inputs.size()));
  const std::vector<float>& x0 = data_.inputs[k];
  const std::vector<int>& labels = data_.labels[k];

  // Forward: act[l] = relu(W[l] x + b[l]) (column-major [out x batch]); the last layer stays
  // linear.
  for (int l = 0; l < layers; ++l) {
    const int in = dims_.in(l), out = dims_.out(l);
    const float* x = l == 0 ? x0.data() : act_[l - 1].data();
    const float* w = w_[l].data();
    float* z = act_[l].data();
    for (int b = 0; b < batch; ++b) {
      float* zb = z + static_cast<size_t>(b) * out;
      std::copy(b_[l].begin(), b_[l].end(), zb);
      const float* xb = x + static_cast<size_t>(b) * in;
      for (int i = 0; i < in; ++i) {
        const float xi = xb[i];
        const float* wi = w + static_cast<size_t>(i) * out;
        for (int o = 0; o < out; ++o) zb[o] += wi[o] * xi;
      }
      if (l + 1 < layers) {
        for (int o = 0; o < out; ++o) zb[o] = std::max(zb[o], 0.0f);
      }
    }
  }

  // Softmax cross-entropy; dz of the last layer = (softmax - onehot) / batch.
  const int classes = dims_.classes();
  for (int b = 0; b < batch; ++b) {
    const float* logits = act_[layers - 1].data() + static_cast<size_t>(b) * classes;
    float* d = dz_[layers - 1].data() + static_cast<size_t>(b) * classes;
    float mx = logits[0];
    int arg = 0;
    for (int c = 1; c < classes; ++c) {
      if (logits[c] > mx) mx = logits[c], arg = c;
    }
    float denom = 0;
    for (int c = 0; c < classes; ++c) denom += std::exp(logits[c] - mx);
    for (int c = 0; c < classes; ++c) {
      d[c] = (std::exp(logits[c] - mx) / denom - (c == labels[b] ? 1.0f : 0.0f)) / batch;
    }
    loss_[b] = std::log(denom) - (logits[labels[b]] - mx);
    correct_[b] = arg == labels[b] ? 1.0f : 0.0f;
  }

  // Backward: dW = dz x^T, db = sum_b dz, dx = W^T dz, dz[l-1] = dx * (act[l-1] > 0).
  for (int l = layers - 1; l >= 0; --l) {
    const int in = dims_.in(l), out = dims_.out(l);
    const float* x = l == 0 ? x0.data() : act_[l - 1].data();
    const float* dz = dz_[l].data();
    float* dw = dw_[l].data();
    std::fill(dw_[l].begin(), dw_[l].end(), 0.0f);
    std::fill(db_[l].begin(), db_[l].end(), 0.0f);
    for (int b = 0; b < batch; ++b) {
      const float* dzb = dz + static_cast<size_t>(b) * out;
      const float* xb = x + static_cast<size_t>(b) * in;
      for (int i = 0; i < in; ++i) {
        const float xi = xb[i];
        float* dwi = dw + static_cast<size_t>(i) * out;
        for (int o = 0; o < out; ++o) dwi[o] += dzb[o] * xi;
      }
      for (int o = 0; o < out; ++o) db_[l][o] += dzb[o];
    }
    if (l == 0) continue;
    const float* w = w_[l].data();
    float* dprev = dz_[l - 1].data();
    for (int b = 0; b < batch; ++b) {
      const float* dzb = dz + static_cast<size_t>(b) * out;
      const float* ab = act_[l - 1].data() + static_cast<size_t>(b) * in;
      float* db = dprev + static_cast<size_t>(b) * in;
      for (int i = 0; i < in; ++i) {
        const float* wi = w + static_cast<size_t>(i) * out;
        float s = 0;
        for (int o = 0; o < out; ++o) s += wi[o] * dzb[o];
        db[i] = ab[i] > 0 ? s : 0.0f;
      }
    }
  }

  // Reductions, histograms, image and unit norms, all on the weights used in this step's forward
  // pass.
  Reduce(loss_.data(), batch, &stats_[MlpDims::GlobalIndex(kLossGroup, 0)]);
  Reduce(correct_.data(), batch, &stats_[MlpDims::GlobalIndex(kCorrectGroup, 0)]);
  for (int l = 0; l < layers; ++l) {
    Reduce(w_[l].data(), w_[l].size(), &stats_[MlpDims::StatIndex(l, kWeights, 0)]);
    Reduce(dw_[l].data(), dw_[l].size(), &stats_[MlpDims::StatIndex(l, kGrads, 0)]);
    Reduce(act_[l].data(), act_[l].size(), &stats_[MlpDims::StatIndex(l, kActivations, 0)]);
  }
  if (flags & kWantHistograms) {
    std::fill(histograms_.begin(), histograms_.end(), 0u);
    for (int l = 0; l < layers; ++l) {
      const std::vector<float>* tensors[2] = {&w_[l], &act_[l]};
      const int kinds[2] = {kWeights, kActivations};
      for (int h = 0; h < 2; ++h) {
        const double mn = stats_[MlpDims::StatIndex(l, kinds[h], kMin)];
        const double mx = stats_[MlpDims::StatIndex(l, kinds[h], kMax)];
        uint32_t* counts = &histograms_[static_cast<size_t>(2 * l + h) * kHistogramBuckets];
        for (float v : *tensors[h]) ++counts[HistogramBucket(v, mn, mx)];
      }
    }
  }
  if (flags & kWantImage) {
    const double mn = stats_[MlpDims::StatIndex(0, kWeights, kMin)];
    const double mx = stats_[MlpDims::StatIndex(0, kWeights, kMax)];
    const int h = dims_.image_height(), wd = dims_.image_width();
    for (int r = 0; r < h; ++r) {
      for (int c = 0; c < wd; ++c)
        image_[static_cast<size_t>(r) * wd + c] =
            ImagePixel(w_[0][static_cast<size_t>(c) * h + r], mn, mx);
    }
  }
  if (flags & kWantUnitNorms) {
    int u = 0;
    for (int l = 0; l < layers; ++l) {
      const int in = dims_.in(l), out = dims_.out(l);
      for (int o = 0; o < out; ++o) {
        double s = 0;
        for (int i = 0; i < in; ++i)
          s += static_cast<double>(w_[l][static_cast<size_t>(i) * out + o]) *
               w_[l][static_cast<size_t>(i) * out + o];
        unit_norms_[u++] = static_cast<float>(std::sqrt(s));
      }
    }
  }

  // SGD update.
  for (int l = 0; l < layers; ++l) {
    for (size_t i = 0; i < w_[l].size(); ++i) w_[l][i] -= lr * dw_[l][i];
    for (size_t i = 0; i < b_[l].size(); ++i) b_[l][i] -= lr * db_[l][i];
  }

  RawStep raw;
  raw.step = step;
  raw.flags = flags;
  raw.stats = stats_.data();
  raw.histograms = histograms_.data();
  raw.unit_norms = unit_norms_.data();
  raw.image = image_.data();
  return raw;
}

}  // namespace tbfault::load
