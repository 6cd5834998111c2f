// A tbfault subcommand. Each lives in its own cmd_<name>.cc and registers itself:
//   TBFAULT_COMMAND(inspect, "summarise event files and report every anomaly", RunInspect);
// Exit statuses are the command's contract; 2 always means bad usage or bad input, with a one-line
// error on stderr naming the file and the reason. Commands parse their flags with Flags (flags.h).
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

}  // namespace tbfault::cli

#define TBFAULT_COMMAND(name, summary, fn) \
  static ::tbfault::cli::CommandRegistrar tbfault_command_##name({#name, summary, fn})
// For a command whose name is not an identifier ("bench-policies"): `id` names the registrar.
#define TBFAULT_COMMAND_NAMED(id, name, summary, fn) \
  static ::tbfault::cli::CommandRegistrar tbfault_command_##id({name, summary, fn})
