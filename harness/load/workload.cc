#include "harness/load/workload.h"

#include "harness/load/cpu_workload.h"
#include "harness/load/gpu_module.h"

namespace tbfault::load {

Status ParseDevice(std::string_view text, Device* out) {
  if (text == "cpu")
    *out = Device::kCpu;
  else if (text == "gpu")
    *out = Device::kGpu;
  else if (text == "auto")
    *out = Device::kAuto;
  else
    return Status::Invalid("device must be cpu, gpu or auto, got '" + std::string(text) + "'");
  return Status::Ok();
}

bool GpuAvailable(std::string* why) {
  const GpuModule* gpu = LoadGpuModule(why);
  return gpu != nullptr && gpu->usable(why);
}

Status MakeWorkload(const LoadProfile& profile, const WorkloadOptions& options,
                    std::unique_ptr<Workload>* out, std::string* note) {
  note->clear();
  if (options.device != Device::kCpu) {
    std::string why;
    if (GpuAvailable(&why)) {
      return LoadGpuModule(&why)->make(profile, options.seed, options.sync_every_step, out);
    }
    if (options.device == Device::kGpu) return Status::Invalid("--device gpu: " + why);
    *note = "no usable GPU (" + why + "): running the workload on the CPU";
  }
  *out = std::make_unique<CpuWorkload>(profile, options.seed);
  return Status::Ok();
}

}  // namespace tbfault::load
