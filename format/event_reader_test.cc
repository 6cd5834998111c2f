#include "format/event_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "format/events.h"
#include "format/record.h"

namespace tbfault::format {
namespace {

namespace fs = std::filesystem;

class Collector : public RecordReader::Reporter {
 public:
  void Corruption(const AnomalyReport& r) override { reports.push_back(r); }
  std::vector<AnomalyReport> reports;
};

TEST(EventReader, YieldsEventsAndReportsBadProto) {
  std::string bytes;
  AppendEventRecord(&bytes, FileVersionEvent(1));
  uint64_t bad_offset = bytes.size();
  record::AppendFrame(&bytes, "\xff\xff\xff");  // intact frame, not an Event.
  AppendEventRecord(&bytes, ScalarEvent(2, 7, "loss", 0.5f, true));
  Collector c;
  EventReader reader(bytes, &c);
  EventRecord rec;
  ASSERT_TRUE(reader.Next(&rec));
  EXPECT_EQ(rec.event.file_version(), "brain.Event:2");
  EXPECT_EQ(rec.offset, 0u);
  ASSERT_TRUE(reader.Next(&rec));
  EXPECT_EQ(rec.event.step(), 7);
  EXPECT_FALSE(reader.Next(&rec));
  ASSERT_EQ(c.reports.size(), 1u);
  EXPECT_EQ(c.reports[0].kind, Anomaly::kBadProto);
  EXPECT_EQ(c.reports[0].offset, bad_offset);
  EXPECT_EQ(c.reports[0].skipped, 3 + record::kFrameOverhead);
}

TEST(EventReader, Kinds) {
  EXPECT_EQ(EventKind(FileVersionEvent(1)), "file_version");
  EXPECT_EQ(EventKind(SessionLogEvent(1, 1, tensorboard::SessionLog::START)), "session_log");
  auto later = ScalarEvent(1, 1, "x", 1, false).summary().value(0);
  EXPECT_EQ(ValueKind(later, "scalars"), "scalar");
  EXPECT_EQ(ValueKind(later, ""), "tensor");
  EXPECT_EQ(ValueKind(LegacyScalarEvent(1, 1, "x", 1).summary().value(0), ""), "scalar");
  EXPECT_EQ(ValueKind(TextEvent(1, 1, "t", "hi", true).summary().value(0), ""), "text");
}

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tbfault-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Touch(const fs::path& p) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "";
  }
  fs::path dir_;
};

using ListRunsTest = TempDir;

TEST_F(ListRunsTest, RunsAreDirectoriesHoldingEventFilesInNameOrder) {
  Touch(dir_ / "events.out.tfevents.2.h.1.0");
  Touch(dir_ / "events.out.tfevents.1.h.1.0");
  Touch(dir_ / "notes.txt");
  Touch(dir_ / "train" / "events.out.tfevents.5.h.2.0");
  Touch(dir_ / "eval" / "sub" / "x.tfevents.y");
  Touch(dir_ / "empty" / "README");
  std::vector<RunFiles> runs;
  ASSERT_TRUE(ListRuns(dir_.string(), &runs).ok());
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].run, ".");
  ASSERT_EQ(runs[0].files.size(), 2u);
  EXPECT_EQ(fs::path(runs[0].files[0]).filename(), "events.out.tfevents.1.h.1.0");
  EXPECT_EQ(runs[1].run, "eval/sub");
  EXPECT_EQ(runs[2].run, "train");
}

TEST_F(ListRunsTest, SingleFileAndMissingPath) {
  Touch(dir_ / "events.out.tfevents.1.h.1.0");
  std::vector<RunFiles> runs;
  ASSERT_TRUE(ListRuns((dir_ / "events.out.tfevents.1.h.1.0").string(), &runs).ok());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].files.size(), 1u);
  Status s = ListRuns((dir_ / "nope").string(), &runs);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.error_number(), ENOENT);
  EXPECT_NE(s.ToString().find("nope"), std::string::npos);
}

}  // namespace
}  // namespace tbfault::format
