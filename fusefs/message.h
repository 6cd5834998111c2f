// Control-channel framing (control.h): a 4-byte little-endian length, then that many bytes. Used by
// the daemon's control server and by clients; depends on the C library only.
#pragma once

#include <string>

namespace faultfs {

// False when the peer went away or a system call failed (errno says which).
bool SendMessage(int fd, const std::string& payload);
bool ReceiveMessage(int fd, std::string* payload);

}  // namespace faultfs
