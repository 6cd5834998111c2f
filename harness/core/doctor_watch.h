// DoctorWatch: the doctor for a live job. It follows PATH the way TensorBoard's reload loop does:
// each Poll lists the runs and their event files, runs one reload cycle of the three profiles on
// every run (each file read on from where the last poll left it, run_reader.h), diagnoses the runs
// as Diagnose does, and returns the findings not returned before (a finding is known by its run,
// kind, file and offset; a truncated tail only once it is still there at the next poll, since a
// writer mid-record leaves one for a moment). Also a finding of its own: kStalled, when the files
// grew for `stall_polls` polls in a row but no profile shows a new value.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "format/status.h"
#include "harness/core/doctor.h"
#include "harness/core/run_reader.h"

namespace tbfault::core {

struct WatchFinding {
  std::string run;
  Finding finding;
};

class DoctorWatch {
 public:
  explicit DoctorWatch(std::string path, int stall_polls = 3);

  // One reload cycle; the new findings (in run order) are appended to `out`.
  Status Poll(std::vector<WatchFinding>* out);

  // Everything as of the last poll (the summary when the watch ends).
  const Diagnosis& diagnosis() const { return diagnosis_; }
  uint64_t polls() const { return polls_; }

 private:
  struct RunState {
    std::unique_ptr<RunReader> reader;
    uint64_t bytes = 0;  // read so far.
    uint64_t shown = 0;  // values the TensorBoard profiles show.
    int growing_unseen = 0;
    std::set<std::tuple<FindingKind, std::string, uint64_t>> pending_tails;
  };

  std::string path_;
  int stall_polls_;
  uint64_t polls_ = 0;
  std::map<std::string, RunState> runs_;
  std::set<std::tuple<std::string, FindingKind, std::string, uint64_t>> reported_;
  Diagnosis diagnosis_;
};

}  // namespace tbfault::core
