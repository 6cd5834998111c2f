// Helpers of the external writers' tests (tests only): whether the venv can run an adapter, and a
// run's values read back through the strict reader (anomalies fail the test).
#pragma once

#include <gtest/gtest.h>
#include <png.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "format/event_reader.h"
#include "writers/external/external_writer.h"

namespace tbfault::writers::testing {

// Options for `spec`, or why the real adapters cannot run here.
inline std::string NeedVenv(std::string_view spec, const std::string& run_dir,
                            ExternalWriter::Options* o) {
  Status s = ExternalWriter::OptionsForSpec(spec, run_dir, o);
  if (!s.ok()) return s.ToString();
  if (::access(o->python.c_str(), X_OK) != 0) {
    return "no Python at " + o->python + " (run tools/setup.sh, or set TBFAULT_PYTHON)";
  }
  std::string modules =
      spec.starts_with("tensorflow") ? "tensorboard, tensorflow" : "tensorboard, tensorboardX";
  std::string cmd = "'" + o->python + "' -c 'import " + modules + "' >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    return o->python + " cannot import " + modules + " (run tools/setup.sh)";
  }
  return "";
}

#define NEED_VENV(spec, dir, options)                                            \
  do {                                                                           \
    std::string why = ::tbfault::writers::testing::NeedVenv(spec, dir, options); \
    if (!why.empty()) GTEST_SKIP() << "external writers need a venv: " << why;   \
  } while (0)

struct Point {
  int64_t step;
  tensorboard::Summary::Value value;
};

// Every summary value of the run, by tag, through the strict reader; anomalies fail the test.
inline std::map<std::string, std::vector<Point>> ReadValues(const std::string& dir,
                                                            int* file_versions) {
  class Fail : public format::RecordReader::Reporter {
    void Corruption(const format::AnomalyReport& r) override {
      ADD_FAILURE() << "anomaly " << format::AnomalyName(r.kind) << " at " << r.offset;
    }
  } fail;
  std::map<std::string, std::vector<Point>> out;
  std::vector<format::RunFiles> runs;
  Status s = format::ListRuns(dir, &runs);
  EXPECT_TRUE(s.ok()) << s.ToString();
  *file_versions = 0;
  for (const auto& run : runs) {
    for (const auto& path : run.files) {
      std::string contents;
      EXPECT_TRUE(format::ReadFileToString(path, &contents).ok());
      format::EventReader reader(contents, &fail);
      format::EventRecord rec;
      bool first = true;
      while (reader.Next(&rec)) {
        if (first) {
          EXPECT_EQ(format::EventKind(rec.event), "file_version") << path;
        }
        first = false;
        if (rec.event.has_file_version()) ++*file_versions;
        for (const auto& v : rec.event.summary().value()) {
          out[v.tag()].push_back({rec.event.step(), v});
        }
      }
    }
  }
  return out;
}

// PNG -> RGB pixels (libpng's simplified API).
inline std::vector<uint8_t> DecodeRgb(const std::string& png, int* width, int* height) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, png.data(), png.size())) return {};
  image.format = PNG_FORMAT_RGB;
  std::vector<uint8_t> pixels(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr)) return {};
  *width = static_cast<int>(image.width);
  *height = static_cast<int>(image.height);
  return pixels;
}

}  // namespace tbfault::writers::testing
