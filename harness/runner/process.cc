#include "harness/runner/process.h"

#include "fusefs/daemon.h"

namespace tbfault::runner {

pid_t SpawnLogged(const std::vector<std::string>& args, const std::string& log, int death_signal) {
  faultfs::SpawnOptions o;
  o.log = log;
  o.own_group = true;
  o.parent_death_signal = death_signal;
  return faultfs::Spawn(args, o);
}

bool RunQuietly(const std::vector<std::string>& args) { return faultfs::RunQuietly(args); }

}  // namespace tbfault::runner
