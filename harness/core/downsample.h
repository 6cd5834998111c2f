// Downsampling (FINDINGS.md D1): TensorBoard keeps at most a number of points per series, by
// plugin (`--samples_per_plugin`), always the last one, and chooses the others with a seeded
// reservoir (the same choice on every start, a different one per loader). What a chart shows by
// default, measured over the HTTP API with no --samples_per_plugin:
//   kind        tb-rust (--load_fast=true)   tb-python (--load_fast=false)
//   scalar      1000                          1000
//   histogram   51                            51
//   image       10                            10
//   text        100                           10
// With --samples_per_plugin PLUGIN=K both show K. The profiles show every point; this rule says
// how many a chart keeps. Which ones: a loader keeps a reservoir per tag (ReservoirSize), and the
// chart's route then asks for ChartSamples of what it holds (downsample_reservoir.h replays both,
// sampled_judge.h uses them).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "format/status.h"
#include "harness/core/profile.h"

namespace tbfault::core {

// "scalars", "histograms", "images", "text" for those kinds; "" otherwise.
std::string_view PluginOfKind(Kind kind);

// The points a chart of `kind` shows by default under `profile` (strict: no limit, 0).
uint64_t DefaultSamples(Profile profile, Kind kind);

// --samples_per_plugin values: plugin -> K (K >= 1).
using SamplesSpec = std::map<std::string, uint64_t, std::less<>>;

// Parses TensorBoard's --samples_per_plugin syntax, "scalars=100,images=5" (plugin=K pairs joined
// by commas; K a positive integer: at 0 TensorBoard serves no point of the plugin, FINDINGS.md S1,
// which is refused rather than modelled); "" is no override. Errors name the offending pair.
Status ParseSamplesPerPlugin(std::string_view text, SamplesSpec* out);

// The points a chart of `kind` shows at most under `profile`, the --samples_per_plugin values in
// `spec` overriding the defaults (0: every point).
uint64_t ChartSamples(Profile profile, Kind kind, const SamplesSpec& spec = {});

// Points shown of a series of `points` under `profile`, with the --samples_per_plugin values in
// `spec` (plugin -> K) overriding the defaults.
uint64_t SamplesShown(Profile profile, Kind kind, uint64_t points,
                      const std::map<std::string, uint64_t, std::less<>>& spec = {});

// The capacity of the reservoir a loader keeps per tag of `kind`, `spec` overriding (0 keeps every
// point). tb-python: data_ingester's DEFAULT_TENSOR_SIZE_GUIDANCE (scalars 1000, histograms 500,
// images 10) and size_guidance[TENSORS] (10) for the rest; tb-rust by data class: scalars 1000,
// tensors (histograms, text) 100, blob sequences (images) 10 (FINDINGS.md D2 measured them).
uint64_t ReservoirSize(Profile profile, Kind kind, const SamplesSpec& spec = {});

}  // namespace tbfault::core
