// Internal to faultfs: the inode and handle types and the op handlers, shared by faultfs.cc
// (entries, attributes, names), faultfs_io.cc (open, read, write, flush, fsync) and faultfs_dirs.cc
// (directories, statfs, access, xattrs). Not part of faultfs's interface.
#pragma once

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
#include <functional>
#include <vector>

#include "fusefs/faultfs.h"

namespace faultfs {

struct Inode {
  int fd = -1;  // O_PATH
  dev_t dev = 0;
  ino_t ino = 0;
  std::atomic<uint64_t> nlookup{0};
  std::atomic<const std::string*> path{nullptr};  // inside the mount; replaced on rename.
  std::atomic<bool> fsync_error_reported{false};
  // Read-side faults: the size at the last fsync or close of a writing handle (regular files; as
  // found at first sight), and when (steady clock, ns) the last write to the file was made.
  std::atomic<uint64_t> published{0};
  std::atomic<int64_t> last_write_ns{0};
};

struct Handle {
  int fd;
  Inode* inode;
  std::atomic<int> deferred{0};  // an errno owed to the next fsync or close.
  bool writable = false;         // opened for writing: its reads see everything (no read fault).
};

struct DirHandle {
  DIR* dp = nullptr;
  off_t offset = 0;
  struct dirent* entry = nullptr;
};

inline constexpr double kTimeout = 1.0;

// The mount-relative path of `name` in `parent` ("/a/b"), held by the caller's value: no shared
// buffer, and no allocation on the op handlers' path.
struct ChildPathBuf {
  char path[PATH_MAX + 256];
  const char* c_str() const { return path; }
};
inline ChildPathBuf ChildPath(const Inode* parent, const char* name) {
  const std::string* p = parent->path.load(std::memory_order_acquire);
  ChildPathBuf b;
  std::snprintf(b.path, sizeof b.path, "%s/%s", *p == "/" ? "" : p->c_str(), name);
  return b;
}

inline const char* PathOf(const Inode* in) {
  return in->path.load(std::memory_order_acquire)->c_str();
}

inline std::string ProcPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

inline Handle* H(fuse_file_info* fi) { return reinterpret_cast<Handle*>(fi->fh); }

// Ops the kernel issues on its own schedule (caching, readahead) stay out of the trace, so that the
// same workload and seed give the same trace.
inline bool Traced(Op op) {
  return (op & (kLookup | kGetattr | kRead | kReaddir | kOpendir | kStatfs | kAccess | kXattr |
                kRelease)) == 0;  // release: sent after close() returns, at the kernel's pace.
}

struct FaultFs::Impl {
  static FaultFs* Fs(fuse_req_t req) { return static_cast<FaultFs*>(fuse_req_userdata(req)); }
  static Inode* In(FaultFs* fs, fuse_ino_t ino) {
    return ino == FUSE_ROOT_ID ? fs->root_.get() : reinterpret_cast<Inode*>(ino);
  }
  static void Trace(FaultFs* fs, Op op, const char* path, uint64_t bytes, int result,
                    const Decision& d);
  static void Crash(FaultFs* fs, pid_t caller);
  static bool Gate(fuse_req_t req, FaultFs* fs, Op op, const char* path, uint64_t bytes,
                   Decision* d);
  static void Later(FaultFs* fs, const Decision& d, std::function<void()> body);
  static void Reply(fuse_req_t req, FaultFs* fs, Op op, const char* path, uint64_t bytes, int err,
                    const Decision& d);
  static int MakeEntry(FaultFs* fs, Inode* parent, const char* name, const char* path,
                       fuse_entry_param* e);
  static void Forget(FaultFs* fs, Inode* in, uint64_t n);
  static void AdjustUsed(FaultFs* fs, int64_t delta);
  static void Published(Inode* in, uint64_t size);  // a writer's fsync or close: readers see it.
  static void SendRead(fuse_req_t req, FaultFs* fs, Handle* h, size_t size, off_t off,
                       const Decision& d);
  static void Init(void* userdata, fuse_conn_info* conn);
  static void Lookup(fuse_req_t req, fuse_ino_t parent, const char* name);
  static void ForgetOne(fuse_req_t req, fuse_ino_t ino, uint64_t n);
  static void ForgetMulti(fuse_req_t req, size_t count, fuse_forget_data* forgets);
  static void Getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*);
  static void Setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set,
                      fuse_file_info* fi);
  static void Mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode);
  static void Remove(fuse_req_t req, fuse_ino_t parent, const char* name, bool dir);
  static void Unlink(fuse_req_t req, fuse_ino_t parent, const char* name);
  static void Rmdir(fuse_req_t req, fuse_ino_t parent, const char* name);
  static void Rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
                     const char* newname, unsigned int flags);
  static void Open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  static void Create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
                     fuse_file_info* fi);
  static void Read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi);
  static void DoWrite(fuse_req_t req, FaultFs* fs, Handle* h, const char* data, size_t size,
                      off_t off, const Decision& d);
  static void Write(fuse_req_t req, fuse_ino_t, const char* buf, size_t size, off_t off,
                    fuse_file_info* fi);
  static void Flush(fuse_req_t req, fuse_ino_t, fuse_file_info* fi);
  static void Release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi);
  static void Fsync(fuse_req_t req, fuse_ino_t, int datasync, fuse_file_info* fi);
  static void Opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  static void Readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
                      fuse_file_info* fi);
  static void Releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi);
  static void Fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi);
  static void Statfs(fuse_req_t req, fuse_ino_t ino);
  static void Access(fuse_req_t req, fuse_ino_t ino, int mask);
  static void Getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size);
  static void Listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
  static void Setxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value,
                       size_t size, int flags);
  static void Removexattr(fuse_req_t req, fuse_ino_t ino, const char* name);
};

}  // namespace faultfs
