// The layout of one training step's raw values, shared by the CPU model and the CUDA model so that
// both fill the same buffers in the same order. C++17-clean on purpose: it is the boundary that the
// .cu files (compiled as CUDA C++17) include; it must not include C++20 headers or anything else of
// tbfault.
//
// Per step the model produces a flat array of doubles ("stats"): groups of kGroupSize reductions
// [sum, sum of squares, min, max, max |x|, zero count, count], first the per-sample loss and the
// per-sample correctness, then per layer l the weights (as used in the forward pass, before the
// update), the weight gradients, and the layer's output activations (after ReLU; logits for the
// last layer). On histogram steps, 2 histograms per layer (weights, activations) of
// kHistogramBuckets equal-width buckets over [min, max] of that tensor; on image steps, layer 0's
// weights as an out x in grey image; on burst steps, the L2 norm of every output unit's incoming
// weights, all layers concatenated.
#pragma once

#include <cstdint>
#include <vector>

#if defined(__CUDACC__)
#define TBFAULT_HOST_DEVICE __host__ __device__
#else
#define TBFAULT_HOST_DEVICE
#endif

namespace tbfault::load {

inline constexpr int kHistogramBuckets = 30;

enum ReduceField { kSum = 0, kSumSq, kMin, kMax, kMaxAbs, kZeros, kCount, kGroupSize };
enum LayerTensor { kWeights = 0, kGrads, kActivations, kTensorsPerLayer };
inline constexpr int kLossGroup = 0;
inline constexpr int kCorrectGroup = 1;
inline constexpr int kGlobalGroups = 2;

// Which optional outputs a step computes (bit flags).
enum StepFlags : unsigned { kWantHistograms = 1u, kWantImage = 2u, kWantUnitNorms = 4u };

// sizes = {input, hidden..., classes}; layer l maps sizes[l] -> sizes[l + 1].
struct MlpDims {
  std::vector<int> sizes;
  int batch = 0;

  int num_layers() const { return static_cast<int>(sizes.size()) - 1; }
  int in(int l) const { return sizes[l]; }
  int out(int l) const { return sizes[l + 1]; }
  int classes() const { return sizes.back(); }
  int num_stats() const { return (kGlobalGroups + kTensorsPerLayer * num_layers()) * kGroupSize; }
  int num_histograms() const { return 2 * num_layers(); }
  int num_units() const {
    int n = 0;
    for (int l = 0; l < num_layers(); ++l) n += out(l);
    return n;
  }
  int image_height() const { return out(0); }
  int image_width() const { return in(0); }
  // Index of field `f` of the group for tensor `t` of layer `l` in the stats array.
  static int StatIndex(int l, int t, int f) {
    return (kGlobalGroups + l * kTensorsPerLayer + t) * kGroupSize + f;
  }
  static int GlobalIndex(int group, int f) { return group * kGroupSize + f; }
};

// One step's raw values, as staged on the host. Pointers stay valid until the model's next step.
struct RawStep {
  int64_t step = -1;
  unsigned flags = 0;
  const double* stats = nullptr;  // MlpDims::num_stats()
  // num_histograms() * kHistogramBuckets; valid with kWantHistograms.
  const uint32_t* histograms = nullptr;
  const float* unit_norms = nullptr;  // num_units(); valid with kWantUnitNorms
  const uint8_t* image = nullptr;     // image_height() * image_width(); valid with kWantImage
};

// Bucket of x in kHistogramBuckets equal buckets over [min, max]; max goes to the last bucket, and
// everything to the last bucket when min == max. The CPU and CUDA models both use this formula.
TBFAULT_HOST_DEVICE inline int HistogramBucket(double x, double min, double max) {
  if (!(max > min)) return kHistogramBuckets - 1;
  int b = static_cast<int>((x - min) / (max - min) * kHistogramBuckets);
  return b < 0 ? 0 : (b >= kHistogramBuckets ? kHistogramBuckets - 1 : b);
}

TBFAULT_HOST_DEVICE inline uint8_t ImagePixel(double x, double min, double max) {
  if (!(max > min)) return 0;
  double v = (x - min) / (max - min) * 255.0 + 0.5;
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

}  // namespace tbfault::load
