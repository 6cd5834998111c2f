#include "format/status.h"

#include <array>
#include <cstring>

namespace tbfault {
namespace {

struct ErrnoEntry {
  int value;
  std::string_view name;
};

constexpr std::array kErrnos = {
    ErrnoEntry{EPERM, "EPERM"},         ErrnoEntry{ENOENT, "ENOENT"},
    ErrnoEntry{EINTR, "EINTR"},         ErrnoEntry{EIO, "EIO"},
    ErrnoEntry{EBADF, "EBADF"},         ErrnoEntry{EAGAIN, "EAGAIN"},
    ErrnoEntry{ENOMEM, "ENOMEM"},       ErrnoEntry{EACCES, "EACCES"},
    ErrnoEntry{EFAULT, "EFAULT"},       ErrnoEntry{EBUSY, "EBUSY"},
    ErrnoEntry{EEXIST, "EEXIST"},       ErrnoEntry{EXDEV, "EXDEV"},
    ErrnoEntry{ENODEV, "ENODEV"},       ErrnoEntry{ENOTDIR, "ENOTDIR"},
    ErrnoEntry{EISDIR, "EISDIR"},       ErrnoEntry{EINVAL, "EINVAL"},
    ErrnoEntry{ENFILE, "ENFILE"},       ErrnoEntry{EMFILE, "EMFILE"},
    ErrnoEntry{EFBIG, "EFBIG"},         ErrnoEntry{ENOSPC, "ENOSPC"},
    ErrnoEntry{ESPIPE, "ESPIPE"},       ErrnoEntry{EROFS, "EROFS"},
    ErrnoEntry{EPIPE, "EPIPE"},         ErrnoEntry{ENAMETOOLONG, "ENAMETOOLONG"},
    ErrnoEntry{ENOSYS, "ENOSYS"},       ErrnoEntry{ENOTEMPTY, "ENOTEMPTY"},
    ErrnoEntry{ENOTCONN, "ENOTCONN"},   ErrnoEntry{ETIMEDOUT, "ETIMEDOUT"},
    ErrnoEntry{ESTALE, "ESTALE"},       ErrnoEntry{EDQUOT, "EDQUOT"},
    ErrnoEntry{ECANCELED, "ECANCELED"}, ErrnoEntry{ENOTSUP, "ENOTSUP"},
    ErrnoEntry{ENXIO, "ENXIO"},
};

}  // namespace

Status Status::FromErrno(int err, std::string_view context) {
  return Status(true, err, std::string(context));
}

Status Status::Invalid(std::string_view message) { return Status(true, 0, std::string(message)); }

std::string Status::ToString() const {
  if (ok()) return "OK";
  if (errno_ == 0) return message_;
  std::string s = message_;
  s += ": ";
  s += std::strerror(errno_);
  s += " (";
  s += ErrnoName(errno_);
  s += ")";
  return s;
}

std::string_view ErrnoName(int err) {
  for (const auto& e : kErrnos) {
    if (e.value == err) return e.name;
  }
  thread_local char buf[16];
  std::snprintf(buf, sizeof buf, "E%d", err);
  return buf;
}

int ErrnoFromName(std::string_view name) {
  for (const auto& e : kErrnos) {
    if (e.name == name) return e.value;
  }
  return 0;
}

}  // namespace tbfault
