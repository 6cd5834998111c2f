// Child processes of the runner: faultfs daemons, writer processes and fusermount3 calls.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace tbfault::runner {

// Starts argv[0] (a path) with stdout and stderr to `log`, in its own process group (a Ctrl-C to
// the runner must not reach it: the runner decides what happens to its children). -1 on failure.
pid_t SpawnLogged(const std::vector<std::string>& argv, const std::string& log);

// Runs argv[0] (looked up in PATH) with its output discarded; true when it exited 0.
bool RunQuietly(const std::vector<std::string>& argv);

}  // namespace tbfault::runner
