#include "reports/mann_whitney.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace tbfault::reports {

UTest MannWhitneyU(std::span<const double> a, std::span<const double> b) {
  struct Item {
    double value;
    bool first;
  };
  std::vector<Item> all;
  all.reserve(a.size() + b.size());
  for (double v : a) all.push_back({v, true});
  for (double v : b) all.push_back({v, false});
  std::sort(all.begin(), all.end(), [](const Item& x, const Item& y) { return x.value < y.value; });

  // Mid-ranks (1-based) for ties; collect sum(t^3 - t) over tie groups for the variance correction.
  const double n1 = static_cast<double>(a.size());
  const double n2 = static_cast<double>(b.size());
  const double n = n1 + n2;
  double rank_sum_a = 0;
  double tie_term = 0;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j].value == all[i].value) ++j;
    double t = static_cast<double>(j - i);
    double mid_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (size_t k = i; k < j; ++k) {
      if (all[k].first) rank_sum_a += mid_rank;
    }
    tie_term += t * t * t - t;
    i = j;
  }

  UTest r;
  r.u = rank_sum_a - n1 * (n1 + 1) / 2;
  const double mu = n1 * n2 / 2;
  const double variance = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)));
  if (variance <= 0) return r;  // every value tied: no evidence of a difference.
  const double u_big = std::max(r.u, n1 * n2 - r.u);
  r.z = (u_big - mu - 0.5) / std::sqrt(variance);
  r.p = std::min(1.0, std::erfc(r.z / std::sqrt(2.0)));  // 2 * (1 - Phi(z)).
  return r;
}

}  // namespace tbfault::reports
