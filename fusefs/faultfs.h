// FaultFs: a libfuse3 low-level passthrough over a backing directory that injects faults by rule
// (rules.h), enforces a quota, models durability (durability.h) and can be frozen by a power cut.
// Access is decided here (no `default_permissions`), so EACCES can be injected even for root, and
// only the mount's owner (and one admitted guest uid, if any) is served: any other uid gets EACCES,
// whatever the kernel let through (`allow_other` is used only to admit a guest). fsync
// is always answered (never ENOSYS, which would make the kernel treat every later fsync as
// success). Delays are deferred replies from a timer thread (delayer.h): a delayed op holds no
// handler thread.
#pragma once

#define FUSE_USE_VERSION 34
#include <fuse_lowlevel.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fusefs/crash_point.h"
#include "fusefs/delayer.h"
#include "fusefs/durability.h"
#include "fusefs/rules.h"

namespace faultfs {

struct Inode;

class FaultFs {
 public:
  struct Options {
    std::string backing;
    uint64_t seed = 0;
    std::string trace_path;  // empty: no trace.
    bool sticky_fsync_errors = false;
    uid_t owner = 0;                       // the uid served (the daemon's own).
    uid_t guest = static_cast<uid_t>(-1);  // one more uid served; -1: none.
  };
  explicit FaultFs(Options options);
  ~FaultFs();
  // Opens the backing root and the trace; an error names the path.
  bool Init(std::string* error);
  // Starts the threads (the delay timer). After fuse_daemonize(), whose fork they would not
  // survive.
  void StartThreads() { delayer_.Start(); }

  static const fuse_lowlevel_ops& Operations();

  RuleEngine& rules() { return rules_; }
  Durability& durability() { return durability_; }
  void SetQuota(uint64_t bytes, bool short_write);
  uint64_t used_bytes() const { return used_.load(); }
  uint64_t quota() const { return quota_.load(); }
  // Freezes the mount (every op fails with EIO), then drops what is not durable.
  std::string PowerCut(CutMode mode);
  void Thaw() { frozen_.store(false); }
  // Arms (or, with after_op 0, disarms) the crash point (crash_point.h); the error names the field.
  bool ArmCrashPoint(const CrashPointSpec& spec, std::string* error);
  bool frozen() const { return frozen_.load(); }

  // Internal to the op handlers (faultfs.cc).
  struct Impl;

 private:
  friend struct Impl;
  uint64_t BackingBytes() const;
  Options options_;
  RuleEngine rules_;
  Durability durability_;
  Delayer delayer_;
  std::unique_ptr<Inode> root_;
  std::mutex inodes_mu_;
  std::map<std::pair<dev_t, ino_t>, Inode*> inodes_;
  std::atomic<bool> frozen_{false};
  std::atomic<uint64_t> quota_{0}, used_{0};
  std::atomic<bool> quota_short_write_{false};
  std::atomic<uint64_t> seq_{0};
  std::vector<std::unique_ptr<const std::string>> retired_paths_;  // guarded by inodes_mu_.
  FILE* trace_ = nullptr;
  std::mutex trace_mu_;
  CrashPoint crash_;  // guarded by trace_mu_ (armed() is not).
};

}  // namespace faultfs
