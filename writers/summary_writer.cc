#include "writers/summary_writer.h"

#include <time.h>

#include <chrono>

#include "format/png.h"

namespace tbfault::writers {
namespace {

using Clock = std::chrono::steady_clock;

// How long the writer's thread looks for work before it sleeps (see AwaitWorkBriefly).
constexpr int kIdleSpinUs = 50;

// Queues from this size up make a full-queue producer wait for half of it to drain (Enqueue).
constexpr uint64_t kPatientQueue = 1024;

// One queue cell (sequence counter + item) per cache line, no more.
static_assert(MpmcQueue<Item>::cell_size() == 64);

Status Closed() { return Status::FromErrno(EBADF, "add after close"); }

// The async add's wall time: CLOCK_REALTIME_COARSE costs a quarter of CLOCK_REALTIME through the
// vDSO and is exact to the kernel tick (1-4 ms), which is finer than any chart of training time
// needs.
double CoarseWallTime() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec / 1000) * 1e-6;
}

}  // namespace

Status SummaryWriter::Create(const Options& options, std::unique_ptr<SummaryWriter>* out) {
  Policy policy;
  Status s = ParsePolicy(options.policy, &policy);
  if (!s.ok()) return s;
  out->reset(new SummaryWriter(options, policy));
  s = (*out)->engine_.Start();
  if (policy.kind == Policy::Kind::kAsync)
    (*out)->thread_ = std::thread(&SummaryWriter::Run, out->get());
  return s;
}

SummaryWriter::SummaryWriter(const Options& options, const Policy& policy)
    : policy_(policy), engine_(options.run_dir, options.suffix, policy, &tags_) {
  if (policy_.kind == Policy::Kind::kAsync)
    queue_ = std::make_unique<MpmcQueue<Item>>(policy_.queue);
}

SummaryWriter::~SummaryWriter() {
  if (!closed_.load()) Close().Ignore();  // Errors were reported through the callbacks.
}

TagId SummaryWriter::Tag(std::string_view name) { return tags_.Intern(name); }

Status SummaryWriter::AddScalar(TagId tag, int64_t step, float value) {
  Item item;
  item.kind = Item::kScalar;
  item.tag = tag;
  item.step = step;
  item.value = value;
  return Submit(item);
}

Status SummaryWriter::AddHistogram(TagId tag, int64_t step, std::span<const double> values) {
  format::HistogramBucket buckets[format::kDefaultHistogramBuckets];
  format::BucketValues(values, format::kDefaultHistogramBuckets, buckets);
  return AddHistogramBuckets(tag, step, buckets);
}

Status SummaryWriter::AddHistogramBuckets(TagId tag, int64_t step,
                                          std::span<const format::HistogramBucket> buckets) {
  Item item;
  item.kind = Item::kHistogram;
  item.tag = tag;
  item.step = step;
  item.payload =
      new std::string(reinterpret_cast<const char*>(buckets.data()), buckets.size_bytes());
  return Submit(item);
}

Status SummaryWriter::AddImage(TagId tag, int64_t step, std::span<const uint8_t> pixels, int height,
                               int width, int channels) {
  auto png = std::make_unique<std::string>();
  Status s = format::EncodePng(pixels, height, width, channels, png.get());
  if (!s.ok()) return s;
  Item item;
  item.kind = Item::kImage;
  item.tag = tag;
  item.step = step;
  item.width = width;
  item.height = height;
  item.payload = png.release();
  return Submit(item);
}

Status SummaryWriter::AddText(TagId tag, int64_t step, std::string_view text) {
  Item item;
  item.kind = Item::kText;
  item.tag = tag;
  item.step = step;
  item.payload = new std::string(text);
  return Submit(item);
}

Status SummaryWriter::Submit(Item& item) {
  if (item.tag >= tags_.size()) {  // acquire: the tag's entry is visible from here on.
    item.FreePayload();
    return Status::FromErrno(EINVAL, "unknown tag id " + std::to_string(item.tag));
  }
  if (queue_) {
    item.wall_time = CoarseWallTime();
    return Enqueue(item);
  }
  item.wall_time = format::WallTimeNow();
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_.load(std::memory_order_relaxed)) {
    item.FreePayload();
    return Closed();
  }
  item.seq = ++seq_;
  engine_.set_accepted(item.seq);
  engine_.count_accepted();
  return engine_.Append(item);
}

Status SummaryWriter::Enqueue(Item& item) {
  if (closed_.load(std::memory_order_relaxed)) {
    item.FreePayload();
    return Closed();
  }
  uint64_t ticket;
  if (queue_->TryPush(item, &ticket)) return Pushed(ticket);
  auto refuse_closed = [&] {
    item.FreePayload();
    return Closed();
  };
  if (queue_->closed()) return refuse_closed();
  // The queue is full: the overflow policy decides, and no event disappears unreported.
  switch (policy_.overflow) {
    case Policy::Overflow::kDropOldest:
      for (;;) {
        Item old;
        uint64_t old_ticket;
        if (queue_->TryPop(&old, &old_ticket)) {
          engine_.ReportDropped(old_ticket + 1, old_ticket + 1, ENOBUFS);
          old.FreePayload();
        }
        if (queue_->TryPush(item, &ticket)) return Pushed(ticket);
        if (queue_->closed()) return refuse_closed();
      }
    case Policy::Overflow::kBlock: {
      const auto start = Clock::now();
      const auto deadline = start + std::chrono::milliseconds(policy_.max_block_ms);
      // For the first half of the wait, push into a large queue only once the thread has drained
      // half of it: pushing into each slot as soon as it is freed would pass the same cache lines
      // between the two cores once per event. A small queue (the presets' 10) is drained in less
      // than a yield takes, so waiting would let the thread run dry and sleep: there any free slot
      // will do. After the first half (other producers may keep the queue above half), any free
      // slot will do too, and one last try comes at the deadline.
      const auto patient_until = start + std::chrono::milliseconds(policy_.max_block_ms) / 2;
      const uint64_t capacity = queue_->capacity();
      const uint64_t resume_at = capacity >= kPatientQueue ? capacity / 2 : capacity - 1;
      for (int spins = 0;; ++spins) {
        work_cv_.notify_one();  // the consumer may be idling: a full queue is work.
        const auto now = Clock::now();
        const bool any_slot = now >= patient_until || queue_->size() <= resume_at;
        if (any_slot && queue_->TryPush(item, &ticket)) return Pushed(ticket);
        if (queue_->closed()) return refuse_closed();
        if (now >= deadline) break;
        if (spins < 64) {
          std::this_thread::yield();
        } else {
          std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
      }
      engine_.count_dropped(1);
      item.FreePayload();
      return Status::FromErrno(
          ENOBUFS, "queue full for " + std::to_string(policy_.max_block_ms) + " ms: event dropped");
    }
    case Policy::Overflow::kDropNewest:
      break;
  }
  engine_.count_dropped(1);
  item.FreePayload();
  return Status::FromErrno(ENOBUFS, "queue full: event dropped");
}

void SummaryWriter::Run() {
  uint64_t next_seq = 1;
  Item item;
  uint64_t ticket;
  for (;;) {
    int drained = 0;
    // (The accepted watermark of `async` is the queue's push count: see watermarks().)
    while (drained < 4096 && queue_->TryPop(&item, &ticket)) {
      item.seq = ticket + 1;
      if (item.seq != next_seq) engine_.SkipTo(item.seq - 1);  // others dropped those.
      next_seq = item.seq + 1;
      // Failures reach the caller through callbacks and Flush(). The policy's thresholds are
      // checked once per batch below, not per event (a batch is at most 4096 events).
      engine_.Append(item, /*defer_policy=*/true).Ignore();
      ++drained;
    }
    if (drained > 0) engine_.Tick().Ignore();
    std::unique_lock<std::mutex> lock(flush_mu_);
    if (flush_requested_ > flush_done_ && queue_->popped() >= flush_target_) {
      uint64_t generation = flush_requested_, target = flush_target_;
      bool sync = sync_request_;
      sync_request_ = false;
      lock.unlock();
      if (next_seq - 1 < target) engine_.SkipTo(target);  // the tail was dropped by producers.
      Status s = engine_.Flush(sync);
      lock.lock();
      flush_status_ = s;
      flush_done_ = generation;
      done_cv_.notify_all();
      continue;
    }
    if (drained > 0) continue;
    if (stop_ && queue_->popped() == queue_->pushed()) return;
    lock.unlock();
    engine_.Tick().Ignore();
    if (AwaitWorkBriefly()) continue;
    lock.lock();
    if (flush_requested_ <= flush_done_ && !stop_) {
      // Producers wake the thread when the queue gets half full (Pushed); otherwise it looks
      // again in 200 us, so a wake-up missed in a race costs no more than that.
      sleeping_.store(true, std::memory_order_seq_cst);
      if (queue_->size() == 0) work_cv_.wait_for(lock, std::chrono::microseconds(200));
      sleeping_.store(false, std::memory_order_relaxed);
    }
  }
}

bool SummaryWriter::AwaitWorkBriefly() {
  // Waking a sleeping thread takes microseconds: a producer that keeps a small queue full (the
  // presets' 10) would wait that long for every queue-full of events. So the thread yields for a
  // while before it sleeps; a flush or close pokes it out at once.
  const auto until = Clock::now() + std::chrono::microseconds(kIdleSpinUs);
  do {
    if (queue_->size() > 0) return true;
    if (poked_.exchange(false, std::memory_order_acq_rel)) return false;
    std::this_thread::yield();
  } while (Clock::now() < until);
  return false;
}

Status SummaryWriter::FlushImpl(bool sync) {
  if (!queue_) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_.load(std::memory_order_relaxed))
      return Status::FromErrno(EBADF, "flush after close");
    return engine_.Flush(sync);
  }
  std::unique_lock<std::mutex> lock(flush_mu_);
  // After Close the thread is gone and would never answer.
  if (stop_) return Status::FromErrno(EBADF, "flush after close");
  uint64_t generation = ++flush_requested_;
  flush_target_ = std::max(flush_target_, queue_->pushed());
  sync_request_ = sync_request_ || sync;
  poked_.store(true, std::memory_order_release);
  work_cv_.notify_one();
  done_cv_.wait(lock, [&] { return flush_done_ >= generation; });
  return flush_status_;
}

Status SummaryWriter::Close() {
  if (closed_.exchange(true)) return Status::FromErrno(EBADF, "close: already closed");
  if (queue_) {
    {
      std::lock_guard<std::mutex> lock(flush_mu_);
      // From here no add can take a ticket, so the thread's last drain (popped == pushed) is final:
      // an add racing with Close either is written or fails with EBADF, never lost unreported.
      queue_->Close();
      stop_ = true;
    }
    poked_.store(true, std::memory_order_release);
    work_cv_.notify_one();
    if (thread_.joinable()) thread_.join();
    return engine_.Close();
  }
  std::lock_guard<std::mutex> lock(mu_);
  return engine_.Close();
}

Watermarks SummaryWriter::watermarks() const {
  Watermarks w = engine_.watermarks();
  if (queue_) w.accepted = queue_->pushed();
  return w;
}

Counters SummaryWriter::counters() const {
  Counters c = engine_.counters();
  if (queue_) c.accepted = queue_->pushed();
  return c;
}

}  // namespace tbfault::writers
