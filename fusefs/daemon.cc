#include "fusefs/daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include "fusefs/control_client.h"

namespace faultfs {
namespace {

std::vector<char*> Argv(const std::vector<std::string>& args) {
  std::vector<char*> a;
  for (const auto& s : args) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  return a;
}

std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// A setuid-root fusermount3 in PATH.
bool HaveFusermount() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  for (size_t at = 0; at <= dirs.size();) {
    size_t end = dirs.find(':', at);
    if (end == std::string::npos) end = dirs.size();
    std::string bin = dirs.substr(at, end - at) + "/fusermount3";
    struct stat st;
    if (::stat(bin.c_str(), &st) == 0 && st.st_uid == 0 && (st.st_mode & S_ISUID)) return true;
    at = end + 1;
  }
  return false;
}

}  // namespace

pid_t Spawn(const std::vector<std::string>& args, const SpawnOptions& o) {
  std::vector<char*> argv = Argv(args);  // built before fork: no allocation in the child.
  const char* log = o.log.empty() ? "/dev/null" : o.log.c_str();
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  if (o.own_group) ::setpgid(0, 0);
  if (o.parent_death_signal != 0) {
    ::prctl(PR_SET_PDEATHSIG, o.parent_death_signal);
    if (::getppid() != parent) _exit(127);  // the parent died before prctl took effect.
  }
  int fd = ::open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
  }
  if (o.search_path) {
    ::execvp(argv[0], argv.data());
  } else {
    ::execv(argv[0], argv.data());
  }
  _exit(127);
}

bool RunQuietly(const std::vector<std::string>& args) {
  SpawnOptions o;
  o.search_path = true;
  pid_t pid = Spawn(args, o);
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool IsMounted(const std::string& dir) {
  std::ifstream mounts("/proc/self/mounts");
  std::string dev, mnt, rest;
  while (mounts >> dev >> mnt && std::getline(mounts, rest)) {
    if (mnt == dir) return true;
  }
  return false;
}

bool FuseUnmount(const std::string& dir) {
  if (!RunQuietly({"fusermount3", "-u", dir})) RunQuietly({"fusermount3", "-uz", dir});
  return !IsMounted(dir);
}

bool CanMount(const std::string& device, std::string* why) {
  int fd = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    *why = device + ": " + std::strerror(errno) + " (FUSE is not available here)";
    return false;
  }
  ::close(fd);
  if (::geteuid() != 0 && !HaveFusermount()) {
    *why = "uid " + std::to_string(::geteuid()) +
           " may not mount FUSE: no setuid-root fusermount3 in PATH";
    return false;
  }
  return true;
}

bool Daemon::Start(Options options, std::string* why) {
  Unmount();
  o_ = std::move(options);
  exit_status_ = 0;
  pid_ = Spawn(o_.argv, o_.spawn);
  if (pid_ < 0) {
    *why = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o_.start_timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string reply, error;
    if (IsMounted(o_.mount) &&
        (o_.control.empty() || ControlCall(o_.control, "ping", &reply, &error))) {
      return true;
    }
    if (Reap(0)) {
      std::string line = o_.spawn.log.empty() ? "" : FirstLine(o_.spawn.log);
      *why = line.empty() ? "exited with status " + std::to_string(exit_status_) : line;
      Unmount();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  *why = "did not mount within " + std::to_string(o_.start_timeout_ms / 1000) + " s";
  Unmount();
  return false;
}

bool Daemon::Reap(int ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (pid_ > 0) {
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      pid_ = -1;
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

bool Daemon::Unmount() {
  bool clean = true;
  if (pid_ > 0) {
    std::string reply, error;
    if (!o_.control.empty()) {
      ControlCall(o_.control, "unmount", &reply, &error);
    } else {
      clean = FuseUnmount(o_.mount);  // a daemon without control exits once unmounted.
    }
    if (!Reap(5000)) {
      clean = false;
      FuseUnmount(o_.mount);
      if (!Reap(2000)) {
        ::kill(pid_, SIGKILL);
        Reap(5000);
        exit_status_ = -1;
      }
    }
  }
  if (!o_.mount.empty() && IsMounted(o_.mount)) {
    clean = false;
    FuseUnmount(o_.mount);
  }
  return clean;
}

void Daemon::Abort() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    Reap(5000);
  }
  if (!o_.mount.empty() && IsMounted(o_.mount)) RunQuietly({"fusermount3", "-uz", o_.mount});
  Unmount();
}

}  // namespace faultfs
