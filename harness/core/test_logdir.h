// Test helpers: temporary logdirs whose event files are built byte by byte with the format library,
// so that every situation a profile must handle (torn records, zero fill, flipped bits, ...) is
// exact.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "format/events.h"
#include "format/file_name.h"
#include "format/proto/tensor.pb.h"
#include "format/record.h"

namespace tbfault::core::testing {

class TempLogdir {
 public:
  TempLogdir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tbfault-core-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempLogdir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

  // Writes `bytes` as event file number `counter` of run `run` ("." = the logdir); returns its
  // path.
  std::string WriteFile(const std::string& run, int counter, const std::string& bytes) {
    std::filesystem::path dir(run == "." ? path_ : path_ + "/" + run);
    std::filesystem::create_directories(dir);
    std::string file = (dir / format::EventFileName(1700000000, "host", 1, counter)).string();
    std::ofstream(file, std::ios::binary) << bytes;
    return file;
  }

 private:
  std::string path_;
};

// Event-file bytes, one record at a time; offsets of records are remembered.
class FileBuilder {
 public:
  FileBuilder& Add(const tensorboard::Event& e) {
    offsets_.push_back(bytes_.size());
    format::AppendEventRecord(&bytes_, e);
    return *this;
  }
  FileBuilder& Version() { return Add(format::FileVersionEvent(1.0)); }
  FileBuilder& Scalar(int64_t step, float v, bool first = false, const char* tag = "loss") {
    return Add(format::ScalarEvent(1.0 + step, step, tag, v, first));
  }
  FileBuilder& Raw(const std::string& b) {
    bytes_ += b;
    return *this;
  }
  // The next record's frame, cut after `data_bytes` bytes of its data (a torn write).
  FileBuilder& Torn(const tensorboard::Event& e, size_t data_bytes) {
    std::string frame;
    format::AppendEventRecord(&frame, e);
    offsets_.push_back(bytes_.size());
    bytes_ += frame.substr(0, record::kHeaderSize + data_bytes);
    return *this;
  }
  uint64_t offset(size_t i) const { return offsets_.at(i); }
  const std::string& bytes() const { return bytes_; }
  std::string& mutable_bytes() { return bytes_; }

 private:
  std::string bytes_;
  std::vector<uint64_t> offsets_;
};

// A scalar event whose value is a rank-0 DT_DOUBLE tensor with "scalars" metadata.
inline tensorboard::Event DoubleScalarEvent(int64_t step, double v, bool first) {
  tensorboard::Event e;
  e.set_wall_time(1.0 + step);
  e.set_step(step);
  auto* value = e.mutable_summary()->add_value();
  value->set_tag("loss");
  if (first) value->mutable_metadata()->mutable_plugin_data()->set_plugin_name("scalars");
  value->mutable_tensor()->set_dtype(tensorboard::DT_DOUBLE);
  value->mutable_tensor()->add_double_val(v);
  return e;
}

}  // namespace tbfault::core::testing
