#include "fusefs/message.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
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

std::string EncodeLength(uint32_t n) {
  return {static_cast<char>(n), static_cast<char>(n >> 8), static_cast<char>(n >> 16),
          static_cast<char>(n >> 24)};
}

uint32_t DecodeLength(const char* header) {
  const auto* h = reinterpret_cast<const unsigned char*>(header);
  return h[0] | (h[1] << 8) | (h[2] << 16) | (uint32_t{h[3]} << 24);
}

bool SendMessage(int fd, const std::string& payload) {
  if (payload.size() > UINT32_MAX) {
    errno = EMSGSIZE;
    return false;
  }
  std::string header = EncodeLength(static_cast<uint32_t>(payload.size()));
  return WriteAll(fd, header.data(), 4) && WriteAll(fd, payload.data(), payload.size());
}

bool ReceiveMessage(int fd, std::string* payload, uint32_t max_bytes) {
  char header[4];
  if (!ReadAll(fd, header, 4)) return false;
  uint32_t n = DecodeLength(header);
  if (n > max_bytes) {
    errno = EMSGSIZE;
    return false;
  }
  payload->clear();
  constexpr size_t kChunk = 64 << 10;  // grow as bytes arrive, not as the header says.
  while (payload->size() < n) {
    size_t at = payload->size();
    payload->resize(at + std::min(kChunk, n - at));
    if (!ReadAll(fd, payload->data() + at, payload->size() - at)) return false;
  }
  return true;
}

}  // namespace faultfs
