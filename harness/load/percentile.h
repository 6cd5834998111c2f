// Percentiles and thinning of samples, defined once for every figure (DESIGN.md section 8):
// `tbfault run`, `tbfault train` and `tbfault bench-policies` report add_ns_p99, step times and the
// rest with these, so a figure's name means the same number everywhere.
//   NearestRank(v, p)  the nearest-rank percentile: the smallest sample such that at least p% of
//                      the samples are <= it, i.e. sorted[ceil(p / 100 * n) - 1] (p = 0 gives the
//                      minimum, 100 the maximum); 0 when there are none.
//   Thin(v, n)         at most n of the samples, evenly spaced and in order (for plots).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace tbfault::load {

template <typename T>
T NearestRank(std::vector<T> v, double p) {
  if (v.empty()) return T{};
  const double rank = std::ceil(std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(v.size()));
  const size_t k = std::min(rank < 1 ? size_t{0} : static_cast<size_t>(rank) - 1, v.size() - 1);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

template <typename Out, typename In, typename F>
std::vector<Out> Thin(const std::vector<In>& v, size_t n, F convert) {
  std::vector<Out> out;
  const size_t keep = std::min(v.size(), n);
  out.reserve(keep);
  for (size_t i = 0; i < keep; ++i) out.push_back(convert(v[i * v.size() / keep]));
  return out;
}

}  // namespace tbfault::load
