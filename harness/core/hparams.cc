#include "harness/core/hparams.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <string_view>

namespace tbfault::core {
namespace {

// A minimal protobuf wire-format walker: the fields of one message, length-delimited ones with
// their bytes; false on malformed input.
class Fields {
 public:
  explicit Fields(std::string_view data) : p_(data) {}
  // Next field: its number and, for length-delimited fields, its bytes (else empty).
  bool Next(uint32_t* number, std::string_view* bytes) {
    uint64_t key;
    if (p_.empty() || !Varint(&key)) return false;
    *number = static_cast<uint32_t>(key >> 3);
    *bytes = {};
    uint64_t v;
    switch (key & 7) {
      case 0:
        return Varint(&v);
      case 1:
        return Skip(8);
      case 5:
        return Skip(4);
      case 2:
        if (!Varint(&v) || v > p_.size()) return false;
        *bytes = p_.substr(0, v);
        p_.remove_prefix(v);
        return true;
      default:
        return false;
    }
  }

 private:
  bool Varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64 && !p_.empty(); shift += 7) {
      uint8_t b = static_cast<uint8_t>(p_.front());
      p_.remove_prefix(1);
      *v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool Skip(size_t n) {
    if (p_.size() < n) return false;
    p_.remove_prefix(n);
    return true;
  }
  std::string_view p_;
};

// The string field `number` of message `data`, or "".
std::string StringField(std::string_view data, uint32_t number) {
  Fields f(data);
  uint32_t n;
  std::string_view b;
  while (f.Next(&n, &b)) {
    if (n == number) return std::string(b);
  }
  return "";
}

std::string List(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

bool DecodeHParamsExperiment(const std::string& content, HParamsExperiment* out) {
  // HParamsPluginData {version=1, experiment=2}; Experiment {hparam_infos=4 {name=1},
  // metric_infos=5 {name=1 {group=1, tag=2}}}.
  Fields data(content);
  uint32_t n;
  std::string_view b, experiment;
  bool found = false;
  while (data.Next(&n, &b)) {
    if (n == 2) {
      experiment = b;
      found = true;
    }
  }
  if (!found) return false;
  out->hparams.clear();
  out->metrics.clear();
  Fields e(experiment);
  while (e.Next(&n, &b)) {
    if (n == 4) out->hparams.push_back(StringField(b, 1));
    if (n == 5) {
      Fields m(b);
      uint32_t mn;
      std::string_view mb;
      while (m.Next(&mn, &mb)) {
        if (mn == 1) out->metrics.push_back(StringField(mb, 2));
      }
    }
  }
  return true;
}

std::string HParamsLeftOut(const std::vector<HParamsExperiment>& experiments) {
  if (experiments.size() < 2) return "";
  const HParamsExperiment& first = experiments.front();
  std::set<std::string> hp(first.hparams.begin(), first.hparams.end());
  std::set<std::string> mt(first.metrics.begin(), first.metrics.end());
  std::vector<std::string> more_hp, more_mt;
  for (const HParamsExperiment& e : experiments) {
    for (const std::string& h : e.hparams) {
      if (hp.insert(h).second) more_hp.push_back(h + " (" + e.run + ")");
    }
    for (const std::string& m : e.metrics) {
      if (mt.insert(m).second) more_mt.push_back(m + " (" + e.run + ")");
    }
  }
  if (more_hp.empty() && more_mt.empty()) return "";
  std::string out =
      "the hparams table takes its columns from the first session's experiment (run " + first.run +
      ": hparams " + List(first.hparams) + "; metrics " + List(first.metrics) +
      ") with TensorBoard's Python loader (--load_fast=false): ";
  if (!more_hp.empty()) out += "hparams " + List(more_hp) + " are not columns";
  if (!more_hp.empty() && !more_mt.empty()) out += ", ";
  if (!more_mt.empty()) out += "metrics " + List(more_mt) + " are not shown";
  return out + " (tb-rust, --load_fast=true, also takes one session's experiment, which one varies from "
                "start to start)";
}

}  // namespace tbfault::core
