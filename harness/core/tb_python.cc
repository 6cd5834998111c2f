// tb-python: TensorBoard's Python loader (--load_fast=false: DirectoryWatcher + EventAccumulator),
// as DESIGN.md section 3 states it:
// - one file at a time per run, in name order; a file is read until its end or its first damaged
// frame,
//   and never gone back to once a newer file exists (an older file stopped by damage is abandoned;
//   the newest is retried at the same offset forever, which shows nothing more either);
// - every frame's length CRC and data CRC are checked; a truncated frame, a bad CRC, a zero-filled
//   header or data that is not an Event all stop the file at that frame (modelled alike; the
//   loader's exact reaction to an unparsable frame is left to the conformance test);
// - the run's file_version is taken from file_version events; with version >= 2 ("brain.Event:2") a
//   SessionLog.START at step s purges, on all tags, the values with step >= s; without a
//   file_version a summary event whose step is below the most recent step purges, on the tags it
//   carries, the values with step >= its step; every summary event then becomes the most recent
//   step, the purging one too, so a regression purges only the tags of its first event (as in
//   the source, and measured);
// - legacy values (simple_value, histo, image) are migrated to tensors with their plugin's
// metadata;
//   a tag's plugin is taken from its FIRST value: a first value that is a tensor without metadata
//   makes the whole tag invisible even when later values carry metadata (measured: FINDINGS.md M1);
// - scalars may be any one-element floating-point tensor: DT_DOUBLE and shape [1] are shown (P2);
// - NaN wall times are shown (no rule, P2); equal steps are all kept, in load order (P3), except
// for
//   images: the first image of each step is kept, sorted by step (the data provider's blob reader).
// Not modelled here: an invalid proto with right CRCs kills the real server's reload thread, hiding
// every run loaded after it (FINDINGS.md P1); the profile gives the per-run answer and notes it.
#include <map>

#include "format/proto/event.pb.h"
#include "harness/core/frame_scanner.h"
#include "harness/core/profile.h"

namespace tbfault::core {
namespace {

struct Stored {
  int64_t step;
  double wall_time;
  std::string file;
  uint64_t offset;
  tensorboard::Summary::Value value;
};

struct TagState {
  Kind kind = Kind::kUnknown;
  bool has_plugin = false;
  std::string first_file;
  uint64_t first_offset = 0;
  std::vector<Stored> values;
};

std::string At(uint64_t offset) { return " at offset " + std::to_string(offset); }

int ParseFileVersion(const std::string& s) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) return 0;
  return std::atoi(s.c_str() + colon + 1);
}

void Purge(TagState& ts, const std::string& tag, int64_t step, DropCause cause,
           const std::string& reason, const std::string& cause_file, uint64_t cause_offset,
           RunView* out) {
  std::vector<Stored> kept;
  for (Stored& s : ts.values) {
    if (s.step >= step) {
      out->dropped.push_back(
          {tag, s.step, s.file, s.offset, cause, reason, cause_file, cause_offset});
    } else {
      kept.push_back(std::move(s));
    }
  }
  ts.values = std::move(kept);
}

// The data provider's read_blob_sequences keeps the first value of each step, sorted by step
// (measured: harness/conformance probe step_regression_kinds).
void KeepFirstPerStep(const std::string& tag, Series* series, RunView* out) {
  std::map<int64_t, Point> by_step;
  for (Point& p : series->points) {
    auto [it, inserted] = by_step.try_emplace(p.step, p);
    if (!inserted) {
      out->dropped.push_back({tag, p.step, p.file, p.offset, DropCause::kImageStepRepeat,
                              "tb-python's image reader keeps only the first image of a step",
                              it->second.file, it->second.offset});
    }
  }
  series->points.clear();
  for (auto& [step, p] : by_step) series->points.push_back(std::move(p));
}

}  // namespace

void ReadTbPythonRun(const RunInput& in, RunView* out) {
  std::map<std::string, TagState> tags;
  int file_version = 0;
  int64_t most_recent_step = -1;
  for (size_t f = 0; f < in.files.size(); ++f) {
    const std::string& file = in.files[f];
    const bool newest = f + 1 == in.files.size();
    FrameScanner scanner(in.contents[f]);
    ScanFrame frame;
    bool stopped = false;
    Damage damage = Damage::kTruncated;
    uint64_t stop_offset = 0;
    while (scanner.Next(&frame)) {
      tensorboard::Event event;
      if (!frame.data_crc_ok) {
        stopped = true;
        damage = Damage::kBadDataCrc;
      } else if (!event.ParseFromArray(frame.data.data(), static_cast<int>(frame.data.size()))) {
        stopped = true;
        damage = Damage::kInvalidProto;
      }
      if (stopped) {
        stop_offset = frame.offset;
        if (frame.data_crc_ok) {
          out->notes.push_back({NoteKind::kReloadThreadDies, file, frame.offset,
                                "invalid proto in " + file + At(frame.offset) +
                                    ": the real tb-python reload thread dies here, so runs loaded "
                                    "after this one are not shown either (FINDINGS.md P1)"});
        }
        break;
      }
      if (event.has_file_version()) file_version = ParseFileVersion(event.file_version());
      if (file_version >= 2) {
        if (event.has_session_log() &&
            event.session_log().status() == tensorboard::SessionLog::START) {
          for (auto& [tag, ts] : tags) {
            Purge(ts, tag, event.step(), DropCause::kPurgedByStart,
                  "purged by SessionLog.START at step " + std::to_string(event.step()), file,
                  frame.offset, out);
          }
        }
      } else if (event.step() < most_recent_step && event.has_summary()) {
        for (const auto& v : event.summary().value()) {
          auto it = tags.find(v.tag());  // a tag seen for the first time has nothing to purge.
          if (it == tags.end()) continue;
          Purge(it->second, v.tag(), event.step(), DropCause::kPurgedByRegression,
                "purged by a step regression to " + std::to_string(event.step()) +
                    " (no file_version)",
                file, frame.offset, out);
        }
      }
      // After the check, every summary event sets the most recent step, one that purged too
      // (EventAccumulator._MaybePurgeOrphanedData). So after a regression only the tags of its
      // first event are purged; other tags at the same step keep their old values (measured:
      // the suite's no-file-version restart, harness/conformance).
      if (!event.has_summary()) continue;
      most_recent_step = event.step();
      for (const auto& v : event.summary().value()) {
        auto [it, inserted] = tags.try_emplace(v.tag());
        TagState& ts = it->second;
        if (inserted) {  // the tag's metadata comes from its first value (dataclass_compat).
          ts.kind = KindOfLegacyValue(v);  // migrated legacy values carry their plugin.
          ts.has_plugin = ts.kind != Kind::kUnknown || v.has_metadata();
          if (ts.kind == Kind::kUnknown && v.has_metadata()) {
            ts.kind = KindOfPlugin(v.metadata().plugin_data().plugin_name());
          }
          ts.first_file = file;
          ts.first_offset = frame.offset;
        }
        ts.values.push_back({event.step(), event.wall_time(), file, frame.offset, v});
      }
    }
    if (!stopped && scanner.stop() != ScanStop::kEnd) {
      stopped = true;
      damage = DamageOf(scanner.stop());
      stop_offset = scanner.stop_offset();
    }
    if (stopped) {
      const std::string name(DamageName(damage));
      out->unreached.push_back(
          {file, stop_offset, newest ? UnreachedCause::kStopped : UnreachedCause::kAbandoned,
           damage,
           newest ? "stopped: " + name + At(stop_offset) + " (retried while newest file)"
                  : "abandoned: " + name + At(stop_offset) + ", a newer file exists (" +
                        in.files[f + 1] + ")"});
    }
  }
  const DecodeRules rules{.scalar_requires_rank0_float = false};
  for (auto& [tag, ts] : tags) {
    for (Stored& s : ts.values) {
      std::string why;
      Point p;
      DropCause cause = DropCause::kUnknownPlugin;
      if (!ts.has_plugin) {
        out->dropped.push_back({tag, s.step, s.file, s.offset, DropCause::kNoMetadata,
                                "the tag's first value has no plugin metadata: never shown",
                                ts.first_file, ts.first_offset});
        continue;
      } else if (ts.kind == Kind::kUnknown) {
        why = "the tag's plugin is not one of scalars/histograms/images/text";
      } else if (DecodeValue(s.value, ts.kind, rules, &p.value, &why)) {
        p.step = s.step;
        p.file = s.file;
        p.offset = s.offset;
        p.wall_time = s.wall_time;
        Series& series = out->tags[tag];
        series.kind = ts.kind;
        series.points.push_back(std::move(p));
        continue;
      } else {
        cause = DecodeFailureCause(s.value, ts.kind);
      }
      out->dropped.push_back({tag, s.step, s.file, s.offset, cause, why, "", 0});
    }
    auto shown = out->tags.find(tag);
    if (shown != out->tags.end() && shown->second.kind == Kind::kImage) {
      KeepFirstPerStep(tag, &shown->second, out);
    }
  }
}

}  // namespace tbfault::core
