#include "writers/scalar_encoder.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string_view>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#include "format/crc32c.h"
#include "format/events.h"
#include "format/record.h"

namespace tbfault::writers {
namespace {

constexpr uint32_t kSentinelBits = 0x7fc0a5a5u;  // a NaN payload no real scalar carries.

char* PutVarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// The fields, in the order protobuf's serializer writes them; returns the end of the data.
[[gnu::always_inline]] inline char* PutFields(char* p, double wall_time, int64_t step,
                                              std::string_view prefix, float value,
                                              std::string_view suffix) {
  if (wall_time != 0 || std::signbit(wall_time)) {  // proto3 leaves out +0.0 only.
    *p++ = 0x09;
    std::memcpy(p, &wall_time, 8);
    p += 8;
  }
  if (step != 0) {
    *p++ = 0x10;
    p = PutVarint(p, static_cast<uint64_t>(step));
  }
  std::memcpy(p, prefix.data(), prefix.size());
  p += prefix.size();
  std::memcpy(p, &value, 4);
  p += 4;
  std::memcpy(p, suffix.data(), suffix.size());
  return p + suffix.size();
}

#if defined(__x86_64__)
// A scalar record is ~40-120 bytes: crc32c::Extend's call through a pointer and its byte loops for
// alignment cost as much as the CRC itself, so the hot path frames the record with the instruction
// inline (unaligned 8-byte loads are fine on x86-64).
__attribute__((target("sse4.2"))) size_t EncodeHardware(char* out, double wall_time, int64_t step,
                                                        std::string_view prefix, float value,
                                                        std::string_view suffix) {
  char* const data = out + record::kHeaderSize;
  const size_t n =
      static_cast<size_t>(PutFields(data, wall_time, step, prefix, value, suffix) - data);
  const uint64_t length = n;  // little-endian, like the file.
  std::memcpy(out, &length, 8);
  uint32_t header = static_cast<uint32_t>(_mm_crc32_u64(0xffffffffu, length)) ^ 0xffffffffu;
  record::EncodeFixed32(out + 8, crc32c::Mask(header));
  uint64_t l = 0xffffffffu;
  const char* p = data;
  const char* const end = data + n;
  for (; end - p >= 8; p += 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    l = _mm_crc32_u64(l, v);
  }
  uint32_t c = static_cast<uint32_t>(l);
  if (end - p >= 4) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    c = _mm_crc32_u32(c, v);
    p += 4;
  }
  if (end - p >= 2) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    c = _mm_crc32_u16(c, v);
    p += 2;
  }
  if (p != end) c = _mm_crc32_u8(c, static_cast<uint8_t>(*p));
  record::EncodeFixed32(out + record::kHeaderSize + n, crc32c::Mask(c ^ 0xffffffffu));
  return n + record::kFrameOverhead;
}
#endif

}  // namespace

ScalarTemplate::ScalarTemplate(std::string_view tag, bool first_of_tag)
    : hardware_crc_(crc32c::HardwareAvailable()) {
  // The summary field alone: wall time and step at their defaults are not serialised.
  auto e = format::ScalarEvent(0, 0, tag, std::bit_cast<float>(kSentinelBits), first_of_tag);
  std::string bytes = e.SerializeAsString();
  char needle[6] = {0x22, 0x04};
  std::memcpy(needle + 2, &kSentinelBits, 4);
  size_t at = bytes.rfind(std::string_view(needle, 6));
  if (at == std::string::npos) throw std::logic_error("scalar template: sentinel not found");
  prefix_ = bytes.substr(0, at + 2);
  suffix_ = bytes.substr(at + 6);
}

size_t ScalarTemplate::Encode(char* out, double wall_time, int64_t step, float value) const {
#if defined(__x86_64__)
  if (hardware_crc_) return EncodeHardware(out, wall_time, step, prefix_, value, suffix_);
#endif
  return EncodePortable(out, wall_time, step, value);
}

size_t ScalarTemplate::EncodePortable(char* out, double wall_time, int64_t step,
                                      float value) const {
  char* const data = out + record::kHeaderSize;
  const size_t n =
      static_cast<size_t>(PutFields(data, wall_time, step, prefix_, value, suffix_) - data);
  record::EncodeFixed64(out, n);
  record::EncodeFixed32(out + 8, crc32c::Mask(crc32c::ExtendPortable(0, out, 8)));
  record::EncodeFixed32(data + n, crc32c::Mask(crc32c::ExtendPortable(0, data, n)));
  return n + record::kFrameOverhead;
}

}  // namespace tbfault::writers
