#include "format/inspect.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "format/events.h"

namespace tbfault::format {
namespace {

namespace fs = std::filesystem;

class InspectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tbfault-inspect-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const fs::path& p, const std::string& bytes) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
  }
  fs::path dir_;
};

TEST_F(InspectTest, CountsKindsTagsAndSteps) {
  std::string b;
  AppendEventRecord(&b, FileVersionEvent(1));
  for (int step = 3; step <= 9; ++step) {
    AppendEventRecord(&b, ScalarEvent(1, step, "loss", 1.0f / step, step == 3));
  }
  std::vector<double> v = {1, 2, 3};
  AppendEventRecord(&b, HistogramEvent(1, 5, "w", v, true));
  AppendEventRecord(&b, TextEvent(1, 6, "note", "hi", true));
  AppendEventRecord(&b, SessionLogEvent(1, 6, tensorboard::SessionLog::START));
  Write(dir_ / "run" / "events.out.tfevents.1.h.1.0", b);

  InspectReport report;
  ASSERT_TRUE(Inspect(dir_.string(), &report).ok());
  ASSERT_EQ(report.runs.size(), 1u);
  const RunSummary& run = report.runs[0];
  EXPECT_EQ(run.run, "run");
  ASSERT_EQ(run.files.size(), 1u);
  const FileSummary& f = run.files[0];
  EXPECT_EQ(f.records, 11u);
  EXPECT_EQ(f.size, b.size());
  EXPECT_EQ(f.events_by_kind.at("file_version"), 1u);
  EXPECT_EQ(f.events_by_kind.at("scalar"), 7u);
  EXPECT_EQ(f.events_by_kind.at("histogram"), 1u);
  EXPECT_EQ(f.events_by_kind.at("text"), 1u);
  EXPECT_EQ(f.events_by_kind.at("session_log"), 1u);
  EXPECT_EQ(run.tags.at("loss").count, 7u);
  EXPECT_EQ(run.tags.at("loss").min_step, 3);
  EXPECT_EQ(run.tags.at("loss").max_step, 9);
  EXPECT_EQ(run.tags.at("loss").kind, "scalar");
  EXPECT_EQ(report.anomaly_count(), 0u);
}

TEST_F(InspectTest, ReportsAnomaliesInOffsetOrder) {
  std::string b;
  AppendEventRecord(&b, FileVersionEvent(1));
  uint64_t second = b.size();
  AppendEventRecord(&b, ScalarEvent(1, 1, "a", 1, true));
  AppendEventRecord(&b, ScalarEvent(1, 2, "a", 2, false));
  b[second + 14] ^= 1;                           // data of the second record.
  std::string torn = b.substr(0, b.size() - 3);  // and a torn tail.
  Write(dir_ / "events.out.tfevents.1.h.1.0", torn);
  InspectReport report;
  ASSERT_TRUE(Inspect(dir_.string(), &report).ok());
  ASSERT_EQ(report.anomaly_count(), 2u);
  const auto& a = report.runs[0].files[0].anomalies;
  EXPECT_EQ(a[0].kind, Anomaly::kBadDataCrc);
  EXPECT_EQ(a[0].offset, second);
  EXPECT_EQ(a[1].kind, Anomaly::kTruncated);
}

TEST_F(InspectTest, MissingPathIsAnError) {
  InspectReport report;
  Status s = Inspect((dir_ / "missing").string(), &report);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.error_number(), ENOENT);
}

}  // namespace
}  // namespace tbfault::format
