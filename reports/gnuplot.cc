#include "reports/gnuplot.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "reports/results.h"

extern char** environ;

namespace tbfault::reports {

bool GnuplotAvailable() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && access((dir + "/gnuplot").c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string GnuplotQuote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "''";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "'";
}

Status RenderSvg(std::string_view script, std::string* svg) {
  char dir_template[] = "/tmp/tbfault-gnuplot.XXXXXX";
  if (mkdtemp(dir_template) == nullptr)
    return Status::FromErrno(errno, "mkdtemp /tmp/tbfault-gnuplot");
  const std::string dir = dir_template;
  const std::string in = dir + "/plot.gp", out = dir + "/plot.svg", err = dir + "/stderr";
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir};
  Status s = WriteFile(in, script);
  if (!s.ok()) return s;

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  char arg0[] = "gnuplot";
  char* argv[] = {arg0, nullptr};
  pid_t pid;
  int rc = posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return Status::FromErrno(rc, "run gnuplot");
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Status::FromErrno(errno, "wait for gnuplot");
  }
  std::string errors;
  ReadFile(err, &errors).Ignore();  // best effort: only to explain a failure.
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    while (!errors.empty() && (errors.back() == '\n' || errors.back() == ' ')) errors.pop_back();
    return Status::Invalid("gnuplot failed: " + errors);
  }
  s = ReadFile(out, svg);
  if (!s.ok()) return s;
  size_t start = svg->find("<svg");
  if (start == std::string::npos) return Status::Invalid("gnuplot wrote no SVG: " + errors);
  svg->erase(0, start);
  return Status::Ok();
}

}  // namespace tbfault::reports
