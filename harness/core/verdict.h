// Verdicts (DESIGN.md section 5): for every logged event and every reader profile, what became of
// it — from the ledger (what was asked, and the writer's acknowledgements), how the run ended, the
// strict view (which records are intact on disk) and the profile's view (what a user sees).
//
// Matching: ledger events are first placed on disk — per (run, tag, step), in seq order against the
// strict reader's intact records in file/offset order, equal values first. A point a profile shows
// is then the event whose record it came from; a point from a record the strict reader does not
// hold (a frame with a bad data CRC that still parses) is matched by (run, tag, step), equal value
// first.
//   visible       shown once with the logged value.
//   corrupt       shown with another value.
//   duplicate     shown again (a second point for an event already shown).
//   phantom       shown but never logged.
//   hidden        not shown though its record is intact on disk; names the record or anomaly that
//                 hides it (the profile's Dropped/Unreached entry).
//   lost-unacked  not on disk, and either reported failed by the writer or never acknowledged
//                 at the level the ending destroys (process crash, exit without close: written;
//                 power cut: synced).
//   lost-acked    not on disk though acknowledged at that level.
//   lost-silent   not on disk after a clean close, and never reported failed.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/ledger.h"
#include "harness/core/profile.h"
#include "reports/verdict.h"

namespace tbfault::core {

// The vocabulary (classes, names, IsViolation, the loss window) is reports/verdict.h's, the
// lowest part that needs it; the judge uses it as its own.
using reports::InLossWindow;
using reports::IsViolation;
using reports::kVerdictCount;
using reports::kVerdicts;
using reports::LossWindow;
using reports::Verdict;
using reports::VerdictCounts;
using reports::VerdictFromName;
using reports::VerdictIndex;
using reports::VerdictName;

// How the writer's run ended: what the fault destroys. kExitWithoutClose: the program ended
// normally (exit status 0) without closing its writer, which was never destroyed either (a C++
// exit() with the writer on the heap, a Python interpreter ending with the writer referenced): as
// after a process crash the file keeps what was written, plus what the library's own exit
// handlers wrote; only `written` (or higher) was promised.
enum class Ending { kCleanClose, kProcessCrash, kPowerCut, kExitWithoutClose };
// "clean-close", "process-crash", "power-cut", "exit-without-close".
std::string_view EndingName(Ending e);
std::optional<Ending> EndingFromName(std::string_view name);

struct EventVerdict {
  uint64_t seq = 0;  // the logged event; for a phantom 0, for a duplicate the event shown again.
  std::string run;
  std::string tag;
  int64_t step = 0;
  Verdict verdict = Verdict::kVisible;
  std::string file;  // the record shown (or, for hidden, the intact record); "" when lost.
  uint64_t offset = 0;
  std::string reason;  // why: the hiding record's reason, the ack level, "seen 0.5, logged 0.25".
  std::string cause_file;  // hidden: the record or anomaly that hides it.
  uint64_t cause_offset = 0;
};

struct ProfileJudgement {
  Profile profile = Profile::kStrict;
  std::vector<EventVerdict> verdicts;  // logged events in seq order, then phantoms and duplicates.
  VerdictCounts counts{};
  LossWindow loss_window;  // seconds from the ledger's t_ns.

  uint64_t count(Verdict v) const { return counts[VerdictIndex(v)]; }
  uint64_t violations() const { return reports::Violations(counts); }
};

ProfileJudgement Judge(const std::vector<LoggedEvent>& events, const Acks& acks, Ending ending,
                       const ProfileView& strict, const ProfileView& view);

// One writer's share of a run whose events came from several writers (a restart, or writers open
// side by side): events with seq in [first_seq, last_seq] are judged by this writer's
// acknowledgements (numbered in the run's seq space) and by how its process ended.
struct Segment {
  uint64_t first_seq = 1;
  uint64_t last_seq = UINT64_MAX;
  Acks acks;
  Ending ending = Ending::kCleanClose;
};
ProfileJudgement Judge(const std::vector<LoggedEvent>& events, const std::vector<Segment>& segments,
                       const ProfileView& strict, const ProfileView& view);

// Expectations of one profile: for each listed class, the range of counts expected; every violation
// class not listed is expected to be 0.
struct Expected {
  uint64_t min = 0;
  uint64_t max = UINT64_MAX;
};
inline Expected Exactly(uint64_t n) { return {n, n}; }
inline Expected AtLeast(uint64_t n) { return {n, UINT64_MAX}; }
using Expectation = std::map<Verdict, Expected>;
// True when `j` meets `expected`; otherwise `why` lists each mismatch ("hidden: expected 0, got
// 3").
bool MeetsExpectation(const ProfileJudgement& j, const Expectation& expected, std::string* why);

// A scenario's summary: events logged, then per profile visible, loss window and violations by
// class with the first `examples` of each (tag, step, file, offset, reason).
std::string RenderSummary(uint64_t events_logged, const std::vector<ProfileJudgement>& judgements,
                          size_t examples = 3);

}  // namespace tbfault::core
