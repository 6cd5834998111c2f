// faultfs --backing DIR --mount DIR --control SOCKET [--rules FILE] [--trace FILE] [--seed N] [-f]
//         [--fsync-errors linux|sticky] [--allow-uid UID]
// Mounts a fault-injecting passthrough of DIR at the mount point, reachable by the daemon's own
// user only (and by UID with --allow-uid, which mounts with allow_other). Paths are made absolute
// first (the daemon leaves its working directory). SIGTERM/SIGINT or `faultfs-ctl SOCKET unmount`
// unmount cleanly. Bad arguments, a bad rules file or an unusable mount point: one line on stderr
// naming the file and the reason, exit 2, nothing mounted.
#include <fcntl.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "fusefs/control.h"
#include "fusefs/faultfs.h"

namespace {

constexpr char kUsage[] =
    "usage: faultfs --backing DIR --mount DIR --control SOCKET [--rules FILE] [--trace FILE]\n"
    "               [--seed N] [--fsync-errors linux|sticky] [--allow-uid UID] [-f]\n";

int Fail(const std::string& what) {
  std::fprintf(stderr, "faultfs: %s\n", what.c_str());
  return 2;
}

bool IsDir(const std::string& path, std::string* why) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    *why = std::strerror(errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    *why = "not a directory";
    return false;
  }
  return true;
}

// The absolute form of an existing path (realpath), or of a new file's path (its directory's).
bool Absolute(std::string* path, std::string* why) {
  std::string dir = *path, base;
  char real[PATH_MAX];
  if (::realpath(path->c_str(), real) == nullptr) {
    size_t slash = path->rfind('/');
    dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path->substr(0, slash);
    base = path->substr(slash == std::string::npos ? 0 : slash + 1);
    if (errno != ENOENT || base.empty() || ::realpath(dir.c_str(), real) == nullptr) {
      *why = std::strerror(errno);
      return false;
    }
  }
  *path = base.empty() ? real : std::string(real) + (real[1] == '\0' ? "" : "/") + base;
  return true;
}

bool IsMountPoint(const std::string& path) {
  std::ifstream mounts("/proc/self/mounts");
  char real[PATH_MAX];
  if (::realpath(path.c_str(), real) == nullptr) return false;
  std::string line;
  while (std::getline(mounts, line)) {
    std::istringstream fields(line);
    std::string dev, mnt;
    fields >> dev >> mnt;
    if (mnt == real) return true;
  }
  return false;
}

class Collector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first.empty())
      first =
          "line " + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
  }
  std::string first;
};

}  // namespace

int main(int argc, char** argv) {
  std::string backing, mount, control, rules_path, trace;
  uint64_t seed = 0;
  bool foreground = false, sticky = false;
  uid_t guest = static_cast<uid_t>(-1);
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "-f")
      foreground = true;
    else if (a == "-h" || a == "--help")
      return std::fputs(kUsage, stdout), 0;
    else if (a == "--backing" && value(&backing)) {
    } else if (a == "--mount" && value(&mount)) {
    } else if (a == "--control" && value(&control)) {
    } else if (a == "--rules" && value(&rules_path)) {
    } else if (a == "--trace" && value(&trace)) {
    } else if (a == "--seed" && value(&v))
      seed = std::strtoull(v.c_str(), nullptr, 10);
    else if (a == "--allow-uid" && value(&v) && !v.empty() &&
             v.find_first_not_of("0123456789") == std::string::npos && v.size() < 10)
      guest = static_cast<uid_t>(std::stoul(v));
    else if (a == "--fsync-errors" && value(&v) && (v == "linux" || v == "sticky"))
      sticky = v == "sticky";
    else
      return Fail("bad argument '" + a + "'\n" + kUsage);
  }
  if (backing.empty() || mount.empty() || control.empty())
    return Fail(std::string("missing argument\n") + kUsage);
  std::string why;
  if (!IsDir(backing, &why)) return Fail(backing + ": " + why);
  if (!IsDir(mount, &why)) return Fail(mount + ": " + why);
  // A relative mount point would not be found again once the daemon left its directory: SIGTERM
  // would leave a dead mount, and `unmount` would do nothing.
  for (std::string* p : {&backing, &mount, &control, &trace}) {
    if (!p->empty() && !Absolute(p, &why)) return Fail(*p + ": " + why);
  }
  if (IsMountPoint(mount)) return Fail(mount + ": already a mount point");
  if (::access("/dev/fuse", R_OK | W_OK) != 0)
    return Fail(std::string("/dev/fuse: ") + std::strerror(errno));

  faultfs::Rules rules;
  if (!rules_path.empty()) {
    std::ifstream in(rules_path);
    if (!in) return Fail(rules_path + ": " + std::strerror(errno));
    std::stringstream text;
    text << in.rdbuf();
    google::protobuf::TextFormat::Parser parser;
    Collector errors;
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(text.str(), &rules)) return Fail(rules_path + ": " + errors.first);
    if (!rules.fsync_error_mode().empty()) {
      if (rules.fsync_error_mode() != "linux" && rules.fsync_error_mode() != "sticky") {
        return Fail(rules_path + ": fsync_error_mode must be linux or sticky");
      }
      sticky = rules.fsync_error_mode() == "sticky";
    }
  }

  faultfs::FaultFs fs({backing, seed, trace, sticky, ::geteuid(), guest});
  if (!fs.Init(&why)) return Fail(why);
  if (!fs.rules().AddAll(rules.rule(), &why)) return Fail(rules_path + ": " + why);
  fs.SetQuota(rules.quota_bytes(), rules.quota_short_write());

  fuse_args args = FUSE_ARGS_INIT(0, nullptr);
  fuse_opt_add_arg(&args, argv[0]);
  fuse_opt_add_arg(&args, "-o");
  // No allow_other unless a guest is admitted: the kernel then refuses every other user, and the
  // daemon refuses all but the owner and the guest (FaultFs::Impl::Gate).
  fuse_opt_add_arg(&args, guest != static_cast<uid_t>(-1)
                              ? "fsname=faultfs,subtype=faultfs,allow_other"
                              : "fsname=faultfs,subtype=faultfs");
  const auto& ops = faultfs::FaultFs::Operations();
  fuse_session* se = fuse_session_new(&args, &ops, sizeof ops, &fs);
  fuse_opt_free_args(&args);
  if (se == nullptr) return Fail("cannot create the FUSE session");
  if (fuse_set_signal_handlers(se) != 0) return Fail("cannot install signal handlers");
  if (fuse_session_mount(se, mount.c_str()) != 0) {
    fuse_remove_signal_handlers(se);
    fuse_session_destroy(se);
    return Fail(mount + ": cannot mount");
  }
  std::string mount_point = mount;
  faultfs::ControlServer server(&fs, [se, mount_point] {
    fuse_session_exit(se);
    // Unmounting ends the kernel connection, which wakes the loop's threads.
    if (::umount2(mount_point.c_str(), MNT_DETACH) != 0) {
      std::string cmd = "fusermount3 -uz '" + mount_point + "' 2>/dev/null";
      if (std::system(cmd.c_str()) != 0) {
      }
    }
  });
  if (!server.Listen(control, &why)) {
    fuse_session_unmount(se);
    fuse_remove_signal_handlers(se);
    fuse_session_destroy(se);
    return Fail(why);
  }
  if (!foreground && fuse_daemonize(0) != 0) return Fail("cannot daemonize");
  fs.StartThreads();
  server.StartServing();
  fuse_loop_config config = {};
  config.clone_fd = 0;
  config.max_idle_threads = 10;
  int rc = fuse_session_loop_mt(se, &config);
  fuse_session_unmount(se);
  fuse_remove_signal_handlers(se);
  fuse_session_destroy(se);
  return rc < 0 ? 1 : 0;
}
