// Each mutant breaks its promise where the control (and SummaryWriter) keeps it, shown on real
// files.
#include "writers/mutants/mutant_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "format/crc32c.h"
#include "format/event_reader.h"
#include "format/record.h"
#include "writers/mutants/record_mutants.h"
#include "writers/policy.h"
#include "writers/test_util.h"
#include "writers/writer_factory.h"

namespace tbfault::writers {
namespace {

using testing::ReadRun;
using testing::SmallFs;
using testing::TempDir;

std::unique_ptr<EventWriter> Make(const std::string& spec, const std::string& dir) {
  std::unique_ptr<EventWriter> w;
  Status s = MakeWriter(spec, dir, &w);
  EXPECT_TRUE(s.ok()) << spec << ": " << s.ToString();
  return w;
}

// The writers every mutant is compared with: they must keep the promise.
const char* const kHonest[] = {"mutant:control", "ours:buffered"};

TEST(Mutants, FactoryKnowsEveryName) {
  for (auto name : MutationNames()) {
    TempDir dir;
    EXPECT_TRUE(Make("mutant:" + std::string(name), dir.path())) << name;
  }
  std::unique_ptr<EventWriter> w;
  EXPECT_FALSE(MakeWriter("mutant:nope", "/tmp", &w).ok());
}

// CheckWriterSpec says what MakeWriter would say of a spec, without making a writer. External
// writers' own specs are known to their registry alone (writers/external, tested there).
TEST(Mutants, CheckWriterSpecAgreesWithTheFactory) {
  std::vector<std::string> good = {"mutant:control", "ours:buffered", "async:queue=64+durable",
                                   "external:anything"};
  for (auto name : MutationNames()) good.push_back("mutant:" + std::string(name));
  for (const char* const* p = PolicyNames(); *p != nullptr; ++p) good.emplace_back(*p);
  for (const std::string& spec : good) {
    EXPECT_TRUE(CheckWriterSpec(spec).ok()) << spec << ": " << CheckWriterSpec(spec).ToString();
  }
  for (const char* spec : {"mutant:nope", "warp", "async:queue=0", "ours:nope", "", "mutant:"}) {
    EXPECT_FALSE(CheckWriterSpec(spec).ok()) << spec;
    TempDir dir;
    std::unique_ptr<EventWriter> w;
    EXPECT_FALSE(MakeWriter(spec, dir.path(), &w).ok()) << spec;
  }
}

// Writes 3000 scalars onto a full disk, frees it, writes 10 more and closes. Returns the read-back.
struct DiskFullRun {
  Status flush_while_full;
  uint64_t errors = 0;
  testing::ReadBack rb;
  bool skipped = false;
};
DiskFullRun RunDiskFull(const std::string& spec, bool expect_clean = true) {
  DiskFullRun r;
  SmallFs fs(512 << 10);
  if (!fs.mounted()) {
    r.skipped = true;
    return r;
  }
  auto w = Make(spec, fs.path() + "/run");
  TagId t = w->Tag("loss");
  for (int i = 0; i < 10; ++i) w->AddScalar(t, i, 1).Ignore();
  EXPECT_TRUE(w->Flush().ok());
  fs.Fill();
  for (int i = 10; i < 3000; ++i) w->AddScalar(t, i, 1).Ignore();
  r.flush_while_full = w->Flush();
  fs.Free();
  for (int i = 3000; i < 3010; ++i) w->AddScalar(t, i, 1).Ignore();
  w->Close().Ignore();
  r.errors = w->counters().errors;
  r.rb = ReadRun(fs.path() + "/run", expect_clean);
  return r;
}

TEST(Mutants, SwallowErrorsHidesTheDiskFullThatOthersReport) {
  for (const char* honest : kHonest) {
    DiskFullRun r = RunDiskFull(honest);
    if (r.skipped) GTEST_SKIP() << "no tmpfs";
    EXPECT_EQ(r.flush_while_full.error_number(), ENOSPC) << honest;
    EXPECT_GT(r.errors, 0u) << honest;
    EXPECT_EQ(r.rb.values.size(), 3010u) << honest;  // recovered everything once space came back.
  }
  DiskFullRun m = RunDiskFull("mutant:swallow-errors");
  EXPECT_TRUE(m.flush_while_full.ok());
  EXPECT_EQ(m.errors, 0u);
  EXPECT_LT(m.rb.values.size(), 3010u);  // lost, silently.
}

TEST(Mutants, TornRecordsLeaveDamageMidFile) {
  SmallFs probe(4096);
  if (!probe.mounted()) GTEST_SKIP() << "no tmpfs";
  DiskFullRun m = RunDiskFull("mutant:torn-records", /*expect_clean=*/false);
  EXPECT_GT(m.rb.anomalies, 0);  // a torn record in the middle of the file.
  EXPECT_EQ(RunDiskFull("mutant:control").rb.anomalies, 0);
}

TEST(Mutants, DropOnFlushFailureLosesEventsWithoutReportingThem) {
  DiskFullRun m = RunDiskFull("mutant:drop-on-flush-failure");
  if (m.skipped) GTEST_SKIP() << "no tmpfs";
  EXPECT_FALSE(m.flush_while_full.ok());
  EXPECT_LT(m.rb.values.size(), 3010u);  // the control recovers all 3010 (above).
}

TEST(Mutants, NoFileVersion) {
  TempDir a, b;
  for (auto [spec, dir, want] : {std::tuple{"mutant:control", &a, "file_version"},
                                 std::tuple{"mutant:no-file-version", &b, "summary"}}) {
    auto w = Make(spec, dir->path());
    w->AddScalar("x", 1, 1).Ignore();
    ASSERT_TRUE(w->Close().ok());
    auto rb = ReadRun(dir->path());
    EXPECT_EQ(rb.first_event_kind, want) << spec;
    EXPECT_EQ(rb.file_versions, std::string(want) == "file_version" ? 1 : 0);
  }
}

TEST(Mutants, UnflushedFileVersionLeavesAnEmptyFileUntilTheFirstFlush) {
  TempDir a, b;
  auto control = Make("mutant:control", a.path());
  auto mutant = Make("mutant:unflushed-file-version", b.path());
  struct stat st;
  ASSERT_EQ(::stat(control->current_file().c_str(), &st), 0);
  EXPECT_GT(st.st_size, 0);
  ASSERT_EQ(::stat(mutant->current_file().c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 0);
}

TEST(Mutants, SecondNamesCollideInOneSecond) {
  TempDir dir;
  for (int attempt = 0; attempt < 3; ++attempt) {  // retried if the second ticks between the two.
    std::filesystem::remove_all(dir.path() + "/run");
    auto w1 = Make("mutant:second-names", dir.path() + "/run");
    auto w2 = Make("mutant:second-names", dir.path() + "/run");
    if (w1->current_file() != w2->current_file()) continue;
    w1->AddScalar("first", 1, 1).Ignore();
    w2->AddScalar("second", 1, 1).Ignore();
    ASSERT_TRUE(w2->Close().ok());
    ASSERT_TRUE(w1->Close().ok());
    testing::ReadBack rb = ReadRun(dir.path() + "/run", /*expect_clean=*/false);
    EXPECT_EQ(rb.files.size(), 1u);
    return;
  }
  FAIL() << "two writers never landed in the same second";
}

TEST(Mutants, HonestWritersNeverCollide) {
  TempDir dir;
  auto w1 = Make("ours:buffered", dir.path());
  auto w2 = Make("ours:buffered", dir.path());
  EXPECT_NE(w1->current_file(), w2->current_file());
}

TEST(Mutants, DoubleScalarsAndLateMetadataAtTheByteLevel) {
  TempDir a, b;
  auto d = Make("mutant:double-scalars", a.path());
  d->AddScalar("x", 1, 0.5f).Ignore();
  ASSERT_TRUE(d->Close().ok());
  auto rb = ReadRun(a.path());
  ASSERT_EQ(rb.values.size(), 1u);
  EXPECT_EQ(rb.values[0].scalar, 0.0f);  // not a DT_FLOAT: the float read finds nothing.

  auto l = Make("mutant:late-metadata", b.path());
  for (int i = 0; i < 3; ++i) l->AddScalar("x", i, 1).Ignore();
  ASSERT_TRUE(l->Close().ok());
  rb = ReadRun(b.path());
  ASSERT_EQ(rb.values.size(), 3u);
  EXPECT_FALSE(rb.values[0].has_metadata);
  EXPECT_TRUE(rb.values[1].has_metadata);
}

TEST(Mutants, FakeSyncClaimsSynced) {
  // That no fsync happened is shown by faultfs's power cut in the harness suite; here, the claim.
  TempDir dir;
  auto w = Make("mutant:fake-sync", dir.path());
  w->AddScalar("x", 1, 1).Ignore();
  ASSERT_TRUE(w->Sync().ok());
  EXPECT_EQ(w->watermarks().synced, 1u);
}

// What the strict reader finds in the one file a record mutant writes (30 scalars, then closed).
struct Damage {
  std::vector<format::Anomaly> anomalies;
  int events = 0, nan_walls = 0, rank1 = 0;
  std::string bytes;
};

class Collect : public format::RecordReader::Reporter {
 public:
  explicit Collect(Damage* d) : d_(d) {}
  void Corruption(const format::AnomalyReport& r) override { d_->anomalies.push_back(r.kind); }

 private:
  Damage* d_;
};

Damage WriteAndRead(const std::string& mutant) {
  TempDir dir;
  auto w = Make("mutant:" + mutant, dir.path());
  for (int i = 0; i < 30; ++i) w->AddScalar("x", i, static_cast<float>(i)).Ignore();
  EXPECT_TRUE(w->Close().ok());
  Damage d;
  std::ifstream in(w->current_file(), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  d.bytes = ss.str();
  Collect c(&d);
  format::EventReader r(d.bytes, &c);
  format::EventRecord rec;
  while (r.Next(&rec)) {
    ++d.events;
    if (std::isnan(rec.event.wall_time())) ++d.nan_walls;
    for (const auto& v : rec.event.summary().value()) {
      if (v.tensor().tensor_shape().dim_size() == 1) ++d.rank1;
    }
  }
  return d;
}

TEST(Mutants, RecordMutantsBreakExactlyTheirRecord) {
  using format::Anomaly;
  Damage control = WriteAndRead("control");
  EXPECT_TRUE(control.anomalies.empty());
  EXPECT_EQ(control.events, 31);  // file_version + 30.
  EXPECT_EQ(control.nan_walls + control.rank1, 0);

  Damage crc = WriteAndRead("bad-data-crc");
  EXPECT_EQ(crc.anomalies, std::vector<Anomaly>{Anomaly::kBadDataCrc});
  Damage proto = WriteAndRead("invalid-proto");
  EXPECT_EQ(proto.anomalies, std::vector<Anomaly>{Anomaly::kBadProto});
  EXPECT_EQ(proto.events, 30);
  Damage nan = WriteAndRead("nan-wall-time");
  EXPECT_TRUE(nan.anomalies.empty());
  EXPECT_EQ(nan.nan_walls, 1);
  Damage rank1 = WriteAndRead("rank1-scalars");
  EXPECT_TRUE(rank1.anomalies.empty());
  EXPECT_EQ(rank1.rank1, 30);
  Damage foreign = WriteAndRead("foreign-bytes");
  EXPECT_FALSE(foreign.anomalies.empty());
  EXPECT_EQ(foreign.events, 31);  // strict resynchronises past the line.
  EXPECT_NE(foreign.bytes.find(kForeignLine), std::string::npos);
  Damage oversized = WriteAndRead("oversized-length");
  EXPECT_EQ(oversized.anomalies, std::vector<Anomaly>{Anomaly::kOversized});
  EXPECT_EQ(oversized.events, 30);  // the mutated record is lost; strict resynchronises.
}

// oversized-length: the kMutatedRecord-th scalar's frame claims kOversizeBy bytes more than its
// data, under a valid length CRC, with its data and data CRC intact; the next frame follows
// its real end, so the file is shorter than the frame claims.
TEST(Mutants, OversizedLengthClaimsMoreThanItsDataUnderAValidLengthCrc) {
  const std::string b = WriteAndRead("oversized-length").bytes;
  const std::string control = WriteAndRead("control").bytes;
  ASSERT_EQ(b.size(), control.size());  // the same bytes but one length field.
  uint64_t pos = 0;
  for (uint64_t i = 0; i < kMutatedRecord + 1; ++i) {  // file_version, then the scalars before.
    pos += record::DecodeFixed64(b.data() + pos) + record::kFrameOverhead;
  }
  const char* p = b.data() + pos;
  const uint64_t claimed = record::DecodeFixed64(p);
  const uint64_t real = record::DecodeFixed64(control.data() + pos);
  EXPECT_EQ(claimed, real + kOversizeBy);
  EXPECT_EQ(record::DecodeFixed32(p + 8), crc32c::MaskedValue(p, 8));  // the length CRC holds.
  EXPECT_GT(pos + claimed + record::kFrameOverhead, b.size());         // past the end.
  const std::string_view data(p + record::kHeaderSize, real);
  EXPECT_EQ(record::DecodeFixed32(p + record::kHeaderSize + real), crc32c::MaskedValue(data));
  tensorboard::Event e;
  ASSERT_TRUE(e.ParseFromArray(data.data(), static_cast<int>(data.size())));
  EXPECT_EQ(e.step(), static_cast<int64_t>(kMutatedRecord));
  const uint64_t next = pos + real + record::kFrameOverhead;  // the next scalar, intact.
  EXPECT_EQ(b.compare(next, 12, control, next, 12), 0);
}

// purge-step-ignored: every writer session (the first process's and a restart's) starts with a
// SessionLog.START at step 0 right after file_version, whatever step it resumes from; a reopen
// after a failure writes none. The control writes no session_log at all.
TEST(Mutants, PurgeStepIgnoredStartsEverySessionAtStepZero) {
  TempDir dir;
  auto session = [&](const std::string& spec, int first_step) {
    auto w = Make(spec, dir.path());
    for (int i = first_step; i < first_step + 10; ++i) w->AddScalar("x", i, 1.0f).Ignore();
    EXPECT_TRUE(w->Close().ok());
    std::ifstream in(w->current_file(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string bytes = ss.str();
    format::EventReader r(bytes, nullptr);
    format::EventRecord rec;
    std::vector<std::pair<std::string, int64_t>> kinds;  // (kind, step) of each record.
    while (r.Next(&rec)) kinds.emplace_back(format::EventKind(rec.event), rec.event.step());
    return kinds;
  };
  for (int first_step : {0, 20}) {  // the first process, then a restart resuming at 20.
    auto kinds = session("mutant:purge-step-ignored", first_step);
    ASSERT_EQ(kinds.size(), 12u);
    EXPECT_EQ(kinds[0].first, "file_version");
    EXPECT_EQ(kinds[1], (std::pair<std::string, int64_t>{"session_log", 0}));
    EXPECT_EQ(kinds[2].second, first_step);
    for (size_t i = 2; i < kinds.size(); ++i) EXPECT_EQ(kinds[i].first, "summary");
  }
  for (const auto& [kind, step] : session("mutant:control", 20)) EXPECT_NE(kind, "session_log");
}

}  // namespace
}  // namespace tbfault::writers
