// CrashPoint: where explore's crash lands (rules.proto CrashPoint). It counts the write-path ops
// (write, fsync, create, rename) as they complete and says which one is the Nth, so that a crash
// is placed by op count, not by time: the same op of the same workload whatever the thread timing
// of the daemon. Ops are counted while the mount writes a trace or has a crash point armed (the
// harness always writes one). Count() and Arm() are called under the trace's mutex (faultfs.cc),
// so the count and the trace's order are one; armed() may be read without it. Count() allocates
// nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "fusefs/durability.h"
#include "fusefs/ops.h"
#include "fusefs/rules.pb.h"
#include "fusefs/trace_line.h"

namespace faultfs {

class CrashPoint {
 public:
  static constexpr uint32_t kWritePath = kWritePathOps;

  // Validates the mode; after_op 0 disarms. The count goes on from where it is.
  bool Arm(const faultfs::CrashPointSpec& spec, std::string* error);
  bool armed() const { return after_.load(std::memory_order_relaxed) != 0; }
  // Counts a completed op; true for the op after which the crash happens (once).
  bool Count(Op op) {
    if ((op & kWritePath) == 0) return false;
    ++seen_;
    if (seen_ != after_.load(std::memory_order_relaxed)) return false;
    after_.store(0, std::memory_order_relaxed);
    return true;
  }
  uint64_t seen() const { return seen_; }  // write-path ops completed so far.
  bool power_cut() const { return power_cut_; }
  CutMode mode() const { return mode_; }
  // "kill" or "power-cut:MODE", for the trace.
  const char* what() const { return what_.c_str(); }

 private:
  std::atomic<uint64_t> after_{0};
  uint64_t seen_ = 0;
  bool power_cut_ = false;
  CutMode mode_ = CutMode::kPlain;
  std::string what_ = "kill";
};

}  // namespace faultfs
