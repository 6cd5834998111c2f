#include "writers/event_file.h"

#include <gtest/gtest.h>

#include "format/events.h"
#include "writers/scalar_encoder.h"
#include "writers/test_util.h"

namespace tbfault::writers {
namespace {

using testing::ReadRun;
using testing::SmallFs;
using testing::TempDir;

void AddScalars(EventFile* f, uint64_t first_seq, int n) {
  ScalarTemplate first("loss", true), later("loss", false);
  for (int i = 0; i < n; ++i) {
    uint64_t seq = first_seq + i;
    const ScalarTemplate& t = seq == 1 ? first : later;
    char* p = f->Reserve(t.max_frame_size());
    f->Commit(t.Encode(p, 1.7e9, static_cast<int64_t>(seq), 0.5f), seq);
  }
}

TEST(EventFile, WritesFileVersionFirstThenRecords) {
  TempDir dir;
  EventFile f({dir.path() + "/run", "", false});
  AddScalars(&f, 1, 10);
  ASSERT_TRUE(f.Write(true).ok());
  EXPECT_EQ(f.written_seq(), 10u);
  EXPECT_EQ(f.pending_bytes(), 0u);
  auto rb = ReadRun(dir.path());
  EXPECT_EQ(rb.first_event_kind, "file_version");
  EXPECT_EQ(rb.values.size(), 10u);
  EXPECT_EQ(rb.anomalies, 0);
}

TEST(EventFile, EnospcLeavesNoTornRecordAndResumesWhenSpaceIsFreed) {
  SmallFs fs(1 << 20);
  TBFAULT_NEED_SMALL_FS(fs);
  EventFile f({fs.path() + "/run", "", false});
  ASSERT_TRUE(f.EnsureOpen().ok());
  fs.Fill();
  AddScalars(&f, 1, 5000);  // ~300 KB: far more than the free space.
  Status s = f.Write(true);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error_number(), ENOSPC);
  EXPECT_LT(f.written_seq(), 5000u);
  EXPECT_GT(f.pending_bytes(), 0u);
  // Whatever reached the file is whole records only: the strict reader finds no anomaly.
  auto partial = ReadRun(fs.path() + "/run");
  EXPECT_EQ(partial.anomalies, 0);
  EXPECT_EQ(partial.values.size(), f.written_seq());

  fs.Free();
  ASSERT_TRUE(f.Write(true).ok());  // the same file, no reopen.
  EXPECT_EQ(f.written_seq(), 5000u);
  auto all = ReadRun(fs.path() + "/run");
  EXPECT_EQ(all.anomalies, 0);
  ASSERT_EQ(all.values.size(), 5000u);
  EXPECT_EQ(all.files.size(), 1u);
  for (size_t i = 0; i < all.values.size(); ++i) EXPECT_EQ(all.values[i].step, int64_t(i + 1));
}

TEST(EventFile, CreateFailureIsReportedAndRetried) {
  SmallFs fs(16 << 10);
  TBFAULT_NEED_SMALL_FS(fs);
  fs.Fill();
  EventFile f({fs.path() + "/run", "", false});
  AddScalars(&f, 1, 3);
  Status s = f.Write(false);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.error_number(), ENOSPC) << s.ToString();
  EXPECT_EQ(f.files_created(), 0u);
  fs.Free();
  ASSERT_TRUE(f.Write(false).ok());
  EXPECT_EQ(ReadRun(fs.path()).values.size(), 3u);
}

TEST(EventFile, VanishedFileIsDetectedAndANewOneStarted) {
  TempDir dir;
  std::string run = dir.path() + "/run";
  EventFile f({run, "", false});
  AddScalars(&f, 1, 4);
  ASSERT_TRUE(f.Write(true).ok());
  std::string first_path = f.path();
  std::filesystem::remove_all(run);  // the logdir is deleted mid-run.
  AddScalars(&f, 5, 2);
  Status s = f.Write(true);
  EXPECT_EQ(s.error_number(), ENOENT);
  EXPECT_EQ(f.lost_first(), 1u);
  EXPECT_EQ(f.lost_last(), 4u);
  ASSERT_TRUE(f.Write(false).ok());  // recreates the directory and a new file.
  EXPECT_NE(f.path(), first_path);
  auto rb = ReadRun(run);
  ASSERT_EQ(rb.values.size(), 2u);
  EXPECT_EQ(rb.values[0].step, 5);
}

}  // namespace
}  // namespace tbfault::writers
