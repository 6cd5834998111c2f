// Tests only: runs the built tbfault binary (TBFAULT_BIN) as a user would and captures its exit
// status, stdout and stderr.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace tbfault::cli::testing {

struct Result {
  int status;
  std::string out;
  std::string err;
};

inline std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `tbfault ARGS`, with its output kept in `scratch` (a directory) while it runs; `prefix` is a
// command that runs it (e.g. "setpriv ... --").
inline Result RunTbfault(const std::string& args, const std::filesystem::path& scratch,
                         const std::string& prefix = "") {
  std::filesystem::path out = scratch / "out", err = scratch / "err";
  std::string cmd =
      prefix + std::string(TBFAULT_BIN) + " " + args + " >" + out.string() + " 2>" + err.string();
  int raw = std::system(cmd.c_str());
  Result r{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, Slurp(out), Slurp(err)};
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

inline int CountLines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace tbfault::cli::testing
