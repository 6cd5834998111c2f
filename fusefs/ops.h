// The file-system operations faultfs can match, as a bit set, and their names in rules.
#pragma once

#include <cstdint>
#include <string_view>

namespace faultfs {

enum Op : uint32_t {
  kLookup = 1u << 0,
  kGetattr = 1u << 1,
  kSetattr = 1u << 2,
  kOpen = 1u << 3,
  kCreate = 1u << 4,
  kRead = 1u << 5,
  kWrite = 1u << 6,
  kFlush = 1u << 7,
  kRelease = 1u << 8,
  kFsync = 1u << 9,
  kMkdir = 1u << 10,
  kUnlink = 1u << 11,
  kRmdir = 1u << 12,
  kRename = 1u << 13,
  kOpendir = 1u << 14,
  kReaddir = 1u << 15,
  kFsyncdir = 1u << 16,
  kStatfs = 1u << 17,
  kXattr = 1u << 18,
  kAccess = 1u << 19,
  kAllOps = (1u << 20) - 1,
};

std::string_view OpName(Op op);
// 0 when unknown. "*" is every op; "close" is an alias of flush.
uint32_t OpFromName(std::string_view name);

}  // namespace faultfs
