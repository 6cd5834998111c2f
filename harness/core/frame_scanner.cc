#include "harness/core/frame_scanner.h"

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
  }
  return "?";
}

Damage DamageOf(ScanStop stop) {
  switch (stop) {
    case ScanStop::kBadLengthCrc:
      return Damage::kBadLengthCrc;
    case ScanStop::kZeroFilled:
      return Damage::kZeroFilled;
    default:
      return Damage::kTruncated;
  }
}

bool FrameScanner::Next(ScanFrame* frame) {
  uint64_t left = contents_.size() - pos_;
  if (left == 0) {
    stop_ = ScanStop::kEnd;
    return false;
  }
  if (left < record::kHeaderSize) {
    stop_ = ScanStop::kTruncated;
    return false;
  }
  const char* p = contents_.data() + pos_;
  uint64_t length = record::DecodeFixed64(p);
  if (record::DecodeFixed32(p + 8) != crc32c::MaskedValue(p, 8)) {
    bool zeros = true;
    for (size_t i = 0; i < record::kHeaderSize; ++i) zeros = zeros && p[i] == 0;
    stop_ = zeros ? ScanStop::kZeroFilled : ScanStop::kBadLengthCrc;
    return false;
  }
  if (length > left - record::kFrameOverhead || left < record::kFrameOverhead) {
    stop_ = ScanStop::kTruncated;  // TensorBoard waits for the rest of the frame.
    return false;
  }
  frame->offset = pos_;
  frame->data = std::string_view(p + record::kHeaderSize, length);
  frame->data_crc_ok =
      record::DecodeFixed32(p + record::kHeaderSize + length) == crc32c::MaskedValue(frame->data);
  pos_ += length + record::kFrameOverhead;
  return true;
}

}  // namespace tbfault::core
