#include "harness/load/cpu_workload.h"

namespace tbfault::load {

MlpDims DimsOf(const LoadProfile& profile) {
  MlpDims dims;
  dims.sizes.push_back(profile.input);
  dims.sizes.insert(dims.sizes.end(), profile.hidden.begin(), profile.hidden.end());
  dims.sizes.push_back(profile.classes);
  dims.batch = profile.batch;
  return dims;
}

CpuWorkload::CpuWorkload(const LoadProfile& profile, uint64_t seed)
    : profile_(profile),
      mlp_(DimsOf(profile), SyntheticData::Make(DimsOf(profile), profile.batches, seed)),
      summarizer_(profile, DimsOf(profile)) {}

Status CpuWorkload::Step(int64_t step, StepOutput* out) {
  if (out->scalars.capacity() == 0) summarizer_.Reserve(out);
  summarizer_.Fill(mlp_.Step(step, profile_.LearningRate(step), summarizer_.FlagsFor(step)), out);
  return Status::Ok();
}

Status CpuWorkload::Drain(StepOutput* out) {
  out->Clear();
  return Status::Ok();
}

}  // namespace tbfault::load
