// EventReader: the Events of one event file, on top of RecordReader. An intact frame whose data
// does not parse as an Event is reported as kBadProto and skipped. Also: where the event files of a
// path are (a run is a directory holding files whose basename contains "tfevents"; files in name
// order).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "format/proto/event.pb.h"
#include "format/record_reader.h"
#include "format/status.h"

namespace tbfault::format {

struct EventRecord {
  tensorboard::Event event;
  uint64_t offset = 0;      // of the frame.
  uint64_t frame_size = 0;  // data length + 16.
};

class EventReader {
 public:
  // `contents` must outlive the reader; `reporter` may be null.
  EventReader(std::string_view contents, RecordReader::Reporter* reporter);
  bool Next(EventRecord* out);  // False at the end.
  const RecordReader& records() const { return records_; }

 private:
  RecordReader records_;
  RecordReader::Reporter* reporter_;
};

// What a summary value holds: "scalar", "histogram", "image", "text", "audio", or the plugin name
// of another plugin. `tag_plugin` is the plugin named by the tag's first value ("" if none), which
// later values (that carry no metadata) inherit; "tensor" when nothing tells.
std::string ValueKind(const tensorboard::Summary::Value& value, std::string_view tag_plugin);

// "file_version", "summary", "session_log", "graph", "log_message", "run_metadata", "meta_graph",
// or "empty".
std::string_view EventKind(const tensorboard::Event& event);

struct RunFiles {
  std::string run;                 // relative to the listed path; "." for the path itself.
  std::string dir;                 // as a path usable from here.
  std::vector<std::string> files;  // full paths, in name order.
};

// PATH is an event file (one run of one file), a run directory or a logdir (searched recursively).
// Runs come sorted by name. A missing or unreadable path, or a directory under it that cannot be
// read, is an error naming it.
Status ListRuns(const std::string& path, std::vector<RunFiles>* runs);

}  // namespace tbfault::format
