// TFRecord framing, as TensorBoard reads it (DESIGN.md section 2):
//   u64 length (little-endian) | u32 masked_crc32c(length bytes) | data | u32 masked_crc32c(data)
// These functions write frames into caller-owned memory and allocate nothing, so a writer's hot
// path can frame records in place. Reading is RecordReader's job (record_reader.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "format/crc32c.h"

namespace tbfault::record {

constexpr size_t kHeaderSize = 12;  // length + masked CRC of the length.
constexpr size_t kFooterSize = 4;   // masked CRC of the data.
constexpr size_t kFrameOverhead = kHeaderSize + kFooterSize;

inline void EncodeFixed32(char* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(v >> (8 * i));
}
inline void EncodeFixed64(char* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (8 * i));
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// Writes the 12-byte header for a record of `length` data bytes.
inline void EncodeHeader(char* out, uint64_t length) {
  EncodeFixed64(out, length);
  EncodeFixed32(out + 8, crc32c::MaskedValue(out, 8));
}

// Writes the 4-byte footer for `data`.
inline void EncodeFooter(char* out, std::string_view data) {
  EncodeFixed32(out, crc32c::MaskedValue(data));
}

// Frames data that already sits at out + kHeaderSize (length bytes); writes header and footer
// around it. Returns the frame size. `out` must have room for length + kFrameOverhead bytes.
inline size_t FrameInPlace(char* out, size_t length) {
  EncodeHeader(out, length);
  EncodeFooter(out + kHeaderSize + length, std::string_view(out + kHeaderSize, length));
  return length + kFrameOverhead;
}

// Appends one framed record holding `data` to `dst`.
inline void AppendFrame(std::string* dst, std::string_view data) {
  size_t start = dst->size();
  dst->resize(start + data.size() + kFrameOverhead);
  char* out = dst->data() + start;
  std::memcpy(out + kHeaderSize, data.data(), data.size());
  FrameInPlace(out, data.size());
}

}  // namespace tbfault::record
