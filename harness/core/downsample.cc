#include "harness/core/downsample.h"

#include <algorithm>
#include <charconv>

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

uint64_t ChartSamples(Profile profile, Kind kind, const SamplesSpec& spec) {
  if (profile == Profile::kStrict) return 0;
  auto it = spec.find(PluginOfKind(kind));
  if (it == spec.end()) return DefaultSamples(profile, kind);
  // The histograms route asks for at most 51 (histograms_plugin.SAMPLE_SIZE) whatever the
  // reservoir holds.
  return kind == Kind::kHistogram && it->second > 51 ? 51 : it->second;
}

uint64_t SamplesShown(Profile profile, Kind kind, uint64_t points,
                      const std::map<std::string, uint64_t, std::less<>>& spec) {
  const uint64_t k = ChartSamples(profile, kind, spec);
  return k == 0 ? points : std::min(points, k);
}

uint64_t ReservoirSize(Profile profile, Kind kind, const SamplesSpec& spec) {
  if (profile == Profile::kStrict || PluginOfKind(kind).empty()) return 0;
  if (auto it = spec.find(PluginOfKind(kind)); it != spec.end()) return it->second;
  switch (kind) {
    case Kind::kScalar:
      return 1000;
    case Kind::kHistogram:  // rustboard: a tensor series; tb-python: the guidance's 500.
      return profile == Profile::kTbRust ? 100 : 500;
    case Kind::kImage:  // rustboard: a blob sequence.
      return 10;
    default:  // text. rustboard: a tensor series; tb-python: size_guidance[TENSORS].
      return profile == Profile::kTbRust ? 100 : 10;
  }
}

Status ParseSamplesPerPlugin(std::string_view text, SamplesSpec* out) {
  out->clear();
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view pair = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    const size_t eq = pair.find('=');
    const std::string_view plugin = pair.substr(0, eq);
    const std::string_view k = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(k.data(), k.data() + k.size(), n);
    if (plugin.empty() || k.empty() || ec != std::errc() || end != k.data() + k.size()) {
      return Status::Invalid("\"" + std::string(pair) +
                             "\" is not PLUGIN=K with K a non-negative integer");
    }
    if (n == 0) {  // TensorBoard then serves no point of the plugin at all (FINDINGS.md S1).
      return Status::Invalid("\"" + std::string(pair) +
                             "\": K must be at least 1 (TensorBoard shows no point of a plugin "
                             "at 0, it does not keep them all)");
    }
    if (!out->emplace(std::string(plugin), n).second) {
      return Status::Invalid("plugin \"" + std::string(plugin) + "\" is given twice");
    }
  }
  return Status::Ok();
}

}  // namespace tbfault::core
