// SyntheticWorkload: the scenario suite's default load (Workload.profile "synthetic"): per step
// `scalars_per_step` scalars, and a histogram, an image and a text every N steps, with values that
// depend only on (seed, tag, step), plus `step_ms` of simulated compute (a sleep). It fills the
// same StepOutput the training workloads do, so the driver treats both alike.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/core/scenario.pb.h"
#include "harness/load/profile.h"
#include "harness/load/step_output.h"
#include "harness/load/workload.h"

namespace tbfault::runner {

class SyntheticWorkload {
 public:
  // `tag_prefix` distinguishes writers sharing a run directory ("" for the first).
  SyntheticWorkload(const scenario::Workload& w, uint64_t seed, const std::string& tag_prefix);
  // Sleeps for the step's compute when `compute`, then fills `out` with step `step`'s values.
  void Step(int64_t step, bool compute, load::StepOutput* out);

 private:
  const scenario::Workload w_;
  const uint64_t seed_;
  std::vector<std::string> scalar_tags_;
  std::string histogram_tag_, image_tag_, text_tag_;
  std::vector<uint8_t> pixels_;
  std::string text_;
};

// The writers' synthetic workloads side by side as one load::Workload, for load::RunAlternating: a
// step is every writer's values of that step, with the first writer's compute.
class SyntheticLoad : public load::Workload {
 public:
  explicit SyntheticLoad(std::vector<SyntheticWorkload*> parts) : parts_(std::move(parts)) {}
  Status Step(int64_t step, load::StepOutput* out) override;
  Status Drain(load::StepOutput* out) override {
    out->Clear();
    return Status::Ok();
  }
  int64_t value_lag() const override { return 0; }
  std::string device() const override { return "synthetic"; }
  const load::LoadProfile& profile() const override { return profile_; }

 private:
  std::vector<SyntheticWorkload*> parts_;
  load::StepOutput part_;  // one writer's values, appended to the step's.
  load::LoadProfile profile_;
};

}  // namespace tbfault::runner
