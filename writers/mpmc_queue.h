// MpmcQueue: a bounded, allocation-free multi-producer multi-consumer queue (Dmitry Vyukov's
// design): every slot carries a sequence counter, so push and pop are one CAS each and never lock.
// Capacity is rounded up to a power of two. The position a push took (its ticket) is returned by
// push and pop: tickets are dense and ordered like the queue, which lets the writer use them as
// sequence numbers. Cells are aligned so that none straddles two cache lines.
// Close() sets a bit in the tail with one atomic operation, so a push either took its ticket before
// the close (and pushed() counts it) or fails; closing costs the push path nothing extra.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace tbfault::writers {

template <typename T>
class MpmcQueue {
 public:
  explicit MpmcQueue(size_t capacity)
      : mask_(std::bit_ceil(std::max<size_t>(capacity, 2)) - 1), cells_(new Cell[mask_ + 1]) {
    for (size_t i = 0; i <= mask_; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
  }

  // False when full or closed. `ticket` receives the position taken.
  bool TryPush(const T& value, uint64_t* ticket) {
    uint64_t pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      if (pos & kClosed) return false;
      Cell& c = cells_[pos & mask_];
      uint64_t seq = c.seq.load(std::memory_order_acquire);
      int64_t diff = static_cast<int64_t>(seq) - static_cast<int64_t>(pos);
      if (diff == 0) {
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          c.value = value;
          c.seq.store(pos + 1, std::memory_order_release);
          *ticket = pos;
          return true;
        }
      } else if (diff < 0) {
        return false;
      } else {
        pos = tail_.load(std::memory_order_relaxed);
      }
    }
  }

  bool TryPop(T* value, uint64_t* ticket) {
    uint64_t pos = head_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& c = cells_[pos & mask_];
      uint64_t seq = c.seq.load(std::memory_order_acquire);
      int64_t diff = static_cast<int64_t>(seq) - static_cast<int64_t>(pos + 1);
      if (diff == 0) {
        if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          *value = c.value;
          c.seq.store(pos + mask_ + 1, std::memory_order_release);
          *ticket = pos;
          return true;
        }
      } else if (diff < 0) {
        return false;
      } else {
        pos = head_.load(std::memory_order_relaxed);
      }
    }
  }

  // Later pushes fail; returns how many pushes succeeded (all of them, from now on, for good).
  uint64_t Close() { return tail_.fetch_or(kClosed, std::memory_order_acq_rel) & ~kClosed; }
  bool closed() const { return tail_.load(std::memory_order_acquire) & kClosed; }

  size_t capacity() const { return mask_ + 1; }
  static constexpr size_t cell_size() { return sizeof(Cell); }
  uint64_t pushed() const { return tail_.load(std::memory_order_acquire) & ~kClosed; }
  uint64_t popped() const { return head_.load(std::memory_order_acquire); }
  // Approximate while others run, never negative: the head is read first and never passes the tail.
  uint64_t size() const {
    uint64_t head = popped();
    return pushed() - head;
  }

 private:
  static constexpr uint64_t kClosed = 1ull << 63;
  struct Fields {
    std::atomic<uint64_t> seq;
    T value;
  };
  struct alignas(std::min<size_t>(64, std::bit_ceil(sizeof(Fields)))) Cell : Fields {};
  const size_t mask_;
  std::unique_ptr<Cell[]> cells_;
  alignas(64) std::atomic<uint64_t> tail_{0};
  alignas(64) std::atomic<uint64_t> head_{0};
};

}  // namespace tbfault::writers
