// Reader profiles (DESIGN.md section 3): what a user would see in a logdir, by one reader's rules.
//   strict     every intact record (the strict reader resynchronises past damage); the truth on
//   disk. tb-rust    TensorBoard's default data server (rustboard). tb-python  TensorBoard's Python
//   loader (--load_fast=false, EventAccumulator).
// For each run and tag a profile yields the series (step, value, and the record's file and offset),
// and says WHY anything on disk is not shown: regions of files it never reads (Unreached) and
// values it read but does not show (Dropped), each naming the record or anomaly responsible. The
// rules each profile implements are stated at the top of profile.cc (strict), tb_rust.cc and
// tb_python.cc.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "format/status.h"
#include "harness/core/value.h"

namespace tbfault::core {

enum class Profile { kStrict, kTbRust, kTbPython };
std::string_view ProfileName(Profile p);  // "strict", "tb-rust", "tb-python".
bool ParseProfile(std::string_view name, Profile* out);

struct Point {
  int64_t step = 0;
  SeriesValue value;
  std::string file;     // full path of the event file holding the record.
  uint64_t offset = 0;  // of the record's frame.
  double wall_time = 0;
};

struct Series {
  Kind kind = Kind::kUnknown;
  std::vector<Point> points;  // in the order the reader yields them, after purges and evictions.
};

// A file region the profile never reads: from `offset` to the end of `file`.
struct Unreached {
  std::string file;
  uint64_t offset = 0;
  std::string
      reason;  // "dead: bad-length-crc at offset 96", "abandoned: newer file <name> exists", ...
};

// A value the profile read but does not show.
struct Dropped {
  std::string tag;
  int64_t step = 0;
  std::string file;
  uint64_t offset = 0;
  std::string reason;      // "evicted by a later value at step 3", "DT_DOUBLE scalar", ...
  std::string cause_file;  // the record responsible (the evicting/purging record), or "" if none.
  uint64_t cause_offset = 0;
};

struct RunView {
  std::map<std::string, Series> tags;  // only tags the profile shows.
  std::vector<Unreached> unreached;
  std::vector<Dropped> dropped;
  std::vector<std::string>
      notes;  // other diagnostics, one line each (e.g. anomalies the strict reader skipped).
};

struct ProfileView {
  Profile profile = Profile::kStrict;
  std::map<std::string, RunView> runs;  // key: run dir relative to the logdir, "." for the logdir.

  // Why the profile does not show the value of `tag` in the record at (run, file, offset): the
  // matching Dropped or Unreached entry rendered as one line, naming the responsible record; "" if
  // none applies.
  std::string WhyNotShown(const std::string& run, const std::string& tag, const std::string& file,
                          uint64_t offset, std::string* cause_file, uint64_t* cause_offset) const;
};

// Reads PATH (a logdir, run directory or event file) by `profile`'s rules. Errors only when the
// path cannot be listed or a file cannot be read; damage inside files is what profiles describe.
Status ReadProfile(Profile profile, const std::string& path, ProfileView* view);

// The profiles' readers, one per file (profile.cc, tb_rust.cc, tb_python.cc). `files`: full paths
// in name order with their contents.
struct RunInput {
  std::vector<std::string> files;
  std::vector<std::string> contents;
};
void ReadStrictRun(const RunInput& in, RunView* out);
void ReadTbRustRun(const RunInput& in, RunView* out);
void ReadTbPythonRun(const RunInput& in, RunView* out);

}  // namespace tbfault::core
