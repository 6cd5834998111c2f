// The one way to run a FUSE daemon as a child (tests, benchmarks and the harness all use it):
// Spawn() starts a program, Daemon waits until it has mounted (and, given a control socket, answers
// `ping`) and always leaves nothing mounted: `unmount` over the socket, then fusermount3 -u, then
// -uz and SIGKILL. CanMount() says whether this process may mount FUSE at all. Depends on the C
// library only (it is part of the control client library the harness links).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace faultfs {

struct SpawnOptions {
  std::string log;              // stdout and stderr to this file ("": /dev/null).
  bool own_group = false;       // its own process group: a Ctrl-C to us does not reach it.
  int parent_death_signal = 0;  // sent to it when the spawning thread dies (PR_SET_PDEATHSIG).
  bool search_path = false;     // argv[0] looked up in PATH.
};
// Starts argv; -1 (errno set) when fork fails. Between fork and exec only async-signal-safe calls.
pid_t Spawn(const std::vector<std::string>& argv, const SpawnOptions& options);
// Runs argv (looked up in PATH) with its output discarded; true when it exited 0.
bool RunQuietly(const std::vector<std::string>& argv);

bool IsMounted(const std::string& dir);
// fusermount3 -u, and -uz (lazy) when a plain unmount is refused; true when `dir` is unmounted.
bool FuseUnmount(const std::string& dir);
// Whether FUSE can be mounted here: `device` opens for reading and writing, and a user other than
// root has a setuid-root fusermount3. False with one line saying why.
bool CanMount(const std::string& device, std::string* why);

class Daemon {
 public:
  struct Options {
    std::vector<std::string> argv;  // argv[0]: the daemon's path; run in the foreground.
    std::string mount;              // where it mounts.
    std::string control;            // its faultfs control socket ("": none, not faultfs).
    SpawnOptions spawn;
    int start_timeout_ms = 10000;
  };
  Daemon() = default;
  ~Daemon() { Unmount(); }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // False when it exited first (why: the first line of its log, if any) or did not mount in time;
  // nothing is left mounted then.
  bool Start(Options options, std::string* why);
  // Unmounts and reaps the daemon; idempotent. False when it had to be forced (-uz or SIGKILL).
  bool Unmount();
  // For a hung mount: kills the daemon (failing every request in flight) and unmounts lazily.
  void Abort();

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  // How the daemon ended: its exit code, or -1 when a signal (ours or another's) ended it.
  int exit_status() const { return exit_status_; }

 private:
  bool Reap(int ms);
  Options o_;
  pid_t pid_ = -1;
  int exit_status_ = 0;
};

}  // namespace faultfs
