#include "writers/mutants/mutant_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "format/events.h"
#include "format/file_name.h"
#include "format/png.h"
#include "format/record.h"
#include "writers/mutants/record_mutants.h"

namespace tbfault::writers {
namespace {

constexpr std::array<std::pair<Mutation, std::string_view>, 20> kNames = {{
    {Mutation::kNone, "control"},
    {Mutation::kSwallowWriteErrors, "swallow-errors"},
    {Mutation::kTornRecords, "torn-records"},
    {Mutation::kNoFileVersion, "no-file-version"},
    {Mutation::kUnflushedFileVersion, "unflushed-file-version"},
    {Mutation::kSecondNames, "second-names"},
    {Mutation::kFakeSync, "fake-sync"},
    {Mutation::kDropOnFlushFailure, "drop-on-flush-failure"},
    {Mutation::kDoubleScalars, "double-scalars"},
    {Mutation::kLateMetadata, "late-metadata"},
    {Mutation::kStaleValues, "stale-values"},
    {Mutation::kDoubleWrite, "double-write"},
    {Mutation::kInitialZero, "initial-zero"},
    {Mutation::kBadDataCrc, "bad-data-crc"},
    {Mutation::kInvalidProto, "invalid-proto"},
    {Mutation::kNanWallTime, "nan-wall-time"},
    {Mutation::kRank1Scalars, "rank1-scalars"},
    {Mutation::kForeignBytes, "foreign-bytes"},
    {Mutation::kOversizedLength, "oversized-length"},
    {Mutation::kPurgeStepIgnored, "purge-step-ignored"},
}};

constexpr size_t kFlushBytes = 64 << 10;

}  // namespace

bool ParseMutation(std::string_view name, Mutation* m) {
  for (const auto& [mutation, n] : kNames) {
    if (n == name) {
      *m = mutation;
      return true;
    }
  }
  return false;
}

std::string_view MutationName(Mutation m) {
  for (const auto& [mutation, n] : kNames) {
    if (mutation == m) return n;
  }
  return "unknown";
}

std::vector<std::string_view> MutationNames() {
  std::vector<std::string_view> out;
  for (const auto& [mutation, n] : kNames) {
    if (mutation != Mutation::kNone) out.push_back(n);
  }
  return out;
}

MutantWriter::MutantWriter(std::string run_dir, Mutation mutation)
    : run_dir_(std::move(run_dir)), mutation_(mutation) {
  Open().Ignore();  // A failure is reported through the callbacks and retried on the next write.
}

MutantWriter::~MutantWriter() {
  if (!closed_) Close().Ignore();
}

Status MutantWriter::Fail(Status s) {
  ++counters_.errors;
  int e = s.error_number();
  ++counters_.errors_by_errno[ErrnoSlot(e)];
  if (on_error_) on_error_(s);
  return s;
}

Status MutantWriter::Open() {
  std::error_code ec;
  std::filesystem::create_directories(run_dir_, ec);
  if (ec) return Fail(Status::FromErrno(ec.value(), "mkdir " + run_dir_));
  std::string name;
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
  if (mutation_ == Mutation::kSecondNames) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "events.out.tfevents.%010lld.host",
                  static_cast<long long>(std::time(nullptr)));
    name = buf;
    flags |= O_TRUNC;  // A second writer in the same second takes the first one's file.
  } else {
    name = format::NextEventFileName();
    flags |= O_EXCL;
  }
  std::string path = run_dir_ + "/" + name;
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return Fail(Status::FromErrno(errno, "open " + path));
  fd_ = fd;
  path_ = path;
  ++counters_.files_created;
  if (mutation_ == Mutation::kNoFileVersion) return Status::Ok();
  std::string first;
  format::AppendEventRecord(&first, format::FileVersionEvent(format::WallTimeNow()));
  if (mutation_ == Mutation::kPurgeStepIgnored && !session_started_) {
    // A TF1 Supervisor writes START at the step it restored; this writer ignores that step, as
    // add_session_log(START) without a global_step does. A reopen after a failure is no new
    // session: one START per writer.
    session_started_ = true;
    format::AppendEventRecord(
        &first, format::SessionLogEvent(format::WallTimeNow(), 0, tensorboard::SessionLog::START));
  }
  if (mutation_ == Mutation::kUnflushedFileVersion) {
    pending_.insert(0, first);  // stays in memory until the first flush.
    return Status::Ok();
  }
  if (::write(fd_, first.data(), first.size()) != static_cast<ssize_t>(first.size())) {
    return Fail(Status::FromErrno(errno ? errno : EIO, "write " + path_));
  }
  return Status::Ok();
}

TagId MutantWriter::Tag(std::string_view name) {
  for (size_t i = 0; i < tags_.size(); ++i) {
    if (tags_[i] == name) return static_cast<TagId>(i);
  }
  tags_.emplace_back(name);
  return static_cast<TagId>(tags_.size() - 1);
}

bool MutantWriter::FirstValue(std::string_view tag) {
  auto it = values_per_tag_.find(tag);
  if (it == values_per_tag_.end()) it = values_per_tag_.emplace(std::string(tag), 0).first;
  int n = it->second++;
  // late-metadata: the tag's second value carries what belongs on the first.
  return mutation_ == Mutation::kLateMetadata ? n == 1 : n == 0;
}

Status MutantWriter::Append(tensorboard::Event& event) {
  if (closed_) return Status::FromErrno(EBADF, "add after close");
  event.set_wall_time(format::WallTimeNow());
  if (!AppendMutatedRecord(mutation_, summary_events_++, event, &pending_)) {
    format::AppendEventRecord(&pending_, event);
  }
  ++marks_.accepted;
  ++counters_.accepted;
  if (pending_.size() >= kFlushBytes) return WritePending();
  return Status::Ok();
}

Status MutantWriter::WritePending() {
  if (fd_ < 0) {
    Status s = Open();
    if (!s.ok()) return s;
  }
  size_t done = 0;
  int err = 0;
  while (done < pending_.size()) {
    ssize_t w = ::write(fd_, pending_.data() + done, pending_.size() - done);
    if (w > 0) {
      done += static_cast<size_t>(w);
    } else if (w < 0 && errno == EINTR) {
      continue;
    } else {
      err = w < 0 ? errno : EIO;
      break;
    }
  }
  // Whole records written, and how many of them are events.
  size_t whole = 0;
  uint64_t events = 0;
  while (whole + record::kHeaderSize <= done) {
    size_t end = whole + record::DecodeFixed64(pending_.data() + whole) + record::kFrameOverhead;
    if (end > done) break;
    whole = end;
    ++events;
  }
  if (err == 0 && mutation_ == Mutation::kDoubleWrite) {  // the "retry" of a write that worked.
    if (::write(fd_, pending_.data(), pending_.size()) > 0) counters_.bytes_written += done;
  }
  if (err == 0) {
    pending_.clear();
    counters_.bytes_written += done;
    marks_.written = marks_.accepted;
    return Status::Ok();
  }
  size_t keep_from = whole;
  if (done > whole) {
    if (mutation_ == Mutation::kTornRecords) {
      // The partial record stays in the file and its remainder is thrown away: the next write
      // starts a fresh record after the torn one.
      size_t end = whole + record::DecodeFixed64(pending_.data() + whole) + record::kFrameOverhead;
      keep_from = end;
      ++events;
    } else if (::ftruncate(fd_, ::lseek(fd_, 0, SEEK_CUR) - static_cast<off_t>(done - whole)) !=
                   0 ||
               ::lseek(fd_, -static_cast<off_t>(done - whole), SEEK_CUR) < 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  if (mutation_ == Mutation::kSwallowWriteErrors) {
    pending_.clear();  // gone, and nobody is told.
    marks_.written = marks_.accepted;
    return Status::Ok();
  }
  pending_.erase(0, keep_from);
  counters_.bytes_written += whole;
  marks_.written += events;
  return Fail(Status::FromErrno(err, "write " + path_));
}

Status MutantWriter::AddScalar(TagId tag, int64_t step, float value) {
  const std::string& name = tags_.at(tag);
  tensorboard::Event e;
  e.set_step(step);
  bool first = FirstValue(name);
  if (mutation_ == Mutation::kInitialZero && first) {  // a record nobody logged, with no seq.
    tensorboard::Event zero;
    zero.set_wall_time(format::WallTimeNow());
    zero.set_step(0);
    format::AddScalar(zero.mutable_summary(), name, 0.0f, true);
    format::AppendEventRecord(&pending_, zero);
    first = false;
  }
  if (mutation_ == Mutation::kStaleValues) {
    auto [it, fresh] = last_value_.try_emplace(name, value);
    std::swap(value, it->second);  // writes the previous value, keeps this one for next time.
  }
  if (mutation_ == Mutation::kDoubleScalars) {
    auto* v = e.mutable_summary()->add_value();
    v->set_tag(name);
    auto* t = v->mutable_tensor();
    t->set_dtype(tensorboard::DT_DOUBLE);
    t->mutable_tensor_shape();
    double d = value;
    t->set_tensor_content(&d, sizeof d);
    if (first) v->mutable_metadata()->mutable_plugin_data()->set_plugin_name("scalars");
  } else {
    format::AddScalar(e.mutable_summary(), name, value, first);
  }
  return Append(e);
}

Status MutantWriter::AddHistogram(TagId tag, int64_t step, std::span<const double> values) {
  format::HistogramBucket b[format::kDefaultHistogramBuckets];
  format::BucketValues(values, format::kDefaultHistogramBuckets, b);
  return AddHistogramBuckets(tag, step, b);
}

Status MutantWriter::AddHistogramBuckets(TagId tag, int64_t step,
                                         std::span<const format::HistogramBucket> buckets) {
  const std::string& name = tags_.at(tag);
  tensorboard::Event e;
  e.set_step(step);
  format::AddHistogram(e.mutable_summary(), name, buckets, FirstValue(name));
  return Append(e);
}

Status MutantWriter::AddImage(TagId tag, int64_t step, std::span<const uint8_t> pixels, int height,
                              int width, int channels) {
  const std::string& name = tags_.at(tag);
  std::string png;
  Status s = format::EncodePng(pixels, height, width, channels, &png);
  if (!s.ok()) return s;
  tensorboard::Event e;
  e.set_step(step);
  format::AddImage(e.mutable_summary(), name, width, height, png, FirstValue(name));
  return Append(e);
}

Status MutantWriter::AddText(TagId tag, int64_t step, std::string_view text) {
  const std::string& name = tags_.at(tag);
  tensorboard::Event e;
  e.set_step(step);
  format::AddText(e.mutable_summary(), name, text, FirstValue(name));
  return Append(e);
}

Status MutantWriter::Flush() {
  uint64_t upto = marks_.accepted;
  Status s;
  if (mutation_ == Mutation::kDropOnFlushFailure) {
    // TF2: the queue is cleared before the flush, so a failed flush loses its events.
    s = WritePending();
    if (!s.ok()) {
      pending_.clear();
      marks_.written = upto;
    }
  } else {
    s = WritePending();
  }
  if (!s.ok()) return s;
  marks_.flushed = upto;
  ++counters_.flushes;
  return Status::Ok();
}

Status MutantWriter::Sync() {
  Status s = Flush();
  if (!s.ok()) return s;
  if (mutation_ != Mutation::kFakeSync && fd_ >= 0 && ::fsync(fd_) != 0) {
    return Fail(Status::FromErrno(errno, "fsync " + path_));
  }
  marks_.synced = marks_.written;  // fake-sync claims this without the fsync.
  ++counters_.syncs;
  return Status::Ok();
}

Status MutantWriter::Close() {
  if (closed_) return Status::FromErrno(EBADF, "close: already closed");
  Status s = Flush();
  closed_ = true;
  if (!s.ok() && marks_.accepted > marks_.written) {
    counters_.failed += marks_.accepted - marks_.written;
    if (on_failed_) on_failed_(marks_.written + 1, marks_.accepted, s.error_number());
  }
  if (fd_ >= 0 && ::close(fd_) != 0 && s.ok()) s = Fail(Status::FromErrno(errno, "close " + path_));
  fd_ = -1;
  return s;
}

}  // namespace tbfault::writers
