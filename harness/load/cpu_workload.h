// CpuWorkload: the Workload on the CPU (cpu_mlp.h), yielding each step's values from the same
// Step().
#pragma once

#include "harness/load/cpu_mlp.h"
#include "harness/load/summarizer.h"
#include "harness/load/workload.h"

namespace tbfault::load {

class CpuWorkload : public Workload {
 public:
  CpuWorkload(const LoadProfile& profile, uint64_t seed);

  Status Step(int64_t step, StepOutput* out) override;
  Status Drain(StepOutput* out) override;
  int64_t value_lag() const override { return 0; }
  std::string device() const override { return "cpu"; }
  const LoadProfile& profile() const override { return profile_; }

 private:
  LoadProfile profile_;
  CpuMlp mlp_;
  Summarizer summarizer_;
};

// The model dimensions a profile describes.
MlpDims DimsOf(const LoadProfile& profile);

}  // namespace tbfault::load
