// FaultMount and the checks around it, mounted for real: the private directory, the one-line
// refusal where FUSE cannot be mounted, children that die with the runner, and a stale-mount
// cleanup that never pulls a mount from under a live process.
#include "harness/runner/mount.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "fusefs/test_user.h"
#include "harness/runner/process.h"

namespace tbfault::runner {
namespace {

namespace fs = std::filesystem;

#define NEEDS_FUSE() \
  if (!CheckCanMount().ok()) GTEST_SKIP() << "no /dev/fuse: FUSE test skipped"

template <typename F>
bool Within(int ms, F done) {
  for (int i = 0; i < ms / 10 && !done(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

bool Alive(pid_t pid) { return kill(pid, 0) == 0; }

// A mount with its backing and mount point under `dir`.
MountOptions Under(const std::string& dir) {
  MountOptions o;
  o.backing = dir + "/backing";
  o.root = dir;
  return o;
}

std::string TempDir() {
  char tmpl[] = "/tmp/tbfault-mount-test-XXXXXX";
  return mkdtemp(tmpl);
}

TEST(MountTest, CheckCanMountNamesTheDeviceInOneLine) {
  Status st = CheckCanMount("/nonexistent/fuse");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.ToString(),
            "cannot mount faultfs: /nonexistent/fuse: No such file or directory (FUSE is not "
            "available here)");
}

TEST(MountTest, RunRefusesAUserWhoCannotMountInOneLineBeforeAnythingRuns) {
  NEEDS_FUSE();
  PROBE_USER(probe);  // /dev/fuse is root's alone here: the probe can load scenarios, not mount.
  std::string dir = TempDir();
  fs::permissions(dir, fs::perms::all);
  std::string cmd = std::string(TBFAULT_BIN) + " run " + TBFAULT_SOURCE_DIR +
                    "/scenarios/clean.textproto --out " + dir + "/out 2>" + dir + "/err";
  EXPECT_EQ(probe.Status(cmd), 2);
  std::ifstream err(dir + "/err");
  std::string line, rest;
  std::getline(err, line);
  std::getline(err, rest, '\0');
  EXPECT_TRUE(line.starts_with("tbfault run: cannot mount faultfs: /dev/fuse: ")) << line;
  EXPECT_EQ(rest, "") << "more than one line";
  EXPECT_FALSE(fs::exists(dir + "/out")) << "something ran";
  fs::remove_all(dir);
}

TEST(MountTest, TheMountPointLivesInAPrivateDirectory) {
  NEEDS_FUSE();
  std::string dir = TempDir();
  FaultMount m;
  ASSERT_TRUE(m.Start(Under(dir)).ok());
  struct stat st;
  ASSERT_EQ(stat(fs::path(m.mount_point()).parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_TRUE(m.Unmount());
  EXPECT_FALSE(IsMounted(m.mount_point()));
  fs::remove_all(dir);
}

// A runner killed with SIGKILL: its faultfs unmounts and exits, its writer dies, nothing is left.
TEST(MountTest, ChildrenDieWithTheRunner) {
  NEEDS_FUSE();
  std::string dir = TempDir();
  int report[2];
  ASSERT_EQ(pipe(report), 0);
  pid_t runner = fork();
  if (runner == 0) {  // a stand-in runner: one mount and one "writer" working in it.
    FaultMount m;
    if (!m.Start(Under(dir)).ok()) _exit(1);
    pid_t writer = SpawnLogged({"/bin/sh", "-c", "cd " + m.mount_point() + " && exec sleep 600"},
                               dir + "/writer.log");
    std::string line = m.mount_point() + " " + std::to_string(writer) + "\n";
    if (write(report[1], line.data(), line.size()) < 0) _exit(1);
    pause();
    _exit(0);
  }
  close(report[1]);
  char buf[512] = {};
  ASSERT_GT(read(report[0], buf, sizeof buf - 1), 0) << "the runner did not mount";
  close(report[0]);
  std::string mnt;
  pid_t writer = 0;
  std::istringstream(buf) >> mnt >> writer;
  ASSERT_TRUE(IsMounted(mnt));
  ASSERT_TRUE(Within(2000, [&] { return CleanStaleMounts(dir) == 0 && Alive(writer); }));
  kill(runner, SIGKILL);
  waitpid(runner, nullptr, 0);
  EXPECT_TRUE(Within(5000, [&] { return !IsMounted(mnt); })) << "the mount outlived its runner";
  EXPECT_TRUE(Within(5000, [&] { return !Alive(writer); })) << "the writer outlived its runner";
  if (IsMounted(mnt)) faultfs::FuseUnmount(mnt);
  fs::remove_all(dir);
}

// A stale mount (its runner is gone) that a live process still works in keeps its mount: pulled,
// the process would write onto the disk below. Once the process is gone, the mount is cleaned.
TEST(MountTest, StaleCleanupLeavesAMountALiveProcessWorksIn) {
  NEEDS_FUSE();
  std::string dir = TempDir();
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  waitpid(dead, nullptr, 0);  // a runner pid that no longer lives.
  std::string mnt = dir + "/tbfault-" + std::to_string(dead) + "-0/mnt";
  fs::create_directories(mnt);
  fs::create_directories(dir + "/backing");
  faultfs::Daemon daemon;  // the stale mount's daemon, as a dead runner would have left it.
  faultfs::Daemon::Options o;
  o.argv = {FaultfsBinary(),       "--backing", dir + "/backing", "--mount", mnt, "--control",
            dir + "/control.sock", "-f"};
  o.mount = mnt;
  o.control = dir + "/control.sock";
  std::string why;
  ASSERT_TRUE(daemon.Start(o, &why)) << why;
  pid_t user = SpawnLogged({"/bin/sh", "-c", "cd " + mnt + " && exec sleep 600"}, dir + "/log");
  ASSERT_TRUE(Within(2000, [&] {
    std::error_code ec;
    return fs::read_symlink("/proc/" + std::to_string(user) + "/cwd", ec).string() == mnt;
  }));
  std::vector<std::string> kept;
  EXPECT_EQ(CleanStaleMounts(dir, &kept), 0);
  EXPECT_EQ(kept, std::vector<std::string>{mnt});
  EXPECT_TRUE(IsMounted(mnt));
  EXPECT_TRUE(Alive(user)) << "not ours to kill";
  kill(user, SIGKILL);
  waitpid(user, nullptr, 0);
  EXPECT_EQ(CleanStaleMounts(dir), 1);
  EXPECT_FALSE(IsMounted(mnt));
  daemon.Unmount();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tbfault::runner
