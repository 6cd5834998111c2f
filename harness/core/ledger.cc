#include "harness/core/ledger.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

namespace tbfault::core {

constexpr uint64_t kMagic = 0x3152474c44454c54ull;  // "TLEDLGR1"
constexpr uint32_t kSeriesSlot = 256;               // u16 run length, u16 tag length, names.
constexpr uint32_t kFailedCapacity = 4096;
constexpr size_t kHeaderBytes = 4096;

struct FailedSlot {
  uint64_t first_seq;
  uint64_t last_seq;
  int32_t err;
  std::atomic<uint32_t> valid;  // set last: a slot killed mid-write is not read.
};
static_assert(sizeof(FailedSlot) == 24);

struct LedgerHeader {
  uint64_t magic;
  uint64_t capacity;
  uint32_t series_capacity;
  uint32_t entry_size;
  std::atomic<uint64_t> count;
  std::atomic<uint64_t> overflow;
  std::atomic<uint64_t> series_count;
  std::atomic<uint64_t> failed_count;
  std::atomic<uint64_t> accepted;
  std::atomic<uint64_t> written;
  std::atomic<uint64_t> flushed;
  std::atomic<uint64_t> synced;
  std::atomic<uint64_t> closed_cleanly;
  std::atomic<uint64_t> in_flight;  // LedgerWriter::Stage: 1 + the slot of the add under way; 0.
};
static_assert(sizeof(LedgerHeader) <= kHeaderBytes);
static_assert(std::atomic<uint64_t>::is_always_lock_free);

namespace {

size_t SeriesOffset() { return kHeaderBytes; }
size_t FailedOffset(uint32_t series_capacity) {
  return SeriesOffset() + static_cast<size_t>(series_capacity) * kSeriesSlot;
}
size_t EntriesOffset(uint32_t series_capacity) {
  return FailedOffset(series_capacity) + kFailedCapacity * sizeof(FailedSlot);
}

void RaiseTo(std::atomic<uint64_t>& a, uint64_t v) {
  uint64_t cur = a.load(std::memory_order_relaxed);
  while (cur < v && !a.compare_exchange_weak(cur, v, std::memory_order_release)) {
  }
}

}  // namespace

int Acks::FailedErrno(uint64_t seq) const {
  for (const FailedRange& r : failed) {
    if (seq >= r.first_seq && seq <= r.last_seq) return r.err;
  }
  return 0;
}

Status LedgerWriter::Create(const std::string& path, uint64_t capacity, uint32_t series_capacity,
                            std::unique_ptr<LedgerWriter>* out) {
  size_t size = EntriesOffset(series_capacity) + capacity * sizeof(LedgerEntry);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno(errno, "open " + path);
  // posix_fallocate reserves the blocks now, so that a full disk fails here and not with SIGBUS
  // later.
  int err = ::posix_fallocate(fd, 0, static_cast<off_t>(size));
  if (err == EOPNOTSUPP || err == EINVAL)
    err = ::ftruncate(fd, static_cast<off_t>(size)) ? errno : 0;
  if (err != 0) {
    ::close(fd);
    return Status::FromErrno(err, "allocate ledger " + path);
  }
  void* base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int map_err = errno;
  ::close(fd);
  if (base == MAP_FAILED) return Status::FromErrno(map_err, "mmap " + path);
  // Pre-fault every page so that appends never take a page fault into the file system.
  ::madvise(base, size, MADV_WILLNEED);
  for (size_t off = 0; off < size; off += 4096) static_cast<volatile char*>(base)[off] = 0;

  std::unique_ptr<LedgerWriter> w(new LedgerWriter());
  w->base_ = base;
  w->size_ = size;
  w->header_ = new (base) LedgerHeader{};
  w->header_->magic = kMagic;
  w->header_->capacity = capacity;
  w->header_->series_capacity = series_capacity;
  w->header_->entry_size = sizeof(LedgerEntry);
  w->entries_ =
      reinterpret_cast<LedgerEntry*>(static_cast<char*>(base) + EntriesOffset(series_capacity));
  w->capacity_ = capacity;
  w->count_ = &w->header_->count;
  w->overflow_ = &w->header_->overflow;
  w->in_flight_ = &w->header_->in_flight;
  *out = std::move(w);
  return Status::Ok();
}

LedgerWriter::~LedgerWriter() {
  if (base_ != nullptr) ::munmap(base_, size_);
}

uint32_t LedgerWriter::Series(std::string_view run, std::string_view tag) {
  if (run.size() + tag.size() > kSeriesSlot - 4) return UINT32_MAX;
  uint64_t n = header_->series_count.load(std::memory_order_relaxed);
  if (n >= header_->series_capacity) return UINT32_MAX;
  char* slot = static_cast<char*>(base_) + SeriesOffset() + n * kSeriesSlot;
  uint16_t rl = static_cast<uint16_t>(run.size()), tl = static_cast<uint16_t>(tag.size());
  std::memcpy(slot, &rl, 2);
  std::memcpy(slot + 2, &tl, 2);
  std::memcpy(slot + 4, run.data(), run.size());
  std::memcpy(slot + 4 + run.size(), tag.data(), tag.size());
  header_->series_count.store(n + 1, std::memory_order_release);
  return static_cast<uint32_t>(n);
}

void LedgerWriter::SetWatermarks(uint64_t accepted, uint64_t written, uint64_t flushed,
                                 uint64_t synced) {
  RaiseTo(header_->accepted, accepted);
  RaiseTo(header_->written, written);
  RaiseTo(header_->flushed, flushed);
  RaiseTo(header_->synced, synced);
}

void LedgerWriter::AddFailed(uint64_t first_seq, uint64_t last_seq, int err) {
  uint64_t i = header_->failed_count.fetch_add(1, std::memory_order_relaxed);
  if (i >= kFailedCapacity) return;  // counted; ReadLedger reports the excess as one open range.
  auto* slot = reinterpret_cast<FailedSlot*>(static_cast<char*>(base_) +
                                             FailedOffset(header_->series_capacity)) +
               i;
  slot->first_seq = first_seq;
  slot->last_seq = last_seq;
  slot->err = err;
  slot->valid.store(1, std::memory_order_release);
}

void LedgerWriter::MarkClosedCleanly() {
  header_->closed_cleanly.store(1, std::memory_order_release);
}

Status ReadLedger(const std::string& path, LedgerContents* out) {
  *out = LedgerContents();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "open " + path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return Status::FromErrno(e, "stat " + path);
  }
  size_t size = static_cast<size_t>(st.st_size);
  if (size < kHeaderBytes) {
    ::close(fd);
    return Status::Invalid(path + ": not a ledger (too short)");
  }
  void* base = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  int map_err = errno;
  ::close(fd);
  if (base == MAP_FAILED) return Status::FromErrno(map_err, "mmap " + path);
  const char* b = static_cast<const char*>(base);
  auto* h = reinterpret_cast<const LedgerHeader*>(b);
  Status result = Status::Ok();
  if (h->magic != kMagic || h->entry_size != sizeof(LedgerEntry) ||
      EntriesOffset(h->series_capacity) + h->capacity * sizeof(LedgerEntry) > size) {
    result = Status::Invalid(path + ": not a ledger (bad magic or sizes)");
  } else {
    uint64_t count = std::min(h->count.load(std::memory_order_acquire), h->capacity);
    uint64_t nseries =
        std::min<uint64_t>(h->series_count.load(std::memory_order_acquire), h->series_capacity);
    std::vector<std::pair<std::string, std::string>> series(nseries);
    for (uint64_t i = 0; i < nseries; ++i) {
      const char* slot = b + SeriesOffset() + i * kSeriesSlot;
      uint16_t rl, tl;
      std::memcpy(&rl, slot, 2);
      std::memcpy(&tl, slot + 2, 2);
      if (rl + tl > kSeriesSlot - 4) continue;
      series[i] = {std::string(slot + 4, rl), std::string(slot + 4 + rl, tl)};
    }
    auto* entries = reinterpret_cast<const LedgerEntry*>(b + EntriesOffset(h->series_capacity));
    // An add the process died in (staged, never counted) is the last event: asked for, never
    // accepted.
    const uint64_t staged = h->in_flight.load(std::memory_order_acquire);
    const bool died_in_add = staged == count + 1 && count < h->capacity &&
                             h->closed_cleanly.load(std::memory_order_acquire) == 0;
    out->events.reserve(count + 1);
    for (uint64_t i = 0; i < count + (died_in_add ? 1 : 0); ++i) {
      const LedgerEntry& e = entries[i];
      LoggedEvent ev;
      ev.seq = i + 1;
      if (e.series < nseries) {
        ev.run = series[e.series].first;
        ev.tag = series[e.series].second;
      }
      ev.step = e.step;
      ev.value.kind = static_cast<Kind>(e.kind);
      ev.value.number = e.number;
      ev.value.digest = e.digest;
      ev.value.width = e.width;
      ev.value.height = e.height;
      ev.bytes = e.bytes;
      ev.t_ns = e.t_ns;
      out->events.push_back(std::move(ev));
    }
    out->acks.accepted = h->accepted.load(std::memory_order_acquire);
    out->acks.written = h->written.load(std::memory_order_acquire);
    out->acks.flushed = h->flushed.load(std::memory_order_acquire);
    out->acks.synced = h->synced.load(std::memory_order_acquire);
    uint64_t nfailed = h->failed_count.load(std::memory_order_acquire);
    auto* slots = reinterpret_cast<const FailedSlot*>(b + FailedOffset(h->series_capacity));
    for (uint64_t i = 0; i < std::min<uint64_t>(nfailed, kFailedCapacity); ++i) {
      if (slots[i].valid.load(std::memory_order_acquire) != 1) continue;
      out->acks.failed.push_back({slots[i].first_seq, slots[i].last_seq, slots[i].err});
    }
    if (nfailed > kFailedCapacity && !out->acks.failed.empty()) {
      // Reports beyond the table: conservatively, everything after the last kept one failed.
      out->acks.failed.push_back({out->acks.failed.back().last_seq + 1, UINT64_MAX, EOVERFLOW});
    }
    out->closed_cleanly = h->closed_cleanly.load(std::memory_order_acquire) == 1;
    out->overflow = h->overflow.load(std::memory_order_acquire);
  }
  ::munmap(base, size);
  return result;
}

}  // namespace tbfault::core
