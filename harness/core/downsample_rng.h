// The seeded generators of TensorBoard's two loaders, bit for bit (FINDINGS.md D2), so that the
// downsampled verdicts name the points a chart really drops:
//   PyRandom        CPython's random.Random(seed) (tb-python's reservoir and _downsample): the
//                   Mersenne Twister seeded by init_by_array, getrandbits and _randbelow.
//   RustChaCha20    rand_chacha 0.2's ChaCha20Rng::seed_from_u64 (rand_core 0.5's PCG32 fill)
//                   and rand 0.7.3's uniform integers: Uniform over usize (rustboard's
//                   StageReservoir), over u32 and gen_range (rand::seq::index::sample, its
//                   downsample).
// Both are small value types (copy one to restart the same sequence); nothing allocates.
#pragma once

#include <array>
#include <cstdint>
#include <random>

namespace tbfault::core {

class PyRandom {
 public:
  explicit PyRandom(uint32_t seed);  // random.Random(seed), seed < 2**32.

  uint64_t GetRandBits(int k);     // random.getrandbits(k), 0 <= k <= 64.
  uint64_t RandBelow(uint64_t n);  // random._randbelow(n), n > 0.
  uint64_t RandInt(uint64_t a, uint64_t b) { return a + RandBelow(b - a + 1); }  // a <= b.

 private:
  std::mt19937 mt_;
};

class RustChaCha20 {
 public:
  explicit RustChaCha20(uint64_t seed);  // ChaCha20Rng::seed_from_u64(seed).

  uint32_t NextU32();
  uint64_t NextU64();
  uint64_t UniformBelow(uint64_t n);  // Uniform::from(0..n).sample(rng) over usize, n > 0.
  uint32_t UniformU32(uint32_t n);    // Uniform::new(0, n).sample(rng) over u32, n > 0.
  uint32_t GenRange(uint32_t low, uint32_t high);  // rng.gen_range(low, high) over u32.

 private:
  void Refill();
  std::array<uint32_t, 16> input_{};
  std::array<uint32_t, 64> words_{};  // four blocks, as rand_chacha buffers them.
  size_t next_ = 64;
};

}  // namespace tbfault::core
