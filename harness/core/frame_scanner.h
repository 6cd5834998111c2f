// FrameScanner: reads TFRecord frames one after another from offset 0 the way TensorBoard's readers
// do — no resynchronisation: the first damaged frame ends the scan, and how it ends (a truncated
// tail, which TensorBoard waits on, or a bad length CRC, which it does not) is what the tb-*
// profiles act on. The data CRC is computed for every frame and reported; whether to act on it is
// the profile's choice. RecordReader (format/) cannot be used here because it skips damage and goes
// on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "harness/core/damage.h"

namespace tbfault::core {

enum class ScanStop { kEnd, kTruncated, kBadLengthCrc, kZeroFilled };
std::string_view ScanStopName(
    ScanStop stop);  // "end", "truncated", "bad-length-crc", "zero-filled".

// The damage a scan stopped at (kEnd is not damage: kTruncated is returned for it, never used).
Damage DamageOf(ScanStop stop);

struct ScanFrame {
  uint64_t offset = 0;
  std::string_view data;
  bool data_crc_ok = false;
};

class FrameScanner {
 public:
  explicit FrameScanner(std::string_view contents) : contents_(contents) {}
  // The next whole frame; false when the scan ends (see stop() and stop_offset()).
  bool Next(ScanFrame* frame);
  ScanStop stop() const { return stop_; }
  uint64_t stop_offset() const { return pos_; }

 private:
  std::string_view contents_;
  uint64_t pos_ = 0;
  ScanStop stop_ = ScanStop::kEnd;
};

}  // namespace tbfault::core
