// LiveReader: the reader that polls a scenario's logdir through the mount while the writer runs,
// as TensorBoard's reload loop does from another process (DESIGN.md section 3, live). A thread
// lists the runs every `reload_ms` and feeds each run's RunReader (every profile) one reload
// cycle — only the bytes new since the last — recording what each profile shows in a
// core::LiveRecord. Finish stops the thread, runs a last, full cycle after the writer ended, and
// closes what the readers held open (an open file keeps the mount busy).
// Errors of a cycle (a file gone between listing and open, a frozen mount's EIO, an injected
// fault) are what a watching reader meets: counted and noted, not fatal. The reader dies only by
// hanging (a read that does not return) or by an exception; Finish then says so.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "format/status.h"
#include "harness/core/live_view.h"
#include "harness/core/run_reader.h"

namespace tbfault::runner {

class LiveReader {
 public:
  // `root`: what the readers are pointed at, through the mount.
  LiveReader(std::string root, int reload_ms);
  ~LiveReader();  // stops and joins (call Finish or Stop first to bound the wait).
  LiveReader(const LiveReader&) = delete;

  void Start();
  // Asks the thread to stop after its current cycle (no wait).
  void Stop();
  // Stops, waits up to `join_s` for the thread (on a hang: `abort` — abort the mount so that the
  // read returns — then waits again), then runs the last cycle (full) unless `last` is false.
  // Not OK when the reader died: it hung, or threw.
  Status Finish(double join_s, const std::function<void()>& abort, bool last = true);

  const core::LiveRecord& record() const { return record_; }
  // What `profile` shows of `run` now (after Finish: at the end), or null (core::LiveViews).
  const core::RunView* view(core::Profile profile, const std::string& run) const;
  uint64_t last_cycle_ns() const { return last_cycle_ns_; }
  uint64_t cycles() const { return cycles_; }
  uint64_t cycle_errors() const { return cycle_errors_; }
  uint64_t bytes_read() const;
  // The first few cycle errors, one line each.
  const std::string& notes() const { return notes_; }

 private:
  void Loop();
  void Cycle(bool full);

  const std::string root_;
  const int reload_ms_;
  std::map<std::string, std::unique_ptr<core::RunReader>> runs_;
  core::LiveRecord record_;
  uint64_t last_cycle_ns_ = 0, cycles_ = 0, cycle_errors_ = 0;
  std::string notes_;
  std::string died_;  // why the thread ended by an exception.

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, done_ = false;
  std::thread thread_;
};

}  // namespace tbfault::runner
