// The control socket under abuse, against a real mount with raw socket clients: a lying length
// header, a stalled client, slow clients timed out.
#include "fusefs/control.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>

#include "fusefs/message.h"
#include "fusefs/test_mount.h"

namespace faultfs {
namespace {

using Clock = std::chrono::steady_clock;

int Connect(const std::string& path) {
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval limit = {10, 0};  // a test that would hang fails instead.
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  return fd;
}

// The daemon's resident memory in KiB.
long RssKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  long value = -1;
  while (status >> key) {
    if (key == "VmRSS:") status >> value;
  }
  return value;
}

double PingMs(const std::string& socket) {
  auto t0 = Clock::now();
  std::string reply, error;
  EXPECT_TRUE(ControlCall(socket, "ping", &reply, &error)) << error;
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

TEST(FaultfsControl, HugeHeaderIsRefusedWithoutAllocating) {
  FAULTFS_MOUNT(m);
  long before = RssKiB(m.pid());
  int fd = Connect(m.socket());
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::send(fd, "\xff\xff\xff\xff", 4, MSG_NOSIGNAL), 4);  // 4 GiB announced.
  std::string answer;
  ASSERT_TRUE(ReceiveMessage(fd, &answer, kMaxReplyBytes));
  EXPECT_TRUE(answer.starts_with("ERR request of 4294967295 bytes")) << answer;
  char c;
  EXPECT_EQ(::recv(fd, &c, 1, 0), 0) << "the connection is closed after the refusal";
  ::close(fd);
  EXPECT_LT(RssKiB(m.pid()) - before, 16 << 10) << "KiB grown";
  EXPECT_LT(PingMs(m.socket()), 1000.0);  // and the daemon still serves.
  EXPECT_TRUE(testing::Mounted(m.mount()));
}

TEST(FaultfsControl, LargestRequestIsServedAndOneByteMoreIsNot) {
  FAULTFS_MOUNT(m);
  int fd = Connect(m.socket());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendMessage(fd, "ping" + std::string(kMaxRequestBytes - 4, ' ')));
  std::string answer;
  ASSERT_TRUE(ReceiveMessage(fd, &answer, kMaxReplyBytes));
  EXPECT_EQ(answer, "OK");
  std::string header = EncodeLength(kMaxRequestBytes + 1);
  ASSERT_EQ(::send(fd, header.data(), 4, MSG_NOSIGNAL), 4);
  ASSERT_TRUE(ReceiveMessage(fd, &answer, kMaxReplyBytes));
  EXPECT_TRUE(answer.starts_with("ERR request of")) << answer;
  ::close(fd);
  std::string reply, error;  // the client refuses to send one itself.
  EXPECT_FALSE(ControlCall(m.socket(), std::string(kMaxRequestBytes + 1, ' '), &reply, &error));
  EXPECT_NE(error.find("request too long"), std::string::npos) << error;
}

TEST(FaultfsControl, StalledClientsBlockNoOneAndAreDroppedAfterTheTimeout) {
  FAULTFS_MOUNT(m);
  // One announces a request and never sends it; one sends half a header; one never reads its
  // answer (a `status` with rules, sent and left).
  int stalled = Connect(m.socket()), half = Connect(m.socket()), deaf = Connect(m.socket());
  ASSERT_GE(stalled, 0);
  ASSERT_GE(half, 0);
  ASSERT_GE(deaf, 0);
  ASSERT_EQ(::send(stalled, "\x10\x00\x00\x00ping", 8, MSG_NOSIGNAL), 8);
  ASSERT_EQ(::send(half, "\x04\x00", 2, MSG_NOSIGNAL), 2);
  ASSERT_TRUE(SendMessage(deaf, "status"));
  auto t0 = Clock::now();
  for (int i = 0; i < 20; ++i) EXPECT_LT(PingMs(m.socket()), 1000.0) << "ping " << i;
  // Each stalled client is dropped once its time is up: it reads EOF (the deaf one its answer).
  char buf[256];
  EXPECT_EQ(::recv(stalled, buf, sizeof buf, 0), 0);
  EXPECT_EQ(::recv(half, buf, sizeof buf, 0), 0);
  double waited = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  EXPECT_GE(waited, ControlServer::kClientTimeoutMs - 1000);
  EXPECT_LT(waited, ControlServer::kClientTimeoutMs + 3000);
  for (int fd : {stalled, half, deaf}) ::close(fd);
  EXPECT_LT(PingMs(m.socket()), 1000.0);
}

TEST(FaultfsControl, MoreClientsThanServedAreRefusedNotQueuedForever) {
  FAULTFS_MOUNT(m);
  std::vector<int> idle;
  for (int i = 0; i < ControlServer::kMaxClients + 8; ++i) idle.push_back(Connect(m.socket()));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // all accepted (or refused).
  int refused = 0;
  for (int fd : idle) {
    char c;
    if (::recv(fd, &c, 1, MSG_DONTWAIT) == 0) ++refused;
  }
  EXPECT_EQ(refused, 8);
  for (int fd : idle) ::close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // their slots are free again.
  EXPECT_LT(PingMs(m.socket()), 1000.0);
}

}  // namespace
}  // namespace faultfs
