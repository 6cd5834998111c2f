#include "harness/core/frame_scanner.h"

#include <unistd.h>

#include <cerrno>

#include "format/crc32c.h"
#include "format/record.h"

namespace tbfault::core {

std::string_view ScanStopName(ScanStop stop) {
  switch (stop) {
    case ScanStop::kEnd:
      return "end";
    case ScanStop::kTruncated:
      return "truncated";
    case ScanStop::kBadLengthCrc:
      return "bad-length-crc";
    case ScanStop::kZeroFilled:
      return "zero-filled";
    case ScanStop::kOversized:
      return "oversized";
  }
  return "?";
}

Damage DamageOf(ScanStop stop) {
  switch (stop) {
    case ScanStop::kBadLengthCrc:
      return Damage::kBadLengthCrc;
    case ScanStop::kZeroFilled:
      return Damage::kZeroFilled;
    case ScanStop::kOversized:
      return Damage::kOversized;
    default:
      return Damage::kTruncated;
  }
}

FrameScanner::FrameScanner(std::string_view contents, uint64_t offset)
    : contents_(contents), size_(contents.size()), pos_(std::min<uint64_t>(offset, size_)) {}

FrameScanner::FrameScanner(int fd, uint64_t offset, uint64_t size)
    : fd_(fd), size_(size), pos_(std::min(offset, size)), buf_start_(pos_) {}

const char* FrameScanner::Data() const {
  return fd_ < 0 ? contents_.data() + pos_ : buf_.data() + (pos_ - buf_start_);
}

bool FrameScanner::Ensure(uint64_t n) {
  if (n > size_ - pos_) return false;
  if (fd_ < 0) return true;
  uint64_t have = buf_start_ + buf_.size() - pos_;
  if (have >= n) return true;
  buf_.erase(0, pos_ - buf_start_);  // keep only what is not consumed.
  buf_start_ = pos_;
  // Read at least a chunk (never past the size), so that small frames cost one read per chunk.
  uint64_t want = std::min(std::max(n, kChunk), size_ - pos_);
  size_t old = buf_.size();
  buf_.resize(want);
  while (old < want) {
    ssize_t r = ::pread(fd_, buf_.data() + old, want - old, static_cast<off_t>(buf_start_ + old));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {  // an error, or the file shrank under us: what is there is all there is.
      if (r < 0) error_ = Status::FromErrno(errno, "read");
      buf_.resize(old);
      size_ = buf_start_ + old;
      return n <= old;
    }
    old += static_cast<size_t>(r);
  }
  return true;
}

bool FrameScanner::Next(ScanFrame* frame) {
  const uint64_t left = size_ - pos_;
  if (left == 0 || !error_.ok()) {
    stop_ = ScanStop::kEnd;
    return false;
  }
  if (!Ensure(record::kHeaderSize)) {
    stop_ = error_.ok() ? ScanStop::kTruncated : ScanStop::kEnd;
    return false;
  }
  const char* p = Data();
  const uint64_t length = record::DecodeFixed64(p);
  if (record::DecodeFixed32(p + 8) != crc32c::MaskedValue(p, 8)) {
    bool zeros = true;
    for (size_t i = 0; i < record::kHeaderSize; ++i) zeros = zeros && p[i] == 0;
    stop_ = zeros ? ScanStop::kZeroFilled : ScanStop::kBadLengthCrc;
    return false;
  }
  if (left < record::kFrameOverhead || length > left - record::kFrameOverhead) {
    stop_ = ScanStop::kTruncated;  // TensorBoard waits for the rest of the frame.
    return false;
  }
  if (length > kMaxFrameLength) {
    stop_ = ScanStop::kOversized;
    return false;
  }
  if (!Ensure(length + record::kFrameOverhead)) {
    stop_ = error_.ok() ? ScanStop::kTruncated : ScanStop::kEnd;
    return false;
  }
  p = Data();
  frame->offset = pos_;
  frame->end = pos_ + length + record::kFrameOverhead;
  frame->data = std::string_view(p + record::kHeaderSize, length);
  frame->data_crc_ok =
      record::DecodeFixed32(p + record::kHeaderSize + length) == crc32c::MaskedValue(frame->data);
  pos_ = frame->end;
  return true;
}

}  // namespace tbfault::core
