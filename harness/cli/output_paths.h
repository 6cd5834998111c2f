// Output paths of a command, checked before any work starts, so that a bad one is one line and
// exit 2 instead of a run whose results cannot be written.
//   PrepareOutDir(DIR): the --out directory of run, replay and bench-policies. One that does not
//     exist is created; an empty one is taken; one that a tbfault command prepared before (it
//     holds the marker file .tbfault-out) is emptied, so that a reused --out never mixes the files
//     of two runs; anything else (a file, a directory of the user's own) is refused. The marker is
//     then written, which also proves the directory writable.
//   CheckOutputFile(FILE): FILE can be written: its directory exists and is writable, and FILE is
//     not a directory.
//   CheckTmpfsDir(DIR): DIR exists, is a writable directory, and lies on a tmpfs (statfs).
#pragma once

#include <string>

#include "format/status.h"

namespace tbfault::cli {

inline constexpr char kOutDirMarker[] = ".tbfault-out";

Status PrepareOutDir(const std::string& dir);
Status CheckOutputFile(const std::string& path);
Status CheckTmpfsDir(const std::string& dir);

}  // namespace tbfault::cli
