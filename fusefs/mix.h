// SplitMix64: the one mixing function behind faultfs's seeded decisions (rule draws, power-cut
// cuts), so that a seed means the same thing everywhere.
#pragma once

#include <cstdint>

namespace faultfs {

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace faultfs
