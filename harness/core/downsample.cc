#include "harness/core/downsample.h"

#include <algorithm>

namespace tbfault::core {

std::string_view PluginOfKind(Kind kind) {
  switch (kind) {
    case Kind::kScalar:
      return "scalars";
    case Kind::kHistogram:
      return "histograms";
    case Kind::kImage:
      return "images";
    case Kind::kText:
      return "text";
    default:
      return "";
  }
}

uint64_t DefaultSamples(Profile profile, Kind kind) {
  if (profile == Profile::kStrict) return 0;
  switch (kind) {
    case Kind::kScalar:
      return 1000;
    case Kind::kHistogram:
      return 51;
    case Kind::kImage:
      return 10;
    case Kind::kText:
      return profile == Profile::kTbRust ? 100 : 10;
    default:
      return 0;
  }
}

uint64_t SamplesShown(Profile profile, Kind kind, uint64_t points,
                      const std::map<std::string, uint64_t, std::less<>>& spec) {
  if (profile == Profile::kStrict) return points;
  uint64_t k = DefaultSamples(profile, kind);
  if (auto it = spec.find(PluginOfKind(kind)); it != spec.end()) k = it->second;
  return k == 0 ? points : std::min(points, k);
}

}  // namespace tbfault::core
