// TestMount (tests only): the faultfs binary on a fresh backing and mount directory, run through
// faultfs::Daemon (daemon.h), which always unmounts, even when the test fails. Tests skip with a
// message where FUSE cannot be mounted.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "fusefs/control_client.h"
#include "fusefs/daemon.h"

namespace faultfs::testing {

inline bool Mounted(const std::string& dir) { return IsMounted(dir); }

inline bool HaveFuse() {
  std::string why;
  return CanMount("/dev/fuse", &why);
}

class TestMount {
 public:
  explicit TestMount(std::vector<std::string> extra = {}, const std::string& rules = "") {
    char tmpl[] = "/tmp/faultfs-test-XXXXXX";  // 0700: nobody else reaches the mount point.
    if (mkdtemp(tmpl) == nullptr) return;
    root_ = tmpl;
    backing_ = root_ + "/backing";
    mount_ = root_ + "/mnt";
    socket_ = root_ + "/control.sock";
    trace_ = root_ + "/trace";
    std::filesystem::create_directories(backing_);
    std::filesystem::create_directories(mount_);
    Daemon::Options o;
    o.argv = {FAULTFS_BIN, "--backing", backing_,  "--mount", mount_,
              "--control", socket_,     "--trace", trace_,    "-f"};
    if (!rules.empty()) {
      std::ofstream(root_ + "/rules") << rules;
      o.argv.push_back("--rules");
      o.argv.push_back(root_ + "/rules");
    }
    o.argv.insert(o.argv.end(), extra.begin(), extra.end());
    o.mount = mount_;
    o.control = socket_;
    o.spawn.log = root_ + "/faultfs.log";
    o.spawn.parent_death_signal = SIGTERM;  // a crashed test leaves no mount behind.
    ok_ = daemon_.Start(std::move(o), &why_);
  }

  ~TestMount() {
    Unmount();
    std::filesystem::remove_all(root_);
  }

  // Unmounts and reaps the daemon; returns its exit status (-1 if it had to be killed).
  int Unmount() {
    daemon_.Unmount();
    EXPECT_FALSE(Mounted(mount_)) << "left mounted: " << mount_;
    return daemon_.exit_status();
  }

  std::string Ctl(const std::string& request) {
    std::string reply, error;
    EXPECT_TRUE(ControlCall(socket_, request, &reply, &error)) << request << ": " << error;
    return reply;
  }

  bool ok() const { return ok_; }
  const std::string& why() const { return why_; }
  pid_t pid() const { return daemon_.pid(); }
  const std::string& backing() const { return backing_; }
  const std::string& mount() const { return mount_; }
  const std::string& socket() const { return socket_; }
  const std::string& trace() const { return trace_; }
  std::string M(const std::string& rel) const { return mount_ + rel; }
  std::string B(const std::string& rel) const { return backing_ + rel; }

 private:
  std::string root_, backing_, mount_, socket_, trace_, why_;
  Daemon daemon_;
  bool ok_ = false;
};

#define FAULTFS_MOUNT(var, ...)                                                           \
  if (!::faultfs::testing::HaveFuse()) GTEST_SKIP() << "no /dev/fuse: FUSE test skipped"; \
  ::faultfs::testing::TestMount var{__VA_ARGS__};                                         \
  ASSERT_TRUE(var.ok()) << "faultfs did not mount: " << var.why()

}  // namespace faultfs::testing
