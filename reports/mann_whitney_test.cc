#include "reports/mann_whitney.h"

#include <gtest/gtest.h>

#include <vector>

namespace tbfault::reports {
namespace {

struct Case {
  std::vector<double> a, b;
  double u, p;  // from scipy 1.17 (see below).
};

// Expected values computed independently with
//   scipy.stats.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic",
//                            use_continuity=True)
// (scipy 1.17.1 in build-reports/venv). Cases cover no ties, ties across samples, nearly all tied,
// unequal sizes, all tied, and benchmark-like repetitions 30% apart.
TEST(MannWhitneyTest, MatchesScipy) {
  const std::vector<Case> cases = {
      {{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}, 0.0, 0.012185780355344813},
      {{1.1, 2.2, 2.2, 3.3, 4.4, 5.5},
       {2.2, 3.3, 6.6, 7.7, 7.7, 8.8, 9.9},
       6.5,
       0.043727859914373765},
      {{10, 10, 10}, {10, 10, 10, 11}, 4.5, 0.5637028616507731},
      {{19, 22, 16, 29, 24}, {20, 11, 17, 12}, 17.0, 0.11134688653314041},
      {{1, 1, 1, 1}, {1, 1, 1, 1}, 8.0, 1.0},
      {{100.0, 101, 99, 102, 100.5, 99.5, 101.5, 98.5, 100.2},
       {130, 131, 129, 132, 130.5, 129.5, 131.5, 128.5, 130.2},
       0.0,
       0.00041229480206169127},
  };
  for (const auto& c : cases) {
    UTest r = MannWhitneyU(c.a, c.b);
    EXPECT_DOUBLE_EQ(r.u, c.u);
    EXPECT_NEAR(r.p, c.p, 1e-12) << "u=" << c.u;
  }
}

TEST(MannWhitneyTest, SymmetricInItsSamples) {
  std::vector<double> a = {3, 5, 5, 9, 12}, b = {1, 2, 5, 6};
  UTest ab = MannWhitneyU(a, b), ba = MannWhitneyU(b, a);
  EXPECT_DOUBLE_EQ(ab.p, ba.p);
  EXPECT_DOUBLE_EQ(ab.u + ba.u, 20.0);  // U1 + U2 = n1 * n2.
}

}  // namespace
}  // namespace tbfault::reports
