// FaultMount: one faultfs daemon (fusefs/) over a backing directory, for one scenario, run through
// faultfs::Daemon (fusefs/daemon.h): Start() waits until the mount answers on its control socket;
// Unmount() always leaves nothing mounted — `unmount` over the socket, then fusermount3 -u, then
// -uz and SIGKILL of the daemon. The destructor unmounts too. The daemon gets SIGTERM (and
// unmounts) when the thread that started it dies, so a SIGKILLed runner leaves no live mount
// behind.
//
// Mount points live in <root>/tbfault-<runner pid>-<n>/mnt, the tbfault-* directory mode 0700 (only
// the harness's user reaches the mount), so that CleanStaleMounts() can find mounts a dead runner
// left behind (their runner pid is gone) and unmount them — but never under a live process.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "format/status.h"
#include "fusefs/daemon.h"

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
  bool mounted() const { return daemon_.running(); }

 private:
  std::string dir_, mount_, socket_;
  faultfs::Daemon daemon_;
};

// Whether a run can mount faultfs at all (`device` opens, the user may mount): the one-line error
// `tbfault run` prints before anything runs.
Status CheckCanMount(const std::string& device = "/dev/fuse");
// The faultfs binary: $TBFAULT_FAULTFS, else `faultfs` beside the running executable.
std::string FaultfsBinary();
// Unmounts FUSE mounts under `root` ("" = $TMPDIR or /tmp) left by runners that are no longer
// alive; returns how many. Safe to call while other runners work (it skips live ones). A process
// still working in a stale mount is not left to write onto the disk below it: an orphaned tbfault
// or faultfs process is killed first; any other one keeps the mount (named in `kept`, if given).
int CleanStaleMounts(const std::string& root, std::vector<std::string>* kept = nullptr);
// Unmounts every mount this process still holds (for signal handlers' last resort; not
// async-signal-safe, call it from the main thread after a signal was seen).
void UnmountAll();
bool IsMounted(const std::string& dir);

}  // namespace tbfault::runner
