// Workload: a training loop that, step by step, runs the step's compute and yields the summaries to
// log. The harness feeds StepOutput to the writer under test and times each Step() (see
// step_timer.h). A workload knows nothing of writers.
//
// Call Step(0), Step(1), ... with consecutive steps; then Drain() once to collect values still in
// flight. Each call fills `out` with the values of exactly one step (out->step) or none
// (out->empty()):
//   - CPU, and GPU with sync_every_step: Step(s) yields step s's values (value_lag() == 0);
//   - GPU async (default): Step(s) enqueues step s and yields step s-1's values, copied to a pinned
//     staging slot by the GPU while it already runs step s; Step(0) yields nothing, Drain() yields
//     the last step (value_lag() == 1).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "format/status.h"
#include "harness/load/profile.h"
#include "harness/load/step_output.h"

namespace tbfault::load {

class Workload {
 public:
  virtual ~Workload() = default;
  virtual Status Step(int64_t step, StepOutput* out) = 0;
  virtual Status Drain(StepOutput* out) = 0;
  virtual int64_t value_lag() const = 0;
  // "cpu", or "gpu <name>" (with " sync-every-step" when so).
  virtual std::string device() const = 0;
  // Times the host found a staged step not ready and had to wait for it (0 on the CPU).
  virtual int64_t host_waits() const { return 0; }
  virtual const LoadProfile& profile() const = 0;
};

enum class Device { kCpu, kGpu, kAuto };
// "cpu" | "gpu" | "auto".
Status ParseDevice(std::string_view text, Device* out);

struct WorkloadOptions {
  Device device = Device::kAuto;
  uint64_t seed = 1;
  bool sync_every_step = false;  // GPU only: wait for each step's values (the `loss.item()` habit).
};

// Makes the workload. With kAuto and no usable GPU (no CUDA in this build, no driver, no device) it
// makes the CPU workload and sets `note` to one line saying why; with kGpu that is an error.
Status MakeWorkload(const LoadProfile& profile, const WorkloadOptions& options,
                    std::unique_ptr<Workload>* out, std::string* note);

// Whether a GPU workload can be made here; when not, `why` says why in one line.
bool GpuAvailable(std::string* why);

}  // namespace tbfault::load
