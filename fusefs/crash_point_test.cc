// The crash point through a real mount: the crash lands right after the Nth write-path op (write,
// fsync, create, rename), with that op done, and the caller dies of SIGKILL.
#include "fusefs/crash_point.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fusefs/test_mount.h"

namespace faultfs {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A child that does: create /f (op 1), fsync of the directory (not counted), write 100 (op 2),
// fsync (op 3), write 50 (op 4), write 25 (op 5); then exits 0. Returns its wait status.
int Workload(const testing::TestMount& m) {
  pid_t child = fork();
  if (child == 0) {
    int dfd = ::open(m.mount().c_str(), O_RDONLY | O_DIRECTORY);
    int fd = ::open(m.M("/f").c_str(), O_CREAT | O_WRONLY, 0644);
    if (dfd < 0 || fd < 0 || ::fsync(dfd) != 0) _exit(3);
    if (::write(fd, std::string(100, 'a').data(), 100) != 100) _exit(4);
    if (::fsync(fd) != 0) _exit(5);
    if (::write(fd, std::string(50, 'b').data(), 50) != 50) _exit(6);
    if (::write(fd, std::string(25, 'c').data(), 25) != 25) _exit(7);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return status;
}

TEST(CrashPoint, PowerCutAfterTheNthOpKeepsWhatWasDurableThenAndKillsTheCaller) {
  FAULTFS_MOUNT(m);
  m.Ctl("crash-point after_op: 4 power_cut: \"plain\"");
  int status = Workload(m);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_EQ(Slurp(m.B("/f")), std::string(100, 'a'));  // op 4's 50 bytes were never synced.
  EXPECT_NE(m.Ctl("status").find("frozen=1"), std::string::npos);
  std::string trace = Slurp(m.trace());
  EXPECT_NE(trace.find("write /f bytes=50 result=50 crash=power-cut:plain@4"), std::string::npos)
      << trace;
  EXPECT_EQ(trace.find("bytes=25"), std::string::npos) << "an op after the crash: " << trace;
  // Every line the mount wrote parses (trace_line.h), and the crash fell on the 4th write-path op.
  std::istringstream lines(trace);
  uint64_t write_path = 0, crashed_at = 0;
  for (std::string line; std::getline(lines, line);) {
    TraceLine t;
    ASSERT_TRUE(ParseTraceLine(line, &t)) << line;
    if ((t.op & kWritePathOps) != 0) ++write_path;
    if (t.crash) crashed_at = write_path;
  }
  EXPECT_EQ(crashed_at, 4u) << trace;
}

TEST(CrashPoint, AfterAnFsyncItsBytesAreDurable) {
  FAULTFS_MOUNT(m);
  m.Ctl("crash-point after_op: 3 power_cut: \"torn\"");
  int status = Workload(m);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(Slurp(m.B("/f")), std::string(100, 'a'));
}

TEST(CrashPoint, ProcessCrashKeepsWhatWasWrittenAndTheMountLives) {
  FAULTFS_MOUNT(m);
  m.Ctl("crash-point after_op: 4");
  int status = Workload(m);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_EQ(Slurp(m.B("/f")), std::string(100, 'a') + std::string(50, 'b'));
  EXPECT_NE(m.Ctl("status").find("frozen=0"), std::string::npos);
  std::ofstream(m.M("/g")) << "still serving";
  EXPECT_EQ(Slurp(m.B("/g")), "still serving");
}

TEST(CrashPoint, BeyondTheLastOpNothingHappensAndABadModeIsRefused) {
  FAULTFS_MOUNT(m);
  std::string reply, error;
  EXPECT_FALSE(
      ControlCall(m.socket(), "crash-point after_op: 6 power_cut: \"sideways\"", &reply, &error));
  EXPECT_NE(error.find("power_cut: mode must be"), std::string::npos) << error;
  m.Ctl("crash-point after_op: 6");
  int status = Workload(m);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace faultfs
