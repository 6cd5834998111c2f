#include "format/record_reader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "format/record.h"

namespace tbfault::format {
namespace {

class Collector : public RecordReader::Reporter {
 public:
  void Corruption(const AnomalyReport& r) override { reports.push_back(r); }
  std::vector<AnomalyReport> reports;
};

struct File {
  std::string bytes;
  std::vector<uint64_t> offsets;  // frame start of each record.
  std::vector<std::string> data;
};

// Records of varied sizes, including 256 bytes (a header that starts with a zero byte) and empty.
File MakeFile(std::vector<size_t> sizes = {24, 50, 0, 256, 7, 300, 40}) {
  std::mt19937 rng(42);
  File f;
  for (size_t n : sizes) {
    std::string d(n, '\0');
    for (auto& c : d) c = static_cast<char>(rng() | 1);  // non-zero data.
    f.offsets.push_back(f.bytes.size());
    f.data.push_back(d);
    record::AppendFrame(&f.bytes, d);
  }
  return f;
}

struct Result {
  std::vector<uint64_t> offsets;
  std::vector<std::string> data;
  std::vector<AnomalyReport> anomalies;
  uint64_t end_of_last_record;
};

Result ReadAll(std::string_view bytes) {
  Collector c;
  RecordReader reader(bytes, &c);
  Result r;
  std::string_view d;
  uint64_t off;
  while (reader.ReadRecord(&d, &off)) {
    r.offsets.push_back(off);
    r.data.emplace_back(d);
  }
  EXPECT_FALSE(reader.ReadRecord(&d, &off));  // Stays at the end.
  r.anomalies = c.reports;
  EXPECT_EQ(reader.anomalies(), c.reports.size());
  r.end_of_last_record = reader.end_of_last_record();
  return r;
}

TEST(RecordReader, CleanFileYieldsEveryRecord) {
  File f = MakeFile();
  Result r = ReadAll(f.bytes);
  EXPECT_EQ(r.offsets, f.offsets);
  EXPECT_EQ(r.data, f.data);
  EXPECT_TRUE(r.anomalies.empty());
  EXPECT_EQ(r.end_of_last_record, f.bytes.size());
}

TEST(RecordReader, EmptyFile) {
  Result r = ReadAll("");
  EXPECT_TRUE(r.offsets.empty());
  EXPECT_TRUE(r.anomalies.empty());
}

TEST(RecordReader, CutAtEveryByteOffset) {
  File f = MakeFile();
  for (size_t cut = 0; cut < f.bytes.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    Result r = ReadAll(std::string_view(f.bytes).substr(0, cut));
    size_t whole = 0;
    while (whole < f.offsets.size() &&
           f.offsets[whole] + f.data[whole].size() + record::kFrameOverhead <= cut) {
      ++whole;
    }
    ASSERT_EQ(r.offsets.size(), whole);
    for (size_t i = 0; i < whole; ++i) EXPECT_EQ(r.data[i], f.data[i]);
    if (whole < f.offsets.size() && f.offsets[whole] == cut) {
      EXPECT_TRUE(r.anomalies.empty());  // Cut on a record boundary: nothing is damaged.
      continue;
    }
    ASSERT_EQ(r.anomalies.size(), 1u);
    EXPECT_EQ(r.anomalies[0].kind, Anomaly::kTruncated) << r.anomalies[0].detail;
    EXPECT_EQ(r.anomalies[0].offset, f.offsets[whole]);
    EXPECT_EQ(r.anomalies[0].skipped, cut - f.offsets[whole]);
    EXPECT_EQ(r.end_of_last_record, f.offsets[whole]);
  }
}

TEST(RecordReader, EverySingleBitFlipIsReportedAndLaterRecordsFound) {
  File f = MakeFile();
  for (size_t victim : {size_t{0}, size_t{3}, f.offsets.size() - 1}) {
    uint64_t start = f.offsets[victim];
    uint64_t frame = f.data[victim].size() + record::kFrameOverhead;
    for (uint64_t byte = start; byte < start + frame; ++byte) {
      for (int bit = 0; bit < 8; ++bit) {
        SCOPED_TRACE("record " + std::to_string(victim) + " byte " + std::to_string(byte - start) +
                     " bit " + std::to_string(bit));
        std::string bytes = f.bytes;
        bytes[byte] ^= static_cast<char>(1 << bit);
        Result r = ReadAll(bytes);
        std::vector<uint64_t> expected;
        for (size_t i = 0; i < f.offsets.size(); ++i) {
          if (i != victim) expected.push_back(f.offsets[i]);
        }
        ASSERT_EQ(r.offsets, expected);
        ASSERT_EQ(r.anomalies.size(), 1u);
        const AnomalyReport& a = r.anomalies[0];
        EXPECT_EQ(a.offset, start);
        EXPECT_EQ(a.skipped, frame);
        Anomaly want =
            byte - start < record::kHeaderSize ? Anomaly::kBadLengthCrc : Anomaly::kBadDataCrc;
        EXPECT_EQ(a.kind, want) << a.detail;
      }
    }
  }
}

TEST(RecordReader, ZeroFilledBlockInTheMiddle) {
  File f = MakeFile();
  std::string bytes = f.bytes;
  uint64_t from = f.offsets[2], to = f.offsets[5];  // records 2, 3 and 4 become zeros.
  std::fill(bytes.begin() + from, bytes.begin() + to, '\0');
  Result r = ReadAll(bytes);
  EXPECT_EQ(r.offsets,
            (std::vector<uint64_t>{f.offsets[0], f.offsets[1], f.offsets[5], f.offsets[6]}));
  ASSERT_EQ(r.anomalies.size(), 1u);
  EXPECT_EQ(r.anomalies[0].kind, Anomaly::kZeroFilled);
  EXPECT_EQ(r.anomalies[0].offset, from);
  EXPECT_EQ(r.anomalies[0].skipped, to - from);
}

TEST(RecordReader, ZeroRunBeforeAHeaderThatStartsWithZero) {
  File f = MakeFile({10, 256, 10});  // record 1 has length 256: its first header byte is 0.
  std::string bytes = f.bytes;
  std::fill(bytes.begin() + f.offsets[0], bytes.begin() + f.offsets[1], '\0');
  Result r = ReadAll(bytes);
  EXPECT_EQ(r.offsets, (std::vector<uint64_t>{f.offsets[1], f.offsets[2]}));
  ASSERT_EQ(r.anomalies.size(), 1u);
  EXPECT_EQ(r.anomalies[0].kind, Anomaly::kZeroFilled);
  EXPECT_EQ(r.anomalies[0].skipped, f.offsets[1]);
}

TEST(RecordReader, ZeroFilledTail) {
  File f = MakeFile();
  std::string bytes = f.bytes + std::string(4096, '\0');
  Result r = ReadAll(bytes);
  EXPECT_EQ(r.offsets, f.offsets);
  ASSERT_EQ(r.anomalies.size(), 1u);
  EXPECT_EQ(r.anomalies[0].kind, Anomaly::kZeroFilled);
  EXPECT_EQ(r.anomalies[0].offset, f.bytes.size());
  EXPECT_EQ(r.anomalies[0].skipped, 4096u);
}

TEST(RecordReader, GarbageAppended) {
  File f = MakeFile();
  std::mt19937 rng(3);
  std::string garbage(100, '\0');
  for (auto& c : garbage) c = static_cast<char>(rng() | 1);
  Result r = ReadAll(f.bytes + garbage);
  EXPECT_EQ(r.offsets, f.offsets);
  ASSERT_EQ(r.anomalies.size(), 1u);
  EXPECT_EQ(r.anomalies[0].kind, Anomaly::kBadLengthCrc);
  EXPECT_EQ(r.anomalies[0].offset, f.bytes.size());
  EXPECT_EQ(r.anomalies[0].skipped, 100u);
  EXPECT_EQ(r.end_of_last_record, f.bytes.size());
}

TEST(RecordReader, GarbageBetweenRecordsIsSkippedByResync) {
  File f = MakeFile();
  std::string bytes =
      f.bytes.substr(0, f.offsets[3]) + "not a record at all" + f.bytes.substr(f.offsets[3]);
  Result r = ReadAll(bytes);
  ASSERT_EQ(r.data, f.data);
  ASSERT_EQ(r.anomalies.size(), 1u);
  EXPECT_EQ(r.anomalies[0].offset, f.offsets[3]);
  EXPECT_EQ(r.anomalies[0].skipped, 19u);
}

std::string Header(uint64_t length) {
  std::string h(record::kHeaderSize, '\0');
  record::EncodeHeader(h.data(), length);
  return h;
}

TEST(RecordReader, LengthBeyondTheBoundIsOversized) {
  File f = MakeFile();
  std::string bytes = Header(1ull << 40) + f.bytes;
  Result r = ReadAll(bytes);
  EXPECT_EQ(r.data, f.data);
  ASSERT_EQ(r.anomalies.size(), 1u);
  EXPECT_EQ(r.anomalies[0].kind, Anomaly::kOversized);
  EXPECT_EQ(r.anomalies[0].offset, 0u);
  EXPECT_EQ(r.anomalies[0].skipped, record::kHeaderSize);
}

TEST(RecordReader, LengthPastTheEndWithRecordsAfterIsOversized) {
  File f = MakeFile();
  std::string bytes = Header(f.bytes.size() + 1000) + f.bytes;
  Result r = ReadAll(bytes);
  EXPECT_EQ(r.data, f.data);
  ASSERT_EQ(r.anomalies.size(), 1u);
  EXPECT_EQ(r.anomalies[0].kind, Anomaly::kOversized);
}

TEST(RecordReader, HostileInputEndsWithoutQuadraticWork) {
  // Every offset holds a valid header whose length reaches almost to the end: without a budget,
  // each resync candidate would CRC the rest of the file.
  std::string bytes;
  while (bytes.size() < (1 << 20)) bytes += Header((1 << 20) - bytes.size() - 100);
  auto t0 = std::chrono::steady_clock::now();
  Result r = ReadAll(bytes);
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(r.offsets.empty());
  EXPECT_FALSE(r.anomalies.empty());
  EXPECT_LT(secs, 30.0);  // A guard against hangs, not a speed target (that is bench/).
}

TEST(RecordReader, AnomalyNames) {
  EXPECT_EQ(AnomalyName(Anomaly::kTruncated), "truncated");
  EXPECT_EQ(AnomalyName(Anomaly::kBadLengthCrc), "bad-length-crc");
  EXPECT_EQ(AnomalyName(Anomaly::kZeroFilled), "zero-filled");
  EXPECT_EQ(AnomalyName(Anomaly::kBadDataCrc), "bad-data-crc");
  EXPECT_EQ(AnomalyName(Anomaly::kBadProto), "bad-proto");
  EXPECT_EQ(AnomalyName(Anomaly::kOversized), "oversized");
}

TEST(ReadFileToString, MissingFileNamesPathAndErrno) {
  std::string s;
  Status st = ReadFileToString("/nonexistent/x", &s);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.error_number(), ENOENT);
  EXPECT_NE(st.ToString().find("/nonexistent/x"), std::string::npos);
}

}  // namespace
}  // namespace tbfault::format
