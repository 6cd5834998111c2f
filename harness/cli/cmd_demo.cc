// tbfault demo --logdir DIR: writes a small logdir with the format library — a clean run with every
// summary kind and a run with planted damage (a flipped bit mid-file and a torn tail) — to show
// what `tbfault inspect` reports. Exit 0 on success, 2 on bad usage or when DIR cannot be written.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "format/events.h"
#include "format/file_name.h"
#include "harness/cli/command.h"
#include "harness/cli/flags.h"

namespace tbfault::cli {
namespace {

namespace fs = std::filesystem;

std::string TrainingRun(double t0, int steps) {
  std::string b;
  format::AppendEventRecord(&b, format::FileVersionEvent(t0));
  std::vector<uint8_t> pixels(16 * 16 * 3);
  for (int step = 0; step < steps; ++step) {
    double t = t0 + step * 0.01;
    float loss = 2.0f * std::exp(-step / 30.0f) + 0.05f;
    format::AppendEventRecord(&b, format::ScalarEvent(t, step, "loss", loss, step == 0));
    format::AppendEventRecord(&b,
                              format::ScalarEvent(t, step, "accuracy", 1 - loss / 2.1f, step == 0));
    if (step % 10 == 0) {
      std::vector<double> w(500);
      for (size_t i = 0; i < w.size(); ++i) w[i] = std::sin(i * 0.37 + step) * (1 + step / 50.0);
      format::AppendEventRecord(&b, format::HistogramEvent(t, step, "weights", w, step == 0));
    }
    if (step % 25 == 0) {
      for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 3 + step);
      tensorboard::Event image;
      if (format::ImageEvent(t, step, "filters", pixels, 16, 16, 3, step == 0, &image).ok()) {
        format::AppendEventRecord(&b, image);
      }
      format::AppendEventRecord(
          &b, format::TextEvent(t, step, "notes", "step " + std::to_string(step), step == 0));
    }
  }
  return b;
}

bool WriteFile(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

int RunDemo(std::span<char*> args) {
  std::string logdir;
  Flags flags("demo", "--logdir DIR");
  flags.String("--logdir", "DIR", &logdir, "where the runs 'clean' and 'damaged' are written")
      .Required();
  if (int rc = flags.Parse(args); rc >= 0) return rc;
  double t0 = format::WallTimeNow();
  std::error_code ec;
  for (const char* run : {"clean", "damaged"}) {
    fs::create_directories(fs::path(logdir) / run, ec);
    if (ec) {
      std::fprintf(stderr, "tbfault demo: %s: %s\n", (fs::path(logdir) / run).c_str(),
                   ec.message().c_str());
      return 2;
    }
  }
  std::string clean = TrainingRun(t0, 100);
  std::string damaged = TrainingRun(t0, 100);
  damaged[damaged.size() / 2] ^= 0x10;  // a flipped bit: hides what follows from TensorBoard.
  damaged.resize(damaged.size() - 5);   // a torn tail, as after a crash mid-write.
  fs::path clean_path = fs::path(logdir) / "clean" / format::NextEventFileName();
  fs::path damaged_path = fs::path(logdir) / "damaged" / format::NextEventFileName();
  if (!WriteFile(clean_path, clean) || !WriteFile(damaged_path, damaged)) {
    std::fprintf(stderr, "tbfault demo: cannot write under %s\n", logdir.c_str());
    return 2;
  }
  std::printf("demo logdir written: %s (runs: clean, damaged)\n", logdir.c_str());
  return 0;
}

}  // namespace

TBFAULT_COMMAND(demo, "write a demo logdir: a clean run and one with planted damage", RunDemo);

}  // namespace tbfault::cli
