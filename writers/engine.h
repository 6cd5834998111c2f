// Engine: the part of SummaryWriter that runs on one thread at a time — the caller's for the
// synchronous policies, the background thread's for `async`. It encodes events into the EventFile's
// pending buffer, applies the policy's thresholds, writes, flushes and syncs, retries with backoff
// after a failure, reports lost events, and publishes watermarks and counters (atomics, readable
// from any thread).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "writers/event_file.h"
#include "writers/event_writer.h"
#include "writers/policy.h"
#include "writers/scalar_encoder.h"

namespace tbfault::writers {

// One event as it travels from an add call to the engine. Payloads of non-scalar events are owned
// by the item (heap, freed by the engine): only scalar adds are allocation-free.
struct Item {
  enum Kind : uint8_t { kScalar, kHistogram, kImage, kText };
  uint64_t seq = 0;  // async: set by the thread from the queue's ticket.
  double wall_time = 0;
  int64_t step = 0;
  float value = 0;
  TagId tag = 0;
  Kind kind = kScalar;
  int32_t width = 0, height = 0;
  // Histogram buckets, PNG bytes, or text: owned by the item (it travels through the lock-free
  // queue as a plain pointer); every path that ends an item's life frees it with FreePayload().
  std::string* payload = nullptr;
  void FreePayload() {
    delete payload;
    payload = nullptr;
  }
};

class TagTable {
 public:
  static constexpr size_t kMaxTags = 1 << 16;
  // Interns `name`; thread-safe. kMaxTags + 1 tags are refused (returns kMaxTags).
  TagId Intern(std::string_view name);
  size_t size() const { return size_.load(std::memory_order_acquire); }

  struct Entry {
    std::string name;
    ScalarTemplate first, later;
    bool metadata_written = false;  // engine-thread state.
    uint8_t kind = 0;               // Item::Kind of its first value; engine-thread state.
  };
  // An id handed out by Intern() was published (size_, release) before anyone could hold it.
  Entry& at(TagId id) { return chunks_[id >> kChunkBits][id & (kChunkSize - 1)]; }
  void ResetMetadata();  // engine thread: next value of every tag carries its metadata again.

 private:
  std::mutex mu_;
  std::vector<std::pair<std::string, TagId>> index_;  // sorted by name; guarded by mu_.
  // Entries are made a chunk at a time as tags arrive: a writer with a few tags costs kilobytes,
  // not the ~12 MB that kMaxTags entries would take up front.
  static constexpr size_t kChunkBits = 8, kChunkSize = size_t{1} << kChunkBits;
  std::unique_ptr<Entry[]> chunks_[kMaxTags / kChunkSize];
  std::atomic<size_t> size_{0};
};

class Engine {
 public:
  Engine(std::string run_dir, std::string suffix, const Policy& policy, TagTable* tags);

  // Encodes one accepted event (takes its payload) and, unless `defer_policy`, applies the
  // policy's thresholds. The async thread defers them to one Tick() per batch it drains.
  Status Append(Item& item, bool defer_policy = false);
  // Writes everything pending; fsyncs when the policy is durable or `sync`.
  Status Flush(bool sync);
  // Creates the first file now so that an unwritable logdir is reported at once.
  Status Start();
  Status Close();
  // Events [first, last] were lost before reaching the engine (async overflow).
  void ReportDropped(uint64_t first, uint64_t last, int err);
  // The async thread skips over sequence numbers that never reached it.
  void SkipTo(uint64_t seq);
  // Flushes when the policy's thresholds are reached (bytes, events, ms since the last flush).
  Status Tick();

  void set_failed_callback(FailedCallback cb) { on_failed_ = std::move(cb); }
  void set_error_callback(ErrorCallback cb) { on_error_ = std::move(cb); }

  Watermarks watermarks() const;
  Counters counters() const;
  std::string current_file() const;
  void set_accepted(uint64_t seq) { accepted_.store(seq, std::memory_order_release); }
  uint64_t accepted() const { return accepted_.load(std::memory_order_acquire); }
  void count_accepted() { accepted_count_.fetch_add(1, std::memory_order_relaxed); }
  void count_dropped(uint64_t n) { dropped_.fetch_add(n, std::memory_order_relaxed); }

 private:
  Status WriteNow(bool check_vanished);
  // Pending records were encoded for a file that vanished, where each tag already had its metadata:
  // gives the first pending value of each tag its metadata again, for the new file.
  void RestoreMetadataInPending();
  void Failed(uint64_t first, uint64_t last, int err);
  void Error(const Status& s);
  void Publish();
  bool Due(std::chrono::steady_clock::time_point now) const;

  EventFile file_;
  Policy policy_;
  TagTable* tags_;
  FailedCallback on_failed_;
  ErrorCallback on_error_;
  uint64_t unflushed_events_ = 0;     // appended since the last flush.
  uint64_t bytes_at_last_flush_ = 0;  // file_.bytes_written() then.
  bool written_unflushed_ = false;    // a `write` threshold handed bytes over since.
  std::chrono::steady_clock::time_point last_flush_;
  std::chrono::steady_clock::time_point retry_at_;
  std::chrono::milliseconds backoff_{1};
  std::string scratch_;

  std::atomic<uint64_t> accepted_{0}, written_{0}, flushed_{0}, synced_{0};
  std::atomic<uint64_t> accepted_count_{0}, flushes_{0}, syncs_{0};
  std::atomic<uint64_t> dropped_{0}, failed_{0}, bytes_{0}, files_{0}, errors_{0};
  std::array<std::atomic<uint64_t>, kErrnoSlots> errors_by_errno_{};
  mutable std::mutex path_mu_;
  std::string path_;
};

}  // namespace tbfault::writers
