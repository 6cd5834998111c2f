#include "harness/runner/shard.h"

#include <fcntl.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <numeric>

#include "format/crc32c.h"

namespace tbfault::runner {
namespace {

// A decimal integer in [lo, hi], all of `text`.
bool ParseBounded(const char* text, long lo, long hi, int* out) {
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(text, &end, 10);
  if (errno != 0 || *end != '\0' || v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

constexpr int kMaxShards = 1 << 20;

std::string Text(const char* v) { return v == nullptr ? "(unset)" : std::string(v); }

// One source of a shard: its name for messages, whether present, and the shard it names (or why
// not).
struct Source {
  std::string name;
  bool present = false;
  ShardChoice choice;
  std::string error;  // present but malformed.
};

// A pair of variables naming index and total; `base` is 0 or 1 (the index's first value).
Source Pair(const char* index_var, const char* total_var, int base,
            const std::function<const char*(const char*)>& getenv) {
  Source s;
  s.name = std::string(index_var) + "/" + total_var;
  const char* i = getenv(index_var);
  const char* n = getenv(total_var);
  if (i == nullptr && n == nullptr) return s;
  s.present = true;
  const std::string given = Text(i) + "/" + Text(n);
  int index = 0, total = 0;
  if (!ParseBounded(n, 1, kMaxShards, &total) || !ParseBounded(i, base, total - 1 + base, &index)) {
    s.error = s.name + ": '" + given + "' is not I/N with " +
              (base == 0 ? "0 <= I < N" : "1 <= I <= N (1-based)");
    return s;
  }
  s.choice = {index - base, total, s.name};
  return s;
}

std::string Named(const ShardChoice& c) {
  return std::to_string(c.index) + "/" + std::to_string(c.total);
}

uint64_t Fnv1a(uint64_t h, std::string_view data) {
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace

Status ResolveShard(const ShardFlags& flags, const std::function<const char*(const char*)>& getenv,
                    ShardChoice* out) {
  std::vector<Source> sources;
  Source flag;
  flag.name = "--shard";
  if (flags.index) {  // --shard I/N or --shard-index I: a total is needed.
    flag.present = true;
    if (!flags.total) {
      flag.error = "--shard-index needs --shard-total N";
    } else if (*flags.index < 0 || *flags.index >= *flags.total) {
      flag.error = "--shard: '" + std::to_string(*flags.index) + "/" +
                   std::to_string(*flags.total) + "' is not I/N with 0 <= I < N";
    } else {
      flag.choice = {*flags.index, *flags.total, "--shard"};
    }
  }
  sources.push_back(flag);
  Source gitlab = Pair("CI_NODE_INDEX", "CI_NODE_TOTAL", 1, getenv);
  // GitLab sets CI_NODE_TOTAL=1, and no CI_NODE_INDEX, in every job without parallel:.
  const char* node_total = getenv("CI_NODE_TOTAL");
  if (getenv("CI_NODE_INDEX") == nullptr && node_total != nullptr &&
      std::string_view(node_total) == "1") {
    gitlab.present = false;
  }
  sources.push_back(gitlab);
  Source job;
  job.name = "JOB_COMPLETION_INDEX";
  if (const char* j = getenv("JOB_COMPLETION_INDEX"); j != nullptr) {
    job.present = true;
    int index = 0;
    if (!flags.total) {
      job.error = "JOB_COMPLETION_INDEX is set: give the number of completions as --shard-total N";
    } else if (!ParseBounded(j, 0, *flags.total - 1, &index)) {
      job.error = "JOB_COMPLETION_INDEX: '" + std::string(j) + "' is not an index below " +
                  "--shard-total " + std::to_string(*flags.total);
    } else {
      job.choice = {index, *flags.total, "JOB_COMPLETION_INDEX"};
    }
  }
  sources.push_back(job);
  sources.push_back(Pair("GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS", 0, getenv));

  const Source* chosen = nullptr;
  for (const Source& s : sources) {
    if (!s.present) continue;
    if (!s.error.empty()) return Status::Invalid(s.error);
    if (chosen == nullptr) {
      chosen = &s;
    } else if (s.choice.index != chosen->choice.index || s.choice.total != chosen->choice.total) {
      return Status::Invalid(chosen->name + " says shard " + Named(chosen->choice) + " but " +
                             s.name + " says " + Named(s.choice) + " (0-based)");
    }
  }
  if (chosen == nullptr && flags.total && !flags.index) {
    return Status::Invalid("--shard-total needs --shard-index I or JOB_COMPLETION_INDEX");
  }
  *out = chosen == nullptr ? ShardChoice{0, 1, "default"} : chosen->choice;
  return Status::Ok();
}

std::vector<int> ShardOf(const std::vector<SuiteEntry>& entries, int total) {
  std::vector<size_t> order(entries.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return entries[a].scenario.name() < entries[b].scenario.name();
  });
  std::vector<int> shard(entries.size(), 0);
  if (total <= 1) return shard;
  for (size_t k = 0; k < order.size(); ++k) shard[order[k]] = static_cast<int>(k % total);
  return shard;
}

void Shard(int index, int total, std::vector<SuiteEntry>* entries) {
  if (total <= 1) return;
  std::vector<int> shard = ShardOf(*entries, total);
  std::vector<SuiteEntry> kept;
  for (size_t i = 0; i < entries->size(); ++i) {
    if (shard[i] == index) kept.push_back(std::move((*entries)[i]));
  }
  *entries = std::move(kept);
}

std::string SelectionId(const std::vector<SuiteEntry>& selection) {
  std::vector<std::string> serialized;
  for (const SuiteEntry& e : selection) {
    std::string bytes;
    {
      google::protobuf::io::StringOutputStream stream(&bytes);
      google::protobuf::io::CodedOutputStream coded(&stream);
      coded.SetSerializationDeterministic(true);
      e.scenario.SerializeToCodedStream(&coded);
    }
    serialized.push_back(e.scenario.name() + '\0' + bytes);
  }
  std::sort(serialized.begin(), serialized.end());
  uint64_t h = 0xcbf29ce484222325ull;
  for (const std::string& s : serialized) {
    h = Fnv1a(h, std::to_string(s.size()) + ":");
    h = Fnv1a(h, s);
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016" PRIx64, h);
  return out;
}

std::string BinaryId() {
  int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  uint32_t crc = 0;
  uint64_t size = 0;
  std::vector<char> buf(1 << 20);
  for (ssize_t n; (n = ::read(fd, buf.data(), buf.size())) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return "";
    }
    crc = crc32c::Extend(crc, buf.data(), static_cast<size_t>(n));
    size += static_cast<uint64_t>(n);
  }
  ::close(fd);
  char out[40];
  std::snprintf(out, sizeof out, "%" PRIx64 "-%08x", size, crc);
  return out;
}

reports::ShardRecord ShardRecordFor(const std::vector<SuiteEntry>& selection,
                                    const ShardChoice& choice) {
  reports::ShardRecord r;
  r.index = choice.index;
  r.total = choice.total;
  r.selection = SelectionId(selection);
  r.selected = selection.size();
  std::vector<int> shard = ShardOf(selection, choice.total);
  r.shard_selected = static_cast<uint64_t>(std::count(shard.begin(), shard.end(), choice.index));
  r.binary = BinaryId();
  return r;
}

}  // namespace tbfault::runner
