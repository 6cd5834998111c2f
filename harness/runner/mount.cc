#include "harness/runner/mount.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <thread>
#include <vector>

#include "fusefs/control_client.h"
#include "harness/runner/process.h"

namespace tbfault::runner {
namespace fs = std::filesystem;

namespace {

std::mutex g_mu;
std::set<FaultMount*> g_live;
std::atomic<int> g_counter{0};

std::string TempRoot(const std::string& root) {
  if (!root.empty()) return root;
  const char* t = std::getenv("TMPDIR");
  return t != nullptr && *t != '\0' ? t : "/tmp";
}

// fusermount3 -u, and -uz (lazy) when a plain unmount is refused.
void FuseUnmount(const std::string& dir) {
  if (!RunQuietly({"fusermount3", "-u", dir})) RunQuietly({"fusermount3", "-uz", dir});
}

std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

bool IsMounted(const std::string& dir) {
  std::ifstream mounts("/proc/self/mounts");
  std::string dev, mnt, rest;
  while (mounts >> dev >> mnt && std::getline(mounts, rest)) {
    if (mnt == dir) return true;
  }
  return false;
}

std::string FaultfsBinary() {
  if (const char* env = std::getenv("TBFAULT_FAULTFS"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / "faultfs").string();
}

Status FaultMount::Start(const MountOptions& o) {
  if (access("/dev/fuse", R_OK | W_OK) != 0) {
    return Status::FromErrno(errno, "/dev/fuse: cannot open (FUSE is not available here)");
  }
  std::string bin = FaultfsBinary();
  if (access(bin.c_str(), X_OK) != 0) return Status::FromErrno(errno, bin + ": faultfs binary");
  dir_ = TempRoot(o.root) + "/tbfault-" + std::to_string(getpid()) + "-" +
         std::to_string(g_counter.fetch_add(1));
  mount_ = dir_ + "/mnt";
  socket_ = dir_ + "/control.sock";
  std::error_code ec;
  fs::remove_all(dir_, ec);
  fs::create_directories(mount_, ec);
  if (ec) return Status::FromErrno(ec.value(), mount_ + ": cannot create the mount point");
  fs::create_directories(o.backing, ec);
  if (ec) return Status::FromErrno(ec.value(), o.backing + ": cannot create the backing dir");
  std::string log = dir_ + "/faultfs.log";
  std::vector<std::string> args = {bin,       "--backing", o.backing,
                                   "--mount", mount_,      "--control",
                                   socket_,   "--seed",    std::to_string(o.seed),
                                   "-f"};
  if (!o.trace.empty()) args.insert(args.end(), {"--trace", o.trace});
  if (!o.fsync_errors.empty()) args.insert(args.end(), {"--fsync-errors", o.fsync_errors});
  pid_ = SpawnLogged(args, log);
  if (pid_ < 0) return Status::FromErrno(errno, "fork faultfs");
  {
    std::lock_guard<std::mutex> lock(g_mu);
    g_live.insert(this);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string reply, error;
    if (IsMounted(mount_) && faultfs::ControlCall(socket_, "ping", &reply, &error)) {
      return Status::Ok();
    }
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::string why = FirstLine(log);
      Unmount();
      return Status::Invalid("faultfs did not mount: " + (why.empty() ? "exited" : why));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  Unmount();
  return Status::FromErrno(ETIMEDOUT, "faultfs did not mount within 10 s");
}

Status FaultMount::Control(const std::string& request, std::string* reply) const {
  std::string r, error;
  if (!faultfs::ControlCall(socket_, request, &r, &error)) {
    return Status::Invalid("faultfs " + request.substr(0, request.find(' ')) + ": " + error);
  }
  if (reply != nullptr) *reply = r;
  return Status::Ok();
}

bool FaultMount::Reap(int ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (pid_ > 0) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

bool FaultMount::Unmount() {
  bool clean = true;
  if (pid_ > 0) {
    std::string reply, error;
    faultfs::ControlCall(socket_, "unmount", &reply, &error);
    if (!Reap(5000)) {
      clean = false;
      FuseUnmount(mount_);
      if (!Reap(2000)) {
        kill(pid_, SIGKILL);
        Reap(5000);
      }
    }
  }
  if (!mount_.empty() && IsMounted(mount_)) {
    clean = false;
    FuseUnmount(mount_);
  }
  if (!dir_.empty() && !IsMounted(mount_)) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::lock_guard<std::mutex> lock(g_mu);
  g_live.erase(this);
  return clean;
}

void FaultMount::Abort() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    Reap(5000);
  }
  if (!mount_.empty() && IsMounted(mount_)) RunQuietly({"fusermount3", "-uz", mount_});
  Unmount();
}

void UnmountAll() {
  std::vector<FaultMount*> live;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    live.assign(g_live.begin(), g_live.end());
  }
  for (FaultMount* m : live) m->Unmount();
}

int CleanStaleMounts(const std::string& root) {
  std::string prefix = TempRoot(root) + "/tbfault-";
  static const std::regex kMine(R"(/tbfault-(\d+)-\d+/mnt$)");
  std::vector<std::string> stale;
  {
    std::ifstream mounts("/proc/self/mounts");
    std::string dev, mnt, type, rest;
    while (mounts >> dev >> mnt >> type && std::getline(mounts, rest)) {
      std::smatch m;
      if (type.rfind("fuse", 0) != 0 || mnt.rfind(prefix, 0) != 0) continue;
      if (!std::regex_search(mnt, m, kMine)) continue;
      pid_t owner = static_cast<pid_t>(std::stol(m[1]));
      if (owner == getpid() || (kill(owner, 0) == 0 || errno == EPERM)) continue;
      stale.push_back(mnt);
    }
  }
  for (const std::string& mnt : stale) {
    FuseUnmount(mnt);
    std::error_code ec;
    if (!IsMounted(mnt)) fs::remove_all(fs::path(mnt).parent_path(), ec);
  }
  return static_cast<int>(stale.size());
}

}  // namespace tbfault::runner
