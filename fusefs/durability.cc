#include "fusefs/durability.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "fusefs/mix.h"

namespace faultfs {
namespace {

void Zero(int fd, uint64_t from, uint64_t to) {
  static const char zeros[4096] = {};
  while (from < to) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(sizeof zeros, to - from));
    ssize_t w = ::pwrite(fd, zeros, n, static_cast<off_t>(from));
    if (w <= 0) return;
    from += static_cast<uint64_t>(w);
  }
}

}  // namespace

bool ParseCutMode(const std::string& name, CutMode* mode) {
  if (name.empty() || name == "plain")
    *mode = CutMode::kPlain;
  else if (name == "torn")
    *mode = CutMode::kTorn;
  else if (name == "zero-fill")
    *mode = CutMode::kZeroFill;
  else if (name == "reorder")
    *mode = CutMode::kReorder;
  else
    return false;
  return true;
}

std::string Durability::Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

Durability::Entry& Durability::Track(const std::string& path) {
  Entry& e = entries_[path];
  if (e.ordinal == 0) e.ordinal = ++next_ordinal_;
  return e;
}

void Durability::Seen(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = entries_.try_emplace(path);
  if (inserted) {
    it->second.durable = size;
    it->second.durable_name = path;
    it->second.ordinal = ++next_ordinal_;
  }
}

void Durability::Created(const std::string& path, bool is_dir) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = entries_[path];
  e = Entry();
  e.ordinal = ++next_ordinal_;
  e.is_dir = is_dir;
  e.name_durable = false;
}

void Durability::Synced(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  Track(path).durable = size;
}

void Durability::FsyncFailed(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = Track(path);
  if (size > e.durable) e.lost.emplace_back(e.durable, size);
}

void Durability::DirSynced(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [path, e] : entries_) {
    if (Parent(path) == dir) {
      e.name_durable = true;
      e.durable_name = path;
    }
  }
}

void Durability::Renamed(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(from);
  Entry e;
  if (it != entries_.end()) {
    e = it->second;
    entries_.erase(it);
  } else {
    e.durable_name = from;  // not seen before: it was there, durable, under its old name.
    e.ordinal = ++next_ordinal_;
  }
  e.name_durable = false;  // the new name needs a sync of its directory.
  entries_[to] = e;
  // Children of a renamed directory move along; their durable names stay relative to the old place.
  std::string prefix = from + "/";
  std::vector<std::pair<std::string, Entry>> moved;
  for (auto c = entries_.lower_bound(prefix);
       c != entries_.end() && c->first.starts_with(prefix);) {
    moved.emplace_back(to + "/" + c->first.substr(prefix.size()), c->second);
    c = entries_.erase(c);
  }
  for (auto& [path, child] : moved) entries_[path] = child;
}

void Durability::Removed(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(path);
}

std::string Durability::PowerCut(CutMode mode, uint64_t seed) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string log;
  // Renamed names go back first, shallowest first, children moving with their directory.
  std::vector<std::string> renamed;
  for (const auto& [path, e] : entries_) {
    if (!e.name_durable && !e.durable_name.empty() && e.durable_name != path)
      renamed.push_back(path);
  }
  std::sort(renamed.begin(), renamed.end(),
            [](const auto& a, const auto& b) { return a.size() < b.size(); });
  for (const auto& path : renamed) {
    auto it = entries_.find(path);
    if (it == entries_.end()) continue;
    Entry e = it->second;
    entries_.erase(it);
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(root_ + e.durable_name).parent_path(),
                                        ec);
    std::filesystem::rename(root_ + path, root_ + e.durable_name, ec);
    log += "renamed back " + path + " to " + e.durable_name + "\n";
    e.name_durable = true;
    std::string prefix = path + "/";
    std::vector<std::pair<std::string, Entry>> moved;
    for (auto c = entries_.lower_bound(prefix);
         c != entries_.end() && c->first.starts_with(prefix);) {
      moved.emplace_back(e.durable_name + "/" + c->first.substr(prefix.size()), c->second);
      c = entries_.erase(c);
    }
    for (auto& [p, child] : moved) entries_[p] = child;
    entries_[e.durable_name] = e;
  }
  // Then names never made durable, deepest first, so a new directory takes its new files with it.
  std::vector<std::string> gone;
  for (auto& [path, e] : entries_) {
    if (e.name_durable) continue;
    if (e.durable_name.empty()) {
      gone.push_back(path);
    } else {
      e.name_durable = true;  // renamed away and back: it is where it was.
    }
  }
  std::sort(gone.begin(), gone.end(), [](const auto& a, const auto& b) { return a > b; });
  for (const auto& path : gone) {
    std::error_code ec;
    std::filesystem::remove_all(root_ + path, ec);
    log += "removed " + path + "\n";
  }
  for (auto it = entries_.begin(); it != entries_.end();) {
    bool undurable_ancestor = false;
    for (const auto& g : gone) {
      if (it->first == g || it->first.starts_with(g + "/")) undurable_ancestor = true;
    }
    it = undurable_ancestor ? entries_.erase(it) : std::next(it);
  }
  for (auto& [path, e] : entries_) {
    if (e.is_dir) continue;
    std::string full = root_ + path;
    int fd = ::open(full.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      continue;
    }
    uint64_t size = static_cast<uint64_t>(st.st_size);
    uint64_t keep = std::min(size, e.durable);
    uint64_t rng = SplitMix64(seed ^ SplitMix64(e.ordinal));
    for (const auto& [from, to] : e.lost) Zero(fd, from, std::min(to, keep));
    if (size > keep) {
      uint64_t new_size = keep;
      switch (mode) {
        case CutMode::kPlain:
          break;
        case CutMode::kTorn:
          new_size = keep + rng % (size - keep + 1);
          break;
        case CutMode::kZeroFill:
          Zero(fd, keep, size);
          new_size = size;
          break;
        case CutMode::kReorder: {
          uint64_t block = keep / 4096 * 4096;
          uint64_t last_kept_end = keep;
          for (uint64_t b = block; b < size; b += 4096) {
            uint64_t from = std::max(b, keep), to = std::min(b + 4096, size);
            if (SplitMix64(rng ^ b) & 1) {
              last_kept_end = to;
            } else {
              Zero(fd, from, to);
            }
          }
          new_size = last_kept_end;
          break;
        }
      }
      if (::ftruncate(fd, static_cast<off_t>(new_size)) == 0) {
        log += "cut " + path + " from " + std::to_string(size) + " to " + std::to_string(new_size) +
               " (durable " + std::to_string(keep) + ")\n";
      }
    }
    ::fsync(fd);
    ::close(fd);
    e.durable = std::min<uint64_t>(e.durable, size);
    e.lost.clear();
  }
  return log;
}

std::string Durability::Describe() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [path, e] : entries_) {
    if (e.is_dir) continue;
    struct stat st;
    uint64_t size =
        ::stat((root_ + path).c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
    out += "file " + path + " durable=" + std::to_string(std::min(size, e.durable)) +
           " unsynced=" + std::to_string(size > e.durable ? size - e.durable : 0) +
           (e.name_durable ? "" : " name-unsynced") + "\n";
  }
  return out;
}

}  // namespace faultfs
