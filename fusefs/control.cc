#include "fusefs/control.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
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
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
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

struct ControlServer::Client {
  int fd = -1;
  std::string in;   // bytes received of the request under way.
  std::string out;  // the framed answer still to send.
  size_t sent = 0;
  bool close_after = false;  // the answer is the last thing this client gets.
  std::chrono::steady_clock::time_point deadline;
};

void ControlServer::Serve() {
  std::vector<Client> clients;
  std::vector<pollfd> fds;
  while (!stop_.load()) {
    fds.assign(1, {listen_fd_, POLLIN, 0});
    for (const Client& c : clients) {
      fds.push_back({c.fd, static_cast<short>(c.out.empty() ? POLLIN : POLLOUT), 0});
    }
    if (::poll(fds.data(), fds.size(), 100) < 0 && errno != EINTR) break;
    auto now = std::chrono::steady_clock::now();
    for (size_t i = 0; i < clients.size(); ++i) {
      Client& c = clients[i];
      short ev = fds[i + 1].revents;
      bool alive = now < c.deadline;
      if (alive && ev != 0) alive = c.out.empty() ? Receive(&c) : Transmit(&c);
      if (!alive) {
        ::close(c.fd);
        c.fd = -1;
      }
    }
    std::erase_if(clients, [](const Client& c) { return c.fd < 0; });
    if (fds[0].revents & POLLIN) Accept(&clients);
  }
  for (Client& c : clients) ::close(c.fd);
}

void ControlServer::Accept(std::vector<Client>* clients) {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    if (clients->size() >= kMaxClients) {  // full: this one is refused, those served go on.
      ::close(fd);
      continue;
    }
    Client c;
    c.fd = fd;
    c.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kClientTimeoutMs);
    clients->push_back(std::move(c));
  }
}

bool ControlServer::Receive(Client* c) {
  char buf[64 << 10];
  // Never more than the request under way still needs: a client cannot make us hold more.
  size_t want = sizeof buf;
  if (c->in.size() >= 4)
    want = std::min<size_t>(want, 4 + DecodeLength(c->in.data()) - c->in.size());
  else
    want = 4 - c->in.size();
  ssize_t r = ::recv(c->fd, buf, want, 0);
  if (r < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  if (r == 0) return false;  // the client went away.
  c->in.append(buf, static_cast<size_t>(r));
  if (c->in.size() < 4) return true;
  uint32_t n = DecodeLength(c->in.data());
  std::string answer;
  if (n > kMaxRequestBytes) {
    answer = "ERR request of " + std::to_string(n) + " bytes: at most " +
             std::to_string(kMaxRequestBytes);
    c->close_after = true;
  } else if (c->in.size() < 4 + size_t{n}) {
    return true;
  } else {
    answer = Handle(c->in.substr(4));
    if (answer.size() > kMaxReplyBytes) {
      answer = "ERR answer of " + std::to_string(answer.size()) + " bytes: at most " +
               std::to_string(kMaxReplyBytes);
    }
  }
  std::string().swap(c->in);
  c->out = EncodeLength(static_cast<uint32_t>(answer.size())) + answer;
  c->sent = 0;
  c->deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kClientTimeoutMs);
  return Transmit(c);
}

bool ControlServer::Transmit(Client* c) {
  while (c->sent < c->out.size()) {
    ssize_t w = ::send(c->fd, c->out.data() + c->sent, c->out.size() - c->sent,
                       MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    c->sent += static_cast<size_t>(w);
  }
  std::string().swap(c->out);
  c->deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kClientTimeoutMs);
  return !c->close_after;
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
  if (cmd == "crash-point") {
    CrashPointSpec spec;
    google::protobuf::TextFormat::Parser parser;
    Collector errors;
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(rest, &spec)) return "ERR crash-point: " + errors.first;
    std::string error;
    if (!fs_->ArmCrashPoint(spec, &error)) return "ERR crash-point: " + error;
    return "OK";
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
