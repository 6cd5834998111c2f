#include "fusefs/control.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace faultfs {
namespace {

class Collector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first.empty())
      first = std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
  }
  std::string first;
};

}  // namespace

ControlServer::~ControlServer() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (!path_.empty()) ::unlink(path_.c_str());
}

bool ControlServer::Listen(const std::string& socket_path, std::string* error) {
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) {
    *error = socket_path + ": socket path too long";
    return false;
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  ::unlink(socket_path.c_str());  // a stale socket of an earlier run.
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  mode_t old = ::umask(0177);  // 0600 from the start: no window where others could connect.
  bool ok = listen_fd_ >= 0 &&
            ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
            ::listen(listen_fd_, 16) == 0;
  int err = errno;
  ::umask(old);
  if (!ok) {
    *error = socket_path + ": " + std::strerror(err);
    return false;
  }
  path_ = socket_path;
  return true;
}

void ControlServer::StartServing() {
  if (!thread_.joinable()) thread_ = std::thread(&ControlServer::Serve, this);
}

void ControlServer::Serve() {
  while (!stop_.load()) {
    pollfd p = {listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::string request;
    while (ReceiveMessage(fd, &request)) {
      if (!SendMessage(fd, Handle(request))) break;
    }
    ::close(fd);
  }
}

std::string ControlServer::Handle(const std::string& request) {
  std::istringstream in(request);
  std::string cmd;
  in >> cmd;
  std::string rest;
  std::getline(in, rest, '\0');
  if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
  if (cmd == "ping") return "OK";
  if (cmd == "add-rule") {
    Rule rule;
    google::protobuf::TextFormat::Parser parser;
    Collector errors;
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(rest, &rule)) return "ERR add-rule: " + errors.first;
    uint32_t id;
    std::string error;
    if (!fs_->rules().Add(rule, &id, &error)) return "ERR add-rule: " + error;
    return "OK " + std::to_string(id);
  }
  if (cmd == "remove-rule") {
    uint32_t id = static_cast<uint32_t>(std::strtoul(rest.c_str(), nullptr, 10));
    return fs_->rules().Remove(id) ? "OK" : "ERR remove-rule: no rule " + rest;
  }
  if (cmd == "clear") {
    fs_->rules().Clear();
    return "OK";
  }
  if (cmd == "quota") {
    std::istringstream args(rest);
    std::string bytes, mode;
    args >> bytes >> mode;
    char* end = nullptr;
    unsigned long long q = std::strtoull(bytes.c_str(), &end, 10);
    if (bytes.empty() || *end != '\0' || (!mode.empty() && mode != "short")) {
      return "ERR quota: usage: quota BYTES [short]";
    }
    fs_->SetQuota(q, mode == "short");
    return "OK";
  }
  if (cmd == "window") {
    std::istringstream args(rest);
    std::string what, name;
    args >> what >> name;
    if ((what != "open" && what != "close") || name.empty()) {
      return "ERR window: usage: window open|close NAME";
    }
    fs_->rules().SetWindow(name, what == "open");
    return "OK";
  }
  if (cmd == "power-cut") {
    CutMode mode;
    if (!ParseCutMode(rest, &mode))
      return "ERR power-cut: mode must be plain, torn, zero-fill or reorder";
    return "OK\n" + fs_->PowerCut(mode);
  }
  if (cmd == "thaw") {
    fs_->Thaw();
    return "OK";
  }
  if (cmd == "status") {
    return "OK\nfrozen=" + std::to_string(fs_->frozen()) +
           " quota=" + std::to_string(fs_->quota()) + " used=" + std::to_string(fs_->used_bytes()) +
           "\n" + fs_->rules().Describe() + fs_->durability().Describe();
  }
  if (cmd == "unmount") {
    unmount_();
    return "OK";
  }
  return "ERR unknown command '" + cmd + "'";
}

}  // namespace faultfs
