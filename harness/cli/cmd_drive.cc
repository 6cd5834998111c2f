// tbfault drive: one writer process of a scenario, started by `tbfault run` (harness/runner/
// drive.h); not meant for people. Exit 0 when the writers closed, 2 on a bad plan or a fault rule
// faultfs refused (one line saying why); crash and power-cut actions end it with SIGKILL.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "harness/cli/command.h"
#include "harness/core/scenario.h"
#include "harness/runner/drive.h"

namespace tbfault::cli {
namespace {

constexpr char kUsage[] =
    "usage: tbfault drive --scenario FILE --writer SPEC --logdir DIR --control SOCKET\n"
    "                     --ledger PREFIX --stats FILE --steps FIRST:END --actions I:J\n"
    "                     [--arm-from STEP] [--baseline N] [--device cpu|gpu|auto]\n"
    "(internal: one writer process of a scenario, run by 'tbfault run')\n";

bool Range(std::string_view v, int64_t* a, int64_t* b) {
  size_t colon = v.find(':');
  if (colon == std::string_view::npos) return false;
  char* end = nullptr;
  std::string first(v.substr(0, colon)), second(v.substr(colon + 1));
  *a = std::strtoll(first.c_str(), &end, 10);
  if (*end != '\0' || first.empty()) return false;
  *b = std::strtoll(second.c_str(), &end, 10);
  return *end == '\0' && !second.empty();
}

int RunDrive(std::span<char*> args) {
  runner::DrivePlan plan;
  std::string scenario_file, writer;
  bool steps_set = false, actions_set = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= args.size()) {
      std::fprintf(stderr, "tbfault drive: %s needs a value\n%s", args[i], kUsage);
      return 2;
    }
    std::string v = args[++i];
    int64_t x = 0, y = 0;
    bool ok = true;
    if (a == "--scenario") {
      scenario_file = v;
    } else if (a == "--writer") {
      writer = v;
    } else if (a == "--logdir") {
      plan.logdir = v;
    } else if (a == "--control") {
      plan.control = v;
    } else if (a == "--ledger") {
      plan.ledger = v;
    } else if (a == "--stats") {
      plan.stats = v;
    } else if (a == "--device") {
      plan.device = v;
    } else if (a == "--steps") {
      ok = steps_set = Range(v, &plan.first_step, &plan.end_step);
    } else if (a == "--actions") {
      ok = actions_set = Range(v, &x, &y);
      plan.first_action = static_cast<int>(x);
      plan.last_action = static_cast<int>(y);
    } else if (a == "--arm-from") {
      plan.arm_from_step = std::strtoll(v.c_str(), nullptr, 10);
    } else if (a == "--baseline") {
      plan.baseline_steps = std::strtoll(v.c_str(), nullptr, 10);
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "tbfault drive: bad argument %.*s %s\n%s", static_cast<int>(a.size()),
                   a.data(), v.c_str(), kUsage);
      return 2;
    }
  }
  if (scenario_file.empty() || plan.logdir.empty() || plan.control.empty() || plan.ledger.empty() ||
      plan.stats.empty() || !steps_set || !actions_set) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (Status s = core::LoadScenario(scenario_file, &plan.scenario); !s.ok()) {
    std::fprintf(stderr, "tbfault drive: %s\n", s.ToString().c_str());
    return 2;
  }
  if (!writer.empty()) plan.scenario.mutable_writer()->set_spec(writer);
  if (plan.last_action > plan.scenario.actions_size() || plan.first_action < 0) {
    std::fprintf(stderr, "tbfault drive: --actions outside the scenario's actions\n");
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
