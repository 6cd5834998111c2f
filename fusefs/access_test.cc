// Nobody else through the mount: a second, unprivileged user made by the test tries to read, write
// and create through a real faultfs mount. Skipped, with a message, where no user can be made.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "fusefs/test_mount.h"

namespace faultfs {
namespace {

namespace fs = std::filesystem;

// A system user that lives as long as the object.
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
  // Runs `sh -c command` as this user; true when it exited 0.
  bool Run(const std::string& command) const {
    std::string cmd = "setpriv --reuid=" + std::to_string(uid_) +
                      " --regid=" + std::to_string(gid_) + " --clear-groups -- sh -c '" + command +
                      "' >/dev/null 2>&1";
    int status = std::system(cmd.c_str());
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }

 private:
  std::string name_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  bool made_ = false;
};

#define PROBE_USER(var) \
  ProbeUser var;        \
  if (!var.made())      \
  GTEST_SKIP() << "SKIPPED (counted): cannot create a second user (needs root and useradd)"

// What the probe may do through the mount: files the permissions would let anyone read, write
// and create in, so that only the mount stands in the way. The same calls on the backing
// directory succeed, which shows the test can see access granted.
void Prepare(const testing::TestMount& m) {
  fs::permissions(fs::path(m.mount()).parent_path(), fs::perms(0755));  // the probe may traverse.
  std::ofstream(m.M("/readable")) << "secret";
  std::ofstream(m.M("/writable")) << "data";
  fs::permissions(m.M("/writable"), fs::perms(0666));
  fs::create_directory(m.M("/pub"));
  fs::permissions(m.M("/pub"), fs::perms(0777));
}

TEST(FaultfsAccess, AnotherUserCannotReadWriteOrCreateThroughTheMount) {
  PROBE_USER(probe);
  FAULTFS_MOUNT(m);
  Prepare(m);
  ASSERT_TRUE(probe.Run("cat " + m.B("/readable"))) << "the control: the backing is readable";
  EXPECT_FALSE(probe.Run("cat " + m.M("/readable")));
  EXPECT_FALSE(probe.Run("echo x >> " + m.M("/writable")));
  EXPECT_FALSE(probe.Run("touch " + m.M("/pub/planted")));
  EXPECT_FALSE(probe.Run("ls " + m.M("/")));
  EXPECT_FALSE(fs::exists(m.B("/pub/planted")));
  std::ifstream in(m.B("/writable"));
  std::string data;
  in >> data;
  EXPECT_EQ(data, "data");
  EXPECT_TRUE(std::ifstream(m.M("/readable")).good()) << "the owner still reads";
}

TEST(FaultfsAccess, AnAdmittedGuestGetsInAndTheDaemonRefusesEveryoneElse) {
  PROBE_USER(probe);
  {
    FAULTFS_MOUNT(m, {"--allow-uid", std::to_string(probe.uid())});
    Prepare(m);
    EXPECT_TRUE(probe.Run("cat " + m.M("/readable"))) << "the guest is admitted";
    EXPECT_TRUE(probe.Run("touch " + m.M("/pub/by-guest")));
  }
  // allow_other lets every uid past the kernel; the daemon still serves only owner and guest.
  FAULTFS_MOUNT(m, {"--allow-uid", std::to_string(probe.uid() + 1)});
  Prepare(m);
  EXPECT_FALSE(probe.Run("cat " + m.M("/readable")));
  EXPECT_FALSE(probe.Run("echo x >> " + m.M("/writable")));
  EXPECT_FALSE(probe.Run("touch " + m.M("/pub/planted")));
  EXPECT_FALSE(fs::exists(m.B("/pub/planted")));
}

}  // namespace
}  // namespace faultfs
