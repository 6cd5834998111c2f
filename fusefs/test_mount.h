// TestMount (tests only): runs the faultfs binary on a fresh backing and mount directory and always
// unmounts — `unmount` over the control socket, then fusermount3 -u, then -uz and SIGKILL — even
// when the test fails. Tests skip with a message where /dev/fuse is absent.
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

namespace faultfs::testing {

inline bool Mounted(const std::string& dir) {
  std::ifstream mounts("/proc/self/mounts");
  std::string dev, mnt, rest;
  while (mounts >> dev >> mnt && std::getline(mounts, rest)) {
    if (mnt == dir) return true;
  }
  return false;
}

inline bool HaveFuse() { return ::access("/dev/fuse", R_OK | W_OK) == 0; }

class TestMount {
 public:
  explicit TestMount(std::vector<std::string> extra = {}, const std::string& rules = "") {
    char tmpl[] = "/tmp/faultfs-test-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return;
    root_ = tmpl;
    backing_ = root_ + "/backing";
    mount_ = root_ + "/mnt";
    socket_ = root_ + "/control.sock";
    trace_ = root_ + "/trace";
    std::filesystem::create_directories(backing_);
    std::filesystem::create_directories(mount_);
    std::vector<std::string> args = {FAULTFS_BIN, "--backing", backing_,  "--mount", mount_,
                                     "--control", socket_,     "--trace", trace_,    "-f"};
    if (!rules.empty()) {
      std::ofstream(root_ + "/rules") << rules;
      args.push_back("--rules");
      args.push_back(root_ + "/rules");
    }
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::string reply, error;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Mounted(mount_) && ControlCall(socket_, "ping", &reply, &error)) {
        ok_ = true;
        break;
      }
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  ~TestMount() {
    Unmount();
    std::filesystem::remove_all(root_);
  }

  // Unmounts and reaps the daemon; returns its exit status (-1 if it had to be killed).
  int Unmount() {
    if (pid_ <= 0) return exit_status_;
    std::string reply, error;
    ControlCall(socket_, "unmount", &reply, &error);
    if (!Reap(std::chrono::seconds(5))) {
      if (std::system(("fusermount3 -u " + mount_ + " 2>/dev/null").c_str()) != 0 &&
          std::system(("fusermount3 -uz " + mount_ + " 2>/dev/null").c_str()) != 0) {
      }
      if (!Reap(std::chrono::seconds(2))) {
        ::kill(pid_, SIGKILL);
        Reap(std::chrono::seconds(5));
        exit_status_ = -1;
      }
    }
    EXPECT_FALSE(Mounted(mount_)) << "left mounted: " << mount_;
    return exit_status_;
  }

  std::string Ctl(const std::string& request) {
    std::string reply, error;
    EXPECT_TRUE(ControlCall(socket_, request, &reply, &error)) << request << ": " << error;
    return reply;
  }

  bool ok() const { return ok_; }
  pid_t pid() const { return pid_; }
  const std::string& backing() const { return backing_; }
  const std::string& mount() const { return mount_; }
  const std::string& socket() const { return socket_; }
  const std::string& trace() const { return trace_; }
  std::string M(const std::string& rel) const { return mount_ + rel; }
  std::string B(const std::string& rel) const { return backing_ + rel; }

 private:
  bool Reap(std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        pid_ = -1;
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  std::string root_, backing_, mount_, socket_, trace_;
  pid_t pid_ = -1;
  int exit_status_ = 0;
  bool ok_ = false;
};

#define FAULTFS_MOUNT(var, ...)                                                           \
  if (!::faultfs::testing::HaveFuse()) GTEST_SKIP() << "no /dev/fuse: FUSE test skipped"; \
  ::faultfs::testing::TestMount var{__VA_ARGS__};                                         \
  ASSERT_TRUE(var.ok()) << "faultfs did not mount"

}  // namespace faultfs::testing
