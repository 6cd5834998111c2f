#include "writers/external/adapter_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

extern char** environ;

namespace tbfault::writers {
namespace {

int MillisLeft(AdapterProcess::Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                    AdapterProcess::Clock::now());
  if (left.count() <= 0) return 0;
  return left.count() > 1000000 ? 1000000 : static_cast<int>(left.count());
}

}  // namespace

Status AdapterProcess::Start(const std::vector<std::string>& argv,
                             std::unique_ptr<AdapterProcess>* out) {
  out->reset();
  if (argv.empty()) return Status::Invalid("adapter: empty command");
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return Status::FromErrno(errno, "socketpair");
  }
  int ep[2];
  if (::pipe2(ep, O_CLOEXEC) != 0) {
    int e = errno;
    ::close(sv[0]);
    ::close(sv[1]);
    return Status::FromErrno(e, "pipe2");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, sv[1], 0);
  posix_spawn_file_actions_adddup2(&actions, sv[1], 1);
  posix_spawn_file_actions_adddup2(&actions, ep[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, pipe_only;
  sigemptyset(&none);
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);  // The harness may block signals in its threads.
  posix_spawnattr_setsigdefault(&attr, &pipe_only);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(sv[1]);
  ::close(ep[1]);
  if (rc != 0) {
    ::close(sv[0]);
    ::close(ep[0]);
    return Status::FromErrno(rc, "spawn " + argv[0]);
  }
  ::fcntl(sv[0], F_SETFL, ::fcntl(sv[0], F_GETFL) | O_NONBLOCK);
  ::fcntl(ep[0], F_SETFL, ::fcntl(ep[0], F_GETFL) | O_NONBLOCK);
  out->reset(new AdapterProcess(pid, sv[0], ep[0]));
  return Status::Ok();
}

AdapterProcess::~AdapterProcess() {
  Kill();
  ::close(sock_);
  ::close(err_);
}

Status AdapterProcess::Send(const std::string& message, Clock::time_point deadline) {
  if (message.size() > kMaxMessage) return Status::Invalid("adapter: message too large");
  std::string frame(4, '\0');
  uint32_t n = static_cast<uint32_t>(message.size());
  for (int i = 0; i < 4; ++i) frame[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  frame += message;
  size_t done = 0;
  while (done < frame.size()) {
    ssize_t w = ::send(sock_, frame.data() + done, frame.size() - done, MSG_NOSIGNAL);
    if (w > 0) {
      done += static_cast<size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      Status s = WaitFor(POLLOUT, deadline);
      if (!s.ok()) return s;
      continue;
    }
    return Gone("send to adapter");
  }
  return Status::Ok();
}

Status AdapterProcess::Receive(std::string* message, Clock::time_point deadline) {
  for (;;) {
    if (inbuf_.size() >= 4) {
      uint32_t n = 0;
      for (int i = 0; i < 4; ++i)
        n |= static_cast<uint32_t>(static_cast<uint8_t>(inbuf_[i])) << (8 * i);
      if (n > kMaxMessage) {
        Kill();
        return Status::FromErrno(EPROTO, "adapter sent a frame of " + std::to_string(n) + " bytes");
      }
      if (inbuf_.size() >= 4 + static_cast<size_t>(n)) {
        message->assign(inbuf_, 4, n);
        inbuf_.erase(0, 4 + static_cast<size_t>(n));
        return Status::Ok();
      }
    }
    char buf[65536];
    ssize_t r = ::recv(sock_, buf, sizeof buf, 0);
    if (r > 0) {
      inbuf_.append(buf, static_cast<size_t>(r));
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      Status s = WaitFor(POLLIN, deadline);
      if (!s.ok()) return s;
      continue;
    }
    return Gone("receive from adapter");
  }
}

Status AdapterProcess::WaitFor(short events, Clock::time_point deadline) {
  for (;;) {
    pollfd fds[2] = {{sock_, events, 0}, {err_, POLLIN, 0}};
    int timeout = MillisLeft(deadline);
    int n = ::poll(fds, err_ >= 0 ? 2 : 1, timeout);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno(errno, "poll adapter");
    if (fds[1].revents != 0) DrainStderr();
    if (fds[0].revents != 0) return Status::Ok();  // ready, or an error the next call reports.
    if (n == 0 || timeout == 0) {
      return Status::FromErrno(ETIMEDOUT,
                               "adapter (pid " + std::to_string(pid_) + ") did not answer in time");
    }
  }
}

void AdapterProcess::DrainStderr() {
  char buf[4096];
  for (;;) {
    ssize_t r = ::read(err_, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      if (r == 0) {  // the child closed stderr: stop polling it.
        ::close(err_);
        err_ = -1;
      }
      return;
    }
    stderr_tail_.append(buf, static_cast<size_t>(r));
    if (stderr_tail_.size() > kStderrTail) {
      stderr_tail_.erase(0, stderr_tail_.size() - kStderrTail);
    }
  }
}

bool AdapterProcess::Reap(bool block) {
  if (pid_ <= 0) return true;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return false;
  if (r == pid_) {
    exit_ = WIFEXITED(status)     ? "exit " + std::to_string(WEXITSTATUS(status))
            : WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                  : "status " + std::to_string(status);
  } else {
    exit_ = "lost";  // not our child any more (reaped elsewhere).
  }
  pid_ = -1;
  return true;
}

bool AdapterProcess::WaitExit(Clock::time_point deadline) {
  while (!Reap(false)) {
    if (Clock::now() >= deadline) {
      Kill();
      return false;
    }
    if (err_ >= 0) {
      pollfd fd = {err_, POLLIN, 0};
      if (::poll(&fd, 1, 10) > 0) DrainStderr();
    } else {
      ::usleep(10000);
    }
  }
  return exit_ == "exit 0";
}

void AdapterProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  Reap(true);
  if (err_ >= 0) DrainStderr();
}

Status AdapterProcess::Gone(std::string_view what) {
  // Give a dying child a moment to be reaped, so the message can say how it ended.
  auto until = Clock::now() + std::chrono::milliseconds(200);
  while (!Reap(false) && Clock::now() < until) ::usleep(5000);
  if (err_ >= 0) DrainStderr();
  std::string msg(what);
  msg += ": adapter";
  if (!exit_.empty())
    msg += " ended (" + exit_ + ")";
  else
    msg += " closed its end";
  if (!stderr_tail_.empty()) msg += "; its stderr ends: " + stderr_tail_;
  return Status::FromErrno(EPIPE, msg);
}

}  // namespace tbfault::writers
