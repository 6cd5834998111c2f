// SummaryWriter: the fast, honest TensorBoard writer. One writer writes one run directory.
//
//   std::unique_ptr<SummaryWriter> w;
//   Status s = SummaryWriter::Create({.run_dir = "logs/run1", .policy = "async"}, &w);
//   TagId loss = w->Tag("loss");
//   w->AddScalar(loss, step, 0.25f);   // async: enqueue only; no allocation, no lock, no syscall.
//   w->Flush();                        // everything accepted so far is in the kernel (or reported
//   lost).
//
// Threads: with `async` any number of threads may add; the synchronous policies (every-event,
// buffered, periodic, tf2-like) serialise adds with a mutex and do the writing on the caller's
// thread. The async thread, when the queue runs empty, yields for up to 50 us for more events
// before it sleeps (waking it would cost a producer blocked on a small full queue microseconds);
// a full queue of >= 1024 slots makes a blocking producer wait until half of it is drained. Wall
// times: async adds are stamped with CLOCK_REALTIME_COARSE (kernel-tick resolution, 1-4 ms) to keep
// the add call short; the synchronous policies use CLOCK_REALTIME (microseconds). Errors: see
// EventWriter and EventFile for what is reported and how failures are contained.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "writers/engine.h"
#include "writers/event_writer.h"
#include "writers/mpmc_queue.h"
#include "writers/policy.h"

namespace tbfault::writers {

class SummaryWriter final : public EventWriter {
 public:
  struct Options {
    std::string run_dir;
    std::string policy = "async";  // a spec, see policy.h.
    std::string suffix;
  };

  // A policy spec that does not parse is an error and makes no writer. A file-system error while
  // creating the first file is returned too, but the writer is made and retries on later writes.
  static Status Create(const Options& options, std::unique_ptr<SummaryWriter>* out);
  ~SummaryWriter() override;

  TagId Tag(std::string_view name) override;
  using EventWriter::AddScalar;
  Status AddScalar(TagId tag, int64_t step, float value) override;
  Status AddHistogram(TagId tag, int64_t step, std::span<const double> values) override;
  Status AddHistogramBuckets(TagId tag, int64_t step,
                             std::span<const format::HistogramBucket> buckets) override;
  Status AddImage(TagId tag, int64_t step, std::span<const uint8_t> pixels, int height, int width,
                  int channels) override;
  Status AddText(TagId tag, int64_t step, std::string_view text) override;
  Status Flush() override { return FlushImpl(false); }
  Status Sync() override { return FlushImpl(true); }
  Status Close() override;

  Watermarks watermarks() const override;
  Counters counters() const override;
  std::string current_file() const override { return engine_.current_file(); }
  void set_failed_callback(FailedCallback cb) override {
    engine_.set_failed_callback(std::move(cb));
  }
  void set_error_callback(ErrorCallback cb) override { engine_.set_error_callback(std::move(cb)); }

  const Policy& policy() const { return policy_; }

 private:
  SummaryWriter(const Options& options, const Policy& policy);
  Status Submit(Item& item);
  Status Enqueue(Item& item);
  // After a push: wakes the sleeping async thread once the queue is half full, so that producers
  // of a small queue do not find it full and wait for the wake-up. One relaxed load when awake.
  Status Pushed(uint64_t ticket) {
    if (sleeping_.load(std::memory_order_relaxed)) [[unlikely]] {
      if (ticket + 1 - queue_->popped() >= queue_->capacity() / 2) work_cv_.notify_one();
    }
    return Status::Ok();
  }
  Status FlushImpl(bool sync);
  void Run();  // the async thread.
  // The async thread, idle: true when events arrived within a short spin, false when poked (a
  // flush or close) or when it is time to sleep.
  bool AwaitWorkBriefly();

  const Policy policy_;
  TagTable tags_;
  Engine engine_;
  std::atomic<bool> closed_{false};

  std::mutex mu_;  // synchronous policies: serialises adds and flushes.
  uint64_t seq_ = 0;

  std::unique_ptr<MpmcQueue<Item>> queue_;  // async only.
  std::thread thread_;
  std::mutex flush_mu_;
  std::condition_variable work_cv_, done_cv_;
  uint64_t flush_requested_ = 0, flush_done_ = 0;  // flush generations.
  uint64_t flush_target_ = 0;                      // sequence number a flush must cover.
  bool sync_request_ = false, stop_ = false;
  std::atomic<bool> poked_{false};                 // a flush or close is waiting: stop spinning.
  alignas(64) std::atomic<bool> sleeping_{false};  // the async thread waits on work_cv_.
  Status flush_status_;
};

}  // namespace tbfault::writers
