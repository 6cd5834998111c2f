// faultfs mounted for real, exercised with plain POSIX calls.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "fusefs/test_mount.h"

namespace faultfs {
namespace {

using Clock = std::chrono::steady_clock;
using testing::TestMount;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int Create(const std::string& path) {
  return ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
}

int RunFaultfs(const std::vector<std::string>& args, std::string* err) {
  std::string cmd = FAULTFS_BIN;
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>/tmp/faultfs-test-stderr";
  int raw = std::system(cmd.c_str());
  *err = Slurp("/tmp/faultfs-test-stderr");
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

TEST(Faultfs, OrdinaryUseWorks) {
  FAULTFS_MOUNT(m);
  ASSERT_EQ(::mkdir(m.M("/dir").c_str(), 0755), 0);
  int fd = Create(m.M("/dir/a"));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "hello", 5), 5);
  ASSERT_EQ(::fsync(fd), 0);
  ASSERT_EQ(::fdatasync(fd), 0);
  ASSERT_EQ(::close(fd), 0);
  fd = ::open(m.M("/dir/a").c_str(), O_WRONLY | O_APPEND);
  ASSERT_EQ(::write(fd, " world", 6), 6);
  ::close(fd);
  EXPECT_EQ(Slurp(m.M("/dir/a")), "hello world");
  EXPECT_EQ(Slurp(m.B("/dir/a")), "hello world");
  ASSERT_EQ(::truncate(m.M("/dir/a").c_str(), 5), 0);
  EXPECT_EQ(Slurp(m.M("/dir/a")), "hello");
  ASSERT_EQ(::chmod(m.M("/dir/a").c_str(), 0600), 0);
  struct stat st;
  ASSERT_EQ(::stat(m.M("/dir/a").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  timespec times[2] = {{1000, 0}, {2000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, m.M("/dir/a").c_str(), times, 0), 0);
  ASSERT_EQ(::stat(m.M("/dir/a").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000);
  ASSERT_EQ(::rename(m.M("/dir/a").c_str(), m.M("/dir/b").c_str()), 0);
  DIR* d = ::opendir(m.M("/dir").c_str());
  ASSERT_NE(d, nullptr);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) names.push_back(e->d_name);
  ::closedir(d);
  EXPECT_NE(std::find(names.begin(), names.end(), "b"), names.end());
  int dfd = ::open(m.M("/dir").c_str(), O_RDONLY | O_DIRECTORY);
  EXPECT_EQ(::fsync(dfd), 0);  // fsyncdir
  ::close(dfd);
  ASSERT_EQ(::unlink(m.M("/dir/b").c_str()), 0);
  ASSERT_EQ(::rmdir(m.M("/dir").c_str()), 0);
  EXPECT_FALSE(std::filesystem::exists(m.B("/dir")));
  EXPECT_EQ(m.Unmount(), 0);
}

TEST(Faultfs, QuotaGivesEnospcAtTheExactByteAndShowsInStatfs) {
  FAULTFS_MOUNT(m);
  m.Ctl("quota 8192");
  struct statvfs sv;
  ASSERT_EQ(::statvfs(m.mount().c_str(), &sv), 0);
  EXPECT_EQ(sv.f_blocks * sv.f_frsize, 8192u);
  EXPECT_EQ(sv.f_bavail * sv.f_frsize, 8192u);
  int fd = Create(m.M("/f"));
  std::string block(4096, 'x');
  ASSERT_EQ(::write(fd, block.data(), 4096), 4096);
  ASSERT_EQ(::write(fd, block.data(), 4095), 4095);
  ASSERT_EQ(::write(fd, "y", 1), 1);  // byte 8192: the last one allowed.
  errno = 0;
  EXPECT_EQ(::write(fd, "z", 1), -1);
  EXPECT_EQ(errno, ENOSPC);
  ASSERT_EQ(::statvfs(m.mount().c_str(), &sv), 0);
  EXPECT_EQ(sv.f_bavail, 0u);
  ::close(fd);
  ASSERT_EQ(::unlink(m.M("/f").c_str()), 0);  // space comes back.
  fd = Create(m.M("/g"));
  EXPECT_EQ(::write(fd, block.data(), 4096), 4096);
  ::close(fd);
}

TEST(Faultfs, QuotaShortWriteCutsAtTheLimit) {
  FAULTFS_MOUNT(m);
  m.Ctl("quota 100 short");
  int fd = Create(m.M("/f"));
  std::string data(150, 'x');
  EXPECT_EQ(::write(fd, data.data(), 150), 100);
  errno = 0;
  EXPECT_EQ(::write(fd, data.data(), 10), -1);
  EXPECT_EQ(errno, ENOSPC);
  ::close(fd);
}

TEST(Faultfs, EaccesOnCreateEvenForRoot) {
  FAULTFS_MOUNT(m);
  m.Ctl("add-rule ops: \"create\" path: \"/logs/*\" effect { error: \"EACCES\" }");
  ASSERT_EQ(::mkdir(m.M("/logs").c_str(), 0755), 0);
  errno = 0;
  EXPECT_EQ(Create(m.M("/logs/events")), -1);
  EXPECT_EQ(errno, EACCES);
  int fd = Create(m.M("/elsewhere"));
  EXPECT_GE(fd, 0);
  ::close(fd);
  m.Ctl("clear");
  fd = Create(m.M("/logs/events"));
  EXPECT_GE(fd, 0);
  ::close(fd);
}

TEST(Faultfs, ShortWriteThenErrno) {
  FAULTFS_MOUNT(m);
  m.Ctl(
      "add-rule ops: \"write\" trigger { count: 1 } effect { short_write { bytes: 7 then_errno: "
      "\"ENOSPC\" } }");
  int fd = Create(m.M("/f"));
  std::string data(100, 'x');
  EXPECT_EQ(::write(fd, data.data(), 100), 7);
  errno = 0;
  EXPECT_EQ(::write(fd, data.data(), 93), -1);
  EXPECT_EQ(errno, ENOSPC);
  EXPECT_EQ(::write(fd, data.data(), 93), 93);  // then it clears.
  ::close(fd);
}

TEST(Faultfs, DeferredErrorSurfacesAtFsyncNotAtWrite) {
  FAULTFS_MOUNT(m);
  m.Ctl("add-rule ops: \"write\" trigger { count: 1 } effect { error: \"EDQUOT\" deferred: true }");
  int fd = Create(m.M("/f"));
  EXPECT_EQ(::write(fd, "abc", 3), 3);
  errno = 0;
  EXPECT_EQ(::fsync(fd), -1);
  EXPECT_EQ(errno, EDQUOT);
  ::close(fd);
}

TEST(Faultfs, DelayedWriteDoesNotStallOtherOps) {
  FAULTFS_MOUNT(m);
  int fast = Create(m.M("/fast"));
  ASSERT_EQ(::write(fast, "data", 4), 4);
  ::close(fast);
  m.Ctl("add-rule ops: \"write\" path: \"/slow\" effect { delay { ms: 400 } }");
  int slow = Create(m.M("/slow"));
  std::atomic<double> write_ms{0};
  std::thread writer([&] {
    auto t0 = Clock::now();
    EXPECT_EQ(::write(slow, "x", 1), 1);
    write_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  double worst_read_ms = 0;
  for (int i = 0; i < 20; ++i) {
    auto t0 = Clock::now();
    int fd = ::open(m.M("/fast").c_str(), O_RDONLY);
    char buf[8];
    EXPECT_EQ(::pread(fd, buf, sizeof buf, 0), 4);
    ::close(fd);
    worst_read_ms = std::max(worst_read_ms,
                             std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  writer.join();
  ::close(slow);
  EXPECT_GE(write_ms.load(), 400.0);
  EXPECT_LT(worst_read_ms, 200.0);  // reads ran while the write was held.
}

TEST(Faultfs, PowerCutDropsUnsyncedBytesAndUnsyncedNames) {
  FAULTFS_MOUNT(m);
  int fd = Create(m.M("/kept"));
  std::string synced(1000, 's'), unsynced(500, 'u');
  ASSERT_EQ(::write(fd, synced.data(), synced.size()), 1000);
  ASSERT_EQ(::fsync(fd), 0);
  int dfd = ::open(m.mount().c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_EQ(::fsync(dfd), 0);
  ASSERT_EQ(::write(fd, unsynced.data(), unsynced.size()), 500);
  int lost = Create(m.M("/lost"));  // its data is synced, but its name never is.
  ASSERT_EQ(::write(lost, "data", 4), 4);
  ASSERT_EQ(::fsync(lost), 0);
  std::string log = m.Ctl("power-cut");
  EXPECT_NE(log.find("removed /lost"), std::string::npos) << log;
  errno = 0;
  EXPECT_EQ(::write(fd, "x", 1), -1);  // frozen.
  EXPECT_EQ(errno, EIO);
  EXPECT_EQ(Slurp(m.B("/kept")), synced);
  EXPECT_FALSE(std::filesystem::exists(m.B("/lost")));
  m.Ctl("thaw");
  EXPECT_EQ(::fsync(dfd), 0);
  ::close(fd);
  ::close(lost);
  ::close(dfd);
}

std::string CutWith(const std::string& mode, uint64_t* durable_out, std::string* full_out) {
  TestMount m({"--seed", "11"});
  if (!m.ok()) return "";
  int fd = Create(m.M("/f"));
  std::string full;
  for (int i = 0; i < 16 * 4096; ++i) full += static_cast<char>('a' + i % 26);
  EXPECT_EQ(::write(fd, full.data(), 8192), 8192);
  EXPECT_EQ(::fsync(fd), 0);
  int dfd = ::open(m.mount().c_str(), O_RDONLY | O_DIRECTORY);
  EXPECT_EQ(::fsync(dfd), 0);
  ::close(dfd);
  EXPECT_EQ(::write(fd, full.data() + 8192, full.size() - 8192),
            static_cast<ssize_t>(full.size() - 8192));
  m.Ctl("power-cut " + mode);
  ::close(fd);
  *durable_out = 8192;
  *full_out = full;
  return Slurp(m.B("/f"));
}

TEST(Faultfs, TornZeroFillAndReorderDoWhatTheySay) {
  if (!testing::HaveFuse()) GTEST_SKIP() << "no /dev/fuse: FUSE test skipped";
  uint64_t durable;
  std::string full;
  std::string torn = CutWith("torn", &durable, &full);
  EXPECT_GE(torn.size(), durable);
  EXPECT_LE(torn.size(), full.size());
  EXPECT_EQ(torn, full.substr(0, torn.size()));

  std::string zero = CutWith("zero-fill", &durable, &full);
  ASSERT_EQ(zero.size(), full.size());
  EXPECT_EQ(zero.substr(0, durable), full.substr(0, durable));
  EXPECT_EQ(zero.substr(durable), std::string(full.size() - durable, '\0'));

  std::string reorder = CutWith("reorder", &durable, &full);
  EXPECT_EQ(reorder.substr(0, durable), full.substr(0, durable));
  int kept = 0, zeroed = 0;
  for (size_t b = durable; b < reorder.size(); b += 4096) {
    std::string got = reorder.substr(b, 4096);
    if (got == full.substr(b, got.size()))
      ++kept;
    else if (got == std::string(got.size(), '\0'))
      ++zeroed;
    else
      ADD_FAILURE() << "block at " << b << " is neither kept nor zeroed";
  }
  EXPECT_GT(kept, 0);
  EXPECT_GT(zeroed, 0);
}

TEST(Faultfs, LinuxFsyncErrorIsReportedOnceAndTheDataStaysLost) {
  FAULTFS_MOUNT(m);
  int fd = Create(m.M("/f"));
  int dfd = ::open(m.mount().c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_EQ(::fsync(dfd), 0);
  ASSERT_EQ(::write(fd, "0123456789", 10), 10);
  m.Ctl("add-rule ops: \"fsync\" effect { error: \"EIO\" }");
  errno = 0;
  EXPECT_EQ(::fsync(fd), -1);
  EXPECT_EQ(errno, EIO);
  EXPECT_EQ(::fsync(fd), 0);  // reported once: the next fsync "succeeds"...
  m.Ctl("power-cut");
  EXPECT_EQ(Slurp(m.B("/f")), std::string(10, '\0'));  // ...but the bytes were lost.
  ::close(fd);
  ::close(dfd);
}

TEST(Faultfs, StickyFsyncErrorKeepsFailing) {
  FAULTFS_MOUNT(m, {"--fsync-errors", "sticky"});
  int fd = Create(m.M("/f"));
  ASSERT_EQ(::write(fd, "x", 1), 1);
  m.Ctl("add-rule ops: \"fsync\" effect { error: \"EIO\" }");
  EXPECT_EQ(::fsync(fd), -1);
  EXPECT_EQ(::fsync(fd), -1);
  ::close(fd);
}

TEST(Faultfs, FsyncLieMakesNothingDurable) {
  FAULTFS_MOUNT(m);
  int dfd = ::open(m.mount().c_str(), O_RDONLY | O_DIRECTORY);
  int fd = Create(m.M("/f"));
  ASSERT_EQ(::fsync(dfd), 0);
  m.Ctl("add-rule ops: \"fsync\" effect { fsync_lie: true }");
  ASSERT_EQ(::write(fd, "abc", 3), 3);
  EXPECT_EQ(::fsync(fd), 0);
  m.Ctl("power-cut");
  EXPECT_EQ(Slurp(m.B("/f")), "");
  ::close(fd);
  ::close(dfd);
}

TEST(Faultfs, KillSignalsTheCallingProcess) {
  FAULTFS_MOUNT(m);
  m.Ctl("add-rule ops: \"write\" path: \"/victim\" effect { kill_signal: 9 }");
  pid_t child = fork();
  if (child == 0) {
    int fd = ::open(m.M("/victim").c_str(), O_CREAT | O_WRONLY, 0644);
    for (int i = 0; i < 100; ++i) (void)!::write(fd, "x", 1);
    _exit(0);
  }
  int status;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), 9);
}

std::string TraceOfSeededRun(uint64_t seed) {
  TestMount m({"--seed", std::to_string(seed)});
  if (!m.ok()) return "";
  m.Ctl("add-rule ops: \"write\" trigger { probability: 0.3 } effect { error: \"EIO\" }");
  int fd = Create(m.M("/f"));
  for (int i = 0; i < 100; ++i) (void)!::write(fd, "0123456789", 10);
  ::close(fd);
  m.Unmount();
  return Slurp(m.trace());
}

TEST(Faultfs, SameSeedSameTrace) {
  if (!testing::HaveFuse()) GTEST_SKIP() << "no /dev/fuse: FUSE test skipped";
  std::string a = TraceOfSeededRun(42), b = TraceOfSeededRun(42), c = TraceOfSeededRun(43);
  EXPECT_NE(a.find("fault=rule1:errno=5"), std::string::npos) << a;
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Faultfs, BadInputIsOneLineExitTwoAndNothingMounted) {
  if (!testing::HaveFuse()) GTEST_SKIP() << "no /dev/fuse: FUSE test skipped";
  char tmpl[] = "/tmp/faultfs-bad-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::filesystem::create_directories(dir + "/b");
  std::filesystem::create_directories(dir + "/m");
  std::ofstream(dir + "/rules")
      << "rule { ops: \"write\" effect { error: \"ENOSPC\" } }\nquota_bytes: lots\n";
  std::string err;
  EXPECT_EQ(RunFaultfs({"--backing", dir + "/b", "--mount", dir + "/m", "--control", dir + "/s",
                        "--rules", dir + "/rules", "-f"},
                       &err),
            2);
  EXPECT_NE(err.find(dir + "/rules: line 2"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ(RunFaultfs({"--backing", dir + "/b", "--mount", dir + "/missing", "--control",
                        dir + "/s", "-f"},
                       &err),
            2);
  EXPECT_NE(err.find(dir + "/missing"), std::string::npos) << err;
  EXPECT_FALSE(testing::Mounted(dir + "/m"));
  std::filesystem::remove_all(dir);
}

TEST(Faultfs, LinuxModeStillReportsLaterFaultsAfterNewWrites) {
  FAULTFS_MOUNT(m);
  int fd = Create(m.M("/f"));
  ASSERT_EQ(::write(fd, "0123456789", 10), 10);
  std::string id = m.Ctl("add-rule ops: \"fsync\" trigger { count: 1 } effect { error: \"EIO\" }");
  EXPECT_EQ(::fsync(fd), -1);
  EXPECT_EQ(::fsync(fd), 0);
  m.Ctl("add-rule ops: \"write\" trigger { count: 1 } effect { error: \"ENOSPC\" deferred: true }");
  ASSERT_EQ(::write(fd, "abc", 3), 3);
  errno = 0;
  EXPECT_EQ(::fsync(fd), -1);  // the write's deferred error is owed, whatever happened before.
  EXPECT_EQ(errno, ENOSPC);
  m.Ctl("add-rule ops: \"fsync\" trigger { count: 1 } effect { error: \"EIO\" }");
  ASSERT_EQ(::write(fd, "def", 3), 3);
  errno = 0;
  EXPECT_EQ(::fsync(fd), -1);  // new dirty data: a new injected fsync error is reported again.
  EXPECT_EQ(errno, EIO);
  ::close(fd);
}

TEST(Faultfs, PowerCutUndoesRenamesNotMadeDurable) {
  FAULTFS_MOUNT(m);
  int dfd = ::open(m.mount().c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_EQ(::mkdir(m.M("/d").c_str(), 0755), 0);
  int fd = Create(m.M("/d/f"));
  ASSERT_EQ(::write(fd, "inner", 5), 5);
  ASSERT_EQ(::fsync(fd), 0);
  ::close(fd);
  int sub = ::open(m.M("/d").c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_EQ(::fsync(sub), 0);
  ::close(sub);
  fd = Create(m.M("/t.tmp"));
  ASSERT_EQ(::write(fd, "synced", 6), 6);
  ASSERT_EQ(::fsync(fd), 0);
  ::close(fd);
  ASSERT_EQ(::fsync(dfd), 0);  // d, d/f and t.tmp are durable under these names.
  ASSERT_EQ(::rename(m.M("/t.tmp").c_str(), m.M("/t").c_str()), 0);
  ASSERT_EQ(::rename(m.M("/d").c_str(), m.M("/e").c_str()), 0);
  EXPECT_EQ(Slurp(m.M("/e/f")), "inner");  // the moved child is reachable (and matched) under e/.
  m.Ctl("power-cut");                      // ... but no directory was synced after the renames.
  EXPECT_EQ(Slurp(m.B("/t.tmp")), "synced");
  EXPECT_FALSE(std::filesystem::exists(m.B("/t")));
  EXPECT_EQ(Slurp(m.B("/d/f")), "inner");
  EXPECT_FALSE(std::filesystem::exists(m.B("/e")));
  ::close(dfd);
}

TEST(Faultfs, DaemonizedControlAndDelaysWork) {
  if (!testing::HaveFuse()) GTEST_SKIP() << "no /dev/fuse: FUSE test skipped";
  char tmpl[] = "/tmp/faultfs-daemon-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::filesystem::create_directories(dir + "/b");
  std::filesystem::create_directories(dir + "/m");
  std::string err;
  ASSERT_EQ(
      RunFaultfs({"--backing", dir + "/b", "--mount", dir + "/m", "--control", dir + "/s"}, &err),
      0)
      << err;  // without -f: the parent returns once the daemon is up.
  std::string reply, error;
  EXPECT_TRUE(ControlCall(dir + "/s", "ping", &reply, &error)) << error;
  EXPECT_TRUE(ControlCall(dir + "/s", "add-rule ops: \"write\" effect { delay { ms: 50 } }", &reply,
                          &error))
      << error;
  int fd = Create(dir + "/m/f");
  auto t0 = Clock::now();
  EXPECT_EQ(::write(fd, "x", 1), 1);  // completes: the timer thread runs in the daemon.
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  EXPECT_GE(ms, 50.0);
  ::close(fd);
  EXPECT_TRUE(ControlCall(dir + "/s", "unmount", &reply, &error)) << error;
  for (int i = 0; i < 500 && testing::Mounted(dir + "/m"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (testing::Mounted(dir + "/m")) {
    ADD_FAILURE() << "still mounted";
    FuseUnmount(dir + "/m");
  }
  for (int i = 0; i < 500 && std::filesystem::exists(dir + "/s"); ++i) {  // the daemon's last act.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST(Faultfs, SigtermUnmountsCleanly) {
  FAULTFS_MOUNT(m);
  ASSERT_EQ(::kill(m.pid(), SIGTERM), 0);
  for (int i = 0; i < 500 && testing::Mounted(m.mount()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(testing::Mounted(m.mount()));
  EXPECT_EQ(m.Unmount(), 0);  // the daemon exited by itself, with status 0.
}

// The pid of the process whose command line holds `needle` (a name unique to one test).
pid_t FindProcess(const std::string& needle) {
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = Slurp(e.path().string() + "/cmdline");
    if (cmdline.find(needle) != std::string::npos) return std::stoi(name);
  }
  return -1;
}

TEST(Faultfs, RelativeMountInDaemonModeIsUnmountedBySigtermAndByUnmount) {
  if (!testing::HaveFuse()) GTEST_SKIP() << "no /dev/fuse: FUSE test skipped";
  for (bool by_signal : {true, false}) {
    char tmpl[] = "/tmp/faultfs-relative-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    std::string dir = tmpl;
    std::filesystem::create_directories(dir + "/b");
    std::filesystem::create_directories(dir + "/m");
    std::string sock = "ctl-" + std::to_string(::getpid()) + (by_signal ? "-term" : "-unmount");
    // Daemon mode (no -f), every path relative to the directory it starts in.
    std::string cmd =
        "cd " + dir + " && " + FAULTFS_BIN + " --backing b --mount m --control " + sock;
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    ASSERT_TRUE(testing::Mounted(dir + "/m"));
    pid_t daemon = FindProcess(sock);
    ASSERT_GT(daemon, 0);
    if (by_signal) {
      ASSERT_EQ(::kill(daemon, SIGTERM), 0);
    } else {
      std::string reply, error;
      EXPECT_TRUE(ControlCall(dir + "/" + sock, "unmount", &reply, &error)) << error;
    }
    for (int i = 0; i < 500 && (testing::Mounted(dir + "/m") || ::kill(daemon, 0) == 0); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_FALSE(testing::Mounted(dir + "/m")) << (by_signal ? "SIGTERM" : "unmount");
    EXPECT_NE(::kill(daemon, 0), 0) << "the daemon is still running";
    EXPECT_FALSE(std::filesystem::exists(dir + "/" + sock)) << "the socket is left";
    if (testing::Mounted(dir + "/m")) FuseUnmount(dir + "/m");
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
}

TEST(Faultfs, XattrsPassThroughWhereTheBackingHasThem) {
  FAULTFS_MOUNT(m);
  int fd = Create(m.M("/x"));
  ::close(fd);
  if (::setxattr(m.B("/x").c_str(), "user.probe", "1", 1, 0) != 0) {
    GTEST_SKIP() << "backing file system has no user xattrs: " << std::strerror(errno);
  }
  ASSERT_EQ(::setxattr(m.M("/x").c_str(), "user.tag", "value", 5, 0), 0) << std::strerror(errno);
  char buf[16] = {};
  EXPECT_EQ(::getxattr(m.M("/x").c_str(), "user.tag", buf, sizeof buf), 5);
  EXPECT_STREQ(buf, "value");
  char list[256];
  ssize_t n = ::listxattr(m.M("/x").c_str(), list, sizeof list);
  EXPECT_NE(std::string(list, n > 0 ? n : 0).find("user.tag"), std::string::npos);
  EXPECT_EQ(::removexattr(m.M("/x").c_str(), "user.tag"), 0);
  EXPECT_EQ(::getxattr(m.M("/x").c_str(), "user.tag", buf, sizeof buf), -1);
}

TEST(Faultfs, ControlRejectsBadRequestsWithReasons) {
  FAULTFS_MOUNT(m);
  std::string reply, error;
  EXPECT_FALSE(
      ControlCall(m.socket(), "add-rule ops: \"write\" effect { error: 5 x }", &reply, &error));
  EXPECT_NE(error.find("add-rule"), std::string::npos) << error;
  EXPECT_FALSE(ControlCall(m.socket(), "quota lots", &reply, &error));
  EXPECT_FALSE(ControlCall(m.socket(), "launch-missiles", &reply, &error));
  EXPECT_NE(error.find("unknown command"), std::string::npos);
  struct stat st;
  ASSERT_EQ(::stat(m.socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string status = m.Ctl("status");
  EXPECT_NE(status.find("frozen=0"), std::string::npos) << status;
}

}  // namespace
}  // namespace faultfs
