// tb-rust: TensorBoard's default data server (rustboard), as DESIGN.md section 3 states it:
// - the files of a run are read in name order, all of them (none is abandoned);
// - frames are read one after another; a truncated tail is waited on (not shown, the file is not
// dead);
//   a bad length CRC (a zero-filled header included) marks the file dead at that offset;
// - the data CRC is checked only when the data fails to parse as an Event: then the file is dead at
//   that frame (bad data CRC if the CRC is wrong, invalid proto if it is right); a frame with a
//   wrong data CRC that still parses is shown as read;
// - an event with a NaN wall time marks the file dead;
// - file_version and session_log events are ignored (no purge on restart);
// - a tag's metadata (its kind) is fixed by its first value: a known plugin name, else the legacy
// value
//   case (simple_value, histo, image); a first value that is a tensor without plugin metadata
//   leaves the tag with no data class and it is never shown;
// - scalars must be simple_value or rank-0 DT_FLOAT tensors; other values are dropped;
// - per tag, a value at step s evicts every earlier-kept value with step >= s.
#include <cmath>
#include <map>

#include "format/proto/event.pb.h"
#include "harness/core/frame_scanner.h"
#include "harness/core/profile.h"

namespace tbfault::core {
namespace {

struct TagState {
  Kind kind = Kind::kUnknown;
  std::string first_file;
  uint64_t first_offset = 0;
};

std::string At(uint64_t offset) { return " at offset " + std::to_string(offset); }

}  // namespace

void ReadTbRustRun(const RunInput& in, RunView* out) {
  std::map<std::string, TagState> tags;
  const DecodeRules rules{.scalar_requires_rank0_float = true};
  for (size_t f = 0; f < in.files.size(); ++f) {
    const std::string& file = in.files[f];
    FrameScanner scanner(in.contents[f]);
    ScanFrame frame;
    bool dead = false;
    while (!dead && scanner.Next(&frame)) {
      tensorboard::Event event;
      if (!event.ParseFromArray(frame.data.data(), static_cast<int>(frame.data.size()))) {
        out->unreached.push_back({file, frame.offset, UnreachedCause::kDead,
                                  frame.data_crc_ok ? Damage::kInvalidProto : Damage::kBadDataCrc,
                                  std::string("dead: ") +
                                      (frame.data_crc_ok ? "invalid proto" : "bad-data-crc") +
                                      At(frame.offset)});
        dead = true;
        break;
      }
      if (!frame.data_crc_ok) {
        out->notes.push_back({NoteKind::kBadDataCrcShown, file, frame.offset,
                              "record in " + file + At(frame.offset) +
                                  " has a bad data CRC but parses: tb-rust shows it as read"});
      }
      if (std::isnan(event.wall_time())) {
        out->unreached.push_back({file, frame.offset, UnreachedCause::kDead, Damage::kNanWallTime,
                                  "dead: NaN wall time" + At(frame.offset)});
        dead = true;
        break;
      }
      if (!event.has_summary()) continue;
      for (const auto& v : event.summary().value()) {
        auto [it, inserted] = tags.try_emplace(v.tag());
        TagState& ts = it->second;
        if (inserted) {
          ts.first_file = file;
          ts.first_offset = frame.offset;
          ts.kind = v.has_metadata() ? KindOfPlugin(v.metadata().plugin_data().plugin_name())
                                     : Kind::kUnknown;
          if (ts.kind == Kind::kUnknown) ts.kind = KindOfLegacyValue(v);
        }
        if (ts.kind == Kind::kUnknown) {
          out->dropped.push_back({v.tag(), event.step(), file, frame.offset, DropCause::kNoMetadata,
                                  "the tag's first value has no known plugin metadata: no data "
                                  "class, never shown",
                                  ts.first_file, ts.first_offset});
          continue;
        }
        Point p;
        std::string why;
        if (!DecodeValue(v, ts.kind, rules, &p.value, &why)) {
          out->dropped.push_back({v.tag(), event.step(), file, frame.offset,
                                  DecodeFailureCause(v, ts.kind), why, "", 0});
          continue;
        }
        Series& series = out->tags[v.tag()];
        series.kind = ts.kind;
        std::vector<Point> kept;
        for (Point& old : series.points) {
          if (old.step >= event.step()) {
            out->dropped.push_back(
                {v.tag(), old.step, old.file, old.offset, DropCause::kEvicted,
                 "evicted by a later value at step " + std::to_string(event.step()), file,
                 frame.offset});
          } else {
            kept.push_back(std::move(old));
          }
        }
        series.points = std::move(kept);
        p.step = event.step();
        p.file = file;
        p.offset = frame.offset;
        p.wall_time = event.wall_time();
        series.points.push_back(std::move(p));
      }
    }
    if (dead) continue;
    switch (scanner.stop()) {
      case ScanStop::kEnd:
        break;
      case ScanStop::kTruncated:
        out->unreached.push_back({file, scanner.stop_offset(), UnreachedCause::kTruncated,
                                  Damage::kTruncated,
                                  "truncated record" + At(scanner.stop_offset()) +
                                      " (waited on: not shown, file not dead)"});
        break;
      default:
        out->unreached.push_back(
            {file, scanner.stop_offset(), UnreachedCause::kDead, DamageOf(scanner.stop()),
             "dead: " + std::string(ScanStopName(scanner.stop())) + At(scanner.stop_offset())});
    }
  }
}

}  // namespace tbfault::core
