#include "harness/core/value.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "format/proto/tensor.pb.h"

namespace tbfault::core {
namespace {

using tensorboard::DataType;
using tensorboard::TensorProto;

int64_t Elements(const TensorProto& t) {
  int64_t n = 1;
  for (const auto& d : t.tensor_shape().dim()) n *= d.size();
  return n;
}

// The elements of a floating-point tensor as doubles, from the typed field or tensor_content.
bool FloatingElements(const TensorProto& t, std::vector<double>* out) {
  out->clear();
  if (t.dtype() == tensorboard::DT_FLOAT) {
    if (!t.tensor_content().empty()) {
      const std::string& c = t.tensor_content();
      if (c.size() % 4 != 0) return false;
      for (size_t i = 0; i < c.size(); i += 4) {
        float f;
        std::memcpy(&f, c.data() + i, 4);
        out->push_back(f);
      }
    } else {
      out->assign(t.float_val().begin(), t.float_val().end());
    }
    return true;
  }
  if (t.dtype() == tensorboard::DT_DOUBLE) {
    if (!t.tensor_content().empty()) {
      const std::string& c = t.tensor_content();
      if (c.size() % 8 != 0) return false;
      for (size_t i = 0; i < c.size(); i += 8) {
        double d;
        std::memcpy(&d, c.data() + i, 8);
        out->push_back(d);
      }
    } else {
      out->assign(t.double_val().begin(), t.double_val().end());
    }
    return true;
  }
  return false;
}

bool DecodeScalar(const tensorboard::Summary::Value& value, const DecodeRules& rules,
                  SeriesValue* out, std::string* why) {
  if (value.value_case() == tensorboard::Summary::Value::kSimpleValue) {
    out->number = value.simple_value();
    return true;
  }
  if (value.value_case() != tensorboard::Summary::Value::kTensor) {
    *why = "scalar series value is neither a tensor nor a simple_value";
    return false;
  }
  const TensorProto& t = value.tensor();
  std::vector<double> e;
  if (rules.scalar_requires_rank0_float) {
    if (t.dtype() != tensorboard::DT_FLOAT) {
      *why = std::string(DataType_Name(t.dtype())) + " scalar (only DT_FLOAT is read)";
      return false;
    }
    if (t.tensor_shape().dim_size() != 0) {
      *why = "scalar tensor of rank " + std::to_string(t.tensor_shape().dim_size());
      return false;
    }
  }
  if (!FloatingElements(t, &e) || e.size() != 1 || Elements(t) != 1) {
    *why = "scalar tensor " + std::string(DataType_Name(t.dtype())) + " without exactly one value";
    return false;
  }
  // Scalars are shown as float (DESIGN.md section 1 of the series schema).
  out->number = static_cast<float>(e[0]);
  return true;
}

bool DecodeHistogram(const tensorboard::Summary::Value& value, SeriesValue* out, std::string* why) {
  std::vector<double> counts;
  if (value.value_case() == tensorboard::Summary::Value::kHisto) {
    counts.assign(value.histo().bucket().begin(), value.histo().bucket().end());
  } else if (value.value_case() == tensorboard::Summary::Value::kTensor) {
    const TensorProto& t = value.tensor();
    std::vector<double> e;
    bool k3 = t.tensor_shape().dim_size() == 2 && t.tensor_shape().dim(1).size() == 3;
    bool empty = t.tensor_shape().dim_size() == 2 && t.tensor_shape().dim(0).size() == 0;
    if (!FloatingElements(t, &e) || !(k3 || empty) ||
        static_cast<int64_t>(e.size()) != Elements(t)) {
      *why = "histogram tensor is not a [k,3] floating-point tensor";
      return false;
    }
    for (size_t i = 2; i < e.size(); i += 3) counts.push_back(e[i]);
  } else {
    *why = "histogram series value is neither a tensor nor a HistogramProto";
    return false;
  }
  double total = 0;
  for (double c : counts) total += c;
  out->number = total;
  out->digest = DigestCounts(counts.data(), counts.size());
  return true;
}

bool DecodeImage(const tensorboard::Summary::Value& value, SeriesValue* out, std::string* why) {
  if (value.value_case() == tensorboard::Summary::Value::kImage) {
    out->width = value.image().width();
    out->height = value.image().height();
    out->digest = Digest(value.image().encoded_image_string());
    return true;
  }
  if (value.value_case() == tensorboard::Summary::Value::kTensor &&
      value.tensor().dtype() == tensorboard::DT_STRING && value.tensor().string_val_size() >= 3) {
    const auto& s = value.tensor().string_val();
    char* end = nullptr;
    out->width = std::strtoll(s[0].c_str(), &end, 10);
    out->height = std::strtoll(s[1].c_str(), &end, 10);
    out->digest = Digest(s[2]);
    return true;
  }
  *why = "image series value is not [width, height, png...] strings";
  return false;
}

bool DecodeText(const tensorboard::Summary::Value& value, SeriesValue* out, std::string* why) {
  if (value.value_case() == tensorboard::Summary::Value::kTensor &&
      value.tensor().dtype() == tensorboard::DT_STRING && value.tensor().string_val_size() >= 1) {
    out->text = value.tensor().string_val(0);
    out->digest = Digest(out->text);
    return true;
  }
  *why = "text series value is not a DT_STRING tensor";
  return false;
}

}  // namespace

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kScalar:
      return "scalar";
    case Kind::kHistogram:
      return "histogram";
    case Kind::kImage:
      return "image";
    case Kind::kText:
      return "text";
    default:
      return "unknown";
  }
}

Kind KindOfPlugin(std::string_view plugin_name) {
  if (plugin_name == "scalars") return Kind::kScalar;
  if (plugin_name == "histograms") return Kind::kHistogram;
  if (plugin_name == "images") return Kind::kImage;
  if (plugin_name == "text") return Kind::kText;
  return Kind::kUnknown;
}

Kind KindOfLegacyValue(const tensorboard::Summary::Value& value) {
  switch (value.value_case()) {
    case tensorboard::Summary::Value::kSimpleValue:
      return Kind::kScalar;
    case tensorboard::Summary::Value::kHisto:
      return Kind::kHistogram;
    case tensorboard::Summary::Value::kImage:
      return Kind::kImage;
    default:
      return Kind::kUnknown;
  }
}

uint64_t Digest(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h == 0 ? 1 : h;  // 0 means "not known".
}

uint64_t DigestCounts(const double* counts, size_t n) {
  return Digest(std::string_view(reinterpret_cast<const char*>(counts), n * sizeof(double)));
}

SeriesValue ScalarValue(float v) {
  SeriesValue s;
  s.kind = Kind::kScalar;
  s.number = v;
  return s;
}
SeriesValue HistogramValue(double total_count, uint64_t counts_digest) {
  SeriesValue s;
  s.kind = Kind::kHistogram;
  s.number = total_count;
  s.digest = counts_digest;
  return s;
}
SeriesValue ImageValue(int64_t width, int64_t height, uint64_t png_digest) {
  SeriesValue s;
  s.kind = Kind::kImage;
  s.width = width;
  s.height = height;
  s.digest = png_digest;
  return s;
}
SeriesValue TextValue(std::string_view text) {
  SeriesValue s;
  s.kind = Kind::kText;
  s.text = std::string(text);
  s.digest = Digest(text);
  return s;
}

bool Matches(const SeriesValue& expected, const SeriesValue& seen) {
  if (expected.kind != seen.kind) return false;
  auto digest_ok = [&] { return expected.digest == 0 || expected.digest == seen.digest; };
  switch (expected.kind) {
    case Kind::kScalar: {
      float a = static_cast<float>(expected.number), b = static_cast<float>(seen.number);
      if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
      return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
    }
    case Kind::kHistogram:
      return expected.number == seen.number && digest_ok();
    case Kind::kImage:
      return expected.width == seen.width && expected.height == seen.height && digest_ok();
    case Kind::kText:
      return digest_ok();
    default:
      return false;
  }
}

bool DecodeValue(const tensorboard::Summary::Value& value, Kind kind, const DecodeRules& rules,
                 SeriesValue* out, std::string* why) {
  *out = SeriesValue();
  out->kind = kind;
  switch (kind) {
    case Kind::kScalar:
      return DecodeScalar(value, rules, out, why);
    case Kind::kHistogram:
      return DecodeHistogram(value, out, why);
    case Kind::kImage:
      return DecodeImage(value, out, why);
    case Kind::kText:
      return DecodeText(value, out, why);
    default:
      *why = "unknown kind";
      return false;
  }
}

std::string ValueToString(const SeriesValue& v) {
  switch (v.kind) {
    case Kind::kScalar: {
      if (std::isnan(v.number)) return "nan";
      if (std::isinf(v.number)) return v.number > 0 ? "inf" : "-inf";
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.9g", v.number);
      return buf;
    }
    case Kind::kHistogram: {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.17g", v.number);
      return buf;
    }
    case Kind::kImage:
      return std::to_string(v.width) + "x" + std::to_string(v.height);
    case Kind::kText:
      return v.text;
    default:
      return "?";
  }
}

}  // namespace tbfault::core
