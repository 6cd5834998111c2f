// tb-python: TensorBoard's Python loader (--load_fast=false: DirectoryWatcher + EventAccumulator),
// as DESIGN.md section 3 states it:
// - one file at a time per run, in name order; a file is read until its end or its first damaged
//   frame, and never gone back to once a newer file exists (an older file stopped by damage is
//   abandoned; the newest is retried at the same offset every cycle, which shows nothing more
//   unless the damage was a tail still being written);
// - every frame's length CRC and data CRC are checked; a truncated frame, a bad CRC, a zero-filled
//   header or data that is not an Event all stop the file at that frame (modelled alike; the
//   loader's exact reaction to an unparsable frame is left to the conformance test);
// - the run's file_version is taken from file_version events; with version >= 2 ("brain.Event:2") a
//   SessionLog.START at step s purges, on all tags, the values with step >= s, except the run's
//   first START seen with that version, which only starts the run; without a
//   file_version a summary event whose step is below the most recent step purges, on the tags it
//   carries, the values with step >= its step; every summary event then becomes the most recent
//   step, the purging one too, so a regression purges only the tags of its first event (as in
//   the source, and measured);
// - legacy values (simple_value, histo, image) are migrated to tensors with their plugin's
//   metadata; a tag's plugin is taken from its FIRST value: a first value that is a tensor without
//   metadata makes the whole tag invisible even when later values carry metadata (measured:
//   FINDINGS.md M1);
// - scalars may be any one-element floating-point tensor: DT_DOUBLE and shape [1] are shown (P2);
// - NaN wall times are shown (no rule, P2); equal steps are all kept, in load order (P3), except
//   for images: the first image of each step is kept, sorted by step (the data provider's blob
//   reader).
// Not modelled here: an invalid proto with right CRCs kills the real server's reload thread, hiding
// every run loaded after it (FINDINGS.md P1); the profile gives the per-run answer and notes it.
// Values a tag cannot show (no plugin, unknown plugin, undecodable) are kept as "ghosts" so that a
// purge drops them as purged, as the loader would; they are reported when a cycle ends.
#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "harness/core/profile_reader.h"

namespace tbfault::core {
namespace {

std::string At(uint64_t offset) { return " at offset " + std::to_string(offset); }

int ParseFileVersion(const std::string& s) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) return 0;
  return std::atoi(s.c_str() + colon + 1);
}

constexpr uint32_t kNone = UINT32_MAX;

class TbPythonReader : public ProfileReader {
 public:
  void BeginCycle(const std::vector<uint32_t>&) override {
    files_.resize(view_.files.size());
    view_.dropped.resize(permanent_drops_);
  }

  bool Start(const FileInCycle& f, uint64_t* offset) override {
    if (cur_ == kNone) {
      cur_ = f.index;
    } else if (f.index != cur_) {
      if (view_.files[f.index] < view_.files[cur_]) return false;  // never goes back.
      files_[cur_].left = true;  // a newer file exists: move on for good.
      files_[cur_].next = f.index;
      cur_ = f.index;
    }
    FileState& st = files_[cur_];
    st.stopped = false;  // retried at the same offset.
    *offset = st.offset;
    return true;
  }

  bool NeedsParse(const ScanFrame& frame) const override { return frame.data_crc_ok; }

  bool Frame(const FileInCycle& f, const ScanFrame& frame, const tensorboard::Event* event,
             const uint32_t* tags) override {
    FileState& st = files_[f.index];
    if (!frame.data_crc_ok || event == nullptr) {  // (another profile may have parsed it)
      StopAt(st, frame.offset, frame.data_crc_ok ? Damage::kInvalidProto : Damage::kBadDataCrc);
      return false;
    }
    st.offset = frame.end;
    const std::string& file = *f.path;
    const tensorboard::Event& e = *event;
    if (e.has_file_version()) file_version_ = ParseFileVersion(e.file_version());
    if (file_version_ >= 2) {
      // The run's first SessionLog.START only starts it (_seen_session_start); later ones purge
      // (FINDINGS.md D2: a lone START in mid-stream purged nothing).
      if (e.has_session_log() && e.session_log().status() == tensorboard::SessionLog::START &&
          std::exchange(seen_session_start_, true)) {
        const std::string reason = "purged by SessionLog.START at step " + std::to_string(e.step());
        for (uint32_t tag : SeenInNameOrder([](const TagState&) { return true; })) {
          Purge(tag_states_[tag], tags_->name(tag), e.step(), DropCause::kPurgedByStart, reason,
                file, frame.offset);
        }
      }
    } else if (e.step() < most_recent_step_ && e.has_summary()) {
      const std::string reason =
          "purged by a step regression to " + std::to_string(e.step()) + " (no file_version)";
      for (int i = 0; i < e.summary().value_size(); ++i) {
        // a tag seen for the first time has nothing to purge.
        if (tags[i] >= tag_states_.size() || !tag_states_[tags[i]].seen) continue;
        Purge(tag_states_[tags[i]], tags_->name(tags[i]), e.step(), DropCause::kPurgedByRegression,
              reason, file, frame.offset);
      }
    }
    // After the check, every summary event sets the most recent step, one that purged too
    // (EventAccumulator._MaybePurgeOrphanedData). So after a regression only the tags of its
    // first event are purged; other tags at the same step keep their old values (measured:
    // the suite's no-file-version restart, harness/conformance).
    if (!e.has_summary()) return true;
    most_recent_step_ = e.step();
    const auto& values = e.summary().value();
    for (int i = 0; i < values.size(); ++i) Add(f, frame.offset, e.step(), tags[i], values[i]);
    return true;
  }

  void Prefetch(uint32_t tag) const override {
    if (tag < tag_states_.size() && tag_states_[tag].series != nullptr) {
      tag_states_[tag].series->points.PrefetchTail();
    }
  }

  void Stop(const FileInCycle& f, ScanStop stop, uint64_t offset) override {
    FileState& st = files_[f.index];
    st.offset = offset;
    if (stop != ScanStop::kEnd) StopAt(st, offset, DamageOf(stop));
  }

  void EndCycle() override {
    permanent_drops_ = view_.dropped.size();
    view_.unreached.clear();
    view_.notes.clear();
    for (size_t i = 0; i < files_.size(); ++i) {
      const FileState& st = files_[i];
      if (!st.stopped) continue;
      const std::string& file = view_.files[i];
      const std::string name(DamageName(st.damage));
      if (st.damage == Damage::kInvalidProto) {
        view_.notes.push_back({NoteKind::kReloadThreadDies, file, st.offset,
                               "invalid proto in " + file + At(st.offset) +
                                   ": the real tb-python reload thread dies here, so runs loaded "
                                   "after this one are not shown either (FINDINGS.md P1)"});
      }
      if (st.left) {
        view_.unreached.push_back({file, st.offset, UnreachedCause::kAbandoned, st.damage,
                                   "abandoned: " + name + At(st.offset) +
                                       ", a newer file exists (" + view_.files[st.next] + ")"});
      } else {
        view_.unreached.push_back(
            {file, st.offset, UnreachedCause::kStopped, st.damage,
             "stopped: " + name + At(st.offset) + " (retried while newest file)"});
      }
    }
    // What tags cannot show, and the first image of each step, in tag order.
    const std::vector<uint32_t> special = SeenInNameOrder(
        [](const TagState& ts) { return !ts.ghosts.empty() || ts.kind == Kind::kImage; });
    for (uint32_t tag = 0; tag < tag_states_.size(); ++tag) {
      TagState& ts = tag_states_[tag];  // a tag whose values were all purged is not shown.
      if (ts.series != nullptr && ts.series->points.empty()) {
        view_.tags.erase(tags_->name(tag));
        ts.series = nullptr;
      }
    }
    for (uint32_t id : special) {
      const std::string* tag = &tags_->name(id);
      TagState* ts = &tag_states_[id];
      for (const Ghost& g : ts->ghosts) {
        view_.dropped.push_back(
            {*tag, g.step, view_.files[g.file], g.offset, g.cause, GhostReason(*ts, g),
             g.cause == DropCause::kNoMetadata ? view_.files[ts->first_file] : std::string(),
             g.cause == DropCause::kNoMetadata ? ts->first_offset : 0});
      }
      if (ts->kind != Kind::kImage) continue;
      if (ts->images.points.empty()) {
        view_.tags.erase(*tag);
      } else {
        PublishImages(*tag, *ts);
      }
    }
  }

 private:
  struct FileState {
    uint64_t offset = 0;   // the next frame to read, or where the file stopped.
    bool stopped = false;  // at damage at `offset`.
    bool left = false;     // a newer file was moved to (`next`): never read again.
    Damage damage = Damage::kTruncated;
    uint32_t next = kNone;
  };
  struct Ghost {  // a value read but not showable, kept so that a purge can drop it.
    int64_t step;
    uint64_t offset;
    uint32_t file;
    DropCause cause;
    std::string why;  // kUndecodable and friends: DecodeValue's words.
  };
  struct TagState {
    bool seen = false;
    Kind kind = Kind::kUnknown;
    bool has_plugin = false;
    uint32_t first_file = 0;
    uint64_t first_offset = 0;
    Series* series = nullptr;  // in view_.tags, once a value is shown (not images).
    Series images;             // images in load order (published first-per-step).
    bool sorted = true;        // the series' steps never go down (purges pop from the back).
    std::vector<Ghost> ghosts;
  };

  static std::string GhostReason(const TagState& ts, const Ghost& g) {
    if (g.cause == DropCause::kNoMetadata) {
      return "the tag's first value has no plugin metadata: never shown";
    }
    if (g.cause == DropCause::kUnknownPlugin) {
      return "the tag's plugin is not one of scalars/histograms/images/text";
    }
    (void)ts;
    return g.why;
  }

  void StopAt(FileState& st, uint64_t offset, Damage damage) {
    st.stopped = true;
    st.offset = offset;
    st.damage = damage;
  }

  Series* Storage(TagState& ts, const std::string& tag) {
    if (ts.kind == Kind::kImage) return &ts.images;
    if (ts.series == nullptr) {
      ts.series = &view_.tags[tag];
      ts.series->kind = ts.kind;
    }
    return ts.series;
  }

  // The ids of the tags seen whose state passes `keep`, in tag name order.
  template <typename Keep>
  std::vector<uint32_t> SeenInNameOrder(Keep keep) const {
    std::vector<uint32_t> out;
    for (uint32_t tag = 0; tag < tag_states_.size(); ++tag) {
      if (tag_states_[tag].seen && keep(tag_states_[tag])) out.push_back(tag);
    }
    std::sort(out.begin(), out.end(),
              [&](uint32_t a, uint32_t b) { return tags_->name(a) < tags_->name(b); });
    return out;
  }

  void Add(const FileInCycle& f, uint64_t offset, int64_t step, uint32_t tag,
           const tensorboard::Summary::Value& v) {
    if (tag >= tag_states_.size()) tag_states_.resize(tags_->size());
    TagState& ts = tag_states_[tag];
    if (!ts.seen) {  // the tag's metadata comes from its first value (dataclass_compat).
      ts.seen = true;
      ts.kind = KindOfLegacyValue(v);  // migrated legacy values carry their plugin.
      ts.has_plugin = ts.kind != Kind::kUnknown || v.has_metadata();
      if (ts.kind == Kind::kUnknown && v.has_metadata()) {
        ts.kind = KindOfPlugin(v.metadata().plugin_data().plugin_name());
      }
      ts.images.kind = ts.kind;
      ts.first_file = f.index;
      ts.first_offset = offset;
    }
    if (!ts.has_plugin) {
      ts.ghosts.push_back({step, offset, f.index, DropCause::kNoMetadata, ""});
      return;
    }
    if (ts.kind == Kind::kUnknown) {
      ts.ghosts.push_back({step, offset, f.index, DropCause::kUnknownPlugin, ""});
      return;
    }
    SeriesValue value;
    std::string why;
    const bool common = ts.kind == Kind::kScalar && DecodeCommonScalar(v, &value.number);
    if (!common && !DecodeValue(v, ts.kind, kRules, &value, &why)) {
      ts.ghosts.push_back({step, offset, f.index, DecodeFailureCause(v, ts.kind), why});
      return;
    }
    Series& s = *Storage(ts, tags_->name(tag));
    if (!s.points.empty() && step < s.points.back_step()) ts.sorted = false;
    if (common) {
      s.AppendScalar({step, offset, f.index, value.number});
    } else {
      s.Append({step, offset, f.index, value.number}, std::move(value));
    }
  }

  void Purge(TagState& ts, const std::string& tag, int64_t step, DropCause cause,
             const std::string& reason, const std::string& cause_file, uint64_t cause_offset) {
    const size_t first_drop = view_.dropped.size();
    Series* s = ts.kind == Kind::kImage ? &ts.images : ts.series;
    if (s != nullptr && ts.sorted) {
      while (!s->points.empty() && s->points.back_step() >= step) {
        const Point p = s->points.back();
        view_.dropped.push_back(
            {tag, p.step, view_.files[p.file], p.offset, cause, reason, cause_file, cause_offset});
        s->PopBack();
      }
      std::reverse(view_.dropped.begin() + first_drop, view_.dropped.end());  // series order.
    } else if (s != nullptr) {
      Series kept;
      kept.kind = s->kind;
      for (size_t i = 0; i < s->points.size(); ++i) {
        const Point p = s->points[i];
        if (p.step >= step) {
          view_.dropped.push_back({tag, p.step, view_.files[p.file], p.offset, cause, reason,
                                   cause_file, cause_offset});
        } else {
          kept.Append(p, s->value(i));
        }
      }
      *s = std::move(kept);
      ts.sorted = true;
      for (size_t i = 1; i < s->points.size() && ts.sorted; ++i) {
        ts.sorted = s->points[i - 1].step <= s->points[i].step;
      }
    }
    if (!ts.ghosts.empty()) {
      std::vector<Ghost> kept;
      for (Ghost& g : ts.ghosts) {
        if (g.step >= step) {
          view_.dropped.push_back({tag, g.step, view_.files[g.file], g.offset, cause, reason,
                                   cause_file, cause_offset});
        } else {
          kept.push_back(std::move(g));
        }
      }
      ts.ghosts = std::move(kept);
    }
  }

  // The data provider's read_blob_sequences keeps the first value of each step, sorted by step
  // (measured: harness/conformance probe step_regression_kinds).
  void PublishImages(const std::string& tag, const TagState& ts) {
    const Series& all = ts.images;
    std::map<int64_t, size_t> first_of_step;
    for (size_t i = 0; i < all.points.size(); ++i) {
      const Point p = all.points[i];
      auto [it, inserted] = first_of_step.try_emplace(p.step, i);
      if (!inserted) {
        const Point first = all.points[it->second];
        view_.dropped.push_back({tag, p.step, view_.files[p.file], p.offset,
                                 DropCause::kImageStepRepeat,
                                 "tb-python's image reader keeps only the first image of a step",
                                 view_.files[first.file], first.offset});
      }
    }
    Series& shown = view_.tags[tag];
    shown = Series();
    shown.kind = Kind::kImage;
    for (const auto& [step, i] : first_of_step) shown.Append(all.points[i], all.value(i));
  }

  static constexpr DecodeRules kRules{.scalar_requires_rank0_float = false};
  std::vector<FileState> files_;  // by RunView::files index.
  uint32_t cur_ = kNone;          // the file being read.
  int file_version_ = 0;
  bool seen_session_start_ = false;
  int64_t most_recent_step_ = -1;
  size_t permanent_drops_ = 0;        // view_.dropped before what EndCycle adds.
  std::vector<TagState> tag_states_;  // by TagIds id.
};

}  // namespace

std::unique_ptr<ProfileReader> NewTbPythonReader() { return std::make_unique<TbPythonReader>(); }

}  // namespace tbfault::core
