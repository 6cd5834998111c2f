#include "harness/runner/live_reader.h"

#include <cerrno>
#include <chrono>
#include <exception>

#include "format/event_reader.h"

namespace tbfault::runner {
namespace {

uint64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr uint64_t kMaxNotes = 3;

}  // namespace

LiveReader::LiveReader(std::string root, int reload_ms)
    : root_(std::move(root)), reload_ms_(reload_ms) {}

LiveReader::~LiveReader() {
  Stop();
  if (thread_.joinable()) thread_.join();
}

void LiveReader::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void LiveReader::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stop_ = true;
  cv_.notify_all();
}

void LiveReader::Loop() {
  try {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      lock.unlock();
      Cycle(false);
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(reload_ms_), [this] { return stop_; });
    }
  } catch (const std::exception& e) {
    died_ = e.what();
  }
  std::lock_guard<std::mutex> lock(mu_);
  done_ = true;
  cv_.notify_all();
}

void LiveReader::Cycle(bool full) {
  auto note = [&](const Status& s) {
    if (cycle_errors_++ < kMaxNotes) notes_ += "live reader: " + s.ToString() + "\n";
  };
  core::LiveRecord::Cycle cycle;
  cycle.start_ns = NowNs();
  std::vector<format::RunFiles> runs;
  // A root not there (yet, or deleted by the scenario) holds no run; other errors (a frozen
  // mount's EIO) are noted.
  if (Status s = format::ListRuns(root_, &runs); !s.ok() && s.error_number() != ENOENT) note(s);
  for (const format::RunFiles& run : runs) {
    std::unique_ptr<core::RunReader>& reader = runs_[run.run];
    if (!reader) {
      reader = std::make_unique<core::RunReader>(
          std::vector<core::Profile>(std::begin(core::kAllProfiles), std::end(core::kAllProfiles)));
    }
    if (Status s = reader->Cycle(run.files); !s.ok()) note(s);
    record_.Observe(run.run, *reader, NowNs(), full);
  }
  for (const auto& [name, reader] : runs_) {
    for (core::Profile p : core::kAllProfiles) {
      for (const auto& [tag, series] : reader->reader(p)->view().tags) {
        cycle.shown[static_cast<int>(p)] += series.points.size();
      }
    }
  }
  cycle.end_ns = last_cycle_ns_ = NowNs();
  record_.AddCycle(cycle);
  cycles_++;
}

Status LiveReader::Finish(double join_s, const std::function<void()>& abort, bool last) {
  Stop();
  if (thread_.joinable()) {
    auto wait = [&](double s) {
      std::unique_lock<std::mutex> lock(mu_);
      return cv_.wait_for(lock, std::chrono::duration<double>(s), [this] { return done_; });
    };
    if (!wait(join_s)) {
      if (abort) abort();
      if (!wait(join_s)) {  // the destructor joins it once the mount is gone.
        return Status::Invalid("the live reader hung in a read of the mount for " +
                               std::to_string(static_cast<int>(2 * join_s)) + " s");
      }
      thread_.join();
      return Status::Invalid("the live reader hung in a read of the mount; the mount was aborted");
    }
    thread_.join();
  }
  if (!died_.empty()) return Status::Invalid("the live reader died: " + died_);
  if (last) {
    try {
      Cycle(true);
    } catch (const std::exception& e) {
      return Status::Invalid("the live reader died in its last cycle: " + std::string(e.what()));
    }
  }
  for (auto& [run, reader] : runs_) reader->CloseFiles();  // the mount is unmounted next.
  return Status::Ok();
}

const core::RunView* LiveReader::view(core::Profile profile, const std::string& run) const {
  auto it = runs_.find(run);
  if (it == runs_.end()) return nullptr;
  const core::ProfileReader* r = it->second->reader(profile);
  return r == nullptr ? nullptr : &r->view();
}

uint64_t LiveReader::bytes_read() const {
  uint64_t n = 0;
  for (const auto& [run, reader] : runs_) n += reader->bytes_read();
  return n;
}

}  // namespace tbfault::runner
