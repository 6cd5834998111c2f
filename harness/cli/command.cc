#include "harness/cli/command.h"

#include <algorithm>

namespace tbfault::cli {
namespace {
std::vector<Command>& Registry() {
  static std::vector<Command> commands;
  return commands;
}
}  // namespace

const std::vector<Command>& Commands() { return Registry(); }

CommandRegistrar::CommandRegistrar(Command c) {
  auto& r = Registry();
  r.insert(std::upper_bound(r.begin(), r.end(), c,
                            [](const Command& a, const Command& b) { return a.name < b.name; }),
           c);
}

}  // namespace tbfault::cli
