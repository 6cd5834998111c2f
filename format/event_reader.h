// EventReader: the Events of one event file, on top of RecordReader. An intact frame whose data
// does not parse as an Event is reported as kBadProto and skipped. ListRuns (where the event files of a
// path are) lives in format/list_runs.h, included here for its callers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "format/list_runs.h"  // ListRuns, once declared here
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

}  // namespace tbfault::format
