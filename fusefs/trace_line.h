// A line of faultfs's trace (`--trace FILE`): one op per line, in the order the ops completed,
//   "<seq> <op> <path> bytes=<n> result=<r>[ fault=rule<id>[:<effect>]...][ crash=<what>@<n>]"
// written by FaultFs::Impl::Trace (faultfs.cc). A reader of the trace (the harness's explore)
// takes the line's facts from ParseTraceLine, not by searching the text itself.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "fusefs/ops.h"

namespace faultfs {

// The ops a crash point counts (crash_point.h): those that change what is on disk.
inline constexpr uint32_t kWritePathOps = kWrite | kFsync | kCreate | kRename;

struct TraceLine {
  uint64_t seq = 0;
  Op op = kLookup;
  std::string path;  // inside the mount ("/run/events...").
  uint64_t bytes = 0;
  int result = 0;      // bytes done, or -errno.
  bool fault = false;  // a rule fired on it.
  bool crash = false;  // the crash point fell right after it.
};

// False when `line` is not a trace line (the fields missing or malformed, an unknown op).
bool ParseTraceLine(std::string_view line, TraceLine* out);

}  // namespace faultfs
