// CpuMlp: the reference model, plain C++ (no BLAS: the loops below are ordered so the compiler
// vectorises the inner dimension; the model is small enough that this is a few GFLOP/s, which is
// what a CPU training step in CI needs — a BLAS would be one more dependency for no change in what
// is measured). One Step() runs forward, softmax cross-entropy, backward, the reductions of
// mlp_layout.h, and the SGD update, and returns the step's RawStep. All buffers are allocated in
// the constructor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "harness/load/mlp_layout.h"
#include "harness/load/synthetic_data.h"

namespace tbfault::load {

class CpuMlp {
 public:
  CpuMlp(const MlpDims& dims, SyntheticData data);

  // Trains on batch (step mod batches) with learning rate `lr`; `flags` are StepFlags.
  RawStep Step(int64_t step, float lr, unsigned flags);

  const MlpDims& dims() const { return dims_; }

 private:
  void Reduce(const float* x, size_t n, double* group) const;

  MlpDims dims_;
  SyntheticData data_;
  std::vector<std::vector<float>> w_, b_, dw_, db_, act_, dz_;
  std::vector<float> dx_, loss_, correct_;
  std::vector<double> stats_;
  std::vector<uint32_t> histograms_;
  std::vector<float> unit_norms_;
  std::vector<uint8_t> image_;
};

}  // namespace tbfault::load
