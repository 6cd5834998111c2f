// SyntheticData: the seeded training set and initial weights shared by the CPU and CUDA models, so
// that both start from the same bits. Inputs are uniform in [-1, 1); the label of an input is the
// argmax of a fixed random linear "teacher" of it, so the task is learnable and the loss falls.
// Weights are Glorot-uniform, biases zero. Layouts follow cuBLAS (column-major): inputs of batch k
// are [input x batch] (one sample's features contiguous), weights of layer l are [out x in].
#pragma once

#include <cstdint>
#include <vector>

#include "harness/load/mlp_layout.h"

namespace tbfault::load {

struct SyntheticData {
  std::vector<std::vector<float>> inputs;   // [batches][input * batch]
  std::vector<std::vector<int>> labels;     // [batches][batch]
  std::vector<std::vector<float>> weights;  // [layers][out * in]

  static SyntheticData Make(const MlpDims& dims, int batches, uint64_t seed);
};

}  // namespace tbfault::load
