// ProfileReader: one reader profile as an incremental reader with explicit state, for one run. The
// RunReader (run_reader.h) feeds it what one reload cycle of that reader loads: BeginCycle with the
// files that exist (name order), then per file the frames from where the profile asks to start
// (Start), each frame at most once per cycle and decoded once for all profiles, and how the scan
// ended (Stop); EndCycle publishes the view. Reading a finished logdir is one cycle.
// Cost is linear in the bytes read: a value whose step does not go back is appended in O(1)
// amortised; an eviction or purge costs what it removes.
// The rules of each profile are stated at the top of strict.cc, tb_rust.cc and tb_python.cc.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "format/proto/event.pb.h"
#include "format/record_reader.h"
#include "harness/core/frame_scanner.h"
#include "harness/core/profile.h"

namespace tbfault::core {

// A file being read in this cycle: its index in RunView::files, path, descriptor and size.
struct FileInCycle {
  uint32_t index = 0;
  const std::string* path = nullptr;
  int fd = -1;
  uint64_t size = 0;
  bool newest = false;  // the last file of the run in name order.
};

// The tags of a run, each looked up once per value for all profiles (RunReader resolves them):
// ids are dense, in the order first seen. Writers log the same tags in the same order step after
// step, so the tag that followed the previous one last time is tried first (one comparison).
class TagIds {
 public:
  uint32_t Intern(const std::string& tag) {
    if (last_ != kNone && next_[last_] != kNone && names_[next_[last_]] == tag) {
      return last_ = next_[last_];
    }
    auto [it, inserted] = ids_.try_emplace(tag, static_cast<uint32_t>(names_.size()));
    if (inserted) {
      names_.push_back(tag);
      next_.push_back(kNone);
    }
    if (last_ != kNone) next_[last_] = it->second;
    return last_ = it->second;
  }
  const std::string& name(uint32_t id) const { return names_[id]; }
  // The id likely to come next (the one that followed the last one last time), or UINT32_MAX.
  uint32_t Predicted() const { return last_ == kNone ? kNone : next_[last_]; }
  size_t size() const { return names_.size(); }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  std::unordered_map<std::string, uint32_t> ids_;
  std::deque<std::string> names_;  // by id (a deque: references stay valid).
  std::vector<uint32_t> next_;     // by id: the id interned after it last time.
  uint32_t last_ = kNone;
};

class ProfileReader {
 public:
  virtual ~ProfileReader() = default;

  // A cycle begins. `files` are RunView::files indices of the files listed now, in name order.
  virtual void BeginCycle(const std::vector<uint32_t>& files) = 0;
  // Where the profile reads `f` from in this cycle; false: it does not read the file. Called in
  // name order, once per listed file.
  virtual bool Start(const FileInCycle& f, uint64_t* offset) = 0;
  // Whether the profile needs `frame` parsed as an Event.
  virtual bool NeedsParse(const ScanFrame& frame) const = 0;
  // The frame at the profile's position; `event` is the parsed Event, or null when the data does
  // not parse (or was not parsed: NeedsParse was false), and tags[i] the TagIds id of its i-th
  // summary value (null with `event`). False when the profile stops reading the file here for
  // this cycle.
  virtual bool Frame(const FileInCycle& f, const ScanFrame& frame, const tensorboard::Event* event,
                     const uint32_t* tags) = 0;
  // A hint: the next value is likely of `tag` (a TagIds id); its series may be fetched into cache.
  virtual void Prefetch(uint32_t tag) const { (void)tag; }
  // The scan ended at `offset` (the profile's position) with `stop`.
  virtual void Stop(const FileInCycle& f, ScanStop stop, uint64_t offset) = 0;
  // The cycle ends: the view is up to date.
  virtual void EndCycle() = 0;

  const RunView& view() const { return view_; }
  RunView TakeView() { return std::move(view_); }  // ends the reader: no cycle after it.

 protected:
  // view_.files is owned by the RunReader, which keeps it in step for every profile; tags_ is the
  // RunReader's (shared by its profiles).
  friend class RunReader;
  RunView view_;
  TagIds* tags_ = nullptr;
};

std::unique_ptr<ProfileReader> NewStrictReader();
std::unique_ptr<ProfileReader> NewTbRustReader();
std::unique_ptr<ProfileReader> NewTbPythonReader();

// The strict reader's damage per file (RunView::files order), as format::RecordReader reports it.
// `reader` must come from NewStrictReader().
const std::vector<std::vector<format::AnomalyReport>>& StrictAnomalies(const ProfileReader& reader);

}  // namespace tbfault::core
