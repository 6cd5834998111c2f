// Contract probes for SummaryWriter (DESIGN.md sections 4 and 7), from the harness's side: the
// ledger invariant "every accepted sequence number ends up visible or reported failed", truthful
// watermark snapshots, errno truthfulness of failure reports, and the logdir vanishing at the
// writer level. Each event is logged with step == its sequence number - 1 so that read-back
// identifies it.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "writers/summary_writer.h"
#include "writers/test_util.h"

namespace tbfault::writers {
namespace {

using testing::ReadRun;
using testing::SmallFs;
using testing::TempDir;

// Collects failure reports (sequence numbers and their errno) from any thread.
struct FailedLog {
  std::mutex mu;
  std::set<uint64_t> seqs;
  std::set<int> errnos;
  void Attach(EventWriter* w) {
    w->set_failed_callback([this](uint64_t a, uint64_t b, int err) {
      std::lock_guard<std::mutex> lock(mu);
      for (uint64_t s = a; s <= b; ++s)
        EXPECT_TRUE(seqs.insert(s).second) << "seq " << s << " twice";
      errnos.insert(err);
    });
  }
};

std::unique_ptr<SummaryWriter> Make(const std::string& dir, const std::string& policy) {
  std::unique_ptr<SummaryWriter> w;
  Status s = SummaryWriter::Create({dir, policy, ""}, &w);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return w;
}

// The ledger invariant after Close: seqs 1..accepted are each either read back (step = seq - 1) or
// reported failed, never both, and nothing else is read back.
void ExpectEveryAcceptedEventAccountedFor(const std::string& run, SummaryWriter* w,
                                          FailedLog* failed) {
  uint64_t accepted = w->watermarks().accepted;
  auto rb = ReadRun(run);
  EXPECT_EQ(rb.anomalies, 0);
  std::set<uint64_t> visible;
  for (const auto& v : rb.values) {
    uint64_t seq = static_cast<uint64_t>(v.step) + 1;
    EXPECT_TRUE(visible.insert(seq).second) << "seq " << seq << " visible twice";
    EXPECT_LE(seq, accepted) << "phantom seq " << seq;
  }
  std::lock_guard<std::mutex> lock(failed->mu);
  for (uint64_t seq = 1; seq <= accepted; ++seq) {
    bool seen = visible.count(seq) > 0, lost = failed->seqs.count(seq) > 0;
    EXPECT_TRUE(seen != lost) << "seq " << seq
                              << (seen ? " visible and reported failed"
                                       : " neither visible nor reported failed");
    if (::testing::Test::HasFailure()) return;  // one line is enough.
  }
}

// Adds racing with Close: an add either fails (not accepted) or its event is accounted for.
TEST(Contract, CloseRacingWithProducersLosesNothingSilently) {
  for (int round = 0; round < 20 && !::testing::Test::HasFailure(); ++round) {
    TempDir dir;
    auto w = Make(dir.path(), "async:queue=256");
    FailedLog failed;
    failed.Attach(w.get());
    TagId t = w->Tag("x");
    std::atomic<uint64_t> ok{0};
    std::vector<std::thread> producers;
    for (int p = 0; p < 2; ++p) {
      producers.emplace_back([&] {
        // The step is not the sequence number here (two producers), so only count.
        while (w->AddScalar(t, 0, 1).ok()) ok.fetch_add(1);
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    Status s = w->Close();
    for (auto& th : producers) th.join();
    EXPECT_TRUE(s.ok()) << s.ToString();
    auto rb = ReadRun(dir.path());
    std::lock_guard<std::mutex> lock(failed.mu);
    EXPECT_EQ(rb.values.size() + failed.seqs.size(), ok.load()) << "round " << round;
    EXPECT_EQ(w->watermarks().accepted, ok.load()) << "round " << round;
  }
}

// Watermark snapshots taken while the writer runs are ordered: synced <= flushed <= written <=
// accepted (a level implies the ones below it).
TEST(Contract, WatermarkSnapshotsAreOrdered) {
  SmallFs fs(64 << 20);  // tmpfs: fsync is cheap, so flushes and syncs come often.
  TBFAULT_NEED_SMALL_FS(fs);
  auto w = Make(fs.path() + "/run", "async:queue=4096,ms=0,bytes=4096+durable");
  TagId t = w->Tag("x");
  std::atomic<bool> done{false};
  std::thread flusher([&] {
    while (!done.load()) w->Flush().Ignore();
  });
  uint64_t bad = 0, samples = 0;
  Watermarks worst;
  for (int i = 0; i < 200000; ++i) {
    ASSERT_TRUE(w->AddScalar(t, i, 1).ok());
    Watermarks m = w->watermarks();
    ++samples;
    if (m.synced > m.flushed || m.flushed > m.written || m.written > m.accepted) {
      if (bad++ == 0) worst = m;
    }
  }
  done = true;
  flusher.join();
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(bad, 0u) << bad << " of " << samples
                     << " snapshots out of order, e.g. accepted=" << worst.accepted
                     << " written=" << worst.written << " flushed=" << worst.flushed
                     << " synced=" << worst.synced;
}

// Events lost while the disk is full are reported with the errno that lost them (ENOSPC), or
// ENOBUFS when the overflow policy dropped them; the ledger invariant holds after space returns.
TEST(Contract, DropOldestDuringDiskFullReportsTheRealErrno) {
  SmallFs fs(256 << 10);
  TBFAULT_NEED_SMALL_FS(fs);
  std::string run = fs.path() + "/run";
  auto w = Make(run, "async:queue=4,overflow=drop-oldest");
  FailedLog failed;
  failed.Attach(w.get());
  TagId t = w->Tag("x");
  fs.Fill();
  for (int i = 0; i < 20000; ++i) ASSERT_TRUE(w->AddScalar(t, i, i).ok());
  w->Flush().Ignore();
  fs.Free();
  ASSERT_TRUE(w->Flush().ok());
  ASSERT_TRUE(w->Close().ok());
  {
    std::lock_guard<std::mutex> lock(failed.mu);
    for (int err : failed.errnos) {
      EXPECT_TRUE(err == ENOBUFS || err == ENOSPC)
          << "lost events reported with errno " << err << " (" << std::strerror(err) << ")";
    }
  }
  ExpectEveryAcceptedEventAccountedFor(run, w.get(), &failed);
}

// With a synchronous policy the add call also writes; when that write fails, the add returns the
// error but the event is still accepted and written once space returns (the ledger must not treat a
// failed add as a refused event under these policies).
TEST(Contract, EveryEventAddReportsTheWriteErrorAndKeepsTheEvent) {
  SmallFs fs(256 << 10);
  TBFAULT_NEED_SMALL_FS(fs);
  std::string run = fs.path() + "/run";
  auto w = Make(run, "every-event");
  FailedLog failed;
  failed.Attach(w.get());
  TagId t = w->Tag("x");
  ASSERT_TRUE(w->AddScalar(t, 0, 0).ok());
  fs.Fill();
  int errors = 0;
  for (int i = 1; i < 3000; ++i) {
    Status s = w->AddScalar(t, i, i);
    if (!s.ok()) {
      EXPECT_EQ(s.error_number(), ENOSPC) << s.ToString();
      ++errors;
    }
  }
  EXPECT_GT(errors, 0);
  EXPECT_EQ(w->watermarks().accepted, 3000u);
  EXPECT_LT(w->watermarks().flushed, 3000u);
  fs.Free();
  ASSERT_TRUE(w->Flush().ok());
  EXPECT_EQ(w->watermarks().flushed, 3000u);
  ASSERT_TRUE(w->Close().ok());
  ExpectEveryAcceptedEventAccountedFor(run, w.get(), &failed);
  EXPECT_TRUE(failed.seqs.empty());
}

// Flush after Close is refused with EBADF, promptly (the async thread is gone and would never
// answer).
TEST(Contract, FlushAfterCloseFailsInsteadOfHanging) {
  for (const char* policy : {"async", "buffered"}) {
    TempDir dir;
    auto w = Make(dir.path(), policy);
    ASSERT_TRUE(w->AddScalar("x", 0, 0).ok());
    ASSERT_TRUE(w->Close().ok());
    auto result = std::make_shared<std::promise<Status>>();
    std::future<Status> f = result->get_future();
    // Detached: if Flush hangs, the test fails instead of hanging with it.
    std::thread([w = w.get(), result] { result->set_value(w->Flush()); }).detach();
    if (f.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
      w.release();  // the hung thread still uses it.
      FAIL() << policy << ": Flush after Close hangs";
    }
    EXPECT_EQ(f.get().error_number(), EBADF) << policy;
    EXPECT_EQ(w->AddScalar("x", 1, 1).error_number(), EBADF) << policy;
  }
}

class VanishPolicy : public ::testing::TestWithParam<const char*> {};

// The run directory is deleted mid-run: the writer reports ENOENT, reports the events of the
// deleted file failed, and writes later events to a new file in a recreated directory.
TEST_P(VanishPolicy, DeletedRunDirectoryIsReportedAndWritingGoesOn) {
  TempDir dir;
  std::string run = dir.path() + "/run";
  auto w = Make(run, GetParam());
  FailedLog failed;
  failed.Attach(w.get());
  std::mutex mu;
  std::vector<int> errors;
  w->set_error_callback([&](const Status& s) {
    std::lock_guard<std::mutex> lock(mu);
    errors.push_back(s.error_number());
  });
  // One tag of each kind; step = sequence number - 1 throughout.
  TagId x = w->Tag("x"), h = w->Tag("h"), i = w->Tag("i"), txt = w->Tag("t");
  std::vector<double> values = {1, 2, 3};
  std::vector<uint8_t> pixels(2 * 2 * 3, 9);
  int64_t step = 0;
  auto add_each_kind = [&] {
    w->AddHistogram(h, step++, values).Ignore();
    w->AddImage(i, step++, pixels, 2, 2, 3).Ignore();
    w->AddText(txt, step++, "note").Ignore();
  };
  for (int n = 0; n < 100; ++n) ASSERT_TRUE(w->AddScalar(x, step++, 1).ok());
  add_each_kind();
  ASSERT_TRUE(w->Flush().ok());
  std::filesystem::remove_all(run);
  for (int n = 0; n < 50; ++n) w->AddScalar(x, step++, 1).Ignore();
  add_each_kind();
  w->Flush().Ignore();
  ASSERT_TRUE(w->Close().ok());
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_NE(std::find(errors.begin(), errors.end(), ENOENT), errors.end())
        << "no ENOENT reported";
  }
  {
    std::lock_guard<std::mutex> lock(failed.mu);
    EXPECT_EQ(failed.seqs.size(), 103u);
    EXPECT_EQ(failed.errnos, std::set<int>{ENOENT});
  }
  ExpectEveryAcceptedEventAccountedFor(run, w.get(), &failed);
  // In the new file, the first value of every tag carries its metadata again, so that readers
  // (which take a series' metadata from its first value) see each tag as its kind.
  auto rb = ReadRun(run);
  std::map<std::string, std::string> kinds;
  std::set<std::string> seen;
  for (const auto& v : rb.values) {
    if (seen.insert(v.tag).second) {
      EXPECT_TRUE(v.has_metadata) << "first value of '" << v.tag << "' lacks metadata";
    }
    kinds[v.tag] = v.kind;
  }
  EXPECT_EQ(kinds, (std::map<std::string, std::string>{
                       {"x", "scalar"}, {"h", "histogram"}, {"i", "image"}, {"t", "text"}}));
}

// The logdir's file system is unmounted (lazily, as `umount -l` does while a file is open): the
// descriptor still accepts writes, but no reader can reach them. The writer must notice and say so.
TEST_P(VanishPolicy, UnmountedLogdirIsReported) {
  SmallFs fs(1 << 20);
  TBFAULT_NEED_SMALL_FS(fs);
  std::string run = fs.path() + "/run";
  auto w = Make(run, GetParam());
  FailedLog failed;
  failed.Attach(w.get());
  TagId t = w->Tag("x");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(w->AddScalar(t, i, i).ok());
  ASSERT_TRUE(w->Flush().ok());
  ASSERT_EQ(::umount2(fs.path().c_str(), MNT_DETACH), 0) << std::strerror(errno);
  for (int i = 10; i < 20; ++i) w->AddScalar(t, i, i).Ignore();
  w->Flush().Ignore();
  ASSERT_TRUE(w->Close().ok());
  {
    std::lock_guard<std::mutex> lock(failed.mu);
    EXPECT_EQ(failed.seqs.size(), 10u)
        << "events written to the unmounted file system not reported";
  }
  // What a reader finds at the logdir now (the directory under the old mount point).
  ExpectEveryAcceptedEventAccountedFor(run, w.get(), &failed);
}

INSTANTIATE_TEST_SUITE_P(Policies, VanishPolicy,
                         ::testing::Values("every-event", "buffered", "async"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

}  // namespace
}  // namespace tbfault::writers
