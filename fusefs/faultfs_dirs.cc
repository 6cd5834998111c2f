#include "fusefs/faultfs_impl.h"

namespace faultfs {

void FaultFs::Impl::Opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
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

void FaultFs::Impl::Readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
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

void FaultFs::Impl::Releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  auto* dh = reinterpret_cast<DirHandle*>(fi->fh);
  ::closedir(dh->dp);
  delete dh;
  fuse_reply_err(req, 0);
}

void FaultFs::Impl::Fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi) {
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

void FaultFs::Impl::Statfs(fuse_req_t req, fuse_ino_t ino) {
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

void FaultFs::Impl::Access(fuse_req_t req, fuse_ino_t ino, int mask) {
  FaultFs* fs = Fs(req);
  Inode* in = In(fs, ino);
  Decision d;
  if (Gate(req, fs, kAccess, PathOf(in), 0, &d)) return;
  int rc = ::faccessat(AT_FDCWD, ProcPath(in->fd).c_str(), mask, 0);
  fuse_reply_err(req, rc == 0 ? 0 : errno);
}

void FaultFs::Impl::Getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
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

void FaultFs::Impl::Listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
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

void FaultFs::Impl::Setxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value,
                             size_t size, int flags) {
  FaultFs* fs = Fs(req);
  Inode* in = In(fs, ino);
  Decision d;
  if (Gate(req, fs, kXattr, PathOf(in), 0, &d)) return;
  int rc = ::setxattr(ProcPath(in->fd).c_str(), name, value, size, flags);
  fuse_reply_err(req, rc == 0 ? 0 : errno);
}

void FaultFs::Impl::Removexattr(fuse_req_t req, fuse_ino_t ino, const char* name) {
  FaultFs* fs = Fs(req);
  Inode* in = In(fs, ino);
  Decision d;
  if (Gate(req, fs, kXattr, PathOf(in), 0, &d)) return;
  int rc = ::removexattr(ProcPath(in->fd).c_str(), name);
  fuse_reply_err(req, rc == 0 ? 0 : errno);
}
}  // namespace faultfs
