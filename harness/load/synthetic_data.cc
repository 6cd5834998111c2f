#include "harness/load/synthetic_data.h"

#include <cmath>

namespace tbfault::load {
namespace {

// SplitMix64: a tiny, fully specified generator, so values are identical on every platform and
// library version (std::uniform_real_distribution is not specified bit-for-bit across
// implementations).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [-1, 1).
  float Symmetric() {
    return static_cast<float>((Next() >> 40) * (1.0 / (1ull << 24)) * 2.0 - 1.0);
  }

 private:
  uint64_t state_;
};

}  // namespace

SyntheticData SyntheticData::Make(const MlpDims& dims, int batches, uint64_t seed) {
  SyntheticData d;
  Rng rng(seed);
  const int in = dims.in(0), classes = dims.classes(), batch = dims.batch;
  std::vector<float> teacher(static_cast<size_t>(classes) * in);
  for (float& t : teacher) t = rng.Symmetric();
  d.inputs.resize(batches);
  d.labels.resize(batches);
  for (int k = 0; k < batches; ++k) {
    d.inputs[k].resize(static_cast<size_t>(in) * batch);
    d.labels[k].resize(batch);
    for (float& x : d.inputs[k]) x = rng.Symmetric();
    for (int b = 0; b < batch; ++b) {
      const float* x = &d.inputs[k][static_cast<size_t>(b) * in];
      int best = 0;
      double best_score = -1e300;
      for (int c = 0; c < classes; ++c) {
        double score = 0;
        for (int i = 0; i < in; ++i) score += static_cast<double>(teacher[c * in + i]) * x[i];
        if (score > best_score) best_score = score, best = c;
      }
      d.labels[k][b] = best;
    }
  }
  d.weights.resize(dims.num_layers());
  for (int l = 0; l < dims.num_layers(); ++l) {
    const float scale = std::sqrt(6.0f / static_cast<float>(dims.in(l) + dims.out(l)));
    d.weights[l].resize(static_cast<size_t>(dims.in(l)) * dims.out(l));
    for (float& w : d.weights[l]) w = rng.Symmetric() * scale;
  }
  return d;
}

}  // namespace tbfault::load
