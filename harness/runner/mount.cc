#include "harness/runner/mount.h"

#include <signal.h>
#include <sys/stat.h>
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

bool Under(const std::string& path, const std::string& dir) {
  return path == dir ||
         (path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/');
}

// Processes whose working directory, root or an open file lies under `mnt`. Only /proc links are
// read: nothing touches the mount itself, which may be dead.
std::vector<pid_t> UsersOf(const std::string& mnt) {
  std::vector<pid_t> users;
  std::error_code ec;
  for (const auto& p : fs::directory_iterator("/proc", ec)) {
    std::string name = p.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    bool uses = false;
    for (const char* link : {"cwd", "root"}) {
      uses = uses || Under(fs::read_symlink(p.path() / link, ec).string(), mnt);
    }
    for (const auto& fd : fs::directory_iterator(p.path() / "fd", ec)) {
      if (uses) break;
      uses = Under(fs::read_symlink(fd.path(), ec).string(), mnt);
    }
    if (uses) users.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return users;
}

// A process of ours (a tbfault writer or a faultfs daemon) that outlived the runner that started
// it.
bool Orphan(pid_t pid) {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
  if (ec) return false;
  return fs::equivalent(exe, "/proc/self/exe", ec) || fs::equivalent(exe, FaultfsBinary(), ec);
}

// Kills the orphans of ours working in `mnt`; false when another process uses it (it keeps it).
bool FreeOfUsers(const std::string& mnt) {
  std::vector<pid_t> users = UsersOf(mnt);
  for (pid_t pid : users) {
    if (!Orphan(pid)) return false;
  }
  for (pid_t pid : users) kill(pid, SIGKILL);
  for (int i = 0; i < 400 && !UsersOf(mnt).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return UsersOf(mnt).empty();
}

}  // namespace

bool IsMounted(const std::string& dir) { return faultfs::IsMounted(dir); }

Status CheckCanMount(const std::string& device) {
  std::string why;
  if (!faultfs::CanMount(device, &why)) return Status::Invalid("cannot mount faultfs: " + why);
  return Status::Ok();
}

std::string FaultfsBinary() {
  if (const char* env = std::getenv("TBFAULT_FAULTFS"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / "faultfs").string();
}

Status FaultMount::Start(const MountOptions& o) {
  if (Status st = CheckCanMount(); !st.ok()) return st;
  std::string bin = FaultfsBinary();
  if (access(bin.c_str(), X_OK) != 0) return Status::FromErrno(errno, bin + ": faultfs binary");
  dir_ = TempRoot(o.root) + "/tbfault-" + std::to_string(getpid()) + "-" +
         std::to_string(g_counter.fetch_add(1));
  mount_ = dir_ + "/mnt";
  socket_ = dir_ + "/control.sock";
  std::error_code ec;
  fs::remove_all(dir_, ec);
  // 0700 from the start: no other user reaches the mount point, even before the mount.
  if (mkdir(dir_.c_str(), 0700) != 0 || chmod(dir_.c_str(), 0700) != 0 ||
      mkdir(mount_.c_str(), 0755) != 0) {
    return Status::FromErrno(errno, mount_ + ": cannot create the mount point");
  }
  fs::create_directories(o.backing, ec);
  if (ec) return Status::FromErrno(ec.value(), o.backing + ": cannot create the backing dir");
  faultfs::Daemon::Options d;
  d.argv = {bin,       "--backing", o.backing,
            "--mount", mount_,      "--control",
            socket_,   "--seed",    std::to_string(o.seed),
            "-f"};
  if (!o.trace.empty()) d.argv.insert(d.argv.end(), {"--trace", o.trace});
  if (!o.fsync_errors.empty()) d.argv.insert(d.argv.end(), {"--fsync-errors", o.fsync_errors});
  d.mount = mount_;
  d.control = socket_;
  d.spawn.log = dir_ + "/faultfs.log";
  d.spawn.own_group = true;
  d.spawn.parent_death_signal = SIGTERM;  // a dead runner's daemon unmounts and exits.
  {
    std::lock_guard<std::mutex> lock(g_mu);
    g_live.insert(this);
  }
  std::string why;
  if (!daemon_.Start(std::move(d), &why)) {
    Unmount();
    return Status::Invalid("faultfs did not mount: " + why);
  }
  return Status::Ok();
}

Status FaultMount::Control(const std::string& request, std::string* reply) const {
  std::string r, error;
  if (!faultfs::ControlCall(socket_, request, &r, &error)) {
    return Status::Invalid("faultfs " + request.substr(0, request.find(' ')) + ": " + error);
  }
  if (reply != nullptr) *reply = r;
  return Status::Ok();
}

bool FaultMount::Unmount() {
  bool clean = daemon_.Unmount();
  if (!mount_.empty() && IsMounted(mount_)) {
    clean = false;
    faultfs::FuseUnmount(mount_);
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
  daemon_.Abort();
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

int CleanStaleMounts(const std::string& root, std::vector<std::string>* kept) {
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
  int cleaned = 0;
  for (const std::string& mnt : stale) {
    // Pulling the mount from under a live writer would let it write onto the disk below.
    if (!FreeOfUsers(mnt)) {
      if (kept != nullptr) kept->push_back(mnt);
      continue;
    }
    faultfs::FuseUnmount(mnt);
    std::error_code ec;
    if (!IsMounted(mnt)) fs::remove_all(fs::path(mnt).parent_path(), ec);
    ++cleaned;
  }
  return cleaned;
}

}  // namespace tbfault::runner
