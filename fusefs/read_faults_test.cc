// Read-side faults through a real mount: a reader sees a file only up to its last fsync or close
// (read_published), or zeros past it for a while after each write (read_zeros_ms).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "fusefs/rule_check.h"
#include "fusefs/test_mount.h"

namespace faultfs {
namespace {

using Clock = std::chrono::steady_clock;

// What a reader's fresh handle reads from the whole file.
std::string ReadAll(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return "<open failed>";
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(out.size()));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// What a reader holding its handle open reads at `off`.
std::string ReadAt(int fd, off_t off, size_t n) {
  std::string buf(n, '?');
  ssize_t got = ::pread(fd, buf.data(), n, off);
  buf.resize(got > 0 ? static_cast<size_t>(got) : 0);
  return buf;
}

int64_t SizeOf(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr char kPublished[] =
    "rule { ops: [\"read\", \"getattr\", \"lookup\"] path: \"/run/*\" "
    "effect { read_published: true } }";

TEST(FaultfsReadFaults, ReadersSeeAFileOnlyUpToItsLastFsyncOrClose) {
  FAULTFS_MOUNT(m, {}, kPublished);
  ASSERT_EQ(::mkdir(m.M("/run").c_str(), 0755), 0);
  int w = ::open(m.M("/run/events").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  ASSERT_GE(w, 0);
  std::string a(100, 'a'), b(50, 'b');
  ASSERT_EQ(::write(w, a.data(), a.size()), 100);
  int r = ::open(m.M("/run/events").c_str(), O_RDONLY);  // a reader keeping its handle.
  ASSERT_GE(r, 0);
  EXPECT_EQ(ReadAt(r, 0, 4096), "");  // written, not yet fsynced nor closed: nothing.
  EXPECT_EQ(ReadAll(m.M("/run/events")), "");
  EXPECT_EQ(SizeOf(m.M("/run/events")), 0);
  EXPECT_EQ(Slurp(m.B("/run/events")), a);  // on the backing store all along.
  ASSERT_EQ(::fsync(w), 0);
  EXPECT_EQ(ReadAt(r, 0, 4096), a);
  EXPECT_EQ(SizeOf(m.M("/run/events")), 100);
  ASSERT_EQ(::write(w, b.data(), b.size()), 50);
  EXPECT_EQ(ReadAt(r, 100, 4096), "");  // the new bytes wait for the next fsync or close.
  EXPECT_EQ(ReadAll(m.M("/run/events")), a);
  EXPECT_EQ(SizeOf(m.M("/run/events")), 100);
  ASSERT_EQ(::close(w), 0);
  EXPECT_EQ(ReadAt(r, 100, 4096), b);
  EXPECT_EQ(ReadAll(m.M("/run/events")), a + b);
  EXPECT_EQ(SizeOf(m.M("/run/events")), 150);
  ::close(r);
  // A file outside the rule's glob is read as it is.
  w = ::open(m.M("/other").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  ASSERT_EQ(::write(w, a.data(), a.size()), 100);
  EXPECT_EQ(ReadAll(m.M("/other")), a);
  ::close(w);
  EXPECT_NE(Slurp(m.trace()).find(":read-published"), std::string::npos);
  EXPECT_EQ(m.Unmount(), 0);
}

TEST(FaultfsReadFaults, AReadPublishedRuleAddedByControlAppliesToReadersOpenedAfterIt) {
  FAULTFS_MOUNT(m);
  std::string a(64, 'x');
  int w = ::open(m.M("/f").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  ASSERT_EQ(::write(w, a.data(), a.size()), 64);
  EXPECT_EQ(ReadAll(m.M("/f")), a);  // no rule: the reader sees what was written.
  m.Ctl("add-rule ops: \"read\" effect { read_published: true }");
  ASSERT_EQ(::write(w, a.data(), a.size()), 64);
  EXPECT_EQ(ReadAll(m.M("/f")), "");  // nothing was fsynced or closed yet.
  ASSERT_EQ(::fdatasync(w), 0);
  EXPECT_EQ(ReadAll(m.M("/f")), a + a);
  ::close(w);
}

// The kernel does not say which handle a stat comes from, so the writer's stat shows the published
// size too; an O_APPEND writer still appends at the real end (the backing descriptor appends), and
// its lseek to the end (a getattr the kernel sends with its handle) finds the real size.
TEST(FaultfsReadFaults, AnAppendingWriterWritesAtTheRealEndWhileStatShowsThePublishedSize) {
  FAULTFS_MOUNT(m, {}, kPublished);
  ASSERT_EQ(::mkdir(m.M("/run").c_str(), 0755), 0);
  int w = ::open(m.M("/run/log").c_str(), O_CREAT | O_WRONLY | O_APPEND, 0644);
  ASSERT_GE(w, 0);
  std::string a(100, 'a'), b(50, 'b');
  ASSERT_EQ(::write(w, a.data(), a.size()), 100);
  EXPECT_EQ(SizeOf(m.M("/run/log")), 0);
  ASSERT_EQ(::write(w, b.data(), b.size()), 50);
  EXPECT_EQ(SizeOf(m.M("/run/log")), 0);
  EXPECT_EQ(::lseek(w, 0, SEEK_END), 150);  // through its own handle: the real size.
  EXPECT_EQ(SizeOf(m.M("/run/log")), 0);    // ... not cached for the others.
  ASSERT_EQ(::close(w), 0);
  EXPECT_EQ(Slurp(m.B("/run/log")), a + b);
  EXPECT_EQ(ReadAll(m.M("/run/log")), a + b);
  EXPECT_EQ(m.Unmount(), 0);
}

TEST(FaultfsReadFaults, ReadsPastTheLastFsyncAreZerosForAWindowAfterEachWrite) {
  constexpr int kWindowMs = 1500;
  FAULTFS_MOUNT(m, {},
                "rule { ops: \"read\" path: \"/run/*\" effect { read_zeros_ms: " +
                    std::to_string(kWindowMs) + " } }");
  ASSERT_EQ(::mkdir(m.M("/run").c_str(), 0755), 0);
  int w = ::open(m.M("/run/events").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  ASSERT_GE(w, 0);
  std::string a(100, 'a'), b(60, 'b');
  ASSERT_EQ(::write(w, a.data(), a.size()), 100);
  ASSERT_EQ(::fsync(w), 0);
  ASSERT_EQ(::write(w, b.data(), b.size()), 60);
  auto written = Clock::now();
  int r = ::open(m.M("/run/events").c_str(), O_RDONLY);
  ASSERT_GE(r, 0);
  EXPECT_EQ(SizeOf(m.M("/run/events")), 160);  // the size is visible at once ...
  std::string first = ReadAt(r, 0, 4096);
  auto read_at = Clock::now();
  ASSERT_LT(read_at - written, std::chrono::milliseconds(kWindowMs)) << "machine too slow";
  EXPECT_EQ(first, a + std::string(60, '\0'));  // ... the data past the fsync is not.
  // Poll as a reader would: the real bytes appear once the window after the write is over.
  std::string now;
  Clock::time_point seen;
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    now = ReadAt(r, 100, 4096);
    seen = Clock::now();
  } while (now != b && seen - written < std::chrono::seconds(10));
  EXPECT_EQ(now, b);
  EXPECT_GE(seen - written, std::chrono::milliseconds(kWindowMs));
  // Every write opens the window again; a close ends it (close-to-open: the bytes have landed).
  ASSERT_EQ(::write(w, a.data(), a.size()), 100);
  EXPECT_EQ(ReadAt(r, 160, 4096), std::string(100, '\0'));
  ASSERT_EQ(::close(w), 0);
  EXPECT_EQ(ReadAt(r, 160, 4096), a);
  ::close(r);
  EXPECT_EQ(Slurp(m.B("/run/events")), a + b + a);  // the disk was right all along.
  EXPECT_NE(Slurp(m.trace()).find(":read-zeros=" + std::to_string(kWindowMs)), std::string::npos);
  EXPECT_EQ(m.Unmount(), 0);
}

TEST(FaultfsReadFaults, RulesAreCheckedForValuesAndOps) {
  std::string error;
  EXPECT_TRUE(CheckRuleText("effect { read_zeros_ms: 10 }", &error)) << error;
  EXPECT_TRUE(CheckRuleText("ops: \"getattr\" effect { read_published: true }", &error)) << error;
  EXPECT_FALSE(CheckRuleText("effect { read_zeros_ms: 0 }", &error));
  EXPECT_EQ(error, "effect.read_zeros_ms: must be > 0");
  EXPECT_FALSE(CheckRuleText("effect { read_published: false }", &error));
  EXPECT_EQ(error, "effect.read_published: must be true");
  EXPECT_FALSE(CheckRuleText("ops: \"write\" effect { read_published: true }", &error));
  EXPECT_EQ(error, "effect.read_published: needs op read, getattr or lookup");
  EXPECT_FALSE(CheckRuleText("ops: \"getattr\" effect { read_zeros_ms: 5 }", &error));
  EXPECT_EQ(error, "effect.read_zeros_ms: needs the op read");
}

}  // namespace
}  // namespace faultfs
