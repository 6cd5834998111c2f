// The verdict vocabulary (DESIGN.md section 5), defined once for the judge (harness/core) and the
// results model (reports/), which is the lower of the two: the classes in the order of the design
// note, their names as results.json and scenarios spell them, which classes are violations, and
// the loss window — the lost-unacked events (count, payload bytes, seconds of training from the
// first to the last of them), the one loss the writer's contract allows. Header only: no library.
// The live classes (retracted, late) come from the live reader that polled while the job ran:
// an event has one final class (visible ... duplicate, downsampled) and may have live classes besides, so
// counts of the live classes are not part of the final classes' sum.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tbfault::reports {

enum class Verdict {
  kVisible,
  kLostUnacked,
  kLostAcked,
  kLostSilent,
  kHidden,
  kCorrupt,
  kPhantom,
  kDuplicate,
  kRetracted,  // live: seen while the job ran, later gone (evicted, purged, destroyed).
  kLate,       // live: never visible while its writer ran, only after it closed or exited.
  // Readable on disk (it would be visible) but not among the points the profile's reservoir
  // keeps for its series (--samples_per_plugin; harness/core/sampled_judge.h). A final class.
  kDownsampled,
};
constexpr int kVerdictCount = 11;

// Every class, in order: iterate these instead of casting indices.
constexpr std::array<Verdict, kVerdictCount> kVerdicts = {
    Verdict::kVisible,   Verdict::kLostUnacked, Verdict::kLostAcked,  Verdict::kLostSilent,
    Verdict::kHidden,    Verdict::kCorrupt,     Verdict::kPhantom,    Verdict::kDuplicate,
    Verdict::kRetracted, Verdict::kLate,        Verdict::kDownsampled};

constexpr std::array<std::string_view, kVerdictCount> kVerdictNames = {
    "visible", "lost-unacked", "lost-acked", "lost-silent", "hidden",     "corrupt",
    "phantom", "duplicate",    "retracted",  "late",        "downsampled"};

constexpr int VerdictIndex(Verdict v) { return static_cast<int>(v); }  // into count arrays.
constexpr std::string_view VerdictName(Verdict v) { return kVerdictNames[VerdictIndex(v)]; }
constexpr std::optional<Verdict> VerdictFromName(std::string_view name) {
  for (Verdict v : kVerdicts) {
    if (VerdictName(v) == name) return v;
  }
  return std::nullopt;
}

// The loss window's class: lost, and never acknowledged at the level the ending destroys.
constexpr bool InLossWindow(Verdict v) { return v == Verdict::kLostUnacked; }
// A class of the live reader (an event's final class is one of the others).
constexpr bool IsLive(Verdict v) { return v == Verdict::kRetracted || v == Verdict::kLate; }
// Every class but visible, the loss window, late (a violation only where a scenario bounds
// lag: the judge of live verdicts, harness/core/live_judge.h, decides it there) and downsampled
// (TensorBoard's documented behaviour; a scenario that bounds its count makes it one).
constexpr bool IsViolation(Verdict v) {
  return v != Verdict::kVisible && !InLossWindow(v) && v != Verdict::kLate &&
         v != Verdict::kDownsampled;
}

// Counts by class, indexed by VerdictIndex.
using VerdictCounts = std::array<uint64_t, kVerdictCount>;
constexpr uint64_t Violations(const VerdictCounts& counts) {
  uint64_t n = 0;
  for (Verdict v : kVerdicts) {
    if (IsViolation(v)) n += counts[VerdictIndex(v)];
  }
  return n;
}

struct LossWindow {
  uint64_t events = 0;  // lost-unacked events.
  uint64_t bytes = 0;   // their payload bytes as the ledger recorded them.
  double seconds = 0;   // training time from the first to the last of them.
};

// Builds a LossWindow from the events judged, one Add per event in the window.
class LossWindowBuilder {
 public:
  void Add(uint64_t bytes, uint64_t t_ns) {
    window_.events++;
    window_.bytes += bytes;
    first_t_ns_ = first_t_ns_ < t_ns ? first_t_ns_ : t_ns;
    last_t_ns_ = last_t_ns_ > t_ns ? last_t_ns_ : t_ns;
  }
  LossWindow Get() const {
    LossWindow w = window_;
    if (w.events > 0) w.seconds = static_cast<double>(last_t_ns_ - first_t_ns_) / 1e9;
    return w;
  }

 private:
  LossWindow window_;
  uint64_t first_t_ns_ = UINT64_MAX, last_t_ns_ = 0;
};

}  // namespace tbfault::reports
