#include "reports/tb_events.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>

#include "format/event_reader.h"
#include "reports/test_results.h"

namespace tbfault::reports {
namespace {

// run -> tag -> step -> value, read back with the strict reader; counts anomalies.
using Series = std::map<std::string, std::map<std::string, std::map<int64_t, float>>>;

Series ReadBack(const std::string& logdir, int* anomalies, int* file_versions) {
  struct Count : format::RecordReader::Reporter {
    int* n;
    void Corruption(const format::AnomalyReport&) override { ++*n; }
  };
  Series out;
  std::vector<format::RunFiles> runs;
  EXPECT_TRUE(format::ListRuns(logdir, &runs).ok());
  for (const auto& run : runs) {
    for (const auto& file : run.files) {
      std::string contents;
      EXPECT_TRUE(ReadFile(file, &contents).ok());
      Count count;
      count.n = anomalies;
      format::EventReader reader(contents, &count);
      format::EventRecord rec;
      bool first = true;
      while (reader.Next(&rec)) {
        if (first) *file_versions += rec.event.file_version() == "brain.Event:2";
        first = false;
        for (const auto& v : rec.event.summary().value()) {
          EXPECT_EQ(v.metadata().plugin_data().plugin_name(), "scalars");
          // Modern scalars: a rank-0 DT_FLOAT tensor whose 4 bytes are in tensor_content.
          const std::string& bytes = v.tensor().tensor_content();
          EXPECT_EQ(bytes.size(), 4u) << v.tag();
          float value = 0;
          if (bytes.size() == 4) std::memcpy(&value, bytes.data(), 4);
          out[run.run][v.tag()][rec.event.step()] = value;
        }
      }
    }
  }
  return out;
}

TEST(TbEventsTest, WritesOnePointPerCallPerRun) {
  auto dir =
      std::filesystem::temp_directory_path() / ("tb_events_test." + std::to_string(getpid()));
  Results r = testing::SampleResults();
  r.benchmark = testing::SampleBenchmark(100, 50, 0.0, 5, 1);
  ASSERT_TRUE(WriteResultsEvents(r, dir.string(), 0, 1700000000.0).ok());
  r.scenarios[1].profiles[1].counts[VerdictIndex(Verdict::kHidden)] = 7;
  ASSERT_TRUE(WriteResultsEvents(r, dir.string(), 1, 1700000100.0).ok());

  int anomalies = 0, file_versions = 0;
  Series s = ReadBack(dir.string(), &anomalies, &file_versions);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(anomalies, 0);
  EXPECT_EQ(file_versions, 6);  // 3 runs x 2 calls.
  ASSERT_EQ(s.size(), 3u);
  const auto& failing = s.at("power-cut/mutant-no-truncate");
  EXPECT_EQ(failing.at("violations/tb-rust").at(0), 3);
  EXPECT_EQ(failing.at("violations/tb-rust").at(1), 7);
  EXPECT_EQ(failing.at("violations/strict").at(1), 0);
  EXPECT_EQ(failing.at("passed").at(0), 0);
  EXPECT_EQ(s.at("clean/buffered").at("passed").at(1), 1);
  EXPECT_FLOAT_EQ(failing.at("figures/events_per_s").at(0), 1.5e6f);
  EXPECT_EQ(failing.count("figures/add_ns_max"), 0u);  // absent figures are not invented.
  EXPECT_FLOAT_EQ(failing.at("loss_window_s/tb-python").at(1), 0.5f);
  // No noise: BM_Add's repetitions are all 100 ns.
  EXPECT_FLOAT_EQ(s.at("benchmarks").at("BM_Add/real_time_ns_median").at(1), 100.0f);
}

TEST(TbEventsTest, UnwritableLogdirIsAnError) {
  Results r = testing::SampleResults();
  Status s = WriteResultsEvents(r, "/proc/tbfault-no-such-dir", 0, 0);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("/proc/tbfault-no-such-dir"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace tbfault::reports
