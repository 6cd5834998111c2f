// The live reader's thread on a plain directory (the runner points it at the mount): cycles run
// every reload_ms while files grow, and Finish runs the last, full cycle.
#include "harness/runner/live_reader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "format/events.h"
#include "format/file_name.h"

namespace tbfault::runner {
namespace {

namespace fs = std::filesystem;

std::string Record(const tensorboard::Event& e) {
  std::string out;
  format::AppendEventRecord(&out, e);
  return out;
}

TEST(LiveReaderTest, CyclesWhileTheFileGrowsAndALastOneAfter) {
  fs::path dir = fs::temp_directory_path() / ("tbfault-live-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "run");
  const std::string name = format::EventFileName(1700000000, "host", 1, 0);
  const std::string file = (dir / "run" / name).string();
  std::string first =
      Record(format::FileVersionEvent(1)) + Record(format::ScalarEvent(1, 0, "loss", 0.5f, true));
  std::ofstream(file, std::ios::binary) << first;

  LiveReader live(dir.string(), 10);
  live.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::ofstream(file, std::ios::binary | std::ios::app)
      << Record(format::ScalarEvent(2, 1, "loss", 0.25f, false));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::ofstream(file, std::ios::binary | std::ios::app)
      << Record(format::ScalarEvent(3, 2, "loss", 0.125f, false));
  ASSERT_TRUE(live.Finish(5, nullptr).ok());

  EXPECT_GE(live.cycles(), 5u);
  EXPECT_EQ(live.cycle_errors(), 0u);
  const core::LiveRecord& r = live.record();
  ASSERT_EQ(r.cycles().size(), live.cycles());
  const uint64_t step0 =
      first.size() - Record(format::ScalarEvent(1, 0, "loss", 0.5f, true)).size();
  std::optional<uint64_t> a = r.FirstVisible(core::Profile::kTbRust, "run", name, step0);
  std::optional<uint64_t> b = r.FirstVisible(core::Profile::kTbRust, "run", name, first.size());
  ASSERT_TRUE(a && b);
  EXPECT_LT(*a, *b);  // shown by different cycles, in order.
  EXPECT_EQ(r.cycles().back().shown[static_cast<int>(core::Profile::kStrict)], 3u);
  // Bytes are read once: the file's size, not a multiple of it.
  EXPECT_LE(live.bytes_read(), fs::file_size(file));
  fs::remove_all(dir);
}

// A root that is not there yet holds no run: no error, nothing seen.
TEST(LiveReaderTest, AMissingRootIsQuiet) {
  LiveReader live("/nonexistent-tbfault-live", 10);
  live.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  ASSERT_TRUE(live.Finish(5, nullptr).ok());
  EXPECT_EQ(live.cycle_errors(), 0u);
  EXPECT_EQ(live.record().records_seen(), 0u);
}

}  // namespace
}  // namespace tbfault::runner
