#include "harness/cli/command.h"

#include <algorithm>
#include <cstdio>

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

int ParsePathAndJson(std::span<char*> args, std::string_view command, const char* usage,
                     std::string* path, bool* json) {
  for (std::string_view a : args) {
    if (a == "--json") {
      *json = true;
    } else if (a == "--help" || a == "-h") {
      std::fputs(usage, stdout);
      return 0;
    } else if (a.starts_with("-") || !path->empty()) {
      std::fprintf(stderr, "tbfault %.*s: unexpected argument '%.*s'\n%s",
                   static_cast<int>(command.size()), command.data(), static_cast<int>(a.size()),
                   a.data(), usage);
      return 2;
    } else {
      *path = a;
    }
  }
  if (path->empty()) {
    std::fputs(usage, stderr);
    return 2;
  }
  return -1;
}

}  // namespace tbfault::cli
