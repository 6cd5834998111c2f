// The hparams rule users trip on (FINDINGS.md H1). tensorboardX's and PyTorch's add_hparams write
// each session into a sub-run (RUN/<time>/) holding three hparams summaries
// (_hparams_/experiment, session_start_info, session_end_info) and the metric values given to the
// call. The hparams dashboard's columns (the experiment: hparam and metric names) come, with
// TensorBoard's Python loader (--load_fast=false), from the FIRST run's experiment only: hparams
// and metrics that later sessions add are not columns there. rustboard (--load_fast=true) also
// takes one session's experiment, but which one varies from start to start (its run order is not
// fixed). The metric values shown are the sub-run's, not those logged in the parent run.
#pragma once

#include <string>
#include <vector>

namespace tbfault::core {

struct HParamsExperiment {
  std::string run;  // the (sub-)run holding the _hparams_/experiment value.
  std::vector<std::string> hparams;
  std::vector<std::string> metrics;  // metric tags.
};

// Decodes an hparams plugin's metadata content (HParamsPluginData); false unless it holds an
// experiment. `out->run` is left alone.
bool DecodeHParamsExperiment(const std::string& content, HParamsExperiment* out);

// What the Python loader leaves out: the hparams and metrics of `experiments` (in run-name order)
// that the first one lacks, as one line for people; "" when nothing is left out.
std::string HParamsLeftOut(const std::vector<HParamsExperiment>& experiments);

}  // namespace tbfault::core
