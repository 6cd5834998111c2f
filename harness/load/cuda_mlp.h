// GpuMlp: the CUDA model — the same network, data and step as cpu_mlp.h, on one stream: cuBLAS
// SGEMMs, kernels for bias+ReLU, softmax cross-entropy, the mlp_layout.h reductions (min/max found
// on the device, then the histograms from them), the image, unit norms and the SGD update. Each
// step's values are copied with cudaMemcpyAsync into a pinned staging slot of a ring, and an event
// recorded after the copy marks the slot ready; Collect() polls that event with cudaEventQuery and
// waits only if needed.
//
// C++17-clean boundary between the .cu code (CUDA C++17) and the C++20 rest: include nothing of
// tbfault here but mlp_layout.h and synthetic_data.h. Functions return false and set `error` on
// failure.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "harness/load/mlp_layout.h"
#include "harness/load/synthetic_data.h"

namespace tbfault::load::cuda {

// The number of CUDA devices; false with the cudaError_t number and name in `error` when the
// runtime cannot tell (no driver: 35 cudaErrorInsufficientDriver, no device: 100
// cudaErrorNoDevice).
bool DeviceCount(int* count, std::string* error);
// The name of the current device.
std::string DeviceName();

class GpuMlp {
 public:
  static constexpr int kRingSlots = 3;

  static std::unique_ptr<GpuMlp> Create(const MlpDims& dims, const SyntheticData& data,
                                        std::string* error);
  ~GpuMlp();

  // Enqueues step `step` (batch step mod batches) and its copy into slot step mod kRingSlots.
  bool Enqueue(int64_t step, float lr, unsigned flags, std::string* error);
  // The staged values of `step` (enqueued, not yet overwritten). `waited` is set when its event was
  // not complete at the first query and the host had to block on it.
  bool Collect(int64_t step, RawStep* out, bool* waited, std::string* error);

 private:
  struct Impl;
  explicit GpuMlp(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tbfault::load::cuda
