// LoadGpuModule: the CUDA workload's module (gpu_workload.h), loaded with dlopen on first use and
// kept for the process's life. Looked for beside the executable (../lib/libtbfault_gpu.so, where
// every build puts it) and then at the path the build gave it. Null, with one line in `why` (no
// CUDA in this build, the module missing, its libraries not loadable), when it cannot be had.
#pragma once

#include <string>

#include "harness/load/gpu_workload.h"

namespace tbfault::load {

const GpuModule* LoadGpuModule(std::string* why);

}  // namespace tbfault::load
