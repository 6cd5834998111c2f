#include "harness/cli/output_paths.h"

#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

namespace tbfault::cli {
namespace {

namespace fs = std::filesystem;

Status Writable(const std::string& dir) {
  if (::access(dir.c_str(), W_OK | X_OK) != 0) return Status::FromErrno(errno, dir);
  return Status::Ok();
}

}  // namespace

Status PrepareOutDir(const std::string& dir) {
  std::error_code ec;
  fs::file_status st = fs::symlink_status(dir, ec);
  if (fs::exists(st) && !fs::is_directory(fs::status(dir, ec))) {
    return Status::Invalid(dir + ": exists and is not a directory");
  }
  if (!fs::exists(st)) {
    fs::create_directories(dir, ec);
    if (ec) return Status::FromErrno(ec.value(), "mkdir " + dir);
  } else if (!fs::is_empty(dir, ec)) {
    if (ec) return Status::FromErrno(ec.value(), dir);
    if (!fs::exists(fs::path(dir) / kOutDirMarker, ec)) {
      return Status::Invalid(dir + ": not empty and not an output directory of tbfault (no " +
                             kOutDirMarker + "): choose another, or empty it");
    }
    if (Status s = Writable(dir); !s.ok()) return s;
    for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
      fs::remove_all(e.path(), ec);
      if (ec) return Status::FromErrno(ec.value(), "remove " + e.path().string());
    }
    if (ec) return Status::FromErrno(ec.value(), dir);
  }
  if (Status s = Writable(dir); !s.ok()) return s;
  std::string marker = (fs::path(dir) / kOutDirMarker).string();
  std::ofstream out(marker);
  out << "written by tbfault: emptied when a tbfault command is given this directory again\n";
  out.close();
  if (!out) return Status::FromErrno(errno == 0 ? EIO : errno, "create " + marker);
  return Status::Ok();
}

Status CheckOutputFile(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return Status::Invalid(path + ": is a directory");
  fs::path parent = fs::path(path).parent_path();
  std::string dir = parent.empty() ? "." : parent.string();
  if (!fs::exists(dir, ec))
    return Status::FromErrno(ENOENT, dir + " (the directory of " + path + ")");
  if (!fs::is_directory(dir, ec))
    return Status::FromErrno(ENOTDIR, dir + " (the directory of " + path + ")");
  return Writable(dir);
}

Status CheckTmpfsDir(const std::string& dir) {
  struct statfs sfs {};
  if (::statfs(dir.c_str(), &sfs) != 0) return Status::FromErrno(errno, dir);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::FromErrno(ENOTDIR, dir);
  if (sfs.f_type != TMPFS_MAGIC) return Status::Invalid(dir + ": not a tmpfs");
  return Writable(dir);
}

}  // namespace tbfault::cli
