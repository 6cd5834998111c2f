#include "fusefs/message.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace faultfs {
namespace {

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool ReadAll(int fd, char* p, size_t n) {
  while (n > 0) {
    ssize_t r = ::recv(fd, p, n, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

}  // namespace

bool SendMessage(int fd, const std::string& payload) {
  uint32_t n = static_cast<uint32_t>(payload.size());
  char len[4] = {static_cast<char>(n), static_cast<char>(n >> 8), static_cast<char>(n >> 16),
                 static_cast<char>(n >> 24)};
  return WriteAll(fd, len, 4) && WriteAll(fd, payload.data(), payload.size());
}

bool ReceiveMessage(int fd, std::string* payload) {
  unsigned char len[4];
  if (!ReadAll(fd, reinterpret_cast<char*>(len), 4)) return false;
  uint32_t n = len[0] | (len[1] << 8) | (len[2] << 16) | (uint32_t{len[3]} << 24);
  payload->resize(n);
  return ReadAll(fd, payload->data(), n);
}

}  // namespace faultfs
