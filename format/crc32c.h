// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) and the TFRecord mask.
// Two implementations give identical results: the SSE4.2 `crc32` instruction, chosen at run time
// when the processor has it, and a portable slicing-by-8 table. Extend() uses the fastest
// available.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tbfault::crc32c {

// Returns the CRC-32C of concat(A, data[0,n)) where `crc` is the CRC-32C of some string A.
uint32_t Extend(uint32_t crc, const char* data, size_t n);
uint32_t ExtendPortable(uint32_t crc, const char* data, size_t n);
// Requires HardwareAvailable().
uint32_t ExtendHardware(uint32_t crc, const char* data, size_t n);
bool HardwareAvailable();

inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

// TFRecord stores CRCs masked, because CRCs of data that embeds CRCs are weak.
constexpr uint32_t kMaskDelta = 0xa282ead8u;
constexpr uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
constexpr uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}
inline uint32_t MaskedValue(const char* data, size_t n) { return Mask(Value(data, n)); }
inline uint32_t MaskedValue(std::string_view s) { return Mask(Value(s)); }

}  // namespace tbfault::crc32c
