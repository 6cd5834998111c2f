// Control-channel framing (control.h): a 4-byte little-endian length, then that many bytes. Used by
// the daemon's control server and by clients; depends on the C library only. Lengths are bounded:
// a request holds at most kMaxRequestBytes, an answer at most kMaxReplyBytes, and a receiver grows
// its buffer only as bytes arrive, so a header that announces 4 GiB allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace faultfs {

inline constexpr uint32_t kMaxRequestBytes = 1u << 20;  // 1 MiB: a rule or a command line.
inline constexpr uint32_t kMaxReplyBytes = 64u << 20;   // 64 MiB: `status` of a big mount.

// The 4-byte header for a payload of `n` bytes, and its value read back.
std::string EncodeLength(uint32_t n);
uint32_t DecodeLength(const char* header);

// False when the peer went away or a system call failed (errno says which).
bool SendMessage(int fd, const std::string& payload);
// False as above, or with errno EMSGSIZE when the header announces more than `max_bytes` (nothing
// of the payload is read then).
bool ReceiveMessage(int fd, std::string* payload, uint32_t max_bytes);

}  // namespace faultfs
