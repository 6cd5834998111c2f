#include "harness/runner/process.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace tbfault::runner {
namespace {

// Between fork and exec only async-signal-safe calls: the runner may have threads (--jobs).
[[noreturn]] void Exec(char* const* argv, const char* output, bool new_group, bool search) {
  if (new_group) setpgid(0, 0);
  int fd = output != nullptr ? open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
                             : open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
  }
  if (search) {
    execvp(argv[0], argv);
  } else {
    execv(argv[0], argv);
  }
  _exit(127);
}

std::vector<char*> Argv(const std::vector<std::string>& args) {
  std::vector<char*> a;
  for (const auto& s : args) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  return a;
}

}  // namespace

pid_t SpawnLogged(const std::vector<std::string>& args, const std::string& log) {
  std::vector<char*> argv = Argv(args);  // built before fork: no allocation in the child.
  pid_t pid = fork();
  if (pid == 0) Exec(argv.data(), log.c_str(), /*new_group=*/true, /*search=*/false);
  return pid;
}

bool RunQuietly(const std::vector<std::string>& args) {
  std::vector<char*> argv = Argv(args);
  pid_t pid = fork();
  if (pid == 0) Exec(argv.data(), nullptr, /*new_group=*/false, /*search=*/true);
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace tbfault::runner
