// tb-rust: TensorBoard's default data server (rustboard), as DESIGN.md section 3 states it:
// - every cycle, the files of a run are read in name order, all of them (none is abandoned), each
//   from where the last cycle stopped;
// - frames are read one after another; a truncated tail is waited on (not shown, the file is not
//   dead, the next cycle reads it again); a bad length CRC (a zero-filled header included) marks
//   the file dead at that offset;
// - the data CRC is checked only when the data fails to parse as an Event: then the file is dead at
//   that frame (bad data CRC if the CRC is wrong, invalid proto if it is right); a frame with a
//   wrong data CRC that still parses is shown as read;
// - an event with a NaN wall time marks the file dead;
// - file_version and session_log events are ignored (no purge on restart);
// - a tag's metadata (its kind) is fixed by its first value: a known plugin name, else the legacy
//   value case (simple_value, histo, image); a first value that is a tensor without plugin metadata
//   leaves the tag with no data class and it is never shown;
// - scalars must be simple_value or rank-0 DT_FLOAT tensors; other values are dropped;
// - per tag, a value at step s evicts every earlier-kept value with step >= s. So a tag's series
//   has strictly increasing steps, and eviction pops from its back.
#include <algorithm>
#include <cmath>
#include <vector>

#include "harness/core/profile_reader.h"

namespace tbfault::core {
namespace {

std::string At(uint64_t offset) { return " at offset " + std::to_string(offset); }

class TbRustReader : public ProfileReader {
 public:
  void BeginCycle(const std::vector<uint32_t>&) override { files_.resize(view_.files.size()); }

  bool Start(const FileInCycle& f, uint64_t* offset) override {
    FileState& st = files_[f.index];
    if (st.dead) return false;
    st.waiting = false;
    *offset = st.offset;
    return true;
  }

  bool NeedsParse(const ScanFrame&) const override { return true; }

  bool Frame(const FileInCycle& f, const ScanFrame& frame, const tensorboard::Event* event,
             const uint32_t* tags) override {
    FileState& st = files_[f.index];
    if (event == nullptr) {
      Die(st, frame.offset, frame.data_crc_ok ? Damage::kInvalidProto : Damage::kBadDataCrc);
      return false;
    }
    if (!frame.data_crc_ok) {
      view_.notes.push_back({NoteKind::kBadDataCrcShown, *f.path, frame.offset,
                             "record in " + *f.path + At(frame.offset) +
                                 " has a bad data CRC but parses: tb-rust shows it as read"});
    }
    if (std::isnan(event->wall_time())) {
      Die(st, frame.offset, Damage::kNanWallTime);
      return false;
    }
    st.offset = frame.end;
    if (event->has_summary()) {
      const auto& values = event->summary().value();
      for (int i = 0; i < values.size(); ++i)
        Add(f, frame.offset, event->step(), tags[i], values[i]);
    }
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
    if (stop == ScanStop::kTruncated) {
      st.waiting = true;
    } else if (stop != ScanStop::kEnd) {
      Die(st, offset, DamageOf(stop));
    }
  }

  void EndCycle() override {
    view_.unreached.clear();
    for (size_t i = 0; i < files_.size(); ++i) {
      const FileState& st = files_[i];
      const std::string& file = view_.files[i];
      if (st.dead) {
        view_.unreached.push_back({file, st.offset, UnreachedCause::kDead, st.damage,
                                   "dead: " + std::string(DamageName(st.damage)) + At(st.offset)});
      } else if (st.waiting) {
        view_.unreached.push_back(
            {file, st.offset, UnreachedCause::kTruncated, Damage::kTruncated,
             "truncated record" + At(st.offset) + " (waited on: not shown, file not dead)"});
      }
    }
  }

 private:
  struct FileState {
    uint64_t offset = 0;  // the next frame to read, or where the file died / waits.
    bool dead = false;
    bool waiting = false;  // on a truncated tail at `offset`.
    Damage damage = Damage::kTruncated;
  };
  struct TagState {
    bool seen = false;
    Kind kind = Kind::kUnknown;
    uint32_t first_file = 0;
    uint64_t first_offset = 0;
    Series* series = nullptr;  // in view_.tags, once a value is shown.
  };

  void Die(FileState& st, uint64_t offset, Damage damage) {
    st.dead = true;
    st.offset = offset;
    st.damage = damage;
  }

  void Add(const FileInCycle& f, uint64_t offset, int64_t step, uint32_t tag,
           const tensorboard::Summary::Value& v) {
    if (tag >= tag_states_.size()) tag_states_.resize(tags_->size());
    TagState& ts = tag_states_[tag];
    if (!ts.seen) {
      ts.seen = true;
      ts.first_file = f.index;
      ts.first_offset = offset;
      ts.kind = v.has_metadata() ? KindOfPlugin(v.metadata().plugin_data().plugin_name())
                                 : Kind::kUnknown;
      if (ts.kind == Kind::kUnknown) ts.kind = KindOfLegacyValue(v);
    }
    if (ts.kind == Kind::kUnknown) {
      view_.dropped.push_back(
          {v.tag(), step, *f.path, offset, DropCause::kNoMetadata,
           "the tag's first value has no known plugin metadata: no data class, never shown",
           view_.files[ts.first_file], ts.first_offset});
      return;
    }
    SeriesValue value;
    std::string why;
    const bool common = ts.kind == Kind::kScalar && DecodeCommonScalar(v, &value.number);
    if (!common && !DecodeValue(v, ts.kind, kRules, &value, &why)) {
      view_.dropped.push_back(
          {v.tag(), step, *f.path, offset, DecodeFailureCause(v, ts.kind), why, "", 0});
      return;
    }
    if (ts.series == nullptr) {
      ts.series = &view_.tags[tags_->name(tag)];
      ts.series->kind = ts.kind;
    }
    Series& s = *ts.series;
    if (!s.points.empty() && s.points.back_step() >= step) {
      const size_t first_drop = view_.dropped.size();
      const std::string reason = "evicted by a later value at step " + std::to_string(step);
      while (!s.points.empty() && s.points.back_step() >= step) {
        const Point old = s.points.back();
        view_.dropped.push_back({v.tag(), old.step, view_.files[old.file], old.offset,
                                 DropCause::kEvicted, reason, *f.path, offset});
        s.PopBack();
      }
      std::reverse(view_.dropped.begin() + first_drop, view_.dropped.end());  // series order.
    }
    if (common) {
      s.AppendScalar({step, offset, f.index, value.number});
    } else {
      s.Append({step, offset, f.index, value.number}, std::move(value));
    }
  }

  static constexpr DecodeRules kRules{.scalar_requires_rank0_float = true};
  std::vector<FileState> files_;      // by RunView::files index.
  std::vector<TagState> tag_states_;  // by TagIds id.
};

}  // namespace

std::unique_ptr<ProfileReader> NewTbRustReader() { return std::make_unique<TbRustReader>(); }

}  // namespace tbfault::core
