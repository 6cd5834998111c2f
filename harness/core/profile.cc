#include "harness/core/profile.h"

#include <algorithm>
#include <cstring>

#include "format/event_reader.h"
#include "harness/core/run_reader.h"

namespace tbfault::core {

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
    case Damage::kOversized:
      return "oversized";
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

bool DecodeCommonScalar(const tensorboard::Summary::Value& value, double* number) {
  if (value.value_case() == tensorboard::Summary::Value::kSimpleValue) {
    *number = value.simple_value();
    return true;
  }
  if (value.value_case() != tensorboard::Summary::Value::kTensor) return false;
  const tensorboard::TensorProto& t = value.tensor();
  if (t.dtype() != tensorboard::DT_FLOAT || t.tensor_shape().dim_size() != 0) return false;
  float f;
  if (!t.tensor_content().empty()) {
    if (t.tensor_content().size() != sizeof(f)) return false;
    std::memcpy(&f, t.tensor_content().data(), sizeof(f));
  } else if (t.float_val_size() == 1) {
    f = t.float_val(0);
  } else {
    return false;
  }
  *number = f;
  return true;
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
  if (const Dropped* d = it->second.FindDropped(tag, file, offset); d != nullptr) {
    *cause_file = d->cause_file;
    *cause_offset = d->cause_offset;
    return d->reason;
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

namespace {
std::string DroppedKey(const std::string& tag, const std::string& file, uint64_t offset) {
  std::string key = tag;
  key += '\0';
  key += file;
  key += '\0';
  key += std::to_string(offset);
  return key;
}
}  // namespace

const Dropped* RunView::FindDropped(const std::string& tag, const std::string& file,
                                    uint64_t offset) const {
  if (indexed_ > dropped.size()) {  // the view was changed: index again.
    dropped_index_.clear();
    indexed_ = 0;
  }
  for (; indexed_ < dropped.size(); ++indexed_) {
    const Dropped& d = dropped[indexed_];
    dropped_index_.try_emplace(DroppedKey(d.tag, d.file, d.offset), indexed_);  // first wins.
  }
  auto it = dropped_index_.find(DroppedKey(tag, file, offset));
  return it == dropped_index_.end() ? nullptr : &dropped[it->second];
}

SeriesValue Series::value(size_t i) const {
  if (!details.empty()) return details[i];
  SeriesValue v;
  v.kind = kind;
  v.number = points[i].number;
  return v;
}

size_t PointList::RunOf(size_t i) const {
  if (runs_.size() == 1) return 0;
  auto it = std::upper_bound(runs_.begin(), runs_.end(), i,
                             [](size_t x, const Run& r) { return x < r.from; });
  return static_cast<size_t>(it - runs_.begin()) - 1;
}

void PointList::push_back(const Point& p) {
  const auto step = static_cast<uint64_t>(p.step);
  const Run run{static_cast<uint32_t>(packed_.size()), static_cast<uint32_t>(step >> 32),
                static_cast<uint32_t>(p.offset >> 32), p.file};
  if (packed_.empty() || tail_.step_hi != run.step_hi || tail_.offset_hi != run.offset_hi ||
      tail_.file != run.file) {
    runs_.push_back(run);
    tail_ = run;
  }
  packed_.push_back(
      {static_cast<uint32_t>(step), static_cast<uint32_t>(p.offset), static_cast<float>(p.number)});
  back_step_ = p.step;
}

void PointList::pop_back() {
  packed_.pop_back();
  if (tail_.from == packed_.size()) {
    runs_.pop_back();
    tail_ = runs_.empty() ? Run{} : runs_.back();
  }
  back_step_ = packed_.empty() ? 0 : back().step;
}

void PointList::clear() {
  packed_.clear();
  runs_.clear();
  tail_ = Run{};
  back_step_ = 0;
}

void Series::Append(const Point& p, SeriesValue v) {
  points.push_back(p);
  if (v.kind != Kind::kScalar) details.push_back(std::move(v));
}

void Series::PopBack() {
  points.pop_back();
  if (!details.empty()) details.pop_back();
}

namespace {

Status ReadRuns(const std::string& path, const std::vector<Profile>& profiles, ProfileView* views) {
  for (size_t i = 0; i < profiles.size(); ++i) {
    views[i].profile = profiles[i];
    views[i].runs.clear();
  }
  std::vector<format::RunFiles> runs;
  Status s = format::ListRuns(path, &runs);
  if (!s.ok()) return s;
  for (const auto& run : runs) {
    RunReader reader(profiles);
    if (s = reader.Cycle(run.files); !s.ok()) return s;
    for (size_t i = 0; i < profiles.size(); ++i) {
      views[i].runs[run.run] = reader.reader(profiles[i])->TakeView();
    }
  }
  return Status::Ok();
}

}  // namespace

Status ReadProfile(Profile profile, const std::string& path, ProfileView* view) {
  return ReadRuns(path, {profile}, view);
}

Status ReadProfiles(const std::string& path, ProfileView views[3]) {
  return ReadRuns(path, {std::begin(kAllProfiles), std::end(kAllProfiles)}, views);
}

}  // namespace tbfault::core
