// LoadProfile: the size and logging cadence of a training workload, read from a small key = value
// file (harness/load/profiles/<name>.profile). '#' starts a comment; blank lines are ignored; every
// key is optional except `name`. Bad input gives Status::Invalid "<file>:<line>: <reason>".
//
//   name = small-fast          hidden = 64,64        classes = 10      input = 32
//   batch = 32                 batches = 8 (distinct synthetic batches, cycled)
//   learning_rate = 0.1        lr_decay_steps = 1000 (lr = learning_rate / (1 + step /
//   lr_decay_steps)) scalars = basic|full       histogram_every / image_every / text_every /
//   burst_every = N (0 = never) burst_tags = N             (scalars logged on a burst step, one per
//   output unit)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "format/status.h"

namespace tbfault::load {

enum class ScalarSet { kBasic, kFull };

struct LoadProfile {
  std::string name;
  int input = 32;
  std::vector<int> hidden = {64};
  int classes = 10;
  int batch = 32;
  int batches = 8;
  double learning_rate = 0.1;
  int64_t lr_decay_steps = 1000;
  ScalarSet scalars = ScalarSet::kBasic;
  int64_t histogram_every = 0;
  int64_t image_every = 0;
  int64_t text_every = 0;
  int64_t burst_every = 0;
  int burst_tags = 0;

  float LearningRate(int64_t step) const;
  bool Due(int64_t every, int64_t step) const { return every > 0 && step % every == 0; }
};

// Parses `text` (the contents of `file_name`, used only in messages).
Status ParseProfile(std::string_view text, std::string_view file_name, LoadProfile* out);
// Reads and parses a file.
Status ReadProfileFile(const std::string& path, LoadProfile* out);
// `name_or_path` is a path when it contains '/' or ends in ".profile"; otherwise the profile
// <name>.profile in $TBFAULT_PROFILE_DIR, else in the source tree's harness/load/profiles/.
Status LoadProfileByName(std::string_view name_or_path, LoadProfile* out);
// The directory searched for named profiles.
std::string ProfileDirectory();

}  // namespace tbfault::load
