// A tbfault subcommand. Each lives in its own cmd_<name>.cc and registers itself:
//   TBFAULT_COMMAND(inspect, "summarise event files and report every anomaly", RunInspect);
// Exit statuses are the command's contract; 2 always means bad usage or bad input, with a one-line
// error on stderr naming the file and the reason.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tbfault::cli {

using CommandFn = int (*)(std::span<char*> args);  // args exclude the program and command names.

struct Command {
  std::string_view name;
  std::string_view summary;
  CommandFn run;
};

const std::vector<Command>& Commands();  // Sorted by name.

struct CommandRegistrar {
  explicit CommandRegistrar(Command c);
};

// The arguments of a command that takes one PATH and an optional --json (inspect, doctor).
// Returns -1 when the command should go on; otherwise the exit status, with the usage or the
// one-line error already printed (0 after --help, 2 on bad usage).
int ParsePathAndJson(std::span<char*> args, std::string_view command, const char* usage,
                     std::string* path, bool* json);

}  // namespace tbfault::cli

#define TBFAULT_COMMAND(name, summary, fn) \
  static ::tbfault::cli::CommandRegistrar tbfault_command_##name({#name, summary, fn})
// For a command whose name is not an identifier ("bench-policies"): `id` names the registrar.
#define TBFAULT_COMMAND_NAMED(id, name, summary, fn) \
  static ::tbfault::cli::CommandRegistrar tbfault_command_##id({name, summary, fn})
