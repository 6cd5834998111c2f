// Status: the result of an operation that can fail. An error carries the errno that caused it (0
// when the failure is not an OS error, e.g. bad input) and a message naming what failed. Errors are
// values: callers must look at them ([[nodiscard]]). An OK status holds no heap memory.
#pragma once

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>

namespace tbfault {

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  // An OS error: `context` names the operation and path, e.g. "write /logs/run/events...".
  static Status FromErrno(int err, std::string_view context);
  // A failure that is not an OS error (malformed input, bad usage).
  static Status Invalid(std::string_view message);

  bool ok() const { return !failed_; }
  int error_number() const { return errno_; }  // 0 when not an OS error.
  const std::string& message() const { return message_; }
  // "write /x: No space left on device (ENOSPC)" or the message alone.
  std::string ToString() const;

  void Ignore() const {}  // Explicitly discard a status where losing it is the documented intent.

 private:
  Status(bool failed, int err, std::string message)
      : failed_(failed), errno_(err), message_(std::move(message)) {}
  bool failed_ = false;
  int errno_ = 0;
  std::string message_;
};

// The symbolic name of an errno value ("ENOSPC"), or "E<number>" when unknown.
std::string_view ErrnoName(int err);
// The errno value for a symbolic name ("ENOSPC" -> 28), or 0 when unknown.
int ErrnoFromName(std::string_view name);

}  // namespace tbfault
