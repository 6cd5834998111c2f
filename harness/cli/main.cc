// tbfault: benchmark and fault-injection harness for TensorBoard summary writers.
#include <cstdio>
#include <cstring>
#include <span>
#include <string_view>

#include "harness/cli/command.h"

namespace {

void Usage(FILE* out) {
  std::fprintf(out, "usage: tbfault COMMAND [ARGS...]\n\ncommands:\n");
  for (const auto& c : tbfault::cli::Commands()) {
    std::fprintf(out, "  %-16.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
  std::fprintf(out, "\n'tbfault COMMAND --help' describes one command.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    Usage(stderr);
    return 2;
  }
  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    Usage(stdout);
    return 0;
  }
  for (const auto& c : tbfault::cli::Commands()) {
    if (c.name == name) return c.run(std::span<char*>(argv + 2, argc - 2));
  }
  std::fprintf(stderr, "tbfault: unknown command '%s' (try 'tbfault --help')\n", argv[1]);
  return 2;
}
