// libFuzzer target for the control protocol: arbitrary bytes through the framing (a socketpair
// and ReceiveMessage, bounded as the server bounds requests) and, split at NUL bytes, as requests
// to ControlServer::Handle on a fresh faultfs over an empty backing directory. Neither may crash,
// hang, leak or hand back a payload over the limit.
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "fusefs/control.h"
#include "fusefs/faultfs.h"
#include "fusefs/message.h"

namespace {

// Made once, removed at exit; never freed, so the exit handler cannot outlive it.
const std::string& Backing() {
  static const std::string* dir = [] {
    char tmpl[] = "/tmp/faultfs-fuzz-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) std::abort();
    return new std::string(tmpl);
  }();
  static const bool cleanup = [] {
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(*dir, ec);
    });
    return true;
  }();
  (void)cleanup;
  return *dir;
}

void Framing(std::string_view bytes) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) std::abort();
  bytes = bytes.substr(0, 64 << 10);  // fits the socket buffer: the write never blocks.
  if (::send(sv[0], bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size()))
    std::abort();
  ::shutdown(sv[0], SHUT_WR);
  std::string payload;
  size_t consumed = 0;
  while (faultfs::ReceiveMessage(sv[1], &payload, faultfs::kMaxRequestBytes)) {
    if (payload.size() > faultfs::kMaxRequestBytes) std::abort();
    consumed += 4 + payload.size();
    if (consumed > bytes.size()) std::abort();
  }
  ::close(sv[0]);
  ::close(sv[1]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Framing(bytes);
  faultfs::FaultFs fs({Backing(), 1, "", false});
  std::string error;
  if (!fs.Init(&error)) std::abort();
  faultfs::ControlServer server(&fs, [] {});
  int requests = 0;
  for (size_t at = 0; at <= bytes.size() && requests < 16; ++requests) {
    size_t end = bytes.find('\0', at);
    if (end == std::string_view::npos) end = bytes.size();
    std::string answer = server.Handle(std::string(bytes.substr(at, end - at)));
    if (!answer.starts_with("OK") && !answer.starts_with("ERR ")) std::abort();
    at = end + 1;
  }
  return 0;
}
