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
__attribute__((target("sse4.2"))) inline uint32_t CrcBytes(uint32_t c, const char* p, size_t n) {
  uint64_t l = c;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    l = _mm_crc32_u64(l, v);
  }
  c = static_cast<uint32_t>(l);
  if (n >= 4) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    c = _mm_crc32_u32(c, v);
    p += 4;
    n -= 4;
  }
  while (n-- > 0) c = _mm_crc32_u8(c, static_cast<uint8_t>(*p++));
  return c;
}

// A scalar record is ~40-120 bytes, and reading back bytes just stored in pieces stalls on store
// forwarding for longer than the CRC itself takes. So the hot path computes the CRC with the
// instruction inline, from the values in registers and from the template (long since written),
// while it writes the same bytes out.
__attribute__((target("sse4.2"))) size_t EncodeHardware(char* out, double wall_time, int64_t step,
                                                        std::string_view prefix, float value,
                                                        std::string_view suffix) {
  char* const data = out + record::kHeaderSize;
  char* p = data;
  uint32_t c = 0xffffffffu;
  if (wall_time != 0 || std::signbit(wall_time)) {  // proto3 leaves out +0.0 only.
    const uint64_t bits = std::bit_cast<uint64_t>(wall_time);
    *p = 0x09;
    std::memcpy(p + 1, &bits, 8);
    p += 9;
    c = static_cast<uint32_t>(_mm_crc32_u64(_mm_crc32_u8(c, 0x09), bits));
  }
  if (step != 0) {
    *p++ = 0x10;
    c = _mm_crc32_u8(c, 0x10);
    uint64_t v = static_cast<uint64_t>(step);
    for (; v >= 0x80; v >>= 7) {
      const uint8_t byte = static_cast<uint8_t>(v | 0x80);
      *p++ = static_cast<char>(byte);
      c = _mm_crc32_u8(c, byte);
    }
    *p++ = static_cast<char>(v);
    c = _mm_crc32_u8(c, static_cast<uint8_t>(v));
  }
  std::memcpy(p, prefix.data(), prefix.size());
  p += prefix.size();
  c = CrcBytes(c, prefix.data(), prefix.size());
  const uint32_t value_bits = std::bit_cast<uint32_t>(value);
  std::memcpy(p, &value_bits, 4);
  p += 4;
  c = _mm_crc32_u32(c, value_bits);
  std::memcpy(p, suffix.data(), suffix.size());
  p += suffix.size();
  c = CrcBytes(c, suffix.data(), suffix.size());
  const uint64_t n = static_cast<uint64_t>(p - data);
  std::memcpy(out, &n, 8);  // little-endian, like the file.
  const uint32_t header = static_cast<uint32_t>(_mm_crc32_u64(0xffffffffu, n)) ^ 0xffffffffu;
  record::EncodeFixed32(out + 8, crc32c::Mask(header));
  record::EncodeFixed32(p, crc32c::Mask(c ^ 0xffffffffu));
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
