// GpuWorkload: the Workload on a CUDA device (cuda_mlp.h). Built only when CUDA is configured, into
// its own module, libtbfault_gpu.so, that gpu_module.h loads on first use: cuBLAS and cuBLASLt
// alone map about 200 MB at load time, which no command that runs no GPU workload should pay.
// Async mode yields step s-1's values from Step(s); sync-every-step waits for and yields step s's
// values from Step(s), as `loss.item()` after every step would.
#pragma once

#include <memory>
#include <string>

#include "harness/load/workload.h"

namespace tbfault::load {

// Whether a CUDA device can be used; when not, `why` names the CUDA error (e.g.
// "cudaGetDeviceCount: cudaErrorNoDevice (100): no CUDA-capable device is detected").
bool GpuUsable(std::string* why);

Status MakeGpuWorkload(const LoadProfile& profile, uint64_t seed, bool sync_every_step,
                       std::unique_ptr<Workload>* out);

// The module's entry points, as tbfault_gpu_module() hands them to the loader.
struct GpuModule {
  bool (*usable)(std::string* why);
  Status (*make)(const LoadProfile& profile, uint64_t seed, bool sync_every_step,
                 std::unique_ptr<Workload>* out);
};

}  // namespace tbfault::load

// The one symbol the module exports (looked up by name with dlsym).
extern "C" const tbfault::load::GpuModule* tbfault_gpu_module();
