// The control channel: a unix stream socket (mode 0600). Each message, either way, is a 4-byte
// little-endian length and that many bytes (message.h). A request is one command line; the answer
// starts with "OK" or "ERR", a space or newline, then the details. One thread serves up to
// kMaxClients connections at once by polling them all, so a stalled client delays no other. A
// request longer than kMaxRequestBytes is answered "ERR" and its connection closed, nothing
// allocated for it; a client that takes longer than kClientTimeoutMs to send a whole request
// (counted from its connection or its last answer) or to take its answer is dropped.
//   ping                                   OK
//   add-rule <Rule in text format>         OK <id>
//   remove-rule <id>  |  clear             OK
//   quota <bytes> [short]                  OK      (0: no quota; short: cut writes at the quota)
//   window open|close <name>               OK
//   power-cut [plain|torn|zero-fill|reorder]   OK, then one line per change made
//   crash-point <CrashPointSpec in text format>   OK  (crash after the Nth write-path op)
//   thaw                                   OK
//   status                                 OK, then frozen/quota/used, rules with hits, files with
//                                          durable and unsynced bytes
//   unmount                                OK      (the daemon unmounts and exits)
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "fusefs/faultfs.h"
#include "fusefs/message.h"

namespace faultfs {

class ControlServer {
 public:
  static constexpr int kMaxClients = 64;
  static constexpr int kClientTimeoutMs = 5000;

  ControlServer(FaultFs* fs, std::function<void()> unmount)
      : fs_(fs), unmount_(std::move(unmount)) {}
  ~ControlServer();
  // Binds the socket (errors are reported before the daemon forks away)...
  bool Listen(const std::string& socket_path, std::string* error);
  // ...and serves it from a thread started after fuse_daemonize(), whose fork threads do not
  // survive.
  void StartServing();
  bool Start(const std::string& socket_path, std::string* error) {
    if (!Listen(socket_path, error)) return false;
    StartServing();
    return true;
  }
  // Answers one request (also used by tests without a socket).
  std::string Handle(const std::string& request);

 private:
  struct Client;
  void Serve();
  void Accept(std::vector<Client>* clients);
  // Reads what arrived; answers a whole request. False when the client is done for.
  bool Receive(Client* c);
  bool Transmit(Client* c);

  FaultFs* fs_;
  std::function<void()> unmount_;
  std::string path_;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace faultfs
