// The slow mutants write what SummaryWriter writes, and are slower by what they claim: lower
// bounds only (a loaded machine can only make a call slower), the gate measures the rest
// (bench/gate_bench.cc, ctest -L gate).
#include "writers/mutants/slow_writer.h"

#include <gtest/gtest.h>

#include <chrono>

#include "writers/test_util.h"
#include "writers/writer_factory.h"

namespace tbfault::writers {
namespace {

using testing::ReadRun;
using testing::TempDir;
using Clock = std::chrono::steady_clock;

TEST(SlowWriter, FactoryMakesAndChecksTheSpecs) {
  for (const char* spec : {"mutant:slow-add-1us", "mutant:slow-30pct", "mutant:slow-30pct:async",
                           "mutant:slow-add-1us:async:queue=1024+durable"}) {
    TempDir dir;
    std::unique_ptr<EventWriter> w;
    EXPECT_TRUE(MakeWriter(spec, dir.path(), &w).ok()) << spec;
    EXPECT_NE(dynamic_cast<SlowWriter*>(w.get()), nullptr) << spec;
    EXPECT_TRUE(CheckWriterSpec(spec).ok()) << spec;
  }
  for (const char* spec : {"mutant:slow-", "mutant:slow-2us", "mutant:slow-30pct:warp",
                           "mutant:slow-add-1us:async:queue=0"}) {
    TempDir dir;
    std::unique_ptr<EventWriter> w;
    EXPECT_FALSE(MakeWriter(spec, dir.path(), &w).ok()) << spec;
    EXPECT_FALSE(CheckWriterSpec(spec).ok()) << spec;
  }
}

// Slowed, not broken: every value reaches the file as with the writer it wraps.
TEST(SlowWriter, WritesWhatItsWriterWrites) {
  for (const char* spec : {"mutant:slow-add-1us:async", "mutant:slow-30pct:every-event"}) {
    TempDir dir;
    std::unique_ptr<EventWriter> w;
    ASSERT_TRUE(MakeWriter(spec, dir.path(), &w).ok()) << spec;
    TagId tag = w->Tag("loss");
    for (int i = 0; i < 500; ++i) ASSERT_TRUE(w->AddScalar(tag, i, 0.5f * i).ok());
    ASSERT_TRUE(w->Close().ok());
    EXPECT_EQ(w->watermarks().flushed, 500u) << spec;
    auto rb = ReadRun(dir.path());
    ASSERT_EQ(rb.values.size(), 500u) << spec;
    EXPECT_EQ(rb.values[499].step, 499);
    EXPECT_EQ(rb.values[499].scalar, 0.5f * 499);
  }
}

TEST(SlowWriter, OneMicrosecondPerAdd) {
  TempDir dir;
  std::unique_ptr<EventWriter> w;
  ASSERT_TRUE(MakeWriter("mutant:slow-add-1us:buffered", dir.path(), &w).ok());
  auto* slow = dynamic_cast<SlowWriter*>(w.get());
  TagId tag = w->Tag("loss");
  Clock::time_point t0 = Clock::now();
  for (int i = 0; i < 2000; ++i) w->AddScalar(tag, i, 1.0f).Ignore();
  auto took = Clock::now() - t0;
  EXPECT_GE(took, std::chrono::microseconds(2000));
  EXPECT_GE(slow->busy_waited(), std::chrono::microseconds(2000));
  auto before = slow->busy_waited();
  w->Flush().Ignore();  // only the adds are slowed.
  EXPECT_EQ(slow->busy_waited(), before);
}

// It repays 30% of its own time: the busy-wait is about 30% of the rest (one add in 7 timed, and
// the clock reads booked against it: a few tens of ns per call against a write and an fsync here),
// and at least half of that whatever the machine's load.
TEST(SlowWriter, ThirtyPercentOfItsOwnTime) {
  TempDir dir;
  std::unique_ptr<EventWriter> w;
  ASSERT_TRUE(MakeWriter("mutant:slow-30pct:every-event+durable", dir.path(), &w).ok());
  auto* slow = dynamic_cast<SlowWriter*>(w.get());
  TagId tag = w->Tag("loss");
  Clock::time_point t0 = Clock::now();
  for (int i = 0; i < 700; ++i) w->AddScalar(tag, i, 1.0f).Ignore();
  w->Close().Ignore();
  auto took = Clock::now() - t0;
  auto busy = slow->busy_waited();
  ASSERT_GT(took, busy);
  double share = std::chrono::duration<double>(busy) / std::chrono::duration<double>(took - busy);
  EXPECT_GE(share, 0.15) << "busy " << busy.count() << " ns of " << took.count() << " ns";
}

}  // namespace
}  // namespace tbfault::writers
