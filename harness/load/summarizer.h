// Summarizer: turns a model's RawStep into the StepOutput of a profile — the one place tags are
// named, so the CPU and CUDA workloads log exactly the same tags and shapes. Tags (L = layers):
//   every step: loss, accuracy, learning_rate, grad_norm (L2 over all weight gradients),
//               layer<l>/weight_norm, layer<l>/grad_norm;
//   scalars = full adds layer<l>/{weight_mean, weight_std, grad_max_abs, act_mean, act_zero_frac,
//               update_ratio (lr * grad norm / weight norm)};
//   histogram steps: layer<l>/weights, layer<l>/activations;  image steps: layer0/weights_image;
//   burst steps: burst/unit<u> (the L2 norm of unit u's incoming weights, layers concatenated);
//   text steps: status ("step S: loss ... accuracy ... lr ...").
// Weights and their statistics are those used in the step's forward pass (before its update).
#pragma once

#include <string>
#include <vector>

#include "harness/load/mlp_layout.h"
#include "harness/load/profile.h"
#include "harness/load/step_output.h"

namespace tbfault::load {

class Summarizer {
 public:
  Summarizer(const LoadProfile& profile, const MlpDims& dims);

  // The StepFlags the model must compute for `step`.
  unsigned FlagsFor(int64_t step) const;
  // Fills `out` (cleared first) with the values of `raw`.
  void Fill(const RawStep& raw, StepOutput* out);
  // Reserves `out`'s capacity for the largest step of this profile.
  void Reserve(StepOutput* out) const;

 private:
  LoadProfile profile_;
  MlpDims dims_;
  std::vector<std::string> layer_tags_;  // per layer: kPerLayerTags tags
  std::vector<std::string> burst_tags_;
  std::string text_;
};

}  // namespace tbfault::load
