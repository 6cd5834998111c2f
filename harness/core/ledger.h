// Ledger (DESIGN.md section 4): the harness's record of what the writer was asked to log, kept
// where a SIGKILL of the writer process loses nothing already recorded — a fixed-layout file mapped
// MAP_SHARED (create it outside the faulty mount: the runner's private dir or /dev/shm). The child
// appends, the parent reads the file after the child is gone (or while it runs).
//
// One entry per add call, in call order: entry i is the writer's sequence number i + 1 (EventWriter
// numbers adds 1, 2, 3, ...). Append is a handful of stores into preallocated memory and one
// release store of the count: no syscall, no allocation, no lock. Appends come from ONE thread (the
// training thread making the add calls). Watermarks and failures may be reported from any thread.
//
// Layout (all little-endian, host order): a 4 KiB header (magic, capacities, counters, watermarks),
// the series table (run + tag names), the failed ranges, then the entries.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "format/status.h"
#include "harness/core/value.h"

namespace tbfault::core {

struct LedgerEntry {
  int64_t step;
  uint64_t t_ns;    // training time of the call (the caller's clock), for the loss window.
  double number;    // scalar value or histogram total count.
  uint64_t digest;  // histogram counts, image PNG, text bytes (value.h); 0 = not known.
  uint32_t series;  // index into the series table.
  uint32_t bytes;   // payload size the caller attributes to the event (for the loss window).
  uint32_t width;   // image.
  uint16_t height;  // image (images above 65535 rows are recorded as 65535).
  uint8_t kind;     // Kind.
  uint8_t pad;
};
static_assert(sizeof(LedgerEntry) == 48);

struct LedgerHeader;  // ledger.cc

// Acknowledgement state the writer reported (watermarks: every seq <= W reached the level).
struct FailedRange {
  uint64_t first_seq;
  uint64_t last_seq;
  int err;
};
struct Acks {
  uint64_t accepted = 0;
  uint64_t written = 0;
  uint64_t flushed = 0;
  uint64_t synced = 0;
  std::vector<FailedRange> failed;
  // The errno reported for `seq`, or 0 when it was never reported failed.
  int FailedErrno(uint64_t seq) const;
};

class LedgerWriter {
 public:
  // Creates (truncating) the file at `path` with room for `capacity` entries and `series_capacity`
  // series, and maps it shared: the writer process (`tbfault drive`) creates its own ledgers, and
  // what it recorded is in the file even if it dies by SIGKILL; the runner reads it (ReadLedger).
  static Status Create(const std::string& path, uint64_t capacity, uint32_t series_capacity,
                       std::unique_ptr<LedgerWriter>* out);
  ~LedgerWriter();
  LedgerWriter(const LedgerWriter&) = delete;
  LedgerWriter& operator=(const LedgerWriter&) = delete;

  // Registers a (run, tag) series; its index is used by Append. Not a hot-path call (call it once
  // per tag). Returns UINT32_MAX when the table is full or a name exceeds 250 bytes together.
  uint32_t Series(std::string_view run, std::string_view tag);

  // Records the next add call. False when the ledger is full (counted as overflow; the run must
  // then be reported as an error, not judged).
  bool Append(uint32_t series, int64_t step, Kind kind, double number, uint64_t digest,
              uint32_t width, uint32_t height, uint32_t bytes, uint64_t t_ns) {
    uint64_t n = count_->load(std::memory_order_relaxed);
    if (n >= capacity_) [[unlikely]] {
      overflow_->fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    Fill(n, series, step, kind, number, digest, width, height, bytes, t_ns);
    count_->store(n + 1, std::memory_order_release);
    return true;
  }
  bool AppendScalar(uint32_t series, int64_t step, float value, uint32_t bytes, uint64_t t_ns) {
    return Append(series, step, Kind::kScalar, value, 0, 0, 0, bytes, t_ns);
  }

  // The add call about to be made, in the next slot but not counted: a process that dies inside
  // the call (a crash right after its write or fsync) may have put the event on disk, and the
  // reader must know it was asked for (ReadLedger gives it as the last event, never accepted).
  // Append then counts it; Settle() forgets it either way, once the call returned.
  void Stage(uint32_t series, int64_t step, Kind kind, double number, uint64_t digest,
             uint32_t width, uint32_t height, uint32_t bytes, uint64_t t_ns) {
    uint64_t n = count_->load(std::memory_order_relaxed);
    if (n >= capacity_) [[unlikely]] return;
    Fill(n, series, step, kind, number, digest, width, height, bytes, t_ns);
    in_flight_->store(n + 1, std::memory_order_release);
  }
  void Settle() { in_flight_->store(0, std::memory_order_release); }

 private:
  void Fill(uint64_t n, uint32_t series, int64_t step, Kind kind, double number, uint64_t digest,
            uint32_t width, uint32_t height, uint32_t bytes, uint64_t t_ns) {
    // Ask for the line a few entries ahead now, so that the store does not wait for it.
    __builtin_prefetch(&entries_[n + 16 < capacity_ ? n + 16 : n], 1, 3);
    LedgerEntry& e = entries_[n];
    e.step = step;
    e.t_ns = t_ns;
    e.number = number;
    e.digest = digest;
    e.series = series;
    e.bytes = bytes;
    e.width = width;
    e.height = static_cast<uint16_t>(height > 65535 ? 65535 : height);
    e.kind = static_cast<uint8_t>(kind);
    e.pad = 0;
  }

 public:

  // The writer's reports. Watermarks only move up (a lower report is ignored).
  void SetWatermarks(uint64_t accepted, uint64_t written, uint64_t flushed, uint64_t synced);
  void AddFailed(uint64_t first_seq, uint64_t last_seq, int err);
  // The writer's Close() returned OK: the run ended cleanly.
  void MarkClosedCleanly();

 private:
  LedgerWriter() = default;
  void* base_ = nullptr;
  size_t size_ = 0;
  LedgerHeader* header_ = nullptr;
  LedgerEntry* entries_ = nullptr;
  uint64_t capacity_ = 0;
  std::atomic<uint64_t>* count_ = nullptr;
  std::atomic<uint64_t>* overflow_ = nullptr;
  std::atomic<uint64_t>* in_flight_ = nullptr;
};

// One logged event as the verdict sees it.
struct LoggedEvent {
  uint64_t seq = 0;
  std::string run;
  std::string tag;
  int64_t step = 0;
  SeriesValue value;
  uint32_t bytes = 0;
  uint64_t t_ns = 0;
};

struct LedgerContents {
  std::vector<LoggedEvent> events;  // in seq order (seq 1 first).
  Acks acks;
  bool closed_cleanly = false;
  uint64_t overflow = 0;  // appends refused because the ledger was full.
};

// Reads a ledger file (while its writer runs, or after it died). Errors name the file.
Status ReadLedger(const std::string& path, LedgerContents* out);

}  // namespace tbfault::core
