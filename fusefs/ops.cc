#include "fusefs/ops.h"

#include <array>
#include <utility>

namespace faultfs {
namespace {

constexpr std::array<std::pair<Op, std::string_view>, 20> kOps = {{
    {kLookup, "lookup"},     {kGetattr, "getattr"}, {kSetattr, "setattr"}, {kOpen, "open"},
    {kCreate, "create"},     {kRead, "read"},       {kWrite, "write"},     {kFlush, "flush"},
    {kRelease, "release"},   {kFsync, "fsync"},     {kMkdir, "mkdir"},     {kUnlink, "unlink"},
    {kRmdir, "rmdir"},       {kRename, "rename"},   {kOpendir, "opendir"}, {kReaddir, "readdir"},
    {kFsyncdir, "fsyncdir"}, {kStatfs, "statfs"},   {kXattr, "xattr"},     {kAccess, "access"},
}};

}  // namespace

std::string_view OpName(Op op) {
  for (const auto& [o, n] : kOps) {
    if (o == op) return n;
  }
  return "?";
}

uint32_t OpFromName(std::string_view name) {
  if (name == "*") return kAllOps;
  if (name == "close") return kFlush;
  if (name == "fdatasync") return kFsync;
  for (const auto& [o, n] : kOps) {
    if (n == name) return o;
  }
  return 0;
}

}  // namespace faultfs
