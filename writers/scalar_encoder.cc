#include "writers/scalar_encoder.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>

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

}  // namespace

ScalarTemplate::ScalarTemplate(std::string_view tag, bool first_of_tag) {
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
  char* p = out + record::kHeaderSize;
  char* const data = p;
  if (wall_time != 0 || std::signbit(wall_time)) {  // proto3 leaves out +0.0 only.
    *p++ = 0x09;
    std::memcpy(p, &wall_time, 8);
    p += 8;
  }
  if (step != 0) {
    *p++ = 0x10;
    p = PutVarint(p, static_cast<uint64_t>(step));
  }
  std::memcpy(p, prefix_.data(), prefix_.size());
  p += prefix_.size();
  std::memcpy(p, &value, 4);
  p += 4;
  std::memcpy(p, suffix_.data(), suffix_.size());
  p += suffix_.size();
  return record::FrameInPlace(out, static_cast<size_t>(p - data));
}

}  // namespace tbfault::writers
