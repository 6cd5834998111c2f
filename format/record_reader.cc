#include "format/record_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "format/record.h"

namespace tbfault::format {

std::string_view AnomalyName(Anomaly kind) {
  switch (kind) {
    case Anomaly::kTruncated:
      return "truncated";
    case Anomaly::kBadLengthCrc:
      return "bad-length-crc";
    case Anomaly::kZeroFilled:
      return "zero-filled";
    case Anomaly::kBadDataCrc:
      return "bad-data-crc";
    case Anomaly::kBadProto:
      return "bad-proto";
    case Anomaly::kOversized:
      return "oversized";
  }
  return "unknown";
}

namespace {

bool HeaderIntact(const char* p) {
  return record::DecodeFixed32(p + 8) == crc32c::MaskedValue(p, 8);
}

}  // namespace

RecordReader::RecordReader(std::string_view contents, Reporter* reporter)
    : contents_(contents),
      reporter_(reporter),
      resync_budget_(16 * static_cast<uint64_t>(contents.size()) + (1u << 20)) {}

bool RecordReader::FrameAt(uint64_t off, uint64_t* length) {
  const uint64_t size = contents_.size();
  if (size - off < record::kFrameOverhead) return false;
  const char* p = contents_.data() + off;
  if (!HeaderIntact(p)) return false;
  uint64_t len = record::DecodeFixed64(p);
  if (len > kMaxRecordLength || len > size - off - record::kFrameOverhead) return false;
  // Checking data CRCs of candidates is what could make a scan of hostile input quadratic: it is
  // bounded by a budget proportional to the input, after which the rest is given up as unreadable.
  if (len > resync_budget_) return false;
  resync_budget_ -= len;
  if (record::DecodeFixed32(p + record::kHeaderSize + len) !=
      crc32c::MaskedValue(p + record::kHeaderSize, len)) {
    return false;
  }
  *length = len;
  return true;
}

uint64_t RecordReader::Resync(uint64_t from) {
  const uint64_t size = contents_.size();
  uint64_t len;
  for (uint64_t off = from; off + record::kFrameOverhead <= size; ++off) {
    if (resync_budget_ == 0) break;
    if (FrameAt(off, &len)) return off;
  }
  return size;
}

void RecordReader::Report(Anomaly kind, uint64_t offset, uint64_t skipped, std::string detail) {
  ++anomalies_;
  if (reporter_ != nullptr) reporter_->Corruption({kind, offset, skipped, std::move(detail)});
}

bool RecordReader::ReadRecord(std::string_view* data, uint64_t* frame_offset) {
  const uint64_t size = contents_.size();
  while (pos_ < size) {
    const char* p = contents_.data() + pos_;
    const uint64_t remaining = size - pos_;
    const uint64_t start = pos_;

    // A run of zeros where a header should be: a hole, preallocated space or zero-filled blocks.
    // Zeros never form a valid header (the masked CRC of 8 zero bytes is not 0).
    // A tail shorter than a header is a torn write (truncated) even when it is zero.
    size_t zeros = 0;
    while (zeros < record::kHeaderSize && zeros < remaining && p[zeros] == 0) ++zeros;
    if (zeros == record::kHeaderSize) {
      uint64_t run_end = start;
      while (run_end < size && contents_[run_end] == 0) ++run_end;
      // A header may itself begin with zero bytes (a length that is a multiple of 256), so look for
      // the next frame a little before the run's end.
      pos_ = Resync(std::max(start + 1, run_end > 8 ? run_end - 8 : 0));
      run_end = std::min(run_end, pos_);
      Report(Anomaly::kZeroFilled, start, pos_ - start,
             "zero bytes " + std::to_string(run_end - start) +
                 (pos_ > run_end ? ", then " + std::to_string(pos_ - run_end) + " unreadable"
                                 : std::string()));
      continue;
    }

    if (remaining < record::kHeaderSize) {
      pos_ = size;
      Report(Anomaly::kTruncated, start, remaining,
             "header cut off: " + std::to_string(remaining) + " of 12 bytes");
      return false;
    }

    if (!HeaderIntact(p)) {
      pos_ = Resync(start + 1);
      Report(Anomaly::kBadLengthCrc, start, pos_ - start, "length CRC mismatch");
      continue;
    }

    const uint64_t length = record::DecodeFixed64(p);
    if (length > kMaxRecordLength) {
      pos_ = Resync(start + 1);
      Report(Anomaly::kOversized, start, pos_ - start,
             "length " + std::to_string(length) + " beyond the " +
                 std::to_string(kMaxRecordLength) + "-byte bound");
      continue;
    }

    if (remaining < record::kFrameOverhead || length > remaining - record::kFrameOverhead) {
      // The frame runs past the end. A torn tail if nothing intact follows; if records do follow,
      // the length is a lie about the file (bytes went missing), reported as oversized.
      uint64_t next = Resync(start + 1);
      pos_ = next;
      if (next == size) {
        Report(Anomaly::kTruncated, start, remaining,
               "record of " + std::to_string(length) +
                   " bytes cut off: " + std::to_string(remaining) + " of " +
                   std::to_string(length + record::kFrameOverhead) + " frame bytes present");
        return false;
      }
      Report(Anomaly::kOversized, start, next - start,
             "length " + std::to_string(length) + " runs past the end of the file");
      continue;
    }

    const char* body = p + record::kHeaderSize;
    if (record::DecodeFixed32(body + length) != crc32c::MaskedValue(body, length)) {
      // The length is trusted (its CRC held): the next frame should follow this one.
      uint64_t next = start + record::kFrameOverhead + length;
      uint64_t ignored;
      // Continue there when it plausibly starts a frame (an intact header, possibly of a torn tail,
      // or a tail too short to hold one), so damage after it is reported too; else resynchronise.
      bool plausible = size - next < record::kHeaderSize || HeaderIntact(contents_.data() + next) ||
                       FrameAt(next, &ignored);
      if (!plausible) next = Resync(start + 1);
      pos_ = next;
      Report(Anomaly::kBadDataCrc, start, next - start,
             "data CRC mismatch in record of " + std::to_string(length) + " bytes");
      continue;
    }

    pos_ = start + record::kFrameOverhead + length;
    end_of_last_record_ = pos_;
    *data = std::string_view(body, length);
    *frame_offset = start;
    return true;
  }
  return false;
}

Status ReadFileToString(const std::string& path, std::string* contents) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "open " + path);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return Status::FromErrno(err, "stat " + path);
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return Status::FromErrno(EISDIR, "read " + path);
  }
  contents->clear();
  contents->reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      return Status::FromErrno(err, "read " + path);
    }
    if (n == 0) break;
    contents->append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return Status::Ok();
}

}  // namespace tbfault::format
