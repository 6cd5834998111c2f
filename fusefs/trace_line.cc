#include "fusefs/trace_line.h"

#include <charconv>

namespace faultfs {
namespace {

template <typename T>
bool Number(std::string_view text, T* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

bool ParseTraceLine(std::string_view line, TraceLine* out) {
  *out = TraceLine();
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  // The path may hold spaces: the fields after it are found from the right.
  const size_t bytes_at = line.rfind(" bytes=");
  if (sp2 == std::string_view::npos || bytes_at == std::string_view::npos || bytes_at < sp2) {
    return false;
  }
  const size_t result_at = line.find(" result=", bytes_at);
  if (result_at == std::string_view::npos) return false;
  size_t result_end = line.find(' ', result_at + 1);
  if (result_end == std::string_view::npos) result_end = line.size();
  const uint32_t op = OpFromName(line.substr(sp1 + 1, sp2 - sp1 - 1));
  if (op == 0 || op == kAllOps || (op & (op - 1)) != 0) return false;  // exactly one op.
  out->op = static_cast<Op>(op);
  out->path = std::string(line.substr(sp2 + 1, bytes_at - sp2 - 1));
  if (!Number(line.substr(0, sp1), &out->seq) ||
      !Number(line.substr(bytes_at + 7, result_at - bytes_at - 7), &out->bytes) ||
      !Number(line.substr(result_at + 8, result_end - result_at - 8), &out->result)) {
    return false;
  }
  const std::string_view rest = line.substr(result_end);
  out->fault = rest.find(" fault=") != std::string_view::npos;
  out->crash = rest.find(" crash=") != std::string_view::npos;
  return true;
}

}  // namespace faultfs
