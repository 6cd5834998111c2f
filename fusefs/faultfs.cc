#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "fusefs/faultfs_impl.h"

namespace faultfs {

void FaultFs::Impl::Trace(FaultFs* fs, Op op, const char* path, uint64_t bytes, int result,
                          const Decision& d) {
  const bool counted = (op & CrashPoint::kWritePath) != 0 && (fs->trace_ || fs->crash_.armed());
  if (!counted && (fs->trace_ == nullptr || (!Traced(op) && !d.fired()))) return;
  std::lock_guard<std::mutex> lock(fs->trace_mu_);
  const bool crash = fs->crash_.Count(op);
  if (crash) Crash(fs, d.caller);  // the op is done; no later op completes before the cut.
  if (fs->trace_ == nullptr) return;
  uint64_t seq = ++fs->seq_;
  std::fprintf(fs->trace_, "%llu %.*s %s bytes=%llu result=%d",
               static_cast<unsigned long long>(seq), static_cast<int>(OpName(op).size()),
               OpName(op).data(), path, static_cast<unsigned long long>(bytes), result);
  if (d.fired()) {
    std::fprintf(fs->trace_, " fault=rule%u", d.rule_id);
    if (d.err) std::fprintf(fs->trace_, ":errno=%d%s", d.err, d.deferred ? ":deferred" : "");
    if (d.short_bytes >= 0) std::fprintf(fs->trace_, ":short=%lld", (long long)d.short_bytes);
    if (d.delay_ms) std::fprintf(fs->trace_, ":delay=%u", d.delay_ms);
    if (d.fsync_lie) std::fprintf(fs->trace_, ":fsync-lie");
    if (d.kill_signal) std::fprintf(fs->trace_, ":kill=%d", d.kill_signal);
    if (d.read_published) std::fprintf(fs->trace_, ":read-published");
    if (d.read_zeros_ms) std::fprintf(fs->trace_, ":read-zeros=%u", d.read_zeros_ms);
  }
  if (crash) {
    std::fprintf(fs->trace_, " crash=%s@%llu", fs->crash_.what(),
                 static_cast<unsigned long long>(fs->crash_.seen()));
  }
  std::fputc('\n', fs->trace_);
  std::fflush(fs->trace_);
}

bool FaultFs::Impl::Gate(fuse_req_t req, FaultFs* fs, Op op, const char* path, uint64_t bytes,
                         Decision* d) {
  uid_t uid = fuse_req_ctx(req)->uid;
  if (uid != fs->options_.owner && uid != fs->options_.guest) {  // nobody else through the mount.
    fuse_reply_err(req, EACCES);
    return true;
  }
  if (fs->frozen_.load(std::memory_order_acquire)) {
    fuse_reply_err(req, EIO);
    return true;
  }
  *d = fs->rules_.Decide(op, path, bytes);
  d->caller = fuse_req_ctx(req)->pid;
  if (d->kill_signal != 0) ::kill(fuse_req_ctx(req)->pid, d->kill_signal);
  if (d->err != 0 && !d->deferred && op != kFsync) {
    Trace(fs, op, path, bytes, -d->err, *d);
    fuse_reply_err(req, d->err);
    return true;
  }
  return false;
}

// The crash point's crash (crash_point.h): the power cut first (every op from now on fails with
// EIO), then the caller killed. Under the trace's mutex.
void FaultFs::Impl::Crash(FaultFs* fs, pid_t caller) {
  if (fs->crash_.power_cut()) fs->PowerCut(fs->crash_.mode());
  if (caller > 0) ::kill(caller, SIGKILL);
}

void FaultFs::Impl::Later(FaultFs* fs, const Decision& d, std::function<void()> body) {
  if (d.delay_ms == 0) {
    body();
  } else {
    fs->delayer_.After(std::chrono::milliseconds(d.delay_ms), std::move(body));
  }
}

void FaultFs::Impl::Reply(fuse_req_t req, FaultFs* fs, Op op, const char* path, uint64_t bytes,
                          int err, const Decision& d) {
  Trace(fs, op, path, bytes, -err, d);
  fuse_reply_err(req, err);
}

int FaultFs::Impl::MakeEntry(FaultFs* fs, Inode* parent, const char* name, const char* path,
                             fuse_entry_param* e) {
  std::memset(e, 0, sizeof *e);
  int fd = ::openat(parent->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno;
  if (::fstatat(fd, "", &e->attr, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
    int err = errno;
    ::close(fd);
    return err;
  }
  Inode* in;
  {
    std::lock_guard<std::mutex> lock(fs->inodes_mu_);
    auto key = std::make_pair(e->attr.st_dev, e->attr.st_ino);
    auto it = fs->inodes_.find(key);
    if (it != fs->inodes_.end()) {
      in = it->second;
      ::close(fd);
    } else {
      in = new Inode;
      in->fd = fd;
      in->dev = e->attr.st_dev;
      in->ino = e->attr.st_ino;
      in->path.store(new std::string(path));
      if (S_ISREG(e->attr.st_mode)) in->published.store(static_cast<uint64_t>(e->attr.st_size));
      fs->inodes_[key] = in;
    }
    in->nlookup.fetch_add(1);
  }
  if (S_ISREG(e->attr.st_mode)) fs->durability_.Seen(path, e->attr.st_size);
  e->ino = reinterpret_cast<fuse_ino_t>(in);
  e->attr_timeout = e->entry_timeout = kTimeout;
  return 0;
}

void FaultFs::Impl::Forget(FaultFs* fs, Inode* in, uint64_t n) {
  if (in == fs->root_.get()) return;
  std::lock_guard<std::mutex> lock(fs->inodes_mu_);
  if (in->nlookup.fetch_sub(n) != n) return;
  fs->inodes_.erase({in->dev, in->ino});
  ::close(in->fd);
  delete in->path.load();
  delete in;
}

void FaultFs::Impl::AdjustUsed(FaultFs* fs, int64_t delta) {
  if (delta >= 0) {
    fs->used_.fetch_add(static_cast<uint64_t>(delta));
  } else {
    uint64_t cur = fs->used_.load();
    uint64_t sub = static_cast<uint64_t>(-delta);
    while (!fs->used_.compare_exchange_weak(cur, cur > sub ? cur - sub : 0)) {
    }
  }
}

void FaultFs::Impl::Init(void* userdata, fuse_conn_info* conn) {
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;  // write-through: errors and short counts reach write().
}

void FaultFs::Impl::Lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  FaultFs* fs = Fs(req);
  const ChildPathBuf path = ChildPath(In(fs, parent), name);
  Decision d;
  if (Gate(req, fs, kLookup, path.c_str(), 0, &d)) return;
  fuse_entry_param e;
  int err = MakeEntry(fs, In(fs, parent), name, path.c_str(), &e);
  if (err != 0) return (void)fuse_reply_err(req, err);
  if (d.read_published && S_ISREG(e.attr.st_mode)) {  // the size as a reader elsewhere sees it.
    uint64_t pub = reinterpret_cast<Inode*>(e.ino)->published.load(std::memory_order_acquire);
    e.attr.st_size = static_cast<off_t>(std::min<uint64_t>(e.attr.st_size, pub));
    e.attr_timeout = 0;
  }
  fuse_reply_entry(req, &e);
}

void FaultFs::Impl::ForgetOne(fuse_req_t req, fuse_ino_t ino, uint64_t n) {
  Forget(Fs(req), In(Fs(req), ino), n);
  fuse_reply_none(req);
}

void FaultFs::Impl::ForgetMulti(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  for (size_t i = 0; i < count; ++i)
    Forget(Fs(req), In(Fs(req), forgets[i].ino), forgets[i].nlookup);
  fuse_reply_none(req);
}

void FaultFs::Impl::Getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  FaultFs* fs = Fs(req);
  Inode* in = In(fs, ino);
  Decision d;
  if (Gate(req, fs, kGetattr, PathOf(in), 0, &d)) return;
  struct stat st;
  if (::fstatat(in->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
    return (void)fuse_reply_err(req, errno);
  }
  // A reader sees the published size; the writer's own handle (a getattr the kernel sends with it:
  // lseek to the end, ...) the real one. Neither is cached: the next stat asks again.
  if (d.read_published && S_ISREG(st.st_mode)) {
    if (fi == nullptr || !H(fi)->writable) {
      uint64_t pub = in->published.load(std::memory_order_acquire);
      st.st_size = static_cast<off_t>(std::min<uint64_t>(st.st_size, pub));
    }
    Trace(fs, kGetattr, PathOf(in), 0, 0, d);
    return (void)fuse_reply_attr(req, &st, 0);
  }
  fuse_reply_attr(req, &st, kTimeout);
}

void FaultFs::Impl::Setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set,
                            fuse_file_info* fi) {
  FaultFs* fs = Fs(req);
  Inode* in = In(fs, ino);
  const char* path = PathOf(in);
  Decision d;
  if (Gate(req, fs, kSetattr, path, 0, &d)) return;
  std::string proc = ProcPath(in->fd);
  int rc = 0;
  if (to_set & FUSE_SET_ATTR_MODE) {
    rc = fi ? ::fchmod(H(fi)->fd, attr->st_mode) : ::chmod(proc.c_str(), attr->st_mode);
  }
  if (rc == 0 && (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
    uid_t uid = (to_set & FUSE_SET_ATTR_UID) ? attr->st_uid : static_cast<uid_t>(-1);
    gid_t gid = (to_set & FUSE_SET_ATTR_GID) ? attr->st_gid : static_cast<gid_t>(-1);
    rc = ::fchownat(in->fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
  }
  if (rc == 0 && (to_set & FUSE_SET_ATTR_SIZE)) {
    struct stat before;
    rc = ::fstatat(in->fd, "", &before, AT_EMPTY_PATH);
    if (rc == 0)
      rc = fi ? ::ftruncate(H(fi)->fd, attr->st_size) : ::truncate(proc.c_str(), attr->st_size);
    if (rc == 0) AdjustUsed(fs, static_cast<int64_t>(attr->st_size) - before.st_size);
    if (rc == 0 && static_cast<uint64_t>(attr->st_size) < in->published.load()) {
      in->published.store(static_cast<uint64_t>(attr->st_size));  // a cut is seen at once.
    }
  }
  if (rc == 0 && (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))) {
    timespec tv[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    if (to_set & FUSE_SET_ATTR_ATIME_NOW)
      tv[0].tv_nsec = UTIME_NOW;
    else if (to_set & FUSE_SET_ATTR_ATIME)
      tv[0] = attr->st_atim;
    if (to_set & FUSE_SET_ATTR_MTIME_NOW)
      tv[1].tv_nsec = UTIME_NOW;
    else if (to_set & FUSE_SET_ATTR_MTIME)
      tv[1] = attr->st_mtim;
    rc = fi ? ::futimens(H(fi)->fd, tv) : ::utimensat(AT_FDCWD, proc.c_str(), tv, 0);
  }
  if (rc != 0) return Reply(req, fs, kSetattr, path, 0, errno, d);
  Trace(fs, kSetattr, path, 0, 0, d);
  Getattr(req, ino, fi);
}

void FaultFs::Impl::Mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  FaultFs* fs = Fs(req);
  Inode* p = In(fs, parent);
  std::string path = ChildPath(p, name).c_str();
  Decision d;
  if (Gate(req, fs, kMkdir, path.c_str(), 0, &d)) return;
  mode &= ~fuse_req_ctx(req)->umask;
  if (::mkdirat(p->fd, name, mode) != 0) return Reply(req, fs, kMkdir, path.c_str(), 0, errno, d);
  fs->durability_.Created(path, true);
  fuse_entry_param e;
  int err = MakeEntry(fs, p, name, path.c_str(), &e);
  Trace(fs, kMkdir, path.c_str(), 0, -err, d);
  if (err != 0) return (void)fuse_reply_err(req, err);
  fuse_reply_entry(req, &e);
}

void FaultFs::Impl::Remove(fuse_req_t req, fuse_ino_t parent, const char* name, bool dir) {
  FaultFs* fs = Fs(req);
  Inode* p = In(fs, parent);
  std::string path = ChildPath(p, name).c_str();
  Op op = dir ? kRmdir : kUnlink;
  Decision d;
  if (Gate(req, fs, op, path.c_str(), 0, &d)) return;
  struct stat st;
  bool known = ::fstatat(p->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (::unlinkat(p->fd, name, dir ? AT_REMOVEDIR : 0) != 0) {
    return Reply(req, fs, op, path.c_str(), 0, errno, d);
  }
  if (known && S_ISREG(st.st_mode) && st.st_nlink == 1) AdjustUsed(fs, -st.st_size);
  fs->durability_.Removed(path);
  Reply(req, fs, op, path.c_str(), 0, 0, d);
}

void FaultFs::Impl::Unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Remove(req, parent, name, false);
}

void FaultFs::Impl::Rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Remove(req, parent, name, true);
}

void FaultFs::Impl::Rename(fuse_req_t req, fuse_ino_t parent, const char* name,
                           fuse_ino_t newparent, const char* newname, unsigned int flags) {
  FaultFs* fs = Fs(req);
  Inode *p = In(fs, parent), *np = In(fs, newparent);
  std::string from = ChildPath(p, name).c_str(), to = ChildPath(np, newname).c_str();
  Decision d;
  if (Gate(req, fs, kRename, from.c_str(), 0, &d)) return;
  if (flags != 0) return Reply(req, fs, kRename, from.c_str(), 0, EINVAL, d);
  if (::renameat(p->fd, name, np->fd, newname) != 0) {
    return Reply(req, fs, kRename, from.c_str(), 0, errno, d);
  }
  struct stat st;
  if (::fstatat(np->fd, newname, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    std::lock_guard<std::mutex> lock(fs->inodes_mu_);
    auto it = fs->inodes_.find({st.st_dev, st.st_ino});
    if (it != fs->inodes_.end()) {
      // The old string may still be read by a handler: it is kept until the file system dies.
      fs->retired_paths_.emplace_back(it->second->path.exchange(new std::string(to)));
    }
    // Inodes below a renamed directory move with it (renames are rare: a scan is fine).
    std::string prefix = from + "/";
    for (auto& [key, in] : fs->inodes_) {
      const std::string* p = in->path.load();
      if (p->starts_with(prefix)) {
        fs->retired_paths_.emplace_back(
            in->path.exchange(new std::string(to + "/" + p->substr(prefix.size()))));
      }
    }
  }
  fs->durability_.Renamed(from, to);
  Reply(req, fs, kRename, from.c_str(), 0, 0, d);
}

const fuse_lowlevel_ops& FaultFs::Operations() {
  static const fuse_lowlevel_ops ops = [] {
    fuse_lowlevel_ops o = {};
    o.init = Impl::Init;
    o.lookup = Impl::Lookup;
    o.forget = Impl::ForgetOne;
    o.forget_multi = Impl::ForgetMulti;
    o.getattr = Impl::Getattr;
    o.setattr = Impl::Setattr;
    o.mkdir = Impl::Mkdir;
    o.unlink = Impl::Unlink;
    o.rmdir = Impl::Rmdir;
    o.rename = Impl::Rename;
    o.open = Impl::Open;
    o.create = Impl::Create;
    o.read = Impl::Read;
    o.write = Impl::Write;
    o.flush = Impl::Flush;
    o.release = Impl::Release;
    o.fsync = Impl::Fsync;
    o.opendir = Impl::Opendir;
    o.readdir = Impl::Readdir;
    o.releasedir = Impl::Releasedir;
    o.fsyncdir = Impl::Fsyncdir;
    o.statfs = Impl::Statfs;
    o.access = Impl::Access;
    o.getxattr = Impl::Getxattr;
    o.listxattr = Impl::Listxattr;
    o.setxattr = Impl::Setxattr;
    o.removexattr = Impl::Removexattr;
    return o;
  }();
  return ops;
}

FaultFs::FaultFs(Options options)
    : options_(std::move(options)), rules_(options_.seed), durability_(options_.backing) {}

FaultFs::~FaultFs() {
  for (auto& [key, in] : inodes_) {
    ::close(in->fd);
    delete in->path.load();
    delete in;
  }
  if (root_) {
    ::close(root_->fd);
    delete root_->path.load();
  }
  if (trace_ != nullptr) std::fclose(trace_);
}

bool FaultFs::Init(std::string* error) {
  int fd = ::open(options_.backing.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    *error = options_.backing + ": " + std::strerror(errno);
    return false;
  }
  root_ = std::make_unique<Inode>();
  root_->fd = fd;
  root_->path.store(new std::string("/"));
  root_->nlookup = 2;
  used_.store(BackingBytes());
  if (!options_.trace_path.empty()) {
    trace_ = std::fopen(options_.trace_path.c_str(), "w");
    if (trace_ == nullptr) {
      *error = options_.trace_path + ": " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

uint64_t FaultFs::BackingBytes() const {
  uint64_t used = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(options_.backing, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) used += it->file_size(ec);
  }
  return used;
}

void FaultFs::SetQuota(uint64_t bytes, bool short_write) {
  // Usage is followed only while a quota is set: count it afresh when one is.
  if (bytes > 0) used_.store(BackingBytes());
  quota_.store(bytes);
  quota_short_write_.store(short_write);
}

bool FaultFs::ArmCrashPoint(const CrashPointSpec& spec, std::string* error) {
  std::lock_guard<std::mutex> lock(trace_mu_);
  return crash_.Arm(spec, error);
}

std::string FaultFs::PowerCut(CutMode mode) {
  frozen_.store(true);
  return durability_.PowerCut(mode, options_.seed);
}

}  // namespace faultfs
