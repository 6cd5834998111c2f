#include "format/event_reader.h"

namespace tbfault::format {

EventReader::EventReader(std::string_view contents, RecordReader::Reporter* reporter)
    : records_(contents, reporter), reporter_(reporter) {}

bool EventReader::Next(EventRecord* out) {
  std::string_view data;
  uint64_t offset;
  while (records_.ReadRecord(&data, &offset)) {
    if (out->event.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
      out->offset = offset;
      out->frame_size = data.size() + 16;
      return true;
    }
    if (reporter_ != nullptr) {
      reporter_->Corruption(
          {Anomaly::kBadProto, offset, data.size() + 16,
           "record of " + std::to_string(data.size()) + " bytes is not a valid Event"});
    }
  }
  return false;
}

std::string ValueKind(const tensorboard::Summary::Value& value, std::string_view tag_plugin) {
  std::string_view plugin =
      value.has_metadata() ? value.metadata().plugin_data().plugin_name() : tag_plugin;
  if (plugin == "scalars") return "scalar";
  if (plugin == "histograms") return "histogram";
  if (plugin == "images") return "image";
  if (plugin == "text") return "text";
  if (plugin == "audio") return "audio";
  if (!plugin.empty()) return std::string(plugin);
  switch (value.value_case()) {
    case tensorboard::Summary::Value::kSimpleValue:
      return "scalar";
    case tensorboard::Summary::Value::kHisto:
      return "histogram";
    case tensorboard::Summary::Value::kImage:
      return "image";
    case tensorboard::Summary::Value::kAudio:
      return "audio";
    default:
      return "tensor";
  }
}

std::string_view EventKind(const tensorboard::Event& event) {
  switch (event.what_case()) {
    case tensorboard::Event::kFileVersion:
      return "file_version";
    case tensorboard::Event::kSummary:
      return "summary";
    case tensorboard::Event::kSessionLog:
      return "session_log";
    case tensorboard::Event::kGraphDef:
      return "graph";
    case tensorboard::Event::kLogMessage:
      return "log_message";
    case tensorboard::Event::kTaggedRunMetadata:
      return "run_metadata";
    case tensorboard::Event::kMetaGraphDef:
      return "meta_graph";
    default:
      return "empty";
  }
}

}  // namespace tbfault::format
