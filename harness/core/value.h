// SeriesValue: what a reader shows for one point of a series, reduced to what can be compared with
// the ledger: a scalar (as float), a histogram (total count + digest of its bucket counts), an
// image (width, height, digest of the PNG bytes) or a text (the string). Decoding follows
// TensorBoard's encodings (DESIGN.md section 2): modern tensors with plugin metadata and the legacy
// simple_value/histo/image.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "format/proto/summary.pb.h"

namespace tbfault::core {

enum class Kind : uint8_t { kUnknown = 0, kScalar = 1, kHistogram = 2, kImage = 3, kText = 4 };
std::string_view KindName(Kind kind);  // "scalar", "histogram", "image", "text", "unknown".
// The kind a plugin name stands for; kUnknown for other plugins and "".
Kind KindOfPlugin(std::string_view plugin_name);
// The kind implied by a legacy value case (simple_value, histo, image); kUnknown for tensors etc.
Kind KindOfLegacyValue(const tensorboard::Summary::Value& value);

struct SeriesValue {
  Kind kind = Kind::kUnknown;
  double number = 0;    // scalar value (a float widened exactly), or histogram total count.
  int64_t width = 0;    // image.
  int64_t height = 0;   // image.
  uint64_t digest = 0;  // histogram bucket counts, image PNG bytes, text bytes; 0 = not known.
  std::string text;     // text.
};

// 64-bit FNV-1a. Hand-written (8 lines) because it must be stable across builds and processes,
// which std::hash does not promise, and pulling in a hashing library for it is not worth it.
uint64_t Digest(std::string_view bytes);
uint64_t DigestCounts(const double* counts, size_t n);  // of histogram bucket counts, as doubles.

// Value constructors matching what a writer was asked to log (used by the ledger and by tests).
SeriesValue ScalarValue(float v);
SeriesValue HistogramValue(double total_count, uint64_t counts_digest);
SeriesValue ImageValue(int64_t width, int64_t height, uint64_t png_digest);
SeriesValue TextValue(std::string_view text);

// True when `seen` shows what `expected` describes. Scalars compare as float bit patterns (any NaN
// equals any NaN); a 0 digest in `expected` means "not known" and is not compared.
bool Matches(const SeriesValue& expected, const SeriesValue& seen);

// Decoding rules a profile chooses.
struct DecodeRules {
  bool scalar_requires_rank0_float = true;  // tb-rust: rank-0 DT_FLOAT (or simple_value) only.
};

// Decodes `value` as a point of a series of `kind`. False (with `why` set) when this profile's
// reader would not accept the value for such a series (e.g. "DT_DOUBLE scalar", "not a [k,3]
// tensor").
bool DecodeValue(const tensorboard::Summary::Value& value, Kind kind, const DecodeRules& rules,
                 SeriesValue* out, std::string* why);

// "0.5", "nan", "inf", "-inf" for scalars; "<w>x<h>" for images; the string for texts; the total
// count for histograms (used by the text output of `tbfault series`).
std::string ValueToString(const SeriesValue& v);

}  // namespace tbfault::core
