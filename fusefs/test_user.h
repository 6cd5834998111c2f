// ProbeUser (tests only): a second, unprivileged system user made by the test (useradd) and
// removed after it, to show what another user can and cannot do. made() is false where no user
// can be made (not root, no useradd): the PROBE_USER macro then skips the test with a message.
#pragma once

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace faultfs::testing {

class ProbeUser {
 public:
  ProbeUser() : name_("tbfprobe" + std::to_string(::getpid())) {
    std::string cmd = "useradd -r -M -N -s /usr/sbin/nologin " + name_ + " >/dev/null 2>&1";
    if (::geteuid() != 0 || std::system(cmd.c_str()) != 0) return;
    if (const passwd* pw = ::getpwnam(name_.c_str()); pw != nullptr) {
      uid_ = pw->pw_uid;
      gid_ = pw->pw_gid;
      made_ = true;
    }
  }
  ~ProbeUser() {
    if (made_ && std::system(("userdel " + name_ + " >/dev/null 2>&1").c_str()) != 0) {
    }
  }
  bool made() const { return made_; }
  uid_t uid() const { return uid_; }
  // Runs `sh -c command` as this user; its exit status (-1: killed by a signal). `command` must not
  // hold a single quote.
  int Status(const std::string& command) const {
    std::string cmd = "setpriv --reuid=" + std::to_string(uid_) +
                      " --regid=" + std::to_string(gid_) + " --clear-groups -- sh -c '" + command +
                      "'";
    int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  bool Run(const std::string& command) const { return Status(command + " >/dev/null 2>&1") == 0; }

 private:
  std::string name_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  bool made_ = false;
};

#define PROBE_USER(var)              \
  ::faultfs::testing::ProbeUser var; \
  if (!var.made())                   \
  GTEST_SKIP() << "SKIPPED (counted): cannot create a second user (needs root and useradd)"

}  // namespace faultfs::testing
