// FrameScanner: reads TFRecord frames one after another from a starting offset the way
// TensorBoard's readers do — no resynchronisation: the first damaged frame ends the scan, and how
// it ends (a truncated tail, which TensorBoard waits on, or a bad length CRC, which it does not) is
// what the tb-* profiles act on. The data CRC is computed for every frame and reported; whether to
// act on it is the profile's choice. RecordReader (format/) cannot be used here because it skips
// damage and goes on.
//
// It reads a file in bounded chunks (pread, kChunk bytes), or bytes already in memory. Memory is
// bounded by the largest frame, and a frame is only held when its length passed the length CRC and
// its bytes are present in the file; a frame longer than kMaxFrameLength ends the scan as
// kOversized (never allocated). A read error ends the scan (kEnd) with error() set.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "format/status.h"
#include "harness/core/damage.h"

namespace tbfault::core {

enum class ScanStop { kEnd, kTruncated, kBadLengthCrc, kZeroFilled, kOversized };
std::string_view ScanStopName(ScanStop stop);  // "end", "truncated", "bad-length-crc", ...

// The damage a scan stopped at (kEnd is not damage: kTruncated is returned for it, never used).
Damage DamageOf(ScanStop stop);

struct ScanFrame {
  uint64_t offset = 0;
  uint64_t end = 0;       // offset just past the frame.
  std::string_view data;  // valid until the next call to Next().
  bool data_crc_ok = false;
};

class FrameScanner {
 public:
  static constexpr uint64_t kChunk = 1 << 20;
  // format::RecordReader's bound (protobuf's 2 GiB; TensorBoard has none below it: FINDINGS O1).
  static constexpr uint64_t kMaxFrameLength = (1ull << 31) - 1;

  // Frames of `contents` from `offset` (the bytes must outlive the scanner).
  explicit FrameScanner(std::string_view contents, uint64_t offset = 0);
  // Frames of the file open as `fd` (not owned) from `offset`, of its first `size` bytes.
  FrameScanner(int fd, uint64_t offset, uint64_t size);

  // The next whole frame; false when the scan ends (see stop() and stop_offset()).
  bool Next(ScanFrame* frame);
  ScanStop stop() const { return stop_; }
  uint64_t stop_offset() const { return pos_; }
  const Status& error() const { return error_; }

 private:
  // Makes bytes [pos_, pos_ + n) available at Data(); false if the file has fewer.
  bool Ensure(uint64_t n);
  const char* Data() const;

  int fd_ = -1;
  std::string_view contents_;  // fd_ < 0: the bytes scanned.
  uint64_t size_ = 0;
  uint64_t pos_ = 0;
  std::string buf_;  // fd_ >= 0: file bytes from buf_start_.
  uint64_t buf_start_ = 0;
  ScanStop stop_ = ScanStop::kEnd;
  Status error_;
};

}  // namespace tbfault::core
