#include "writers/summary_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <new>
#include <set>
#include <thread>

#include "writers/test_util.h"

// Counts heap allocations (and their bytes) made by any thread while counting is on: the tests
// below run one writer, so that is the caller's thread and the writer's own.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"  // malloc'd by the operator new below.
namespace {
std::atomic<bool> counting{false};
std::atomic<uint64_t> allocations{0}, allocated_bytes{0};
void Count(std::size_t n) {
  if (counting.load(std::memory_order_relaxed)) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    allocated_bytes.fetch_add(n, std::memory_order_relaxed);
  }
}
// Counts from construction until destruction, even when an ASSERT returns early.
struct CountingScope {
  CountingScope() {
    allocations = 0;
    allocated_bytes = 0;
    counting = true;
  }
  ~CountingScope() { counting = false; }
};
}  // namespace
void* operator new(std::size_t n) {
  Count(n);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t align) {  // queue cells are over-aligned.
  Count(n);
  size_t a = static_cast<size_t>(align);
  if (void* p = std::aligned_alloc(a, (n + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace tbfault::writers {
namespace {

using testing::ReadRun;
using testing::SmallFs;
using testing::TempDir;

std::unique_ptr<SummaryWriter> Make(const std::string& dir, const std::string& policy) {
  std::unique_ptr<SummaryWriter> w;
  Status s = SummaryWriter::Create({dir, policy, ""}, &w);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return w;
}

class EveryPolicy : public ::testing::TestWithParam<const char*> {};

TEST_P(EveryPolicy, EverythingWrittenIsReadBackExactly) {
  TempDir dir;
  auto w = Make(dir.path(), GetParam());
  ASSERT_TRUE(w);
  TagId loss = w->Tag("loss"), acc = w->Tag("acc");
  EXPECT_EQ(w->Tag("loss"), loss);  // interned.
  std::vector<double> values = {1, 2, 3, 4};
  std::vector<uint8_t> pixels(4 * 4 * 3, 7);
  for (int step = 0; step < 300; ++step) {
    ASSERT_TRUE(w->AddScalar(loss, step, step * 0.5f).ok());
    ASSERT_TRUE(w->AddScalar(acc, step, 1.0f / (step + 1)).ok());
  }
  ASSERT_TRUE(w->AddHistogram(w->Tag("w"), 5, values).ok());
  ASSERT_TRUE(w->AddImage(w->Tag("img"), 6, pixels, 4, 4, 3).ok());
  ASSERT_TRUE(w->AddText(w->Tag("note"), 7, "hello").ok());
  ASSERT_TRUE(w->Flush().ok());
  Watermarks m = w->watermarks();
  EXPECT_EQ(m.accepted, 603u);
  EXPECT_EQ(m.written, 603u);
  EXPECT_EQ(m.flushed, 603u);
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(w->AddScalar(loss, 1, 1).error_number(), EBADF);

  auto rb = ReadRun(dir.path());
  EXPECT_EQ(rb.anomalies, 0);
  EXPECT_EQ(rb.first_event_kind, "file_version");
  ASSERT_EQ(rb.values.size(), 603u);
  std::map<std::string, int> count, with_metadata;
  for (size_t i = 0; i < rb.values.size(); ++i) {
    const auto& v = rb.values[i];
    ++count[v.tag];
    with_metadata[v.tag] += v.has_metadata;
    if (v.tag == "loss") {
      EXPECT_EQ(v.scalar, v.step * 0.5f);
    }
    if (count[v.tag] == 1) {
      EXPECT_TRUE(v.has_metadata) << v.tag;  // on the first value only.
    }
  }
  for (auto& [tag, n] : with_metadata) EXPECT_EQ(n, 1) << tag;
  EXPECT_EQ(count["loss"], 300);
  EXPECT_EQ(rb.values.back().kind, "text");
}

INSTANTIATE_TEST_SUITE_P(Policies, EveryPolicy,
                         ::testing::Values("every-event", "buffered", "buffered:events=7",
                                           "periodic:ms=1", "async", "async:queue=8", "tf2-like",
                                           "tensorboardx-like", "pytorch-like",
                                           "every-event+durable", "async+durable"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

TEST(SummaryWriter, BadPolicyMakesNoWriter) {
  TempDir dir;
  std::unique_ptr<SummaryWriter> w;
  Status s = SummaryWriter::Create({dir.path(), "nonsense", ""}, &w);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(w);
}

TEST(SummaryWriter, AsyncAddScalarAllocatesNothingAfterWarmUp) {
  TempDir dir;
  auto w = Make(dir.path(), "async:queue=1048576");
  TagId t = w->Tag("loss");
  // Warm-up: the pending buffer grows (geometrically, never shrinking) to what a flush at the
  // policy's byte threshold (4 MB) needs; 200,000 records are ~7 MB.
  for (int i = 0; i < 200000; ++i) ASSERT_TRUE(w->AddScalar(t, i, 1.0f).ok());
  ASSERT_TRUE(w->Flush().ok());
  {
    CountingScope scope;
    for (int i = 0; i < 100000; ++i) ASSERT_TRUE(w->AddScalar(t, i, 1.0f).ok());
    ASSERT_TRUE(w->Flush().ok());  // the writer's thread encodes and writes them all: no heap.
  }
  EXPECT_EQ(allocations, 0u);
  ASSERT_TRUE(w->Close().ok());
}

TEST(SummaryWriter, AWriterWithAFewTagsTakesLittleMemory) {
  TempDir dir;
  {
    CountingScope scope;
    auto w = Make(dir.path(), "buffered");  // no queue: what is left is the writer itself.
    for (int t = 0; t < 10; ++t)
      ASSERT_TRUE(w->AddScalar(w->Tag(std::to_string(t) + "t"), 1, 1).ok());
    ASSERT_TRUE(w->Close().ok());
  }
  // The pending buffer (64 KiB) and one chunk of tag entries; not an entry for every possible tag.
  EXPECT_LT(allocated_bytes.load(), uint64_t{1} << 20);
}

TEST(SummaryWriter, TagsBeyondTheLimitAreRefused) {
  TempDir dir;
  auto w = Make(dir.path(), "buffered");
  for (size_t t = 0; t < TagTable::kMaxTags; ++t) {
    ASSERT_EQ(w->Tag(std::to_string(t) + "t"), t);
  }
  EXPECT_EQ(w->Tag("one-too-many"), TagTable::kMaxTags);
  EXPECT_EQ(w->AddScalar(TagTable::kMaxTags, 1, 1).error_number(), EINVAL);
  EXPECT_EQ(w->Tag("65535t"), TagTable::kMaxTags - 1);  // still found.
  ASSERT_TRUE(w->AddScalar(TagTable::kMaxTags - 1, 1, 1).ok());
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(ReadRun(dir.path()).values.size(), 1u);
}

TEST(SummaryWriter, ManyProducersEveryEventAccountedFor) {
  TempDir dir;
  auto w = Make(dir.path(), "async:queue=64,overflow=drop-oldest");
  std::mutex mu;
  std::set<uint64_t> failed;
  w->set_failed_callback([&](uint64_t a, uint64_t b, int err) {
    EXPECT_EQ(err, ENOBUFS);
    std::lock_guard<std::mutex> lock(mu);
    for (uint64_t s = a; s <= b; ++s) failed.insert(s);
  });
  TagId t = w->Tag("x");
  std::vector<std::thread> threads;
  for (int p = 0; p < 4; ++p) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) ASSERT_TRUE(w->AddScalar(t, i, 1).ok());
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(w->Close().ok());
  Counters c = w->counters();
  EXPECT_EQ(c.accepted, 80000u);
  EXPECT_EQ(c.dropped, failed.size());
  auto rb = ReadRun(dir.path());
  EXPECT_EQ(rb.anomalies, 0);
  EXPECT_EQ(rb.values.size() + failed.size(), 80000u);  // nothing lost silently.
}

TEST(SummaryWriter, DropNewestRefusesAndCounts) {
  TempDir dir;
  auto w = Make(dir.path(), "async:queue=2,overflow=drop-newest");
  TagId t = w->Tag("x");
  uint64_t refused = 0;
  for (int i = 0; i < 20000; ++i) {
    Status s = w->AddScalar(t, i, 1);
    if (!s.ok()) {
      EXPECT_EQ(s.error_number(), ENOBUFS);
      ++refused;
    }
  }
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(w->counters().dropped, refused);
  EXPECT_EQ(ReadRun(dir.path()).values.size(), 20000u - refused);
}

class FaultPolicy : public ::testing::TestWithParam<const char*> {};

TEST_P(FaultPolicy, DiskFullIsReportedThenWritingResumes) {
  SmallFs fs(256 << 10);
  TBFAULT_NEED_SMALL_FS(fs);
  std::string run = fs.path() + "/run";
  auto w = Make(run, GetParam());
  std::vector<Status> errors;
  std::mutex mu;
  w->set_error_callback([&](const Status& s) {
    std::lock_guard<std::mutex> lock(mu);
    errors.push_back(s);
  });
  TagId t = w->Tag("loss");
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(w->AddScalar(t, i, i).ok());
  ASSERT_TRUE(w->Flush().ok());
  fs.Fill();
  for (int i = 100; i < 5000; ++i) w->AddScalar(t, i, i).Ignore();
  Status s = w->Flush();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error_number(), ENOSPC);
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_FALSE(errors.empty());
    EXPECT_EQ(errors.back().error_number(), ENOSPC);
  }
  EXPECT_GT(w->counters().errors_by_errno[ENOSPC], 0u);
  EXPECT_LT(w->watermarks().flushed, 5000u);
  EXPECT_EQ(ReadRun(run).anomalies, 0);  // no torn record while full.

  fs.Free();
  ASSERT_TRUE(w->Flush().ok());  // resumes without reopening.
  EXPECT_EQ(w->watermarks().flushed, 5000u);
  ASSERT_TRUE(w->Close().ok());
  auto rb = ReadRun(run);
  EXPECT_EQ(rb.anomalies, 0);
  ASSERT_EQ(rb.values.size(), 5000u);
  for (size_t i = 0; i < rb.values.size(); ++i) EXPECT_EQ(rb.values[i].step, int64_t(i));
}

INSTANTIATE_TEST_SUITE_P(Policies, FaultPolicy,
                         ::testing::Values("every-event", "buffered", "async"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

TEST(SummaryWriter, DurableFlushFsyncs) {
  TempDir dir;
  auto w = Make(dir.path(), "buffered+durable");
  ASSERT_TRUE(w->AddScalar("x", 1, 1).ok());
  ASSERT_TRUE(w->Flush().ok());
  EXPECT_EQ(w->watermarks().synced, 1u);
  EXPECT_GE(w->counters().syncs, 1u);
  auto plain = Make(dir.path() + "/b", "buffered");
  ASSERT_TRUE(plain->AddScalar("x", 1, 1).ok());
  ASSERT_TRUE(plain->Flush().ok());
  EXPECT_EQ(plain->watermarks().synced, 0u);
  ASSERT_TRUE(plain->Sync().ok());
  EXPECT_EQ(plain->watermarks().synced, 1u);
}

// The Python writers' presets hand each full file buffer (8 KiB) to the kernel, without a flush:
// after a crash of the process the kernel has all but the last buffer's worth.
TEST(SummaryWriter, PresetsWriteAFileBufferAtATimeWithoutFlushing) {
  for (const char* policy : {"pytorch-like", "tensorboardx-like", "buffered:bytes=0,write=8192"}) {
    TempDir dir;
    auto w = Make(dir.path(), policy);
    TagId t = w->Tag("loss");
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(w->AddScalar(t, i, 1.0f).ok());  // ~55 KB.
    Watermarks m;
    // Records here are ~50 bytes: all but fewer than 8192 / 50 = 164 of them reach the kernel.
    for (int tries = 0; tries < 2000 && (m = w->watermarks()).written < 836; ++tries) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_GE(m.written, 836u) << policy;
    EXPECT_EQ(m.flushed, 0u) << policy;
    EXPECT_EQ(w->counters().flushes, 0u) << policy;
    EXPECT_EQ(w->counters().syncs, 0u) << policy;
    // A reader sees what was written (the thread may write one more buffer meanwhile).
    const size_t seen = ReadRun(dir.path(), /*expect_clean=*/false).values.size();
    EXPECT_GE(seen, m.written) << policy;
    EXPECT_LE(seen, w->watermarks().written) << policy;
    ASSERT_TRUE(w->Close().ok());
    EXPECT_EQ(ReadRun(dir.path()).values.size(), 1000u) << policy;
  }
}

// `write=N` hands bytes over without flushing; the byte and event thresholds still count everything
// since the last flush, so they still fire.
TEST(SummaryWriter, WriteThresholdKeepsTheFlushThresholds) {
  for (const char* policy :
       {"buffered:bytes=16384,write=4096", "buffered:bytes=0,events=300,write=4096"}) {
    TempDir dir;
    auto w = Make(dir.path(), policy);
    TagId t = w->Tag("loss");
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(w->AddScalar(t, i, 1.0f).ok());  // ~50 KB.
    EXPECT_GE(w->counters().flushes, 2u) << policy;
    EXPECT_GE(w->watermarks().flushed, 600u) << policy;
    ASSERT_TRUE(w->Close().ok());
  }
}

TEST(SummaryWriter, UnwritableLogdirIsReportedAtCreate) {
  SmallFs fs(16 << 10);
  TBFAULT_NEED_SMALL_FS(fs);
  fs.Fill();
  std::unique_ptr<SummaryWriter> w;
  Status s = SummaryWriter::Create({fs.path() + "/run", "buffered", ""}, &w);
  EXPECT_EQ(s.error_number(), ENOSPC) << s.ToString();
  ASSERT_TRUE(w);  // made anyway: it retries when space comes back.
  ASSERT_TRUE(w->AddScalar("x", 1, 1).ok());
  fs.Free();
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(ReadRun(fs.path() + "/run").values.size(), 1u);
}

TEST(SummaryWriter, ReadOnlyFileSystemIsReportedAndWritingResumesWhenWritable) {
  SmallFs fs(1 << 20);
  TBFAULT_NEED_SMALL_FS(fs);
  ASSERT_TRUE(fs.Remount(true)) << std::strerror(errno);
  std::unique_ptr<SummaryWriter> w;
  Status s = SummaryWriter::Create({fs.path() + "/run", "buffered", ""}, &w);
  EXPECT_EQ(s.error_number(), EROFS) << s.ToString();
  ASSERT_TRUE(w);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(w->AddScalar("x", i, i).ok());
  s = w->Flush();
  EXPECT_EQ(s.error_number(), EROFS) << s.ToString();
  EXPECT_EQ(w->watermarks().flushed, 0u);
  ASSERT_TRUE(fs.Remount(false)) << std::strerror(errno);
  ASSERT_TRUE(w->Flush().ok());  // the same writer, no reopen.
  EXPECT_EQ(w->watermarks().flushed, 10u);
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(ReadRun(fs.path() + "/run").values.size(), 10u);
}

}  // namespace
}  // namespace tbfault::writers
