// RunReader: the reload cycles of one run, for one or more reader profiles at once. Each Cycle is
// what TensorBoard's reload loop does: it takes the run's event files that exist now (full paths,
// name order) and reads each from where each profile left it, in bounded chunks; every frame is
// read and parsed once for all the profiles that ask for it (profile_reader.h). Reading a finished
// run is one cycle; following a growing run is one cycle per poll. Errors only when a listed file
// cannot be opened or read (the error names it).
#pragma once

#include <google/protobuf/arena.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "format/status.h"
#include "harness/core/profile_reader.h"

namespace tbfault::core {

class RunReader {
 public:
  explicit RunReader(const std::vector<Profile>& profiles);
  RunReader(RunReader&&) = delete;

  Status Cycle(const std::vector<std::string>& files);

  // The reader of `p`, or null when `p` is not one of the profiles.
  ProfileReader* reader(Profile p);
  const ProfileReader* reader(Profile p) const;
  // Every file listed so far, in the order first listed (RunView::files).
  const std::vector<std::string>& files() const { return files_; }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  Status ReadFile(const FileInCycle& f);

  std::vector<std::pair<Profile, std::unique_ptr<ProfileReader>>> readers_;
  std::vector<std::string> files_;
  std::unordered_map<std::string, uint32_t> index_;
  uint64_t bytes_read_ = 0;
  TagIds tags_;
  std::vector<uint32_t> value_tags_;  // of the frame being handed out.
  // Events are parsed on an arena, reset every kFramesPerArena frames: no allocation per frame.
  // The arena's first block is ours (kept across resets), so resets do not return memory to malloc.
  // Resets are frequent so that the part of it in use stays in cache (~512 bytes a scalar event).
  static constexpr int kFramesPerArena = 64;
  static google::protobuf::ArenaOptions ArenaBlock(std::string* block);
  std::string arena_block_;
  google::protobuf::Arena arena_;
  int frames_on_arena_ = 0;
};

}  // namespace tbfault::core
