#include "harness/core/downsample_rng.h"

#include <bit>
#include <sstream>

namespace tbfault::core {
namespace {

constexpr int kMtN = 624;

// CPython seeds random.Random(int) with init_by_array(key = the int's 32-bit words, [0] for 0)
// (Modules/_randommodule.c). The standard library has no equivalent: std::mt19937's seed(v) is
// init_genrand(v) and std::seed_seq mixes differently. So the state is built here, by the
// reference algorithm, and handed to std::mt19937 through its textual state representation (the
// 624 words, then the next output twists them, as CPython's does after seeding: mti = N).
std::mt19937 PythonSeeded(uint32_t seed) {
  uint32_t mt[kMtN];
  mt[0] = 19650218u;  // init_genrand(19650218)
  for (int i = 1; i < kMtN; ++i) {
    mt[i] = 1812433253u * (mt[i - 1] ^ (mt[i - 1] >> 30)) + static_cast<uint32_t>(i);
  }
  const uint32_t key[1] = {seed};
  constexpr int kKeyLen = 1;
  int i = 1, j = 0;
  for (int k = kMtN > kKeyLen ? kMtN : kKeyLen; k > 0; --k) {
    mt[i] =
        (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525u)) + key[j] + static_cast<uint32_t>(j);
    ++i;
    ++j;
    if (i >= kMtN) {
      mt[0] = mt[kMtN - 1];
      i = 1;
    }
    if (j >= kKeyLen) j = 0;
  }
  for (int k = kMtN - 1; k > 0; --k) {
    mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941u)) - static_cast<uint32_t>(i);
    ++i;
    if (i >= kMtN) {
      mt[0] = mt[kMtN - 1];
      i = 1;
    }
  }
  mt[0] = 0x80000000u;
  std::stringstream state;
  for (uint32_t w : mt) state << w << ' ';
  std::mt19937 engine;
  state >> engine;
  return engine;
}

}  // namespace

PyRandom::PyRandom(uint32_t seed) {
  // Every reservoir of a loader starts from the same seed: build that state once.
  static const std::mt19937 zero = PythonSeeded(0);
  mt_ = seed == 0 ? zero : PythonSeeded(seed);
}

uint64_t PyRandom::GetRandBits(int k) {
  if (k <= 0) return 0;
  if (k <= 32) return static_cast<uint32_t>(mt_()) >> (32 - k);
  // More than one word: the low word first, the last one shifted (getrandbits for k > 32).
  const uint64_t low = static_cast<uint32_t>(mt_());
  const uint64_t high = static_cast<uint32_t>(mt_()) >> (64 - k);
  return high << 32 | low;
}

uint64_t PyRandom::RandBelow(uint64_t n) {
  const int k = std::bit_width(n);  // n.bit_length(), not (n - 1)'s: n may be 1.
  uint64_t r = GetRandBits(k);
  while (r >= n) r = GetRandBits(k);
  return r;
}

namespace {

constexpr uint32_t Rotl(uint32_t x, int n) { return x << n | x >> (32 - n); }

void QuarterRound(uint32_t* x, int a, int b, int c, int d) {
  x[a] += x[b];
  x[d] = Rotl(x[d] ^ x[a], 16);
  x[c] += x[d];
  x[b] = Rotl(x[b] ^ x[c], 12);
  x[a] += x[b];
  x[d] = Rotl(x[d] ^ x[a], 8);
  x[c] += x[d];
  x[b] = Rotl(x[b] ^ x[c], 7);
}

}  // namespace

RustChaCha20::RustChaCha20(uint64_t seed) {
  // rand_core 0.5's SeedableRng::seed_from_u64: PCG32 fills the 32-byte seed, 4 bytes a step
  // (little-endian), which is ChaCha's key; the 64-bit block counter and the stream start at 0.
  constexpr uint64_t kMul = 6364136223846793005u;
  constexpr uint64_t kInc = 11634580027462260723u;
  input_ = {0x61707865u, 0x3320646eu, 0x79622d32u, 0x6b206574u};
  uint64_t state = seed;
  for (int i = 0; i < 8; ++i) {
    state = state * kMul + kInc;
    const uint32_t xorshifted = static_cast<uint32_t>(((state >> 18) ^ state) >> 27);
    input_[4 + i] = std::rotr(xorshifted, static_cast<int>(state >> 59));
  }
}

void RustChaCha20::Refill() {
  for (int b = 0; b < 4; ++b) {
    uint32_t x[16];
    for (int i = 0; i < 16; ++i) x[i] = input_[i];
    for (int round = 0; round < 10; ++round) {
      QuarterRound(x, 0, 4, 8, 12);
      QuarterRound(x, 1, 5, 9, 13);
      QuarterRound(x, 2, 6, 10, 14);
      QuarterRound(x, 3, 7, 11, 15);
      QuarterRound(x, 0, 5, 10, 15);
      QuarterRound(x, 1, 6, 11, 12);
      QuarterRound(x, 2, 7, 8, 13);
      QuarterRound(x, 3, 4, 9, 14);
    }
    for (int i = 0; i < 16; ++i) words_[b * 16 + i] = x[i] + input_[i];
    if (++input_[12] == 0) ++input_[13];  // the 64-bit block counter.
  }
  next_ = 0;
}

uint32_t RustChaCha20::NextU32() {
  if (next_ >= words_.size()) Refill();
  return words_[next_++];
}

uint64_t RustChaCha20::NextU64() {
  // BlockRng::next_u64 over rand_chacha's 64-word buffer: two words, the low one first; a pair
  // that straddles a refill takes the last word of the old buffer and the first of the new.
  if (next_ + 1 < words_.size()) {
    const uint64_t low = words_[next_], high = words_[next_ + 1];
    next_ += 2;
    return high << 32 | low;
  }
  if (next_ >= words_.size()) {
    Refill();
    next_ = 2;
    return uint64_t{words_[1]} << 32 | words_[0];
  }
  const uint64_t low = words_[next_];
  Refill();
  next_ = 1;
  return uint64_t{words_[0]} << 32 | low;
}

uint32_t RustChaCha20::UniformU32(uint32_t n) {
  const uint32_t zone = UINT32_MAX - (0u - n) % n;  // UniformInt::<u32>::new(0, n).sample
  for (;;) {
    const uint64_t m = uint64_t{NextU32()} * n;
    if (static_cast<uint32_t>(m) <= zone) return static_cast<uint32_t>(m >> 32);
  }
}

uint32_t RustChaCha20::GenRange(uint32_t low, uint32_t high) {
  // UniformInt::<u32>::sample_single: the zone is a conservative approximation here.
  const uint32_t range = high - low;
  const uint32_t zone = (range << std::countl_zero(range)) - 1;
  for (;;) {
    const uint64_t m = uint64_t{NextU32()} * range;
    if (static_cast<uint32_t>(m) <= zone) return low + static_cast<uint32_t>(m >> 32);
  }
}

uint64_t RustChaCha20::UniformBelow(uint64_t n) {
  // rand 0.7's UniformInt<usize>: widening multiply, rejecting the low half above the zone.
  const uint64_t reject = (0 - n) % n;  // (2**64 - n) % n
  const uint64_t zone = UINT64_MAX - reject;
  for (;;) {
    const unsigned __int128 m = static_cast<unsigned __int128>(NextU64()) * n;
    if (static_cast<uint64_t>(m) <= zone) return static_cast<uint64_t>(m >> 64);
  }
}

}  // namespace tbfault::core
