// Test helpers for writers/ (tests only): a small size-limited tmpfs to provoke ENOSPC for real,
// and a read-back of a run directory through the strict reader.
#pragma once

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "format/event_reader.h"

namespace tbfault::writers::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/tbfault-writer-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A tmpfs of `bytes` mounted on a fresh directory; unmounted (lazily if busy) on destruction.
class SmallFs {
 public:
  explicit SmallFs(size_t bytes) {
    std::string opts = "size=" + std::to_string(bytes);
    if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, opts.c_str()) == 0) {
      mounted_ = true;
    } else {
      error_ = std::strerror(errno);
    }
  }
  ~SmallFs() {
    if (mounted_ && ::umount2(dir_.path().c_str(), 0) != 0)
      ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return dir_.path(); }

  // Fills the file system with a filler file until ENOSPC; Free() removes it.
  void Fill() {
    std::ofstream f(path() + "/filler", std::ios::binary);
    std::string block(4096, 'f');
    while (f.write(block.data(), block.size())) {
    }
  }
  void Free() { std::filesystem::remove(path() + "/filler"); }
  // Remounts read-only or read-write in place (fails with EBUSY while a file is open for writing).
  bool Remount(bool read_only) {
    unsigned long flags = MS_REMOUNT | (read_only ? MS_RDONLY : 0);
    return ::mount("tmpfs", path().c_str(), "tmpfs", flags, nullptr) == 0;
  }

 private:
  TempDir dir_;
  bool mounted_ = false;
  std::string error_;
};

#define TBFAULT_NEED_SMALL_FS(fs) \
  if (!(fs).mounted()) GTEST_SKIP() << "cannot mount a small tmpfs (needs root): " << (fs).error()

struct ReadBack {
  struct Value {
    std::string tag;
    int64_t step;
    std::string kind;
    bool has_metadata;
    float scalar;  // for scalars.
  };
  std::vector<Value> values;
  std::vector<std::string> files;
  int file_versions = 0;
  int anomalies = 0;
  std::string first_event_kind;  // of the first file.
};

// Reads every event of `dir`; with `expect_clean`, an anomaly fails the test.
inline ReadBack ReadRun(const std::string& dir, bool expect_clean = true) {
  class Count : public format::RecordReader::Reporter {
   public:
    Count(int* n, bool expect_clean) : n_(n), expect_clean_(expect_clean) {}
    void Corruption(const format::AnomalyReport& r) override {
      ++*n_;
      if (expect_clean_) {
        ADD_FAILURE() << "anomaly " << format::AnomalyName(r.kind) << " at " << r.offset << ": "
                      << r.detail;
      }
    }
    int* n_;
    bool expect_clean_;
  };
  ReadBack rb;
  std::vector<format::RunFiles> runs;
  if (!format::ListRuns(dir, &runs).ok()) return rb;
  for (const auto& run : runs) {
    std::map<std::string, std::string> plugins;
    for (const auto& path : run.files) {
      rb.files.push_back(path);
      std::string contents;
      EXPECT_TRUE(format::ReadFileToString(path, &contents).ok());
      Count count(&rb.anomalies, expect_clean);
      format::EventReader reader(contents, &count);
      format::EventRecord rec;
      bool first = true;
      while (reader.Next(&rec)) {
        if (first && rb.first_event_kind.empty()) {
          rb.first_event_kind = std::string(format::EventKind(rec.event));
        }
        first = false;
        if (rec.event.has_file_version()) ++rb.file_versions;
        for (const auto& v : rec.event.summary().value()) {
          std::string& plugin = plugins[v.tag()];
          if (v.has_metadata() && plugin.empty()) plugin = v.metadata().plugin_data().plugin_name();
          float scalar = 0;
          if (v.has_tensor() && v.tensor().dtype() == tensorboard::DT_FLOAT &&
              v.tensor().tensor_content().size() == 4) {
            std::memcpy(&scalar, v.tensor().tensor_content().data(), 4);
          }
          rb.values.push_back(
              {v.tag(), rec.event.step(), format::ValueKind(v, plugin), v.has_metadata(), scalar});
        }
      }
    }
  }
  return rb;
}

}  // namespace tbfault::writers::testing
