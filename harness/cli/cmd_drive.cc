// tbfault drive: one writer process of a scenario, started by `tbfault run` (harness/runner/
// drive.h); not meant for people. Its command line is runner::DrivePlan's (drive_plan.h: built by
// ToArgs, read by ParseDrivePlan, one flag table). Exit 0 when the writers closed (or an EXIT
// action left them open), 2 on a bad plan or a fault rule faultfs refused (one line saying why);
// crash and power-cut actions end it with SIGKILL.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "harness/cli/command.h"
#include "harness/runner/drive.h"

namespace tbfault::cli {
namespace {

int RunDrive(std::span<char*> args) {
  std::vector<std::string> list(args.begin(), args.end());
  if (list.size() == 1 && (list[0] == "--help" || list[0] == "-h")) {
    std::fputs(runner::DriveUsage().c_str(), stdout);
    return 0;
  }
  runner::DrivePlan plan;
  if (Status s = runner::ParseDrivePlan(list, &plan); !s.ok()) {
    // One line, the last of the log, which the runner quotes (usage with --help: drive is
    // internal).
    std::fprintf(stderr, "tbfault drive: %s\n", s.ToString().c_str());
    return 2;
  }
  if (Status s = runner::Drive(plan); !s.ok()) {
    std::fprintf(stderr, "tbfault drive: %s\n", s.ToString().c_str());
    return 2;
  }
  return 0;
}

}  // namespace

TBFAULT_COMMAND(drive, "(internal) one writer process of a scenario, for 'tbfault run'", RunDrive);

}  // namespace tbfault::cli
