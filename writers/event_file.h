// EventFile: a writer's current event file in a run directory, and the framed records waiting for
// it. It keeps the writer contract's file-system half (DESIGN.md section 7):
//  - Records enter a pending buffer whole, with consecutive sequence numbers; Write() hands them to
//  the
//    kernel and reports how far it got (written_seq).
//  - A failed or short write never leaves a torn record behind: the file is truncated back to the
//  last
//    whole record (ftruncate). If even that fails, the file is abandoned (a torn tail at the end of
//    an older file hides nothing newer from TensorBoard) and the next write opens a new file.
//  - Records not written stay pending and are retried by the next Write(): when the fault clears,
//  writing
//    resumes without reopening anything.
//  - A file that vanished (unlinked, its directory removed or replaced, its file system unmounted
//    lazily) is detected by Write(check_vanished), comparing fstat of the descriptor with stat of
//    the path, and reported as ENOENT; its events are reported lost; the next write recreates the
//    directory and a file.
//  - A failed fsync is reported and the file is abandoned: after an fsync error Linux may already
//  have
//    dropped the dirty pages, so a later fsync of the same file proves nothing (PostgreSQL's
//    lesson).
// Every failed system call comes back as a Status carrying errno. Not thread-safe: one owner
// thread.
#pragma once

#include <cstdint>
#include <string>

#include "format/status.h"

namespace tbfault::writers {

class EventFile {
 public:
  struct Options {
    std::string run_dir;
    std::string suffix;    // appended to generated file names.
    bool durable = false;  // fsync the directory after creating a file.
  };
  explicit EventFile(Options options);
  ~EventFile();
  EventFile(const EventFile&) = delete;
  EventFile& operator=(const EventFile&) = delete;

  // Room for one framed record of at most `n` bytes; then Commit() its real size and sequence
  // number.
  // Inline and allocation-free after warm-up: the buffer never shrinks, and its bytes beyond
  // committed_ are scratch (no zero-filling per record).
  char* Reserve(size_t n) {
    if (pending_.size() < committed_ + n) Grow(committed_ + n);
    return pending_.data() + committed_;
  }
  void Commit(size_t n, uint64_t seq) {
    committed_ += n;
    last_seq_ = seq;
  }
  size_t pending_bytes() const { return committed_; }
  uint64_t first_pending_seq() const { return written_seq_ + 1; }
  uint64_t last_pending_seq() const { return last_seq_; }

  // Opens a file (writing its file_version record) if there is none.
  Status EnsureOpen() { return fd_ >= 0 ? Status::Ok() : Open(); }
  // Sequence numbers up to `seq` will never come (lost before reaching the file). Needs nothing
  // pending.
  void SkipTo(uint64_t seq) {
    if (committed_ == 0 && seq > last_seq_) written_seq_ = last_seq_ = seq;
  }
  // Writes every pending record (opening a file first if there is none).
  Status Write(bool check_vanished);
  // fsync(2) of the current file; on success synced_seq() reaches written_seq().
  Status Sync();
  // Lets `rewrite` replace the pending records by others for the same sequence numbers, one record
  // each, in the same order (rare path: re-encoding after the file vanished).
  template <typename F>
  void RewritePending(F rewrite) {
    pending_.resize(committed_);
    rewrite(&pending_);
    committed_ = pending_.size();
  }
  // Forgets the pending records: the caller reports them lost. Returns how many there were.
  uint64_t DropPending();
  // Closes the file (pending records stay pending).
  Status Close();

  uint64_t written_seq() const { return written_seq_; }
  uint64_t synced_seq() const { return synced_seq_; }
  uint64_t bytes_written() const { return bytes_written_; }
  uint64_t files_created() const { return files_created_; }
  // Events written to files that later vanished or failed fsync, reported lost by the last call.
  uint64_t lost_first() const { return lost_first_; }
  uint64_t lost_last() const { return lost_last_; }
  const std::string& path() const { return path_; }

 private:
  Status Open();
  void Abandon();
  void Grow(size_t need);
  size_t WholeRecords(size_t bytes, uint64_t* count) const;

  Options options_;
  Status SyncNames();  // fsync of the run directory and its parent.
  int fd_ = -1;
  bool names_synced_ = false;  // the current file's name was made durable.
  std::string path_;
  uint64_t file_size_ = 0;
  uint64_t file_first_seq_ = 0;  // first event written to the current file.
  std::string pending_;   // its size is the buffer's: only the first committed_ bytes are records.
  size_t committed_ = 0;  // bytes of pending_ holding committed records.
  uint64_t written_seq_ = 0;
  uint64_t synced_seq_ = 0;
  uint64_t last_seq_ = 0;
  uint64_t bytes_written_ = 0;
  uint64_t files_created_ = 0;
  uint64_t lost_first_ = 0, lost_last_ = 0;
};

}  // namespace tbfault::writers
