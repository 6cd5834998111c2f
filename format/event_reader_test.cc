#include "format/event_reader.h"

#include <gtest/gtest.h>

#include "format/events.h"
#include "format/record.h"

namespace tbfault::format {
namespace {

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

}  // namespace
}  // namespace tbfault::format
