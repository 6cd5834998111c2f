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

// One value of every kind (and ten scalars), as the read-back tests write them: "loss" at steps
// 0..9, "weights" (raw values) at 20, "grads" (buckets) at 21, "img" (4x5 RGB) at 22, "notes"
// at 23.
struct EveryKind {
  std::vector<double> values = {1, 2, 2, 3, 3, 3, -4.5, 1e-3};
  std::vector<format::HistogramBucket> buckets = {{0, 1, 2}, {1, 2, 5}, {2, 4, 1}};
  std::vector<uint8_t> pixels = [] {
    std::vector<uint8_t> p(4 * 5 * 3);
    for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<uint8_t>(i * 17 + 3);
    return p;
  }();
  std::string text = "héllo, *markdown* text";

  static float Loss(int i) { return 0.1f * i + 1.0f / 3; }
  void Write(EventWriter* w) const {
    TagId loss = w->Tag("loss");
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(w->AddScalar(loss, i, Loss(i)).ok());
    ASSERT_TRUE(w->AddHistogram(w->Tag("weights"), 20, values).ok());
    ASSERT_TRUE(w->AddHistogramBuckets(w->Tag("grads"), 21, buckets).ok());
    ASSERT_TRUE(w->AddImage(w->Tag("img"), 22, pixels, 4, 5, 3).ok());
    ASSERT_TRUE(w->AddText(w->Tag("notes"), 23, text).ok());
  }
};

}  // namespace tbfault::writers::testing
