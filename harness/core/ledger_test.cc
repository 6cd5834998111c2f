#include "harness/core/ledger.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "harness/core/test_logdir.h"

namespace tbfault::core {
namespace {

TEST(LedgerTest, RoundTripsEntriesNamesWatermarksAndFailures) {
  testing::TempLogdir dir;
  std::string path = dir.path() + "/ledger";
  std::unique_ptr<LedgerWriter> w;
  ASSERT_TRUE(LedgerWriter::Create(path, 16, 8, &w).ok());
  uint32_t loss = w->Series("train", "loss");
  uint32_t img = w->Series(".", "images/x");
  ASSERT_EQ(loss, 0u);
  ASSERT_EQ(img, 1u);
  EXPECT_TRUE(w->AppendScalar(loss, 7, 0.25f, 50, 1000));
  EXPECT_TRUE(w->Append(img, 8, Kind::kImage, 0, 0xabcdef, 640, 480, 9000, 2000));
  w->SetWatermarks(2, 1, 1, 0);
  w->SetWatermarks(1, 0, 0, 0);  // lower reports are ignored.
  w->AddFailed(2, 2, ENOSPC);
  w->MarkClosedCleanly();

  LedgerContents c;
  ASSERT_TRUE(ReadLedger(path, &c).ok());
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[0].seq, 1u);
  EXPECT_EQ(c.events[0].run, "train");
  EXPECT_EQ(c.events[0].tag, "loss");
  EXPECT_EQ(c.events[0].step, 7);
  EXPECT_TRUE(Matches(c.events[0].value, ScalarValue(0.25f)));
  EXPECT_EQ(c.events[0].bytes, 50u);
  EXPECT_EQ(c.events[1].seq, 2u);
  EXPECT_EQ(c.events[1].tag, "images/x");
  EXPECT_TRUE(Matches(c.events[1].value, ImageValue(640, 480, 0xabcdef)));
  EXPECT_EQ(c.events[1].t_ns, 2000u);
  EXPECT_EQ(c.acks.accepted, 2u);
  EXPECT_EQ(c.acks.written, 1u);
  EXPECT_EQ(c.acks.synced, 0u);
  EXPECT_EQ(c.acks.FailedErrno(2), ENOSPC);
  EXPECT_EQ(c.acks.FailedErrno(1), 0);
  EXPECT_TRUE(c.closed_cleanly);
}

TEST(LedgerTest, FullLedgerRefusesAndCounts) {
  testing::TempLogdir dir;
  std::unique_ptr<LedgerWriter> w;
  ASSERT_TRUE(LedgerWriter::Create(dir.path() + "/l", 2, 1, &w).ok());
  uint32_t s = w->Series(".", "x");
  EXPECT_TRUE(w->AppendScalar(s, 0, 1, 0, 0));
  EXPECT_TRUE(w->AppendScalar(s, 1, 1, 0, 0));
  EXPECT_FALSE(w->AppendScalar(s, 2, 1, 0, 0));
  EXPECT_EQ(w->Series(".", "y"), UINT32_MAX);  // the series table is full too.
  LedgerContents c;
  ASSERT_TRUE(ReadLedger(dir.path() + "/l", &c).ok());
  EXPECT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.overflow, 1u);
}

// An add the process died in is known (explore's crash right after an add call's fsync: the event
// is on disk though the call never returned); a refused or finished one is not doubled.
TEST(LedgerTest, AStagedAddIsTheLastEventOnlyUntilItSettles) {
  testing::TempLogdir dir;
  std::string path = dir.path() + "/l";
  std::unique_ptr<LedgerWriter> w;
  ASSERT_TRUE(LedgerWriter::Create(path, 16, 4, &w).ok());
  uint32_t s = w->Series(".", "loss");
  LedgerContents c;
  w->Stage(s, 0, Kind::kScalar, 0.5, 0, 0, 0, 4, 10);  // accepted: counted once.
  ASSERT_TRUE(w->AppendScalar(s, 0, 0.5f, 4, 10));
  w->Settle();
  w->Stage(s, 1, Kind::kScalar, 1.5, 0, 0, 0, 4, 20);  // refused: forgotten.
  w->Settle();
  ASSERT_TRUE(ReadLedger(path, &c).ok());
  EXPECT_EQ(c.events.size(), 1u);
  w->Stage(s, 2, Kind::kScalar, 2.5, 0, 0, 0, 4, 30);  // ... and the process dies in it.
  ASSERT_TRUE(ReadLedger(path, &c).ok());
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[1].seq, 2u);
  EXPECT_EQ(c.events[1].step, 2);
  EXPECT_EQ(c.events[1].value.number, 2.5);
  w->MarkClosedCleanly();  // a clean close had no add under way.
  ASSERT_TRUE(ReadLedger(path, &c).ok());
  EXPECT_EQ(c.events.size(), 1u);
}

// The point of the ledger: a child that appends and is SIGKILLed mid-way loses nothing it recorded.
TEST(LedgerTest, SurvivesSigkillOfTheWritingChild) {
  testing::TempLogdir dir;
  std::string path = dir.path() + "/ledger";
  std::unique_ptr<LedgerWriter> w;
  constexpr uint64_t kCapacity = 2'000'000;  // >= 2 s of appends at the child's pace below.
  ASSERT_TRUE(LedgerWriter::Create(path, kCapacity, 4, &w).ok());
  uint32_t s = w->Series("run", "loss");
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    for (uint64_t i = 0;; ++i) {
      w->AppendScalar(s, static_cast<int64_t>(i), static_cast<float>(i % 1000), 40, i);
      if (i % 64 == 0) w->SetWatermarks(i + 1, i / 2, i / 4, i / 8);
      if (i % 1000 == 999) ::usleep(1000);
      if (i + 1 == kCapacity) ::pause();
    }
  }
  struct KillOnExit {  // never leave the child running when an assertion fails.
    pid_t pid;
    ~KillOnExit() {
      if (pid > 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
    }
  } guard{pid};
  LedgerContents c;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_TRUE(ReadLedger(path, &c).ok());
  } while (c.events.size() < 100'000 && std::chrono::steady_clock::now() < deadline);
  ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  guard.pid = 0;
  ASSERT_TRUE(WIFSIGNALED(status));
  w.reset();

  ASSERT_TRUE(ReadLedger(path, &c).ok());
  ASSERT_GE(c.events.size(), 100'000u);
  ASSERT_LT(c.events.size(), kCapacity);  // killed mid-way.
  for (size_t i = 0; i < c.events.size(); ++i) {
    const LoggedEvent& e = c.events[i];
    ASSERT_EQ(e.seq, i + 1);
    ASSERT_EQ(e.step, static_cast<int64_t>(i));
    ASSERT_EQ(e.value.number, static_cast<float>(i % 1000));
    ASSERT_EQ(e.tag, "loss");
  }
  EXPECT_GT(c.acks.accepted, 0u);
  EXPECT_LE(c.acks.accepted, c.events.size());
  EXPECT_FALSE(c.closed_cleanly);
}

TEST(LedgerTest, BadFilesAreErrorsNamingThem) {
  testing::TempLogdir dir;
  LedgerContents c;
  Status s = ReadLedger(dir.path() + "/missing", &c);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find(dir.path() + "/missing"), std::string::npos);
  std::string junk = dir.path() + "/junk";
  std::ofstream(junk) << std::string(5000, 'x');
  s = ReadLedger(junk, &c);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("not a ledger"), std::string::npos);
}

}  // namespace
}  // namespace tbfault::core
