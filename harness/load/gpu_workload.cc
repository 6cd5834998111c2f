#include "harness/load/gpu_workload.h"

#include "harness/load/cpu_workload.h"
#include "harness/load/cuda_mlp.h"
#include "harness/load/summarizer.h"

namespace tbfault::load {
namespace {

class GpuWorkload : public Workload {
 public:
  GpuWorkload(const LoadProfile& profile, bool sync, std::unique_ptr<cuda::GpuMlp> mlp)
      : profile_(profile),
        sync_(sync),
        mlp_(std::move(mlp)),
        summarizer_(profile, DimsOf(profile)),
        device_("gpu " + cuda::DeviceName() + (sync ? " sync-every-step" : "")) {}

  Status Step(int64_t step, StepOutput* out) override {
    if (out->scalars.capacity() == 0) summarizer_.Reserve(out);
    out->Clear();
    std::string error;
    if (!mlp_->Enqueue(step, profile_.LearningRate(step), summarizer_.FlagsFor(step), &error)) {
      return Status::Invalid("gpu step " + std::to_string(step) + ": " + error);
    }
    const int64_t ready = sync_ ? step : pending_;
    pending_ = sync_ ? -1 : step;
    return Emit(ready, out);
  }

  Status Drain(StepOutput* out) override {
    out->Clear();
    const int64_t ready = pending_;
    pending_ = -1;
    return Emit(ready, out);
  }

  int64_t value_lag() const override { return sync_ ? 0 : 1; }
  std::string device() const override { return device_; }
  int64_t host_waits() const override { return host_waits_; }
  const LoadProfile& profile() const override { return profile_; }

 private:
  Status Emit(int64_t step, StepOutput* out) {
    if (step < 0) return Status::Ok();
    RawStep raw;
    bool waited = false;
    std::string error;
    if (!mlp_->Collect(step, &raw, &waited, &error)) {
      return Status::Invalid("gpu collect step " + std::to_string(step) + ": " + error);
    }
    host_waits_ += waited ? 1 : 0;
    summarizer_.Fill(raw, out);
    return Status::Ok();
  }

  LoadProfile profile_;
  bool sync_;
  std::unique_ptr<cuda::GpuMlp> mlp_;
  Summarizer summarizer_;
  std::string device_;
  int64_t pending_ = -1;
  int64_t host_waits_ = 0;
};

}  // namespace

bool GpuUsable(std::string* why) {
  int count = 0;
  if (!cuda::DeviceCount(&count, why)) return false;
  if (count == 0) {
    *why = "cudaGetDeviceCount: no CUDA device";
    return false;
  }
  return true;
}

Status MakeGpuWorkload(const LoadProfile& profile, uint64_t seed, bool sync_every_step,
                       std::unique_ptr<Workload>* out) {
  const MlpDims dims = DimsOf(profile);
  std::string error;
  std::unique_ptr<cuda::GpuMlp> mlp =
      cuda::GpuMlp::Create(dims, SyntheticData::Make(dims, profile.batches, seed), &error);
  if (mlp == nullptr) return Status::Invalid("gpu workload: " + error);
  *out = std::make_unique<GpuWorkload>(profile, sync_every_step, std::move(mlp));
  return Status::Ok();
}

}  // namespace tbfault::load

extern "C" __attribute__((visibility("default"))) const tbfault::load::GpuModule*
tbfault_gpu_module() {
  static const tbfault::load::GpuModule module{&tbfault::load::GpuUsable,
                                               &tbfault::load::MakeGpuWorkload};
  return &module;
}
