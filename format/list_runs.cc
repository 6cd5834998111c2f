#include "format/list_runs.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>
#include <system_error>
#include <utility>

#include "format/file_name.h"

namespace tbfault::format {

namespace fs = std::filesystem;

namespace {

struct DirId {
  dev_t dev;
  ino_t ino;
  bool operator==(const DirId& o) const { return dev == o.dev && ino == o.ino; }
};

class Walk {
 public:
  explicit Walk(std::vector<std::string>* cycles) : cycles_(cycles) {}

  // Walks DIR (whose identity is ID), RELATIVE to the root; `path_` holds its ancestors.
  Status Dir(const fs::path& dir, const fs::path& rel, DirId id) {
    path_.push_back(id);
    std::error_code ec;
    fs::directory_iterator it(dir, ec), end;
    if (ec) return Status::FromErrno(ec.value(), dir.string());
    std::vector<std::pair<fs::path, DirId>> subdirs;
    while (it != end) {
      fs::path at = it->path();
      struct stat st;  // through links; a dangling link (or one that vanished) is skipped.
      if (::stat(at.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
          subdirs.push_back({at, {st.st_dev, st.st_ino}});
        } else if (S_ISREG(st.st_mode) && IsEventFileName(at.filename().string())) {
          std::string name = rel.empty() ? "." : rel.string();
          RunFiles& r = by_run_[name];
          r.run = name;
          r.dir = dir.string();
          r.files.push_back(at.string());
        }
      }
      it.increment(ec);  // on failure `it` is the end: name the entry it failed past.
      if (ec) return Status::FromErrno(ec.value(), at.string());
    }
    std::sort(subdirs.begin(), subdirs.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [sub, sub_id] : subdirs) {
      fs::path sub_rel = rel / sub.filename();
      if (std::find(path_.begin(), path_.end(), sub_id) != path_.end()) {
        if (cycles_ != nullptr) cycles_->push_back(sub_rel.string());
        continue;
      }
      Status s = Dir(sub, sub_rel, sub_id);
      if (!s.ok()) return s;
    }
    path_.pop_back();
    return Status::Ok();
  }

  void Finish(std::vector<RunFiles>* runs) {
    for (auto& [name, r] : by_run_) {
      std::sort(r.files.begin(), r.files.end(), [](const std::string& a, const std::string& b) {
        return fs::path(a).filename() < fs::path(b).filename();
      });
      runs->push_back(std::move(r));
    }
  }

 private:
  std::vector<std::string>* cycles_;
  std::vector<DirId> path_;  // identities of the directories from the root down to the current one.
  std::map<std::string, RunFiles> by_run_;
};

}  // namespace

Status ListRuns(const std::string& path, std::vector<RunFiles>* runs,
                std::vector<std::string>* cycles) {
  runs->clear();
  if (cycles != nullptr) cycles->clear();
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::FromErrno(errno, path);
  if (S_ISREG(st.st_mode)) {
    runs->push_back({".", fs::path(path).parent_path().string(), {path}});
    return Status::Ok();
  }
  if (!S_ISDIR(st.st_mode)) return Status::Invalid(path + ": not a file or directory");
  // A directory that cannot be read is an error naming it, never skipped: its runs would be
  // missing from the answer without a word.
  Walk walk(cycles);
  Status s = walk.Dir(path, fs::path(), {st.st_dev, st.st_ino});
  if (!s.ok()) return s;
  walk.Finish(runs);
  return Status::Ok();
}

}  // namespace tbfault::format
