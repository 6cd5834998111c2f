#include "fusefs/control_client.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fusefs/message.h"

namespace faultfs {

bool ControlCall(const std::string& socket_path, const std::string& request, std::string* reply,
                 std::string* error) {
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) {
    *error = socket_path + ": socket path too long";
    return false;
  }
  if (request.size() > kMaxRequestBytes) {
    *error = socket_path + ": request too long (" + std::to_string(request.size()) +
             " bytes; at most " + std::to_string(kMaxRequestBytes) + ")";
    return false;
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *error = socket_path + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return false;
  }
  // A daemon that stopped answering (a hung mount) must not hang its caller for good.
  timeval limit = {kCallTimeoutS, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  std::string answer;
  bool ok = SendMessage(fd, request) && ReceiveMessage(fd, &answer, kMaxReplyBytes);
  ::close(fd);
  if (!ok) {
    *error = socket_path + (errno == EAGAIN || errno == EWOULDBLOCK
                                ? ": no answer within " + std::to_string(kCallTimeoutS) + " s"
                                : ": connection closed before an answer");
    return false;
  }
  if (answer.starts_with("OK")) {
    *reply = answer.size() > 3 ? answer.substr(3) : "";
    return true;
  }
  *error = answer.starts_with("ERR ") ? answer.substr(4) : answer;
  return false;
}

}  // namespace faultfs
