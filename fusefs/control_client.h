// ControlClient: talks to a running faultfs over its control socket (protocol in control.h).
// Usable by the harness and by faultfs-ctl; depends on nothing but the C library.
#pragma once

#include <string>

namespace faultfs {

inline constexpr int kCallTimeoutS = 60;  // to send the request and to receive the answer.

// Sends `request` and receives the answer. False when the socket could not be reached (error says
// why) or the answer is "ERR ..." (error holds it). On success `reply` holds what follows "OK".
bool ControlCall(const std::string& socket_path, const std::string& request, std::string* reply,
                 std::string* error);

}  // namespace faultfs
