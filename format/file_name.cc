#include "format/file_name.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>

namespace tbfault::format {
namespace {

constexpr std::string_view kPrefix = "events.out.tfevents.";

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

bool ParseUnsigned(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string EventFileName(int64_t unix_secs, std::string_view host, int64_t pid, uint64_t counter,
                          std::string_view suffix) {
  char head[64];
  std::snprintf(head, sizeof head, "%s%010lld.", kPrefix.data(), static_cast<long long>(unix_secs));
  std::string name = head;
  name += host;
  name += '.';
  name += std::to_string(pid);
  name += '.';
  name += std::to_string(counter);
  name += suffix;
  return name;
}

std::string NextEventFileName(std::string_view suffix) {
  static std::atomic<uint64_t> counter{0};
  static const std::string host = HostName();
  return EventFileName(static_cast<int64_t>(std::time(nullptr)), host, getpid(),
                       counter.fetch_add(1, std::memory_order_relaxed), suffix);
}

bool IsEventFileName(std::string_view basename) {
  return basename.find("tfevents") != std::string_view::npos;
}

bool ParseEventFileName(std::string_view name, EventFileNameParts* parts) {
  if (!name.starts_with(kPrefix)) return false;
  name.remove_prefix(kPrefix.size());
  // <secs>.<host>.<pid>.<counter><suffix>: the host may hold dots, so take pid and counter from the
  // right of the part that follows the seconds; the suffix is whatever follows the counter's
  // digits.
  size_t dot = name.find('.');
  uint64_t secs;
  if (dot == std::string_view::npos || !ParseUnsigned(name.substr(0, dot), &secs)) return false;
  std::string_view rest = name.substr(dot + 1);
  // Walk dots from the left: the first position where "<digits>.<digits>" ends the name (up to a
  // suffix) marks pid and counter.
  for (size_t pos = rest.find('.'); pos != std::string_view::npos; pos = rest.find('.', pos + 1)) {
    std::string_view host = rest.substr(0, pos);
    std::string_view tail = rest.substr(pos + 1);
    size_t d2 = tail.find('.');
    if (d2 == std::string_view::npos) continue;
    uint64_t pid;
    if (!ParseUnsigned(tail.substr(0, d2), &pid)) continue;
    std::string_view after = tail.substr(d2 + 1);
    size_t digits = 0;
    while (digits < after.size() && after[digits] >= '0' && after[digits] <= '9') ++digits;
    uint64_t counter;
    if (!ParseUnsigned(after.substr(0, digits), &counter)) continue;
    if (host.empty()) return false;
    parts->unix_secs = static_cast<int64_t>(secs);
    parts->host = std::string(host);
    parts->pid = static_cast<int64_t>(pid);
    parts->counter = counter;
    parts->suffix = std::string(after.substr(digits));
    return true;
  }
  return false;
}

}  // namespace tbfault::format
