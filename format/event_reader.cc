#include "format/event_reader.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>

#include "format/file_name.h"

namespace tbfault::format {

namespace fs = std::filesystem;

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

Status ListRuns(const std::string& path, std::vector<RunFiles>* runs) {
  runs->clear();
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec) return Status::FromErrno(ec.value(), path);
  if (fs::is_regular_file(st)) {
    fs::path p(path);
    runs->push_back({".", p.parent_path().string(), {path}});
    return Status::Ok();
  }
  if (!fs::is_directory(st)) return Status::Invalid(path + ": not a file or directory");

  std::map<std::string, RunFiles> by_run;
  auto add = [&](const fs::path& file) {
    fs::path dir = file.parent_path();
    std::string rel = fs::relative(dir, path, ec).string();
    if (ec || rel.empty()) rel = ".";
    RunFiles& r = by_run[rel];
    r.run = rel;
    r.dir = dir.string();
    r.files.push_back(file.string());
  };
  // A directory that cannot be read is an error naming it, never skipped: its runs would be
  // missing from the answer without a word.
  fs::recursive_directory_iterator it(path, ec), end;
  if (ec) return Status::FromErrno(ec.value(), path);
  while (it != end) {
    fs::path at = it->path();
    if (it->is_regular_file(ec) && IsEventFileName(at.filename().string())) add(at);
    it.increment(ec);  // on failure `it` is the end: name the entry it failed past.
    if (ec) return Status::FromErrno(ec.value(), at.string());
  }
  for (auto& [name, r] : by_run) {
    std::sort(r.files.begin(), r.files.end(), [](const std::string& a, const std::string& b) {
      return fs::path(a).filename() < fs::path(b).filename();
    });
    runs->push_back(std::move(r));
  }
  return Status::Ok();
}

}  // namespace tbfault::format
