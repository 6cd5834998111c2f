// Child processes of the runner: writer processes and fusermount3 calls, through the one spawner
// (fusefs/daemon.h). A child dies with the runner (PR_SET_PDEATHSIG), so a SIGKILLed runner leaves
// no writer behind to write onto the real disk once its mount is gone.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <string>
#include <vector>

namespace tbfault::runner {

// Starts argv[0] (a path) with stdout and stderr to `log`, in its own process group (a Ctrl-C to
// the runner must not reach it: the runner decides what happens to its children), killed with
// `death_signal` when the spawning thread dies. -1 on failure.
pid_t SpawnLogged(const std::vector<std::string>& argv, const std::string& log,
                  int death_signal = SIGKILL);

// Runs argv[0] (looked up in PATH) with its output discarded; true when it exited 0.
bool RunQuietly(const std::vector<std::string>& argv);

}  // namespace tbfault::runner
