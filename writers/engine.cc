#include "writers/engine.h"

#include <time.h>

#include <algorithm>

#include "format/events.h"
#include "format/record.h"

namespace tbfault::writers {

using Clock = std::chrono::steady_clock;

namespace {

// Flush deadlines and retry backoff are milliseconds: the coarse monotonic clock (kernel tick,
// 1-4 ms resolution) is enough, costs a third of a precise read (10 vs 29 ns here), and counts
// from the same base as steady_clock (CLOCK_MONOTONIC). It is read once per append.
Clock::time_point CoarseNow() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return Clock::time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

}  // namespace

TagId TagTable::Intern(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::lower_bound(index_.begin(), index_.end(), name,
                             [](const auto& e, std::string_view n) { return e.first < n; });
  if (it != index_.end() && it->first == name) return it->second;
  size_t id = size_.load(std::memory_order_relaxed);
  if (id >= kMaxTags) return kMaxTags;
  if (!chunks_[id >> kChunkBits]) chunks_[id >> kChunkBits].reset(new Entry[kChunkSize]);
  Entry& e = at(static_cast<TagId>(id));
  e.name = std::string(name);
  e.first = ScalarTemplate(name, true);
  e.later = ScalarTemplate(name, false);
  index_.insert(it, {std::string(name), static_cast<TagId>(id)});
  size_.store(id + 1, std::memory_order_release);
  return static_cast<TagId>(id);
}

void TagTable::ResetMetadata() {
  size_t n = size();
  for (size_t i = 0; i < n; ++i) at(static_cast<TagId>(i)).metadata_written = false;
}

Engine::Engine(std::string run_dir, std::string suffix, const Policy& policy, TagTable* tags)
    : file_({std::move(run_dir), std::move(suffix), policy.durable}),
      policy_(policy),
      tags_(tags),
      last_flush_(CoarseNow()),
      retry_at_(CoarseNow()) {}

Status Engine::Start() {
  Status s = file_.EnsureOpen();
  if (!s.ok()) Error(s);
  Publish();
  return s;
}

Status Engine::Append(Item& item, bool defer_policy) {
  TagTable::Entry& tag = tags_->at(item.tag);
  bool first = !tag.metadata_written;
  if (first) tag.kind = item.kind;
  if (item.kind == Item::kScalar) {
    const ScalarTemplate& t = first ? tag.first : tag.later;
    char* out = file_.Reserve(t.max_frame_size());
    file_.Commit(t.Encode(out, item.wall_time, item.step, item.value), item.seq);
  } else {
    tensorboard::Event e;
    e.set_wall_time(item.wall_time);
    e.set_step(item.step);
    auto* summary = e.mutable_summary();
    const std::string& p = *item.payload;
    switch (item.kind) {
      case Item::kHistogram:
        format::AddHistogram(summary, tag.name,
                             {reinterpret_cast<const format::HistogramBucket*>(p.data()),
                              p.size() / sizeof(format::HistogramBucket)},
                             first);
        break;
      case Item::kImage:
        format::AddImage(summary, tag.name, item.width, item.height, p, first);
        break;
      default:
        format::AddText(summary, tag.name, p, first);
        break;
    }
    size_t n = e.ByteSizeLong();
    char* out = file_.Reserve(n + record::kFrameOverhead);
    e.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(out + record::kHeaderSize));
    file_.Commit(record::FrameInPlace(out, n), item.seq);
    item.FreePayload();
  }
  tag.metadata_written = true;
  ++unflushed_events_;
  if (defer_policy) return Status::Ok();
  return Tick();
}

bool Engine::Due(Clock::time_point now) const {
  // Nothing to flush: nothing pending, and nothing handed over by a `write` threshold since the
  // last flush. (Events written and then reported lost, after a failed fsync or a vanished file,
  // do not make a flush due: a flush with nothing to write would claim them flushed.)
  if (file_.pending_bytes() == 0 && !written_unflushed_) return false;
  if (policy_.kind == Policy::Kind::kEveryEvent) return true;
  if (now < retry_at_) return false;  // backing off after a failure.
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_flush_).count();
  bool time = policy_.flush_ms > 0 && static_cast<uint64_t>(ms) >= policy_.flush_ms;
  if (policy_.kind == Policy::Kind::kPeriodic) return time;
  // Bytes and events since the last flush, written or not (a `write` threshold hands bytes over
  // without flushing them).
  const uint64_t unflushed_bytes =
      file_.pending_bytes() + (file_.bytes_written() - bytes_at_last_flush_);
  return time || (policy_.flush_bytes > 0 && unflushed_bytes >= policy_.flush_bytes) ||
         (policy_.flush_events > 0 && unflushed_events_ >= policy_.flush_events);
}

Status Engine::Tick() {
  const Clock::time_point now = CoarseNow();
  if (Due(now)) return Flush(false);
  if (policy_.write_bytes > 0 && file_.pending_bytes() >= policy_.write_bytes && now >= retry_at_) {
    Status s = WriteNow(false);  // a file buffer's worth: to the kernel, no flush.
    if (s.ok()) written_unflushed_ = true;
    return s;
  }
  return Status::Ok();
}

Status Engine::WriteNow(bool check_vanished) {
  Status s = file_.Write(check_vanished);
  if (file_.lost_last() != 0) {
    // The file vanished: its events are gone. Say so, then start over in a new file.
    Failed(file_.lost_first(), file_.lost_last(), ENOENT);
    Error(s);
    tags_->ResetMetadata();
    RestoreMetadataInPending();
    s = file_.Write(false);
  }
  if (!s.ok()) {
    Error(s);
    retry_at_ = CoarseNow() + backoff_;
    backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(1000));
    if (file_.pending_bytes() > policy_.max_pending) {
      uint64_t first = file_.first_pending_seq(), last = file_.last_pending_seq();
      file_.DropPending();
      Failed(first, last, s.error_number());
      tags_->ResetMetadata();  // a tag's first value may be among the lost.
    }
  } else {
    backoff_ = std::chrono::milliseconds(1);
  }
  Publish();
  return s;
}

Status Engine::Flush(bool sync) {
  Status s = WriteNow(true);
  if (s.ok() && (policy_.durable || sync)) {
    uint64_t synced = file_.synced_seq(), written = file_.written_seq();
    s = file_.Sync();
    if (!s.ok()) {
      // The kernel may have dropped what was written since the last good fsync.
      Error(s);
      if (written > synced) Failed(synced + 1, written, s.error_number());
      tags_->ResetMetadata();
    } else {
      syncs_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (s.ok()) {
    // Levels are published from the lowest up and read from the highest down (watermarks()), so
    // that a snapshot never shows synced > flushed > written.
    flushed_.store(file_.written_seq(), std::memory_order_release);
    if (policy_.durable || sync) synced_.store(file_.synced_seq(), std::memory_order_release);
    flushes_.fetch_add(1, std::memory_order_relaxed);
    last_flush_ = CoarseNow();
    unflushed_events_ = 0;
    bytes_at_last_flush_ = file_.bytes_written();
    written_unflushed_ = false;
  }
  return s;
}

Status Engine::Close() {
  Status s = Flush(false);
  if (file_.pending_bytes() > 0) {
    uint64_t first = file_.first_pending_seq(), last = file_.last_pending_seq();
    file_.DropPending();
    Failed(first, last, s.ok() ? EIO : s.error_number());
  }
  Status c = file_.Close();
  if (!c.ok()) Error(c);
  Publish();
  return s.ok() ? c : s;
}

void Engine::RestoreMetadataInPending() {
  if (file_.pending_bytes() == 0) return;
  file_.RewritePending([this](std::string* pending) {
    std::string out;
    out.reserve(pending->size() + 256);
    size_t off = 0;
    while (off + record::kHeaderSize <= pending->size()) {
      size_t n = record::DecodeFixed64(pending->data() + off);
      tensorboard::Event e;
      if (!e.ParseFromArray(pending->data() + off + record::kHeaderSize, static_cast<int>(n))) {
        out.append(*pending, off, n + record::kFrameOverhead);  // ours; cannot happen.
        off += n + record::kFrameOverhead;
        continue;
      }
      for (auto& v : *e.mutable_summary()->mutable_value()) {
        TagTable::Entry& tag = tags_->at(tags_->Intern(v.tag()));
        if (tag.metadata_written) continue;
        tag.metadata_written = true;
        if (v.has_metadata()) continue;
        tensorboard::Summary model;  // the builders' metadata for the tag's kind.
        switch (tag.kind) {
          case Item::kHistogram:
            format::AddHistogram(&model, v.tag(), {}, true);
            break;
          case Item::kImage:
            format::AddImage(&model, v.tag(), 0, 0, "", true);
            break;
          case Item::kText:
            format::AddText(&model, v.tag(), "", true);
            break;
          default:
            format::AddScalar(&model, v.tag(), 0, true);
            break;
        }
        *v.mutable_metadata() = model.value(0).metadata();
      }
      format::AppendEventRecord(&out, e);
      off += n + record::kFrameOverhead;
    }
    pending->assign(out);  // keeps the capacity: adds stay allocation-free.
  });
}

void Engine::ReportDropped(uint64_t first, uint64_t last, int err) {
  dropped_.fetch_add(last - first + 1, std::memory_order_relaxed);
  Failed(first, last, err);
}

void Engine::SkipTo(uint64_t seq) {
  Status s;
  if (file_.pending_bytes() > 0) s = WriteNow(false);  // errors already reported.
  if (file_.pending_bytes() > 0) {
    uint64_t first = file_.first_pending_seq(), last = file_.last_pending_seq();
    file_.DropPending();
    Failed(first, last, s.ok() ? EIO : s.error_number());
    tags_->ResetMetadata();  // a tag's first value may be among the lost.
  }
  file_.SkipTo(seq);
  Publish();
}

void Engine::Failed(uint64_t first, uint64_t last, int err) {
  failed_.fetch_add(last - first + 1, std::memory_order_relaxed);
  if (on_failed_) on_failed_(first, last, err);
}

void Engine::Error(const Status& s) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  int e = s.error_number();
  errors_by_errno_[ErrnoSlot(e)].fetch_add(1, std::memory_order_relaxed);
  if (on_error_) on_error_(s);
}

void Engine::Publish() {
  uint64_t files = file_.files_created();
  if (files != files_.load(std::memory_order_relaxed)) {
    std::lock_guard<std::mutex> lock(path_mu_);
    path_ = file_.path();
  }
  written_.store(file_.written_seq(), std::memory_order_release);
  bytes_.store(file_.bytes_written(), std::memory_order_relaxed);
  files_.store(files, std::memory_order_relaxed);
}

Watermarks Engine::watermarks() const {
  Watermarks w;  // highest level first: see Flush().
  w.synced = synced_.load(std::memory_order_acquire);
  w.flushed = flushed_.load(std::memory_order_acquire);
  w.written = written_.load(std::memory_order_acquire);
  w.accepted = accepted_.load(std::memory_order_acquire);
  return w;
}

Counters Engine::counters() const {
  Counters c;
  c.accepted = accepted_count_.load(std::memory_order_relaxed);
  c.flushes = flushes_.load(std::memory_order_relaxed);
  c.syncs = syncs_.load(std::memory_order_relaxed);
  c.dropped = dropped_.load(std::memory_order_relaxed);
  c.failed = failed_.load(std::memory_order_relaxed);
  c.bytes_written = bytes_.load(std::memory_order_relaxed);
  c.files_created = files_.load(std::memory_order_relaxed);
  c.errors = errors_.load(std::memory_order_relaxed);
  for (size_t i = 0; i < c.errors_by_errno.size(); ++i) {
    c.errors_by_errno[i] = errors_by_errno_[i].load(std::memory_order_relaxed);
  }
  return c;
}

std::string Engine::current_file() const {
  std::lock_guard<std::mutex> lock(path_mu_);
  return path_;
}

}  // namespace tbfault::writers
