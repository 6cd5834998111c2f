// Damage: what stops a TensorBoard reader inside an event file, at a record's offset. One
// vocabulary for the frame scanner (frame_scanner.h) and the reader profiles (profile.h).
#pragma once

#include <cstdint>
#include <string_view>

namespace tbfault::core {

// What stops a reader inside a file (the record or bytes at an Unreached entry's offset).
enum class Damage : uint8_t {
  kTruncated,     // the file ends inside a frame.
  kBadLengthCrc,  // the header's length CRC does not match.
  kZeroFilled,    // a zero-filled header (a hole, zero-filled blocks).
  kBadDataCrc,    // the data CRC does not match (and, for tb-rust, the data does not parse).
  kInvalidProto,  // intact frame whose data is not an Event.
  kNanWallTime,   // tb-rust: an event whose wall time is NaN.
  kOversized,     // a frame longer than kMaxFrameLength: never held in memory, not read.
};
std::string_view DamageName(Damage d);  // "truncated", "bad-length-crc", ..., "NaN wall time".

}  // namespace tbfault::core
