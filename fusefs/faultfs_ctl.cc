// faultfs-ctl SOCKET COMMAND [ARGS...]: one control request (see control.h), answer on stdout.
// Exit 0 on OK, 1 when faultfs answered ERR, 2 on bad usage or an unreachable socket.
#include <cstdio>
#include <string>

#include "fusefs/control_client.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(
        stderr,
        "usage: faultfs-ctl SOCKET COMMAND [ARGS...]\n"
        "commands: ping, add-rule '<textproto>', remove-rule ID, clear, quota BYTES [short],\n"
        "          window open|close NAME, power-cut [plain|torn|zero-fill|reorder], thaw,\n"
        "          crash-point 'after_op: N [power_cut: \"MODE\"]', status, unmount\n");
    return 2;
  }
  std::string request = argv[2];
  for (int i = 3; i < argc; ++i) request += std::string(" ") + argv[i];
  std::string reply, error;
  if (faultfs::ControlCall(argv[1], request, &reply, &error)) {
    if (!reply.empty()) std::printf("%s\n", reply.c_str());
    return 0;
  }
  std::fprintf(stderr, "faultfs-ctl: %s\n", error.c_str());
  return error.starts_with(argv[1]) ? 2 : 1;
}
