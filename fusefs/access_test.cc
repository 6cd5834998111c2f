// Nobody else through the mount: a second, unprivileged user made by the test tries to read, write
// and create through a real faultfs mount. Skipped, with a message, where no user can be made.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "fusefs/test_mount.h"
#include "fusefs/test_user.h"

namespace faultfs {
namespace {

namespace fs = std::filesystem;

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
