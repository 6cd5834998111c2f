// AdapterProcess: a child process spoken to in length-delimited messages (a 4-byte little-endian
// length, then the bytes) on its stdin/stdout, as adapter.proto describes. Its stdin and stdout are
// one end of a socketpair rather than two pipes, so that writing to a dead child fails with EPIPE
// (send with MSG_NOSIGNAL) instead of raising SIGPIPE in the harness. Its stderr is a pipe whose
// last few KiB are kept and quoted when the child dies.
//
// Nothing here blocks past a deadline: every send and receive polls with the time left, and a
// timeout is ETIMEDOUT. A child that exits or closes its end is EPIPE. Kill() and the destructor
// SIGKILL and reap a child still running. Not thread-safe: one caller at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "format/status.h"

namespace tbfault::writers {

class AdapterProcess {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts argv[0] (a path, not searched) with argv. An exec failure (missing interpreter) is an
  // error carrying its errno.
  static Status Start(const std::vector<std::string>& argv, std::unique_ptr<AdapterProcess>* out);
  ~AdapterProcess();
  AdapterProcess(const AdapterProcess&) = delete;
  AdapterProcess& operator=(const AdapterProcess&) = delete;

  Status Send(const std::string& message, Clock::time_point deadline);
  Status Receive(std::string* message, Clock::time_point deadline);

  // Waits until the child exits, SIGKILLing it at the deadline. True when it exited by itself with
  // status 0.
  bool WaitExit(Clock::time_point deadline);
  void Kill();  // SIGKILL and reap; no-op once reaped.

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  // The end of the child's stderr read so far (at most kStderrTail bytes), and how it exited
  // ("exit 1", "signal 9") once reaped.
  std::string stderr_tail() const { return stderr_tail_; }
  std::string exit_description() const { return exit_; }

  static constexpr size_t kStderrTail = 4096;
  static constexpr uint32_t kMaxMessage = 256u << 20;

 private:
  AdapterProcess(pid_t pid, int sock, int err) : pid_(pid), sock_(sock), err_(err) {}
  // Polls the socket for `events` and drains stderr meanwhile; ETIMEDOUT at the deadline.
  Status WaitFor(short events, Clock::time_point deadline);
  void DrainStderr();
  bool Reap(bool block);
  Status Gone(std::string_view what);  // EPIPE naming what failed, how the child ended, stderr.

  pid_t pid_;
  int sock_;
  int err_;
  std::string inbuf_;  // bytes received beyond the last message.
  std::string stderr_tail_;
  std::string exit_;
};

}  // namespace tbfault::writers
