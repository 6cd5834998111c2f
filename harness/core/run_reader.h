// RunReader: the reload cycles of one run, for one or more reader profiles at once. Each Cycle is
// what TensorBoard's reload loop does: it takes the run's event files that exist now (full paths,
// name order) and reads each from where each profile left it, in bounded chunks; every frame is
// read and parsed once for all the profiles that ask for it (profile_reader.h). Reading a finished
// run is one cycle; following a growing run is one cycle per poll. Errors only when a listed file
// cannot be opened or read (the error names it).
// Files are kept open across cycles, as both TensorBoard loaders do (FINDINGS.md R2): a file is
// opened by name the first time it is listed and read on through that descriptor, so a file
// replaced by rename (rsync, `gsutil rsync`) or deleted and made again goes on being read through
// the old inode; the replacement is never read. At most `max_open` files are kept open (least
// recently read closed first); a file closed by that bound is opened by name again when next
// listed, and so reads a replacement from its old offset (a divergence from TensorBoard, which
// keeps them all open, only for runs of more than `max_open` files).
#pragma once

#include <google/protobuf/arena.h>

#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "format/status.h"
#include "harness/core/profile_reader.h"

namespace tbfault::core {

class RunReader {
 public:
  static constexpr size_t kMaxOpenFiles = 256;
  explicit RunReader(const std::vector<Profile>& profiles, size_t max_open = kMaxOpenFiles);
  RunReader(RunReader&&) = delete;
  ~RunReader();

  Status Cycle(const std::vector<std::string>& files);

  // The reader of `p`, or null when `p` is not one of the profiles.
  ProfileReader* reader(Profile p);
  const ProfileReader* reader(Profile p) const;
  // Every file listed so far, in the order first listed (RunView::files).
  const std::vector<std::string>& files() const { return files_; }
  uint64_t bytes_read() const { return bytes_read_; }
  size_t open_files() const { return lru_.size(); }
  // Closes every kept descriptor (a later cycle opens them again): what a reader holds open keeps
  // a FUSE mount busy, so the live reader lets go before the mount is taken down.
  void CloseFiles();

 private:
  Status ReadFile(const FileInCycle& f);
  // The descriptor of file `index`: the kept one, or `path` opened now (closing the least recently
  // read when max_open_ are open). -1 with errno set when it cannot be opened.
  int Open(uint32_t index, const std::string& path);

  struct Kept {
    int fd = -1;
    std::list<uint32_t>::iterator lru;  // in lru_ when fd >= 0.
  };

  std::vector<std::pair<Profile, std::unique_ptr<ProfileReader>>> readers_;
  std::vector<std::string> files_;
  std::unordered_map<std::string, uint32_t> index_;
  std::vector<Kept> kept_;   // by file index.
  std::list<uint32_t> lru_;  // the open files' indexes, most recently read first.
  size_t max_open_;
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
