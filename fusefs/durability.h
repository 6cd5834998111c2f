// Durability: what faultfs's backing directory would hold after a power cut. Like LevelDB's
// fault_injection_test and RocksDB's FaultInjectionTestFS, a file's durable state is its size at
// its last successful fsync (files are treated as append-only: an overwrite inside the synced
// prefix is not undone), and a name is durable once its parent directory was fsynced after the name
// was created. Files that existed before the mount are durable as found. With the `linux` fsync
// error mode, the bytes that were dirty when an fsync failed are lost for good: a later successful
// fsync does not bring them back (PostgreSQL's 2018 lesson).
//
// PowerCut() rewrites the backing directory in place: a name renamed since its directory's last
// sync goes back to the name it had then (children of a renamed directory move with it); a name
// created since then is removed; each file keeps its durable bytes and, of the rest, by mode:
//   plain      nothing;
//   torn       a seeded random prefix of the unsynced bytes;
//   zero-fill  the unsynced bytes, as zeros (the size survives, the data does not: seen on NFS);
//   reorder    a seeded random subset of the unsynced 4 KiB blocks, the others as zeros, cut after
//              the last block kept.
// A file's draws depend on the seed and on which file it is by the order the mount first met it
// (created or seen), never on its name: event file names carry the time and the pid, so a draw
// keyed by the name differed between two runs of one seed (torn and reorder cuts were not
// replayable).
// Paths are relative to the mount root, starting with "/". Thread-safe (one mutex, not on the write
// path).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace faultfs {

enum class CutMode { kPlain, kTorn, kZeroFill, kReorder };
bool ParseCutMode(const std::string& name, CutMode* mode);

class Durability {
 public:
  explicit Durability(std::string backing_root) : root_(std::move(backing_root)) {}

  void Seen(const std::string& path, uint64_t size);   // first sight of an existing file: durable.
  void Created(const std::string& path, bool is_dir);  // a new name: nothing durable yet.
  void Synced(const std::string& path, uint64_t size);
  void DirSynced(const std::string& dir);
  void Renamed(const std::string& from, const std::string& to);
  void Removed(const std::string& path);
  void FsyncFailed(const std::string& path, uint64_t size);  // linux mode: dirty bytes are lost.

  // Applies the cut to the backing directory; returns one line per change made.
  std::string PowerCut(CutMode mode, uint64_t seed);
  // "path durable=N size=M" per tracked file.
  std::string Describe();

 private:
  struct Entry {
    bool is_dir = false;
    bool name_durable = true;
    std::string durable_name;  // where it was at its last durable point; empty: never durable.
    uint64_t durable = 0;
    std::vector<std::pair<uint64_t, uint64_t>> lost;  // [from, to) lost by failed fsyncs.
    uint64_t ordinal = 0;  // the order the mount first met it in (1-based): its draws' key.
  };
  Entry& Track(const std::string& path);  // the entry, made (with its ordinal) if new.
  static std::string Parent(const std::string& path);

  const std::string root_;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
  uint64_t next_ordinal_ = 0;
};

}  // namespace faultfs
