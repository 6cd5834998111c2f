#include "fusefs/delayer.h"

namespace faultfs {

void Delayer::Start() {
  if (!thread_.joinable()) thread_ = std::thread(&Delayer::Run, this);
}

Delayer::~Delayer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) {
    thread_.join();
  } else {
    while (!jobs_.empty()) {  // never started: answer what is queued rather than drop it.
      auto fn = std::move(const_cast<Job&>(jobs_.top()).fn);
      jobs_.pop();
      fn();
    }
  }
}

void Delayer::After(std::chrono::milliseconds delay, std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push({Clock::now() + delay, order_++, std::move(fn)});
  }
  cv_.notify_one();
}

void Delayer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (jobs_.empty()) {
      if (stop_) return;
      cv_.wait(lock);
      continue;
    }
    if (!stop_ && Clock::now() < jobs_.top().at) {
      cv_.wait_until(lock, jobs_.top().at);
      continue;
    }
    Job job = std::move(const_cast<Job&>(jobs_.top()));
    jobs_.pop();
    lock.unlock();
    job.fn();
    lock.lock();
  }
}

}  // namespace faultfs
