// strict: every intact record of every file, the truth on disk. Frames are read one after another
// (decoded once with the other profiles); at the first damage in a file the rest of it is read by
// format::RecordReader, which resynchronises past damage and reports every anomaly (kept per file,
// typed, and listed as notes). An intact frame that is not an Event is reported as kBadProto and
// skipped (as format::EventReader does). Across cycles a file is read on from just past its last
// intact record; anomalies after that point are found again.
// A tag's kind comes from the first of its values that names a known plugin, else from its first
// legacy value (simple_value, histo, image); every floating-point scalar is shown (DT_DOUBLE too);
// values of a tag of unknown kind are listed as dropped. Until a tag's kind is fixed by a plugin
// name, its values are also kept serialized (one arena per tag), so that a later plugin name can
// decode them again by its kind.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <unordered_map>

#include "format/event_reader.h"
#include "harness/core/profile_reader.h"

namespace tbfault::core {
namespace {

class AnomalySink : public format::RecordReader::Reporter {
 public:
  AnomalySink(uint64_t base, std::vector<format::AnomalyReport>* out) : base_(base), out_(out) {}
  void Corruption(const format::AnomalyReport& r) override {
    out_->push_back(r);
    out_->back().offset += base_;
  }

 private:
  uint64_t base_;
  std::vector<format::AnomalyReport>* out_;
};

// Bytes [offset, end) of a file, read into `buf` (at most kWindow bytes: never allocated from a
// file's size).
constexpr uint64_t kWindow = 64ull << 20;
std::string_view ReadWindow(int fd, uint64_t offset, uint64_t end, std::string* buf) {
  buf->resize(end - offset);
  size_t got = 0;
  while (got < buf->size()) {
    ssize_t r = ::pread(fd, buf->data() + got, buf->size() - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  buf->resize(got);
  return *buf;
}

class StrictReader : public ProfileReader {
 public:
  void BeginCycle(const std::vector<uint32_t>&) override {
    files_.resize(view_.files.size());
    anomalies_.resize(view_.files.size());
  }

  bool Start(const FileInCycle& f, uint64_t* offset) override {
    FileState& st = files_[f.index];
    auto& an = anomalies_[f.index];  // what lies past the last intact record is found again.
    an.erase(std::remove_if(an.begin(), an.end(),
                            [&](const format::AnomalyReport& a) { return a.offset >= st.offset; }),
             an.end());
    *offset = st.offset;
    return true;
  }

  bool NeedsParse(const ScanFrame& frame) const override { return frame.data_crc_ok; }

  bool Frame(const FileInCycle& f, const ScanFrame& frame, const tensorboard::Event* event,
             const uint32_t* tags) override {
    if (!frame.data_crc_ok) {
      Resync(f, frame.offset);
      return false;
    }
    if (event == nullptr) {
      anomalies_[f.index].push_back(
          {format::Anomaly::kBadProto, frame.offset, frame.data.size() + 16,
           "record of " + std::to_string(frame.data.size()) + " bytes is not a valid Event"});
    } else {
      AddEvent(f.index, frame.offset, *event, tags);
    }
    files_[f.index].offset = frame.end;
    return true;
  }

  void Prefetch(uint32_t tag) const override {
    if (tag < tag_states_.size() && tag_states_[tag].series != nullptr) {
      tag_states_[tag].series->points.PrefetchTail();
    }
  }

  void Stop(const FileInCycle& f, ScanStop stop, uint64_t offset) override {
    files_[f.index].offset = offset;
    if (stop != ScanStop::kEnd) Resync(f, offset);
  }

  void EndCycle() override {
    view_.notes.clear();
    for (size_t i = 0; i < anomalies_.size(); ++i) {
      const std::string& file = view_.files[i];
      for (const format::AnomalyReport& r : anomalies_[i]) {
        view_.notes.push_back({NoteKind::kStrictAnomaly, file, r.offset,
                               std::string(format::AnomalyName(r.kind)) + " in " + file +
                                   " at offset " + std::to_string(r.offset) + " (" +
                                   std::to_string(r.skipped) + " bytes skipped): " + r.detail});
      }
    }
    view_.dropped.clear();
    std::vector<std::pair<const std::string*, const TagState*>> with_drops;
    for (uint32_t tag = 0; tag < tag_states_.size(); ++tag) {
      const TagState& ts = tag_states_[tag];
      if (!ts.drops.empty() || (ts.kind() == Kind::kUnknown && !ts.raw.empty())) {
        with_drops.push_back({&tags_->name(tag), &ts});
      }
    }
    std::sort(with_drops.begin(), with_drops.end(),
              [](const auto& a, const auto& b) { return *a.first < *b.first; });
    for (const auto& [tag, ts] : with_drops) {
      view_.dropped.insert(view_.dropped.end(), ts->drops.begin(), ts->drops.end());
      if (ts->kind() != Kind::kUnknown) continue;
      for (const RawValue& r : ts->raw) {
        view_.dropped.push_back({*tag, r.step, view_.files[r.file], r.offset,
                                 DropCause::kUnknownPlugin,
                                 "no known plugin on any value of the tag", "", 0});
      }
    }
  }

  const std::vector<std::vector<format::AnomalyReport>>& anomalies() const { return anomalies_; }

 private:
  struct FileState {
    uint64_t offset = 0;  // just past the last intact record read.
  };
  struct RawValue {
    int64_t step;
    uint64_t offset;
    uint32_t file;
    uint32_t end;  // of its bytes in TagState::arena.
  };
  struct TagState {
    Kind plugin_kind = Kind::kUnknown;  // from the first value naming a known plugin: final.
    Kind legacy_kind = Kind::kUnknown;  // from the first legacy value.
    Series* series = nullptr;           // in view_.tags, once a value is shown.
    std::vector<Dropped> drops;         // values of the tag that do not decode by its kind.
    // Until plugin_kind is known: every value, serialized, to decode again by a later plugin.
    std::string arena;
    std::vector<RawValue> raw;
    Kind kind() const { return plugin_kind != Kind::kUnknown ? plugin_kind : legacy_kind; }
  };

  // The rest of the file from `offset`, by format::RecordReader.
  // The rest of the file from `offset`, by format::RecordReader, in windows of kWindow bytes (one
  // window, exactly as a reader of the whole file, unless the rest is larger): a window ends just
  // past its last intact record, and what lies beyond it is read again by the next window; a
  // window with no intact record keeps its anomalies and the next one starts where it ended (so a
  // record longer than a window, after damage, is reported as damage, not read).
  void Resync(const FileInCycle& f, uint64_t offset) {
    std::string buf;
    auto& anomalies = anomalies_[f.index];
    while (offset < f.size) {
      const uint64_t end = std::min(f.size, offset + kWindow);
      std::string_view window = ReadWindow(f.fd, offset, end, &buf);
      const size_t kept = anomalies.size();
      AnomalySink sink(offset, &anomalies);
      format::EventReader reader(window, &sink);
      format::EventRecord rec;
      while (reader.Next(&rec)) AddEvent(f.index, offset + rec.offset, rec.event, nullptr);
      MergeZeroRuns(&anomalies, kept);
      const uint64_t good = offset + reader.records().end_of_last_record();
      if (end == f.size || window.size() < end - offset) {  // the last window.
        files_[f.index].offset = good;
        return;
      }
      if (good > offset) {  // what follows the last intact record is read again.
        anomalies.erase(
            std::remove_if(anomalies.begin() + static_cast<std::ptrdiff_t>(kept), anomalies.end(),
                           [&](const format::AnomalyReport& a) { return a.offset >= good; }),
            anomalies.end());
        offset = good;
      } else {
        offset = end;
      }
      files_[f.index].offset = offset;
    }
  }

  // A zero run that a window boundary cut in two (anomalies[first] continues anomalies[first-1])
  // is one anomaly, as a reader of the whole file reports it.
  static void MergeZeroRuns(std::vector<format::AnomalyReport>* anomalies, size_t first) {
    if (first == 0 || first >= anomalies->size()) return;
    format::AnomalyReport& prev = (*anomalies)[first - 1];
    const format::AnomalyReport& next = (*anomalies)[first];
    auto plain = [](const format::AnomalyReport& a) {
      return a.kind == format::Anomaly::kZeroFilled &&
             a.detail == "zero bytes " + std::to_string(a.skipped);
    };
    if (!plain(prev) || !plain(next) || prev.offset + prev.skipped != next.offset) return;
    prev.skipped += next.skipped;
    prev.detail = "zero bytes " + std::to_string(prev.skipped);
    anomalies->erase(anomalies->begin() + static_cast<std::ptrdiff_t>(first));
  }

  // `tags`: the values' TagIds ids, or null to look them up.
  void AddEvent(uint32_t file, uint64_t offset, const tensorboard::Event& e, const uint32_t* tags) {
    if (!e.has_summary()) return;
    const auto& values = e.summary().value();
    for (int i = 0; i < values.size(); ++i) {
      const uint32_t tag = tags != nullptr ? tags[i] : tags_->Intern(values[i].tag());
      if (tag >= tag_states_.size()) tag_states_.resize(tags_->size());
      AddValue(tag_states_[tag], file, offset, e.step(), values[i]);
    }
  }

  void AddValue(TagState& ts, uint32_t file, uint64_t offset, int64_t step,
                const tensorboard::Summary::Value& v) {
    if (ts.plugin_kind != Kind::kUnknown) {
      Decode(ts, v.tag(), v, step, file, offset);
      return;
    }
    Kind plugin =
        v.has_metadata() ? KindOfPlugin(v.metadata().plugin_data().plugin_name()) : Kind::kUnknown;
    if (plugin != Kind::kUnknown) {  // the kind is final: decode what was kept by it.
      if (plugin != ts.legacy_kind) Redecode(ts, v.tag(), plugin);
      ts.plugin_kind = plugin;
      ts.arena = std::string();
      ts.raw = std::vector<RawValue>();
      Decode(ts, v.tag(), v, step, file, offset);
      return;
    }
    const bool legacy_now =
        ts.legacy_kind == Kind::kUnknown && KindOfLegacyValue(v) != Kind::kUnknown;
    v.AppendToString(&ts.arena);
    ts.raw.push_back({step, offset, file, static_cast<uint32_t>(ts.arena.size())});
    if (legacy_now) {  // the tag has a kind from now on: what was kept decodes by it.
      ts.legacy_kind = KindOfLegacyValue(v);
      Redecode(ts, v.tag(), ts.legacy_kind);
    } else if (ts.legacy_kind != Kind::kUnknown) {
      Decode(ts, v.tag(), v, step, file, offset);
    }
  }

  // Decodes every kept value of the tag again, by `kind`.
  void Redecode(TagState& ts, const std::string& tag, Kind kind) {
    if (ts.series != nullptr) {
      ts.series->points.clear();
      ts.series->details.clear();
      ts.series->kind = kind;
    }
    ts.drops.clear();
    const Kind saved = ts.plugin_kind;
    ts.plugin_kind = kind;
    tensorboard::Summary::Value v;
    uint32_t begin = 0;
    for (const RawValue& r : ts.raw) {
      v.ParseFromArray(ts.arena.data() + begin, static_cast<int>(r.end - begin));
      begin = r.end;
      Decode(ts, tag, v, r.step, r.file, r.offset);
    }
    ts.plugin_kind = saved;
  }

  void Decode(TagState& ts, const std::string& tag, const tensorboard::Summary::Value& v,
              int64_t step, uint32_t file, uint64_t offset) {
    const Kind kind = ts.kind();
    SeriesValue value;
    std::string why;
    const bool common = kind == Kind::kScalar && DecodeCommonScalar(v, &value.number);
    if (!common && !DecodeValue(v, kind, kRules, &value, &why)) {
      ts.drops.push_back(
          {tag, step, view_.files[file], offset, DecodeFailureCause(v, kind), why, "", 0});
      return;
    }
    if (ts.series == nullptr) ts.series = &view_.tags[tag];
    ts.series->kind = kind;
    if (common) {
      ts.series->AppendScalar({step, offset, file, value.number});
    } else {
      ts.series->Append({step, offset, file, value.number}, std::move(value));
    }
  }

  static constexpr DecodeRules kRules{.scalar_requires_rank0_float = false};
  std::vector<FileState> files_;  // by RunView::files index.
  std::vector<std::vector<format::AnomalyReport>> anomalies_;
  std::vector<TagState> tag_states_;  // by TagIds id.
};

}  // namespace

std::unique_ptr<ProfileReader> NewStrictReader() { return std::make_unique<StrictReader>(); }

const std::vector<std::vector<format::AnomalyReport>>& StrictAnomalies(
    const ProfileReader& reader) {
  return static_cast<const StrictReader&>(reader).anomalies();
}

}  // namespace tbfault::core
