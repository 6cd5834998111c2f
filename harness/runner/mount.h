// FaultMount: one faultfs daemon (fusefs/) over a backing directory, for one scenario. Start()
// runs the faultfs binary in the foreground as a child and waits until the mount answers on its
// control socket; Unmount() always leaves nothing mounted — `unmount` over the socket, then
// fusermount3 -u, then -uz and SIGKILL of the daemon. The destructor unmounts too.
//
// Mount points live in <root>/tbfault-<runner pid>-<n>/mnt, so that CleanStaleMounts() can find
// mounts a runner killed with SIGKILL left behind (their runner pid is gone) and unmount them.
#pragma once

#include <sys/types.h>

#include <string>

#include "format/status.h"

namespace tbfault::runner {

struct MountOptions {
  std::string backing;  // the directory the writer's files really land in (kept after the run).
  std::string root;     // where the mount point is made ("" = $TMPDIR or /tmp).
  uint64_t seed = 1;
  std::string fsync_errors;  // "linux" (default) or "sticky".
  std::string trace;         // faultfs trace file ("" = none).
};

class FaultMount {
 public:
  FaultMount() = default;
  ~FaultMount() { Unmount(); }
  FaultMount(const FaultMount&) = delete;
  FaultMount& operator=(const FaultMount&) = delete;

  // Errors: no /dev/fuse, no faultfs binary, or the daemon's own one-line error.
  Status Start(const MountOptions& options);
  // Sends one control command; the reply (after "OK") or the error.
  Status Control(const std::string& request, std::string* reply = nullptr) const;
  // Unmounts and reaps the daemon; idempotent. False when it had to be forced (-uz or SIGKILL).
  bool Unmount();
  // For a hung mount: kills the daemon (which fails every request in flight, so a writer stuck in
  // one can die) and unmounts lazily.
  void Abort();

  const std::string& mount_point() const { return mount_; }
  const std::string& control_socket() const { return socket_; }
  bool mounted() const { return pid_ > 0; }

 private:
  bool Reap(int ms);
  std::string dir_, mount_, socket_;
  pid_t pid_ = -1;
};

// The faultfs binary: $TBFAULT_FAULTFS, else `faultfs` beside the running executable.
std::string FaultfsBinary();
// Unmounts FUSE mounts under `root` ("" = $TMPDIR or /tmp) left by runners that are no longer
// alive; returns how many. Safe to call while other runners work (it skips live ones).
int CleanStaleMounts(const std::string& root);
// Unmounts every mount this process still holds (for signal handlers' last resort; not
// async-signal-safe, call it from the main thread after a signal was seen).
void UnmountAll();
bool IsMounted(const std::string& dir);

}  // namespace tbfault::runner
