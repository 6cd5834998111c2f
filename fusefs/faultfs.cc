#include "fusefs/faultfs.h"

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

namespace faultfs {

struct Inode {
  int fd = -1;  // O_PATH
  dev_t dev = 0;
  ino_t ino = 0;
  std::atomic<uint64_t> nlookup{0};
  std::atomic<const std::string*> path{nullptr};  // inside the mount; replaced on rename.
  std::atomic<bool> fsync_error_reported{false};
};

namespace {

struct Handle {
  int fd;
  Inode* inode;
  std::atomic<int> deferred{0};  // an errno owed to the next fsync or close.
};

struct DirHandle {
  DIR* dp = nullptr;
  off_t offset = 0;
  struct dirent* entry = nullptr;
};

constexpr double kTimeout = 1.0;

thread_local char path_buf[PATH_MAX + 256];

const char* ChildPath(const Inode* parent, const char* name) {
  const std::string* p = parent->path.load(std::memory_order_acquire);
  std::snprintf(path_buf, sizeof path_buf, "%s/%s", *p == "/" ? "" : p->c_str(), name);
  return path_buf;
}

const char* PathOf(const Inode* in) { return in->path.load(std::memory_order_acquire)->c_str(); }

std::string ProcPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

Handle* H(fuse_file_info* fi) { return reinterpret_cast<Handle*>(fi->fh); }

// Ops the kernel issues on its own schedule (caching, readahead) stay out of the trace, so that the
// same workload and seed give the same trace.
bool Traced(Op op) {
  return (op & (kLookup | kGetattr | kRead | kReaddir | kOpendir | kStatfs | kAccess | kXattr |
                kRelease)) == 0;  // release: sent after close() returns, at the kernel's pace.
}

}  // namespace

struct FaultFs::Impl {
  static FaultFs* Fs(fuse_req_t req) { return static_cast<FaultFs*>(fuse_req_userdata(req)); }
  static Inode* In(FaultFs* fs, fuse_ino_t ino) {
    return ino == FUSE_ROOT_ID ? fs->root_.get() : reinterpret_cast<Inode*>(ino);
  }

  static void Trace(FaultFs* fs, Op op, const char* path, uint64_t bytes, int result,
                    const Decision& d) {
    if (fs->trace_ == nullptr || (!Traced(op) && !d.fired())) return;
    std::lock_guard<std::mutex> lock(fs->trace_mu_);
    uint64_t seq = ++fs->seq_;
    std::fprintf(fs->trace_, "%llu %.*s %s bytes=%llu result=%d", static_cast<unsigned long long>(seq),
                 static_cast<int>(OpName(op).size()), OpName(op).data(), path,
                 static_cast<unsigned long long>(bytes), result);
    if (d.fired()) {
      std::fprintf(fs->trace_, " fault=rule%u", d.rule_id);
      if (d.err) std::fprintf(fs->trace_, ":errno=%d%s", d.err, d.deferred ? ":deferred" : "");
      if (d.short_bytes >= 0) std::fprintf(fs->trace_, ":short=%lld", (long long)d.short_bytes);
      if (d.delay_ms) std::fprintf(fs->trace_, ":delay=%u", d.delay_ms);
      if (d.fsync_lie) std::fprintf(fs->trace_, ":fsync-lie");
      if (d.kill_signal) std::fprintf(fs->trace_, ":kill=%d", d.kill_signal);
    }
    std::fputc('\n', fs->trace_);
    std::fflush(fs->trace_);
  }

  // Decides the op's fate. True when it was answered here (frozen, or an errno injected now).
  static bool Gate(fuse_req_t req, FaultFs* fs, Op op, const char* path, uint64_t bytes,
                   Decision* d) {
    if (fs->frozen_.load(std::memory_order_acquire)) {
      fuse_reply_err(req, EIO);
      return true;
    }
    *d = fs->rules_.Decide(op, path, bytes);
    if (d->kill_signal != 0) ::kill(fuse_req_ctx(req)->pid, d->kill_signal);
    if (d->err != 0 && !d->deferred && op != kFsync) {
      Trace(fs, op, path, bytes, -d->err, *d);
      fuse_reply_err(req, d->err);
      return true;
    }
    return false;
  }

  static void Later(FaultFs* fs, const Decision& d, std::function<void()> body) {
    if (d.delay_ms == 0) {
      body();
    } else {
      fs->delayer_.After(std::chrono::milliseconds(d.delay_ms), std::move(body));
    }
  }

  static void Reply(fuse_req_t req, FaultFs* fs, Op op, const char* path, uint64_t bytes, int err,
                    const Decision& d) {
    Trace(fs, op, path, bytes, -err, d);
    fuse_reply_err(req, err);
  }

  // Looks up `name` in `parent` and fills `e`; 0 or an errno.
  static int MakeEntry(FaultFs* fs, Inode* parent, const char* name, const char* path,
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
        fs->inodes_[key] = in;
      }
      in->nlookup.fetch_add(1);
    }
    if (S_ISREG(e->attr.st_mode)) fs->durability_.Seen(path, e->attr.st_size);
    e->ino = reinterpret_cast<fuse_ino_t>(in);
    e->attr_timeout = e->entry_timeout = kTimeout;
    return 0;
  }

  static void Forget(FaultFs* fs, Inode* in, uint64_t n) {
    if (in == fs->root_.get()) return;
    std::lock_guard<std::mutex> lock(fs->inodes_mu_);
    if (in->nlookup.fetch_sub(n) != n) return;
    fs->inodes_.erase({in->dev, in->ino});
    ::close(in->fd);
    delete in->path.load();
    delete in;
  }

  static void AdjustUsed(FaultFs* fs, int64_t delta) {
    if (delta >= 0) {
      fs->used_.fetch_add(static_cast<uint64_t>(delta));
    } else {
      uint64_t cur = fs->used_.load();
      uint64_t sub = static_cast<uint64_t>(-delta);
      while (!fs->used_.compare_exchange_weak(cur, cur > sub ? cur - sub : 0)) {
      }
    }
  }

  static void Init(void* userdata, fuse_conn_info* conn) {
    conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;  // write-through: errors and short counts reach write().
  }

  static void Lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
    FaultFs* fs = Fs(req);
    const char* path = ChildPath(In(fs, parent), name);
    Decision d;
    if (Gate(req, fs, kLookup, path, 0, &d)) return;
    fuse_entry_param e;
    int err = MakeEntry(fs, In(fs, parent), name, path, &e);
    if (err != 0) return (void)fuse_reply_err(req, err);
    fuse_reply_entry(req, &e);
  }

  static void ForgetOne(fuse_req_t req, fuse_ino_t ino, uint64_t n) {
    Forget(Fs(req), In(Fs(req), ino), n);
    fuse_reply_none(req);
  }

  static void ForgetMulti(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
    for (size_t i = 0; i < count; ++i) Forget(Fs(req), In(Fs(req), forgets[i].ino), forgets[i].nlookup);
    fuse_reply_none(req);
  }

  static void Getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
    FaultFs* fs = Fs(req);
    Inode* in = In(fs, ino);
    Decision d;
    if (Gate(req, fs, kGetattr, PathOf(in), 0, &d)) return;
    struct stat st;
    if (::fstatat(in->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
      return (void)fuse_reply_err(req, errno);
    }
    fuse_reply_attr(req, &st, kTimeout);
  }

  static void Setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set,
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
      ::fstatat(in->fd, "", &before, AT_EMPTY_PATH);
      rc = fi ? ::ftruncate(H(fi)->fd, attr->st_size) : ::truncate(proc.c_str(), attr->st_size);
      if (rc == 0) AdjustUsed(fs, static_cast<int64_t>(attr->st_size) - before.st_size);
    }
    if (rc == 0 && (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))) {
      timespec tv[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
      if (to_set & FUSE_SET_ATTR_ATIME_NOW) tv[0].tv_nsec = UTIME_NOW;
      else if (to_set & FUSE_SET_ATTR_ATIME) tv[0] = attr->st_atim;
      if (to_set & FUSE_SET_ATTR_MTIME_NOW) tv[1].tv_nsec = UTIME_NOW;
      else if (to_set & FUSE_SET_ATTR_MTIME) tv[1] = attr->st_mtim;
      rc = fi ? ::futimens(H(fi)->fd, tv) : ::utimensat(AT_FDCWD, proc.c_str(), tv, 0);
    }
    if (rc != 0) return Reply(req, fs, kSetattr, path, 0, errno, d);
    Trace(fs, kSetattr, path, 0, 0, d);
    Getattr(req, ino, fi);
  }

  static void Mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
    FaultFs* fs = Fs(req);
    Inode* p = In(fs, parent);
    std::string path = ChildPath(p, name);
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

  static void Remove(fuse_req_t req, fuse_ino_t parent, const char* name, bool dir) {
    FaultFs* fs = Fs(req);
    Inode* p = In(fs, parent);
    std::string path = ChildPath(p, name);
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
  static void Unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
    Remove(req, parent, name, false);
  }
  static void Rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
    Remove(req, parent, name, true);
  }

  static void Rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
                     const char* newname, unsigned int flags) {
    FaultFs* fs = Fs(req);
    Inode *p = In(fs, parent), *np = In(fs, newparent);
    std::string from = ChildPath(p, name), to = ChildPath(np, newname);
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
    }
    fs->durability_.Renamed(from, to);
    Reply(req, fs, kRename, from.c_str(), 0, 0, d);
  }

  static void Open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    FaultFs* fs = Fs(req);
    Inode* in = In(fs, ino);
    const char* path = PathOf(in);
    Decision d;
    if (Gate(req, fs, kOpen, path, 0, &d)) return;
    fuse_file_info info = *fi;  // `fi` dies with this call; a delayed reply needs its own copy.
    Later(fs, d, [=]() mutable {
      int fd = ::open(ProcPath(in->fd).c_str(), (info.flags & ~O_NOFOLLOW) | O_CLOEXEC);
      if (fd < 0) return Reply(req, fs, kOpen, path, 0, errno, d);
      info.fh = reinterpret_cast<uint64_t>(new Handle{fd, in});
      Trace(fs, kOpen, path, 0, 0, d);
      fuse_reply_open(req, &info);
    });
  }

  static void Create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
                     fuse_file_info* fi) {
    FaultFs* fs = Fs(req);
    Inode* p = In(fs, parent);
    std::string path = ChildPath(p, name);
    Decision d;
    if (Gate(req, fs, kCreate, path.c_str(), 0, &d)) return;
    bool existed = ::faccessat(p->fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
    mode &= ~fuse_req_ctx(req)->umask;
    int fd = ::openat(p->fd, name, (fi->flags | O_CREAT) & ~O_NOFOLLOW, mode);
    if (fd < 0) return Reply(req, fs, kCreate, path.c_str(), 0, errno, d);
    if (!existed) fs->durability_.Created(path, false);
    fuse_entry_param e;
    int err = MakeEntry(fs, p, name, path.c_str(), &e);
    if (err != 0) {
      ::close(fd);
      return Reply(req, fs, kCreate, path.c_str(), 0, err, d);
    }
    fi->fh = reinterpret_cast<uint64_t>(new Handle{fd, reinterpret_cast<Inode*>(e.ino)});
    Trace(fs, kCreate, path.c_str(), 0, 0, d);
    fuse_reply_create(req, &e, fi);
  }

  static void Read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
    FaultFs* fs = Fs(req);
    Handle* h = H(fi);
    Decision d;
    if (Gate(req, fs, kRead, PathOf(h->inode), size, &d)) return;
    Later(fs, d, [=] {
      fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
      buf.buf[0].flags = static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
      buf.buf[0].fd = h->fd;
      buf.buf[0].pos = off;
      fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
    });
  }

  static void DoWrite(fuse_req_t req, FaultFs* fs, Handle* h, const char* data, size_t size,
                      off_t off, const Decision& d) {
    const char* path = PathOf(h->inode);
    size_t n = d.short_bytes >= 0 ? static_cast<size_t>(d.short_bytes) : size;
    uint64_t quota = fs->quota_.load(std::memory_order_relaxed);
    int64_t growth = 0;
    if (quota > 0) {
      struct stat st;
      if (::fstat(h->fd, &st) != 0) return Reply(req, fs, kWrite, path, size, errno, d);
      uint64_t end = static_cast<uint64_t>(off) + n;
      uint64_t grow = end > static_cast<uint64_t>(st.st_size) ? end - st.st_size : 0;
      uint64_t used = fs->used_.load();
      uint64_t room = quota > used ? quota - used : 0;
      if (grow > room) {
        if (!fs->quota_short_write_.load() || room == 0 || n <= grow - room) {
          return Reply(req, fs, kWrite, path, size, ENOSPC, d);
        }
        n -= grow - room;
        grow = room;
      }
      growth = static_cast<int64_t>(grow);
    }
    if (n == 0 && size > 0) return Reply(req, fs, kWrite, path, size, EIO, d);
    ssize_t w = ::pwrite(h->fd, data, n, off);
    if (w < 0) return Reply(req, fs, kWrite, path, size, errno, d);
    if (growth > 0) AdjustUsed(fs, std::min<int64_t>(growth, w));
    if (d.err != 0 && d.deferred) h->deferred.store(d.err);
    Trace(fs, kWrite, path, size, static_cast<int>(w), d);
    fuse_reply_write(req, static_cast<size_t>(w));
  }

  static void Write(fuse_req_t req, fuse_ino_t, const char* buf, size_t size, off_t off,
                    fuse_file_info* fi) {
    FaultFs* fs = Fs(req);
    Handle* h = H(fi);
    Decision d;
    if (Gate(req, fs, kWrite, PathOf(h->inode), size, &d)) return;
    if (d.delay_ms == 0) return DoWrite(req, fs, h, buf, size, off, d);
    auto copy = std::make_shared<std::string>(buf, size);  // the request buffer dies with us.
    Later(fs, d, [=] { DoWrite(req, fs, h, copy->data(), copy->size(), off, d); });
  }

  static void Flush(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
    FaultFs* fs = Fs(req);
    Handle* h = H(fi);
    const char* path = PathOf(h->inode);
    Decision d;
    if (Gate(req, fs, kFlush, path, 0, &d)) return;
    Later(fs, d, [=] {
      int owed = h->deferred.exchange(0);
      if (owed != 0) return Reply(req, fs, kFlush, path, 0, owed, d);
      int rc = ::close(::dup(h->fd));
      Reply(req, fs, kFlush, path, 0, rc == 0 ? 0 : errno, d);
    });
  }

  static void Release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
    FaultFs* fs = Fs(req);
    Handle* h = H(fi);
    Trace(fs, kRelease, PathOf(h->inode), 0, 0, Decision());
    ::close(h->fd);
    delete h;
    fuse_reply_err(req, 0);
  }

  static void Fsync(fuse_req_t req, fuse_ino_t, int datasync, fuse_file_info* fi) {
    FaultFs* fs = Fs(req);
    Handle* h = H(fi);
    const char* path = PathOf(h->inode);
    Decision d;
    if (Gate(req, fs, kFsync, path, 0, &d)) return;
    Later(fs, d, [=] {
      int err = h->deferred.exchange(0);
      if (err == 0 && d.err != 0) err = d.err;
      struct stat st;
      uint64_t size = ::fstat(h->fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
      if (err != 0) {
        // linux: reported once per file, and the dirty data is gone for good; sticky: every time.
        if (!fs->options_.sticky_fsync_errors) {
          if (h->inode->fsync_error_reported.exchange(true)) {
            err = 0;
          } else {
            fs->durability_.FsyncFailed(path, size);
          }
        }
        if (err != 0) return Reply(req, fs, kFsync, path, 0, err, d);
      }
      if (d.fsync_lie) return Reply(req, fs, kFsync, path, 0, 0, d);
      int rc = datasync ? ::fdatasync(h->fd) : ::fsync(h->fd);
      if (rc != 0) return Reply(req, fs, kFsync, path, 0, errno, d);
      fs->durability_.Synced(path, size);
      Reply(req, fs, kFsync, path, 0, 0, d);
    });
  }

  static void Opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    FaultFs* fs = Fs(req);
    Inode* in = In(fs, ino);
    Decision d;
    if (Gate(req, fs, kOpendir, PathOf(in), 0, &d)) return;
    int fd = ::openat(in->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return (void)fuse_reply_err(req, errno);
    auto* dh = new DirHandle;
    dh->dp = ::fdopendir(fd);
    if (dh->dp == nullptr) {
      int err = errno;
      ::close(fd);
      delete dh;
      return (void)fuse_reply_err(req, err);
    }
    fi->fh = reinterpret_cast<uint64_t>(dh);
    fuse_reply_open(req, fi);
  }

  static void Readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
                      fuse_file_info* fi) {
    FaultFs* fs = Fs(req);
    Decision d;
    if (Gate(req, fs, kReaddir, PathOf(In(fs, ino)), 0, &d)) return;
    auto* dh = reinterpret_cast<DirHandle*>(fi->fh);
    std::vector<char> buf(size);
    size_t used = 0;
    if (offset != dh->offset) {
      ::seekdir(dh->dp, offset);
      dh->entry = nullptr;
      dh->offset = offset;
    }
    for (;;) {
      if (dh->entry == nullptr) {
        errno = 0;
        dh->entry = ::readdir(dh->dp);
        if (dh->entry == nullptr) {
          if (errno != 0 && used == 0) return (void)fuse_reply_err(req, errno);
          break;
        }
      }
      struct stat st = {};
      st.st_ino = dh->entry->d_ino;
      st.st_mode = static_cast<mode_t>(dh->entry->d_type) << 12;
      off_t next = dh->entry->d_off;
      size_t n = fuse_add_direntry(req, buf.data() + used, size - used, dh->entry->d_name, &st, next);
      if (n > size - used) break;
      used += n;
      dh->entry = nullptr;
      dh->offset = next;
    }
    fuse_reply_buf(req, buf.data(), used);
  }

  static void Releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
    auto* dh = reinterpret_cast<DirHandle*>(fi->fh);
    ::closedir(dh->dp);
    delete dh;
    fuse_reply_err(req, 0);
  }

  static void Fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi) {
    FaultFs* fs = Fs(req);
    const char* path = PathOf(In(fs, ino));
    Decision d;
    if (Gate(req, fs, kFsyncdir, path, 0, &d)) return;
    if (d.err != 0) return Reply(req, fs, kFsyncdir, path, 0, d.err, d);
    auto* dh = reinterpret_cast<DirHandle*>(fi->fh);
    int fd = ::dirfd(dh->dp);
    int rc = datasync ? ::fdatasync(fd) : ::fsync(fd);
    if (rc != 0) return Reply(req, fs, kFsyncdir, path, 0, errno, d);
    if (!d.fsync_lie) fs->durability_.DirSynced(path);
    Reply(req, fs, kFsyncdir, path, 0, 0, d);
  }

  static void Statfs(fuse_req_t req, fuse_ino_t ino) {
    FaultFs* fs = Fs(req);
    Decision d;
    if (Gate(req, fs, kStatfs, "/", 0, &d)) return;
    struct statvfs sv;
    if (::fstatvfs(fs->root_->fd, &sv) != 0) return (void)fuse_reply_err(req, errno);
    uint64_t quota = fs->quota_.load();
    if (quota > 0 && sv.f_frsize > 0) {
      uint64_t used = fs->used_.load();
      sv.f_blocks = quota / sv.f_frsize;
      sv.f_bfree = sv.f_bavail = quota > used ? (quota - used) / sv.f_frsize : 0;
    }
    fuse_reply_statfs(req, &sv);
  }

  static void Access(fuse_req_t req, fuse_ino_t ino, int mask) {
    FaultFs* fs = Fs(req);
    Inode* in = In(fs, ino);
    Decision d;
    if (Gate(req, fs, kAccess, PathOf(in), 0, &d)) return;
    int rc = ::faccessat(AT_FDCWD, ProcPath(in->fd).c_str(), mask, 0);
    fuse_reply_err(req, rc == 0 ? 0 : errno);
  }

  static void Getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
    FaultFs* fs = Fs(req);
    Inode* in = In(fs, ino);
    Decision d;
    if (Gate(req, fs, kXattr, PathOf(in), 0, &d)) return;
    std::vector<char> value(size);
    ssize_t n = ::getxattr(ProcPath(in->fd).c_str(), name, size ? value.data() : nullptr, size);
    if (n < 0) return (void)fuse_reply_err(req, errno);
    if (size == 0) return (void)fuse_reply_xattr(req, static_cast<size_t>(n));
    fuse_reply_buf(req, value.data(), static_cast<size_t>(n));
  }

  static void Listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
    FaultFs* fs = Fs(req);
    Inode* in = In(fs, ino);
    Decision d;
    if (Gate(req, fs, kXattr, PathOf(in), 0, &d)) return;
    std::vector<char> value(size);
    ssize_t n = ::listxattr(ProcPath(in->fd).c_str(), size ? value.data() : nullptr, size);
    if (n < 0) return (void)fuse_reply_err(req, errno);
    if (size == 0) return (void)fuse_reply_xattr(req, static_cast<size_t>(n));
    fuse_reply_buf(req, value.data(), static_cast<size_t>(n));
  }

  static void Setxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value,
                       size_t size, int flags) {
    FaultFs* fs = Fs(req);
    Inode* in = In(fs, ino);
    Decision d;
    if (Gate(req, fs, kXattr, PathOf(in), 0, &d)) return;
    int rc = ::setxattr(ProcPath(in->fd).c_str(), name, value, size, flags);
    fuse_reply_err(req, rc == 0 ? 0 : errno);
  }

  static void Removexattr(fuse_req_t req, fuse_ino_t ino, const char* name) {
    FaultFs* fs = Fs(req);
    Inode* in = In(fs, ino);
    Decision d;
    if (Gate(req, fs, kXattr, PathOf(in), 0, &d)) return;
    int rc = ::removexattr(ProcPath(in->fd).c_str(), name);
    fuse_reply_err(req, rc == 0 ? 0 : errno);
  }
};

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

std::string FaultFs::PowerCut(CutMode mode) {
  frozen_.store(true);
  return durability_.PowerCut(mode, options_.seed);
}

}  // namespace faultfs
