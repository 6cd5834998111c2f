#include "harness/core/doctor_watch.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "harness/core/test_logdir.h"

namespace tbfault::core {
namespace {

using testing::TempLogdir;

void WriteAll(int fd, const std::string& b) {
  if (::write(fd, b.data(), b.size()) != static_cast<ssize_t>(b.size())) ::_exit(3);
}

// A writer process that keeps writing: 60 scalars, then 12 bytes of garbage where a header
// should be (the damage, planted while it runs), then 100 more scalars that no TensorBoard reader
// reaches. Returns the damage's offset through a pipe.
pid_t StartWriter(const std::string& file, int report_fd) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) ::_exit(2);
  std::string b;
  format::AppendEventRecord(&b, format::FileVersionEvent(1.0));
  WriteAll(fd, b);
  uint64_t offset = b.size();
  for (int step = 0; step < 160; ++step) {
    if (step == 60) {
      if (::write(report_fd, &offset, sizeof(offset)) != sizeof(offset)) ::_exit(4);
      WriteAll(fd, std::string(12, '\x5a'));
      offset += 12;
    }
    b.clear();
    format::AppendEventRecord(&b, format::ScalarEvent(1.0 + step, step, "loss", step, step == 0));
    WriteAll(fd, b);
    offset += b.size();
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  ::_exit(0);
}

TEST(DoctorWatchTest, FollowsALiveWriterAndReportsDamageOnceAsItArises) {
  TempLogdir dir;
  std::string file = dir.WriteFile(".", 1, "");
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t writer = StartWriter(file, pipe_fds[1]);
  ASSERT_GT(writer, 0);
  DoctorWatch watch(dir.path(), /*stall_polls=*/3);
  std::vector<WatchFinding> found;
  std::vector<uint64_t> found_at_poll;
  int status = 0;
  bool running = true;
  while (running) {
    running = ::waitpid(writer, &status, WNOHANG) == 0;
    size_t before = found.size();
    ASSERT_TRUE(watch.Poll(&found).ok());
    for (size_t i = before; i < found.size(); ++i) found_at_poll.push_back(watch.polls());
    if (running) std::this_thread::sleep_for(std::chrono::milliseconds(15));
  }
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  uint64_t damage = 0;
  ASSERT_EQ(::read(pipe_fds[0], &damage, sizeof(damage)), static_cast<ssize_t>(sizeof(damage)));
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  ASSERT_TRUE(watch.Poll(&found).ok());  // nothing new after the writer is done.

  int dead = 0, stalled = 0;
  for (size_t i = 0; i < found.size(); ++i) {
    const Finding& f = found[i].finding;
    if (f.kind == FindingKind::kDeadFile) {
      ++dead;
      EXPECT_EQ(f.file, file);
      EXPECT_EQ(f.offset, damage);
      EXPECT_LT(found_at_poll.at(i), watch.polls()) << "reported while the writer ran";
    }
    if (f.kind == FindingKind::kStalled) ++stalled;
    EXPECT_NE(f.kind, FindingKind::kTruncatedTail) << f.summary;  // a record mid-write only.
  }
  EXPECT_EQ(dead, 1);  // once, though every later poll still sees it.
  EXPECT_GE(stalled, 1);
  EXPECT_GT(watch.polls(), 5u);
  const RunDiagnosis& run = watch.diagnosis().runs.at(0);
  EXPECT_EQ(run.rust_values, 60u);
  EXPECT_EQ(run.strict_values, 160u);
}

}  // namespace
}  // namespace tbfault::core
