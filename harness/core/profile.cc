#include "harness/core/profile.h"

#include <map>

#include "format/event_reader.h"
#include "format/record_reader.h"

namespace tbfault::core {
namespace {

class NoteReporter : public format::RecordReader::Reporter {
 public:
  NoteReporter(const std::string& file, RunView* out) : file_(file), out_(out) {}
  void Corruption(const format::AnomalyReport& r) override {
    out_->notes.push_back({NoteKind::kStrictAnomaly, file_, r.offset,
                           std::string(format::AnomalyName(r.kind)) + " in " + file_ +
                               " at offset " + std::to_string(r.offset) + " (" +
                               std::to_string(r.skipped) + " bytes skipped): " + r.detail});
  }

 private:
  const std::string& file_;
  RunView* out_;
};

struct StrictValue {
  size_t file;
  uint64_t offset;
  int64_t step;
  double wall_time;
  tensorboard::Summary::Value value;
};

}  // namespace

std::string_view ProfileName(Profile p) {
  switch (p) {
    case Profile::kStrict:
      return "strict";
    case Profile::kTbRust:
      return "tb-rust";
    case Profile::kTbPython:
      return "tb-python";
  }
  return "?";
}

std::string_view DamageName(Damage d) {
  switch (d) {
    case Damage::kTruncated:
      return "truncated";
    case Damage::kBadLengthCrc:
      return "bad-length-crc";
    case Damage::kZeroFilled:
      return "zero-filled";
    case Damage::kBadDataCrc:
      return "bad-data-crc";
    case Damage::kInvalidProto:
      return "invalid proto";
    case Damage::kNanWallTime:
      return "NaN wall time";
  }
  return "?";
}

std::string_view DropCauseName(DropCause c) {
  switch (c) {
    case DropCause::kEvicted:
      return "evicted";
    case DropCause::kPurgedByStart:
      return "purged-by-start";
    case DropCause::kPurgedByRegression:
      return "purged-by-regression";
    case DropCause::kDoubleScalar:
      return "double-scalar";
    case DropCause::kBadScalarType:
      return "bad-scalar-type";
    case DropCause::kNoMetadata:
      return "no-metadata";
    case DropCause::kUnknownPlugin:
      return "unknown-plugin";
    case DropCause::kUndecodable:
      return "undecodable";
    case DropCause::kImageStepRepeat:
      return "image-step-repeat";
  }
  return "?";
}

DropCause DecodeFailureCause(const tensorboard::Summary::Value& value, Kind kind) {
  if (kind != Kind::kScalar || value.value_case() != tensorboard::Summary::Value::kTensor) {
    return DropCause::kUndecodable;
  }
  const tensorboard::TensorProto& t = value.tensor();
  if (t.dtype() == tensorboard::DT_DOUBLE) return DropCause::kDoubleScalar;
  if (t.dtype() != tensorboard::DT_FLOAT || t.tensor_shape().dim_size() != 0) {
    return DropCause::kBadScalarType;
  }
  return DropCause::kUndecodable;
}

bool ParseProfile(std::string_view name, Profile* out) {
  for (Profile p : {Profile::kStrict, Profile::kTbRust, Profile::kTbPython}) {
    if (name == ProfileName(p)) {
      *out = p;
      return true;
    }
  }
  return false;
}

std::string ProfileView::WhyNotShown(const std::string& run, const std::string& tag,
                                     const std::string& file, uint64_t offset,
                                     std::string* cause_file, uint64_t* cause_offset) const {
  auto it = runs.find(run);
  if (it == runs.end()) return "";
  for (const Dropped& d : it->second.dropped) {
    if (d.tag == tag && d.file == file && d.offset == offset) {
      *cause_file = d.cause_file;
      *cause_offset = d.cause_offset;
      return d.reason;
    }
  }
  for (const Unreached& u : it->second.unreached) {
    if (u.file == file && u.offset <= offset) {
      *cause_file = u.file;
      *cause_offset = u.offset;
      return u.reason;
    }
  }
  return "";
}

Status ReadProfile(Profile profile, const std::string& path, ProfileView* view) {
  view->profile = profile;
  view->runs.clear();
  std::vector<format::RunFiles> runs;
  Status s = format::ListRuns(path, &runs);
  if (!s.ok()) return s;
  for (const auto& run : runs) {
    RunInput in;
    in.files = run.files;
    in.contents.resize(run.files.size());
    for (size_t i = 0; i < run.files.size(); ++i) {
      s = format::ReadFileToString(run.files[i], &in.contents[i]);
      if (!s.ok()) return s;
    }
    RunView& out = view->runs[run.run];
    switch (profile) {
      case Profile::kStrict:
        ReadStrictRun(in, &out);
        break;
      case Profile::kTbRust:
        ReadTbRustRun(in, &out);
        break;
      case Profile::kTbPython:
        ReadTbPythonRun(in, &out);
        break;
    }
  }
  return Status::Ok();
}

// strict: every intact record of every file (RecordReader resynchronises past damage, EventReader
// skips frames that are not Events), anomalies listed as notes. A tag's kind comes from the first
// of its values that names a known plugin, else from its first legacy value; every floating-point
// scalar is shown (DT_DOUBLE too); values of unknown kind are listed as dropped.
void ReadStrictRun(const RunInput& in, RunView* out) {
  std::vector<StrictValue> values;
  std::map<std::string, Kind> kind_by_tag;
  std::map<std::string, Kind> legacy_kind_by_tag;
  for (size_t f = 0; f < in.files.size(); ++f) {
    NoteReporter reporter(in.files[f], out);
    format::EventReader reader(in.contents[f], &reporter);
    format::EventRecord rec;
    while (reader.Next(&rec)) {
      if (!rec.event.has_summary()) continue;
      for (const auto& v : rec.event.summary().value()) {
        Kind k = v.has_metadata() ? KindOfPlugin(v.metadata().plugin_data().plugin_name())
                                  : Kind::kUnknown;
        if (k != Kind::kUnknown) kind_by_tag.emplace(v.tag(), k);
        if (Kind lk = KindOfLegacyValue(v); lk != Kind::kUnknown) {
          legacy_kind_by_tag.emplace(v.tag(), lk);
        }
        values.push_back({f, rec.offset, rec.event.step(), rec.event.wall_time(), v});
      }
    }
  }
  DecodeRules rules{.scalar_requires_rank0_float = false};
  for (const StrictValue& sv : values) {
    const std::string& tag = sv.value.tag();
    Kind kind = Kind::kUnknown;
    if (auto it = kind_by_tag.find(tag); it != kind_by_tag.end()) {
      kind = it->second;
    } else if (auto lt = legacy_kind_by_tag.find(tag); lt != legacy_kind_by_tag.end()) {
      kind = lt->second;
    }
    Point p;
    std::string why;
    DropCause cause = DropCause::kUnknownPlugin;
    if (kind == Kind::kUnknown) {
      why = "no known plugin on any value of the tag";
    } else if (DecodeValue(sv.value, kind, rules, &p.value, &why)) {
      p.step = sv.step;
      p.file = in.files[sv.file];
      p.offset = sv.offset;
      p.wall_time = sv.wall_time;
      Series& series = out->tags[tag];
      series.kind = kind;
      series.points.push_back(std::move(p));
      continue;
    } else {
      cause = DecodeFailureCause(sv.value, kind);
    }
    out->dropped.push_back({tag, sv.step, in.files[sv.file], sv.offset, cause, why, "", 0});
  }
}

}  // namespace tbfault::core
