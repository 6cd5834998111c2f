// Reader profiles (DESIGN.md section 3): what a user would see in a logdir, by one reader's rules.
//   strict     every intact record (the strict reader resynchronises past damage): the truth on
//              disk (strict.cc).
//   tb-rust    TensorBoard's default data server, rustboard (tb_rust.cc).
//   tb-python  TensorBoard's Python loader, --load_fast=false / EventAccumulator (tb_python.cc).
// For each run and tag a profile yields the series (step, value, and the record's file and offset),
// and says WHY anything on disk is not shown: regions of files it never reads (Unreached) and
// values it read but does not show (Dropped), each with a typed cause and the record responsible.
// Each profile is an incremental reader fed one reload cycle at a time (run_reader.h); ReadProfile
// reads a finished path as one cycle.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "format/status.h"
#include "harness/core/damage.h"
#include "harness/core/value.h"

namespace tbfault::core {

enum class Profile { kStrict, kTbRust, kTbPython };
std::string_view ProfileName(Profile p);  // "strict", "tb-rust", "tb-python".
bool ParseProfile(std::string_view name, Profile* out);

// One value of a series, as PointList yields it.
struct Point {
  int64_t step = 0;
  uint64_t offset = 0;  // of the record's frame.
  uint32_t file = 0;    // index into RunView::files.
  double number = 0;    // the scalar (a float widened exactly); for other kinds, see Series::value.
};

// The points of a series, 12 bytes a point: the low 32 bits of its step and offset, and its number
// as a float (scalars are floats; a histogram's total count is kept exactly in Series::details).
// The high 32 bits of step and offset and the file index are kept once per run of points sharing
// them (almost always one run a series). Points are yielded by value.
class PointList {
 public:
  size_t size() const { return packed_.size(); }
  bool empty() const { return packed_.empty(); }
  Point operator[](size_t i) const { return At(i, RunOf(i)); }
  Point back() const { return At(size() - 1, runs_.size() - 1); }
  int64_t back_step() const { return back_step_; }  // back().step, without touching the points.
  void push_back(const Point& p);
  void pop_back();
  void clear();
  void reserve(size_t n) { packed_.reserve(n); }
  void PrefetchTail() const {  // where the next push_back writes.
    if (!packed_.empty()) __builtin_prefetch(packed_.data() + packed_.size(), 1);
  }

  class const_iterator {
   public:
    Point operator*() const { return list_->At(i_, run_); }
    const_iterator& operator++() {
      if (++i_ < list_->size() && run_ + 1 < list_->runs_.size() &&
          list_->runs_[run_ + 1].from == i_) {
        ++run_;
      }
      return *this;
    }
    bool operator==(const const_iterator& o) const { return i_ == o.i_; }
    bool operator!=(const const_iterator& o) const { return i_ != o.i_; }

   private:
    friend class PointList;
    const_iterator(const PointList* list, size_t i) : list_(list), i_(i) {}
    const PointList* list_;
    size_t i_;
    size_t run_ = 0;
  };
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size()); }

 private:
  struct Packed {
    uint32_t step_lo;
    uint32_t offset_lo;
    float number;
  };
  struct Run {  // points [from, next run's from) share these.
    uint32_t from;
    uint32_t step_hi;
    uint32_t offset_hi;
    uint32_t file;
  };
  size_t RunOf(size_t i) const;
  Point At(size_t i, size_t run) const {
    const Packed& q = packed_[i];
    const Run& r = runs_[run];
    return {static_cast<int64_t>(uint64_t{r.step_hi} << 32 | q.step_lo),
            uint64_t{r.offset_hi} << 32 | q.offset_lo, r.file, q.number};
  }
  std::vector<Packed> packed_;
  std::vector<Run> runs_;
  Run tail_{};  // runs_.back() (when not empty), and the last step: kept here, in cache.
  int64_t back_step_ = 0;
};

struct Series {
  Kind kind = Kind::kUnknown;
  PointList points;  // in the order the reader yields them, after purges and evictions.
  // For kinds other than scalar, details[i] is the full value of points[i]; empty for scalars.
  std::vector<SeriesValue> details;

  SeriesValue value(size_t i) const;
  void Append(const Point& p, SeriesValue v);
  void AppendScalar(const Point& p) { points.push_back(p); }  // kind kScalar only.
  void PopBack();
};

// Why a region is never read.
enum class UnreachedCause : uint8_t {
  kDead,       // tb-rust: the file is dead from `offset` on.
  kTruncated,  // tb-rust: a truncated tail, waited on (the file is not dead).
  kStopped,    // tb-python: the newest file stops at damage; retried at the same offset.
  kAbandoned,  // tb-python: stopped at damage, and a newer file exists: never read again.
};

// A file region the profile never reads: from `offset` (the responsible record) to the end of
// `file`.
struct Unreached {
  std::string file;
  uint64_t offset = 0;
  UnreachedCause cause = UnreachedCause::kDead;
  Damage damage = Damage::kTruncated;
  std::string reason;  // for people: "dead: bad-length-crc at offset 96", "abandoned: ...".
};

// Why a value that was read is not shown.
enum class DropCause : uint8_t {
  kEvicted,             // tb-rust: a later value of the tag at a lower or equal step.
  kPurgedByStart,       // tb-python: a SessionLog.START at a lower or equal step.
  kPurgedByRegression,  // tb-python, no file_version: a step regression of the tag.
  kDoubleScalar,        // a DT_DOUBLE scalar the reader does not accept.
  kBadScalarType,       // another scalar dtype or shape the reader does not accept.
  kNoMetadata,          // the tag's first value has no (known) plugin metadata.
  kUnknownPlugin,       // the tag's plugin is none the reader shows.
  kUndecodable,         // the value does not decode as its tag's kind.
  kImageStepRepeat,     // tb-python: an image at a step that already has one.
};
std::string_view DropCauseName(DropCause c);  // "evicted", "purged-by-start", ...

// A value the profile read but does not show.
struct Dropped {
  std::string tag;
  int64_t step = 0;
  std::string file;
  uint64_t offset = 0;
  DropCause cause = DropCause::kUndecodable;
  std::string reason;      // for people: "evicted by a later value at step 3", "DT_DOUBLE ...".
  std::string cause_file;  // the record responsible (the evicting/purging record), or "" if none.
  uint64_t cause_offset = 0;
};

// A diagnostic about one record that is neither unreached nor dropped.
enum class NoteKind : uint8_t {
  kStrictAnomaly,     // strict: damage skipped (the text names the anomaly).
  kBadDataCrcShown,   // tb-rust: a record with a bad data CRC that parses is shown as read.
  kReloadThreadDies,  // tb-python: an invalid proto with right CRCs (FINDINGS.md P1).
};

struct Note {
  NoteKind kind = NoteKind::kStrictAnomaly;
  std::string file;  // the record's event file.
  uint64_t offset = 0;
  std::string text;  // for people, one line.
};

struct RunView {
  std::vector<std::string> files;      // the run's event files (full paths), in the order first
                                       // listed; Point::file indexes it.
  std::map<std::string, Series> tags;  // only tags the profile shows.
  std::vector<Unreached> unreached;
  std::vector<Dropped> dropped;
  std::vector<Note> notes;

  const std::string& file(const Point& p) const { return files[p.file]; }

  // The first Dropped entry of (tag, file, offset), or null; indexed on first use (for a view no
  // longer read into: ProfileView, or a reader's view between cycles).
  const Dropped* FindDropped(const std::string& tag, const std::string& file,
                             uint64_t offset) const;

 private:
  mutable std::unordered_map<std::string, size_t> dropped_index_;  // key -> index in dropped.
  mutable size_t indexed_ = 0;                                     // dropped entries indexed.
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

// Reads PATH (a logdir, run directory or event file) by `profile`'s rules, as one reload cycle.
// Errors only when the path cannot be listed or a file cannot be read; damage inside files is what
// profiles describe.
Status ReadProfile(Profile profile, const std::string& path, ProfileView* view);
// All three profiles at once, each record read and decoded once: views[i] is ProfileView of
// kAllProfiles[i].
inline constexpr Profile kAllProfiles[3] = {Profile::kStrict, Profile::kTbRust, Profile::kTbPython};
Status ReadProfiles(const std::string& path, ProfileView views[3]);

// The common scalar encodings (simple_value, a rank-0 DT_FLOAT tensor of one value), which every
// profile accepts, decoded without allocating: true with `number` set as DecodeValue would; false
// for anything else (then DecodeValue decides).
bool DecodeCommonScalar(const tensorboard::Summary::Value& value, double* number);

// Why DecodeValue(value, kind, ...) refused `value`: kDoubleScalar, kBadScalarType or kUndecodable.
DropCause DecodeFailureCause(const tensorboard::Summary::Value& value, Kind kind);

}  // namespace tbfault::core
