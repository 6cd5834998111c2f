// The two-sided Mann-Whitney U test, normal approximation with tie correction and continuity
// correction: the test Google Benchmark's tools/compare.py runs on repetitions (via scipy's
// mannwhitneyu), here so the gate needs no Python. Matches scipy.stats.mannwhitneyu(a, b,
// alternative="two-sided", method="asymptotic", use_continuity=True); mann_whitney_test.cc checks
// it against values scipy computed. Hand-written because no Debian C++ library offers it (~40
// lines).
#pragma once

#include <span>

namespace tbfault::reports {

struct UTest {
  double u =
      0;  // U statistic of the first sample (the number of (a, b) pairs with a > b, ties 1/2).
  double z = 0;  // standardised, continuity-corrected; 0 when every value is tied.
  double p = 1;  // two-sided p-value.
};

// Both samples must be non-empty.
UTest MannWhitneyU(std::span<const double> a, std::span<const double> b);

}  // namespace tbfault::reports
