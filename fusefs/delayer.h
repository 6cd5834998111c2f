// Delayer: runs closures at a deadline on one timer thread, so a delayed FUSE op is answered later
// without holding a handler thread (unrelated ops are not stalled).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace faultfs {

class Delayer {
 public:
  Delayer() = default;
  ~Delayer();  // runs what is still queued, at once.
  // Starts the timer thread. Call after fuse_daemonize(): threads do not survive its fork. Jobs
  // queued before run once it starts.
  void Start();
  void After(std::chrono::milliseconds delay, std::function<void()> fn);

 private:
  using Clock = std::chrono::steady_clock;
  struct Job {
    Clock::time_point at;
    uint64_t order;
    std::function<void()> fn;
    bool operator>(const Job& o) const { return at != o.at ? at > o.at : order > o.order; }
  };
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Job, std::vector<Job>, std::greater<Job>> jobs_;
  uint64_t order_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace faultfs
