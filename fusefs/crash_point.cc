#include "fusefs/crash_point.h"

namespace faultfs {

bool CrashPoint::Arm(const CrashPointSpec& spec, std::string* error) {
  bool power_cut = !spec.power_cut().empty();
  CutMode mode = CutMode::kPlain;
  if (power_cut && !ParseCutMode(spec.power_cut(), &mode)) {
    *error = "power_cut: mode must be plain, torn, zero-fill or reorder";
    return false;
  }
  after_.store(spec.after_op(), std::memory_order_relaxed);
  power_cut_ = power_cut;
  mode_ = mode;
  what_ = power_cut ? "power-cut:" + spec.power_cut() : "kill";
  return true;
}

}  // namespace faultfs
