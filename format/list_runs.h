// ListRuns: where the event files of a path are, as TensorBoard finds them. A run is a directory
// holding files whose basename contains "tfevents"; its files come in name order. Symbolic links
// are followed, to directories and to files, as both TensorBoard loaders do (FINDINGS.md L1); a
// link back to a directory already on the current path (a cycle) is not entered again, as
// rustboard's walk does, and is reported in `cycles`. A dangling link is skipped, as by both.
#pragma once

#include <string>
#include <vector>

#include "format/status.h"

namespace tbfault::format {

struct RunFiles {
  std::string run;                 // relative to the listed path, through links; "." for the path.
  std::string dir;                 // as a path usable from here.
  std::vector<std::string> files;  // full paths, in name order.
};

// PATH is an event file (one run of one file), a run directory or a logdir (searched recursively).
// Runs come sorted by name. A missing or unreadable path, or a directory under it that cannot be
// read, is an error naming it. `cycles` (may be null) receives, in walk order, the path of every
// link that leads back to a directory on its own path, relative to PATH.
Status ListRuns(const std::string& path, std::vector<RunFiles>* runs,
                std::vector<std::string>* cycles = nullptr);

}  // namespace tbfault::format
