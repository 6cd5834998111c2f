#include "writers/event_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "format/events.h"
#include "format/file_name.h"
#include "format/record.h"

namespace tbfault::writers {
namespace {

Status WriteAll(int fd, const char* p, size_t n, const std::string& path, size_t* done) {
  *done = 0;
  while (*done < n) {
    ssize_t w = ::write(fd, p + *done, n - *done);
    if (w > 0) {
      *done += static_cast<size_t>(w);
    } else if (w < 0 && errno == EINTR) {
      continue;
    } else {
      return Status::FromErrno(w < 0 ? errno : EIO, "write " + path);
    }
  }
  return Status::Ok();
}

Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::FromErrno(ec.value(), "mkdir " + dir);
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "open " + dir);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::FromErrno(err, "fsync " + dir);
  return Status::Ok();
}

}  // namespace

EventFile::EventFile(Options options) : options_(std::move(options)) { pending_.resize(1 << 16); }

EventFile::~EventFile() {
  if (fd_ >= 0) ::close(fd_);
}

void EventFile::Grow(size_t need) {
  // Geometric, so that after warm-up no add allocates.
  pending_.resize(std::max({need, 2 * pending_.size(), pending_.capacity()}));
}

size_t EventFile::WholeRecords(size_t bytes, uint64_t* count) const {
  size_t off = 0;
  *count = 0;
  while (off + record::kHeaderSize <= bytes) {
    size_t end = off + record::DecodeFixed64(pending_.data() + off) + record::kFrameOverhead;
    if (end > bytes) break;
    off = end;
    ++*count;
  }
  return off;
}

Status EventFile::Open() {
  Status s = MakeDirs(options_.run_dir);
  if (!s.ok()) return s;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string path = options_.run_dir + "/" + format::NextEventFileName(options_.suffix);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EEXIST) continue;  // another writer took the name: take the next one.
    if (fd < 0) return Status::FromErrno(errno, "open " + path);
    std::string first;
    format::AppendEventRecord(&first, format::FileVersionEvent(format::WallTimeNow()));
    size_t done;
    s = WriteAll(fd, first.data(), first.size(), path, &done);
    if (s.ok() && options_.durable && ::fsync(fd) != 0)
      s = Status::FromErrno(errno, "fsync " + path);
    if (s.ok() && options_.durable) s = SyncNames();
    if (!s.ok()) {
      // A file without its file_version record must not stay behind: readers would take its events
      // as of an older format.
      ::close(fd);
      ::unlink(path.c_str());
      return s;
    }
    fd_ = fd;
    names_synced_ = options_.durable;
    path_ = std::move(path);
    file_size_ = first.size();
    file_first_seq_ = written_seq_ + 1;
    ++files_created_;
    bytes_written_ += first.size();
    return Status::Ok();
  }
  return Status::FromErrno(EEXIST, "open " + options_.run_dir + ": no free event file name");
}

void EventFile::Abandon() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status EventFile::Write(bool check_vanished) {
  lost_first_ = lost_last_ = 0;
  if (fd_ >= 0 && check_vanished) {
    // Unlinked (nlink 0), or its name no longer leads to it: the directory was removed or replaced,
    // or the file system was unmounted lazily (the descriptor still works, no reader can see it).
    struct stat st, by_name;
    if (::fstat(fd_, &st) != 0 || st.st_nlink == 0 || ::stat(path_.c_str(), &by_name) != 0 ||
        by_name.st_dev != st.st_dev || by_name.st_ino != st.st_ino) {
      int err = ENOENT;
      lost_first_ = file_first_seq_;
      lost_last_ = written_seq_;
      Abandon();
      return Status::FromErrno(err, "event file vanished: " + path_);
    }
  }
  if (committed_ == 0) return Status::Ok();
  if (fd_ < 0) {
    Status s = Open();
    if (!s.ok()) return s;
  }
  size_t done = 0;
  Status s = WriteAll(fd_, pending_.data(), committed_, path_, &done);
  uint64_t records = last_seq_ - written_seq_;  // all of them, unless the write fell short.
  size_t whole = done == committed_ ? done : WholeRecords(done, &records);
  if (done > whole) {
    // Part of a record reached the file: cut it off so that it hides nothing written after it.
    if (::ftruncate(fd_, static_cast<off_t>(file_size_ + whole)) != 0 ||
        ::lseek(fd_, static_cast<off_t>(file_size_ + whole), SEEK_SET) < 0) {
      Abandon();
    }
  }
  file_size_ += whole;
  bytes_written_ += whole;
  written_seq_ += records;
  if (whole < committed_)
    std::memmove(pending_.data(), pending_.data() + whole, committed_ - whole);
  committed_ -= whole;
  return s;
}

Status EventFile::Sync() {
  if (fd_ < 0) return Status::Ok();
  if (::fsync(fd_) != 0) {
    Status s = Status::FromErrno(errno, "fsync " + path_);
    Abandon();  // Later fsyncs of this file could succeed with the data gone.
    return s;
  }
  // The data is durable; the file's name (and the run directory's) only after their directories'
  // fsync: without it a power cut removes the whole file (DESIGN.md section 9).
  if (!names_synced_) {
    if (Status s = SyncNames(); !s.ok()) return s;
    names_synced_ = true;
  }
  synced_seq_ = written_seq_;
  return Status::Ok();
}

Status EventFile::SyncNames() {
  Status s = SyncDir(options_.run_dir);
  std::string parent = options_.run_dir.substr(0, options_.run_dir.find_last_of('/'));
  if (s.ok() && !parent.empty() && parent != options_.run_dir) s = SyncDir(parent);
  return s;
}

uint64_t EventFile::DropPending() {
  uint64_t n = last_seq_ - written_seq_;
  written_seq_ = last_seq_;
  committed_ = 0;
  return n;
}

Status EventFile::Close() {
  if (fd_ < 0) return Status::Ok();
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) return Status::FromErrno(errno, "close " + path_);
  return Status::Ok();
}

}  // namespace tbfault::writers
