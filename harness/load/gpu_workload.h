// GpuWorkload: the Workload on a CUDA device (cuda_mlp.h). Built only when CUDA is configured
// (TBFAULT_HAVE_CUDA). Async mode yields step s-1's values from Step(s); sync-every-step waits for
// and yields step s's values from Step(s), as `loss.item()` after every step would.
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

}  // namespace tbfault::load
