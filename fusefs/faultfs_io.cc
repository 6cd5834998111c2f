#include <time.h>

#include "fusefs/faultfs_impl.h"

namespace faultfs {
namespace {

int64_t NowNs() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// What a read of zeros is answered from: the kernel asks for at most 1 MiB at once (FUSE_MAX_PAGES).
// Not const, so that it lies in .bss (no MiB in the binary; untouched pages are the zero page); never
// written.
constexpr size_t kZeroBytes = 1 << 20;
char zeros_buffer[kZeroBytes];

bool Writable(int flags) { return (flags & O_ACCMODE) != O_RDONLY; }

}  // namespace

void FaultFs::Impl::Published(Inode* in, uint64_t size) {
  in->published.store(size, std::memory_order_release);
}

void FaultFs::Impl::Open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  FaultFs* fs = Fs(req);
  Inode* in = In(fs, ino);
  const char* path = PathOf(in);
  Decision d;
  if (Gate(req, fs, kOpen, path, 0, &d)) return;
  fuse_file_info info = *fi;  // `fi` dies with this call; a delayed reply needs its own copy.
  Later(fs, d, [=]() mutable {
    int fd = ::open(ProcPath(in->fd).c_str(), (info.flags & ~O_NOFOLLOW) | O_CLOEXEC);
    if (fd < 0) return Reply(req, fs, kOpen, path, 0, errno, d);
    auto* h = new Handle{fd, in};
    h->writable = Writable(info.flags);
    if (h->writable && (info.flags & O_TRUNC)) Published(in, 0);
    // A reader under read-side faults must reach Read() (below), not the page cache the writer's
    // writes fill: its handle does direct I/O.
    if (!h->writable && fs->rules_.has_read_faults()) info.direct_io = 1;
    info.fh = reinterpret_cast<uint64_t>(h);
    Trace(fs, kOpen, path, 0, 0, d);
    fuse_reply_open(req, &info);
  });
}

void FaultFs::Impl::Create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
                           fuse_file_info* fi) {
  FaultFs* fs = Fs(req);
  Inode* p = In(fs, parent);
  std::string path = ChildPath(p, name).c_str();
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
  auto* h = new Handle{fd, reinterpret_cast<Inode*>(e.ino)};
  h->writable = Writable(fi->flags);
  if (h->writable && (fi->flags & O_TRUNC)) Published(h->inode, 0);
  if (!h->writable && fs->rules_.has_read_faults()) fi->direct_io = 1;
  fi->fh = reinterpret_cast<uint64_t>(h);
  Trace(fs, kCreate, path.c_str(), 0, 0, d);
  fuse_reply_create(req, &e, fi);
}

void FaultFs::Impl::Read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  FaultFs* fs = Fs(req);
  Handle* h = H(fi);
  Decision d;
  if (Gate(req, fs, kRead, PathOf(h->inode), size, &d)) return;
  if (d.delay_ms == 0) return SendRead(req, fs, h, size, off, d);  // no closure to allocate.
  Later(fs, d, [=] { SendRead(req, fs, h, size, off, d); });
}

// Spliced from the backing file; a read-side fault cuts the reply at the published length
// (read_published) or answers zeros past it (read_zeros_ms, within the window after a write).
// Nothing is allocated: the zeros come from a static buffer.
void FaultFs::Impl::SendRead(fuse_req_t req, FaultFs* fs, Handle* h, size_t size, off_t off,
                             const Decision& d) {
  size_t data = size, zeros = 0;
  if (!h->writable && (d.read_published || d.read_zeros_ms != 0)) {
    uint64_t from = static_cast<uint64_t>(off);
    uint64_t pub = h->inode->published.load(std::memory_order_acquire);
    if (d.read_published) {
      data = from >= pub ? 0 : static_cast<size_t>(std::min<uint64_t>(size, pub - from));
    } else if (NowNs() - h->inode->last_write_ns.load(std::memory_order_acquire) <
               int64_t{d.read_zeros_ms} * 1000000) {
      struct stat st;
      if (::fstat(h->fd, &st) != 0) return Reply(req, fs, kRead, PathOf(h->inode), size, errno, d);
      uint64_t end = std::min<uint64_t>(from + size, static_cast<uint64_t>(st.st_size));
      uint64_t landed = std::max(from, pub);
      if (landed < end) {
        data = static_cast<size_t>(landed - from);
        zeros = static_cast<size_t>(std::min<uint64_t>(end - landed, kZeroBytes));
      }
    }
    Trace(fs, kRead, PathOf(h->inode), size, static_cast<int>(data + zeros), d);
  }
  struct {
    fuse_bufvec vec;
    fuse_buf more;  // buf[1]: fuse_bufvec ends in a one-element array meant to be extended.
  } b;
  b.vec = FUSE_BUFVEC_INIT(data);
  b.vec.buf[0].flags = static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
  b.vec.buf[0].fd = h->fd;
  b.vec.buf[0].pos = off;
  fuse_buf zero = {};
  zero.size = zeros;
  zero.mem = zeros_buffer;
  if (zeros > 0 && data == 0) {
    b.vec.buf[0] = zero;
  } else if (zeros > 0) {
    b.more = zero;
    b.vec.count = 2;
  }
  fuse_reply_data(req, &b.vec, FUSE_BUF_SPLICE_MOVE);
}

void FaultFs::Impl::DoWrite(fuse_req_t req, FaultFs* fs, Handle* h, const char* data, size_t size,
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
  h->inode->last_write_ns.store(NowNs(), std::memory_order_release);
  if (growth > 0) AdjustUsed(fs, std::min<int64_t>(growth, w));
  if (d.err != 0 && d.deferred) h->deferred.store(d.err);
  if (h->inode->fsync_error_reported.load(std::memory_order_relaxed)) {
    h->inode->fsync_error_reported.store(false);  // new dirty data: a new fsync error is news.
  }
  Trace(fs, kWrite, path, size, static_cast<int>(w), d);
  fuse_reply_write(req, static_cast<size_t>(w));
}

void FaultFs::Impl::Write(fuse_req_t req, fuse_ino_t, const char* buf, size_t size, off_t off,
                          fuse_file_info* fi) {
  FaultFs* fs = Fs(req);
  Handle* h = H(fi);
  Decision d;
  if (Gate(req, fs, kWrite, PathOf(h->inode), size, &d)) return;
  if (d.delay_ms == 0) return DoWrite(req, fs, h, buf, size, off, d);
  auto copy = std::make_shared<std::string>(buf, size);  // the request buffer dies with us.
  Later(fs, d, [=] { DoWrite(req, fs, h, copy->data(), copy->size(), off, d); });
}

void FaultFs::Impl::Flush(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  FaultFs* fs = Fs(req);
  Handle* h = H(fi);
  const char* path = PathOf(h->inode);
  Decision d;
  if (Gate(req, fs, kFlush, path, 0, &d)) return;
  Later(fs, d, [=] {
    int owed = h->deferred.exchange(0);
    if (owed != 0) return Reply(req, fs, kFlush, path, 0, owed, d);
    int rc = ::close(::dup(h->fd));
    struct stat st;
    if (rc == 0 && h->writable && ::fstat(h->fd, &st) == 0) Published(h->inode, st.st_size);
    Reply(req, fs, kFlush, path, 0, rc == 0 ? 0 : errno, d);
  });
}

void FaultFs::Impl::Release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  FaultFs* fs = Fs(req);
  Handle* h = H(fi);
  Trace(fs, kRelease, PathOf(h->inode), 0, 0, Decision());
  ::close(h->fd);
  delete h;
  fuse_reply_err(req, 0);
}

void FaultFs::Impl::Fsync(fuse_req_t req, fuse_ino_t, int datasync, fuse_file_info* fi) {
  FaultFs* fs = Fs(req);
  Handle* h = H(fi);
  const char* path = PathOf(h->inode);
  Decision d;
  if (Gate(req, fs, kFsync, path, 0, &d)) return;
  Later(fs, d, [=] {
    int owed = h->deferred.exchange(0);  // a write's error, deferred to this fsync: always told.
    int err = owed != 0 ? owed : d.err;
    struct stat st;
    uint64_t size = ::fstat(h->fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
    if (err != 0) {
      // linux: an injected fsync error is reported once for the data dirty at that moment, which is
      // lost for good; a later fsync "succeeds" until new writes dirty the file again. sticky:
      // every fsync fails while the rule fires.
      bool report = true;
      if (!fs->options_.sticky_fsync_errors) {
        if (owed == 0 && h->inode->fsync_error_reported.exchange(true)) {
          report = false;
        } else {
          h->inode->fsync_error_reported.store(true);
          fs->durability_.FsyncFailed(path, size);
        }
      }
      if (report) return Reply(req, fs, kFsync, path, 0, err, d);
    }
    bool ok = d.fsync_lie || (datasync ? ::fdatasync(h->fd) : ::fsync(h->fd)) == 0;
    if (!ok) return Reply(req, fs, kFsync, path, 0, errno, d);
    if (h->writable) Published(h->inode, size);  // answered success: readers see it.
    if (d.fsync_lie) return Reply(req, fs, kFsync, path, 0, 0, d);
    fs->durability_.Synced(path, size);
    Reply(req, fs, kFsync, path, 0, 0, d);
  });
}
}  // namespace faultfs
