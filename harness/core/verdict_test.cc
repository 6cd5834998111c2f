#include "harness/core/verdict.h"

#include <gtest/gtest.h>

#include "harness/core/test_logdir.h"

namespace tbfault::core {
namespace {

using testing::DoubleScalarEvent;
using testing::FileBuilder;
using testing::TempLogdir;

constexpr Profile kAll[] = {Profile::kStrict, Profile::kTbRust, Profile::kTbPython};

// What the writer was asked to log, built like the runner's ledger would hold it.
class Ledger {
 public:
  Ledger& Scalar(int64_t step, float v, const char* tag = "loss") {
    LoggedEvent e;
    e.seq = events_.size() + 1;
    e.run = ".";
    e.tag = tag;
    e.step = step;
    e.value = ScalarValue(v);
    e.bytes = 40;
    e.t_ns = static_cast<uint64_t>(step) * 1'000'000'000;
    events_.push_back(e);
    return *this;
  }
  const std::vector<LoggedEvent>& events() const { return events_; }

 private:
  std::vector<LoggedEvent> events_;
};

struct Judged {
  ProfileJudgement strict, rust, python;
  const ProfileJudgement& of(Profile p) const {
    return p == Profile::kStrict ? strict : p == Profile::kTbRust ? rust : python;
  }
};

Judged JudgeAll(const std::string& logdir, const Ledger& ledger, const Acks& acks, Ending ending) {
  ProfileView views[3];
  for (int i = 0; i < 3; ++i) {
    Status s = ReadProfile(kAll[i], logdir, &views[i]);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  return {Judge(ledger.events(), acks, ending, views[0], views[0]),
          Judge(ledger.events(), acks, ending, views[0], views[1]),
          Judge(ledger.events(), acks, ending, views[0], views[2])};
}

const EventVerdict& Of(const ProfileJudgement& j, uint64_t seq) {
  for (const auto& v : j.verdicts) {
    if (v.seq == seq && v.verdict != Verdict::kDuplicate) return v;
  }
  static EventVerdict none;
  ADD_FAILURE() << "no verdict for seq " << seq;
  return none;
}

TEST(VerdictTest, CleanRunIsAllVisibleAndMeetsTheDefaultExpectation) {
  TempLogdir dir;
  FileBuilder b;
  Ledger ledger;
  b.Version();
  for (int s = 0; s < 5; ++s) {
    b.Scalar(s, s * 0.5f, s == 0);
    ledger.Scalar(s, s * 0.5f);
  }
  dir.WriteFile(".", 1, b.bytes());
  Judged j = JudgeAll(dir.path(), ledger, {5, 5, 5, 0, {}}, Ending::kCleanClose);
  for (Profile p : kAll) {
    EXPECT_EQ(j.of(p).count(Verdict::kVisible), 5u) << ProfileName(p);
    EXPECT_EQ(j.of(p).violations(), 0u);
    std::string why;
    EXPECT_TRUE(MeetsExpectation(j.of(p), {}, &why)) << why;
  }
}

TEST(VerdictTest, ProcessCrashSplitsLostEventsByTheWrittenWatermark) {
  TempLogdir dir;
  FileBuilder b;
  Ledger ledger;
  b.Version();
  for (int s = 0; s < 6; ++s) {
    if (s < 3) b.Scalar(s, s, s == 0);
    ledger.Scalar(s, s);
  }
  dir.WriteFile(".", 1, b.bytes());
  Acks acks{6, 4, 3, 0, {}};  // seq 4 (step 3) was written, yet is not on disk.
  Judged j = JudgeAll(dir.path(), ledger, acks, Ending::kProcessCrash);
  for (Profile p : kAll) {
    const ProfileJudgement& pj = j.of(p);
    EXPECT_EQ(pj.count(Verdict::kVisible), 3u);
    EXPECT_EQ(Of(pj, 4).verdict, Verdict::kLostAcked) << Of(pj, 4).reason;
    EXPECT_EQ(Of(pj, 5).verdict, Verdict::kLostUnacked);
    EXPECT_EQ(Of(pj, 6).verdict, Verdict::kLostUnacked);
    EXPECT_EQ(pj.loss_window.events, 2u);
    EXPECT_EQ(pj.loss_window.bytes, 80u);
    EXPECT_DOUBLE_EQ(pj.loss_window.seconds, 1.0);  // steps 4 and 5, one second apart.
  }
  // A power cut destroys what was not synced: the same disk with synced = 4 makes seq 4 acked.
  acks = {6, 6, 6, 4, {}};
  j = JudgeAll(dir.path(), ledger, acks, Ending::kPowerCut);
  EXPECT_EQ(Of(j.rust, 4).verdict, Verdict::kLostAcked);
  EXPECT_EQ(Of(j.rust, 5).verdict, Verdict::kLostUnacked);
  EXPECT_NE(Of(j.rust, 5).reason.find("synced"), std::string::npos);
}

TEST(VerdictTest, CleanCloseWithoutAReportIsLostSilent) {
  TempLogdir dir;
  FileBuilder b;
  Ledger ledger;
  b.Version().Scalar(0, 0, true).Scalar(1, 1);
  for (int s = 0; s < 4; ++s) ledger.Scalar(s, s);
  dir.WriteFile(".", 1, b.bytes());
  Acks acks{4, 4, 4, 0, {{3, 3, ENOSPC}}};
  Judged j = JudgeAll(dir.path(), ledger, acks, Ending::kCleanClose);
  for (Profile p : kAll) {
    EXPECT_EQ(Of(j.of(p), 3).verdict, Verdict::kLostUnacked);
    EXPECT_NE(Of(j.of(p), 3).reason.find("ENOSPC"), std::string::npos);
    EXPECT_EQ(Of(j.of(p), 4).verdict, Verdict::kLostSilent);
    EXPECT_EQ(j.of(p).violations(), 1u);
  }
}

// Torn record (write failed mid-record, writer went on without truncating): what follows is intact
// on disk but hidden from both TensorBoard readers, and the verdict names the torn record.
TEST(VerdictTest, TornRecordHidesLaterEvents) {
  TempLogdir dir;
  FileBuilder b;
  Ledger ledger;
  b.Version().Scalar(0, 0, true).Scalar(1, 1);
  b.Torn(format::ScalarEvent(3, 2, "loss", 2, false), 3).Scalar(3, 3);
  for (int s = 0; s < 4; ++s) ledger.Scalar(s, s);
  std::string file = dir.WriteFile(".", 1, b.bytes());
  Acks acks{4, 4, 4, 0, {{3, 3, EIO}}};
  Judged j = JudgeAll(dir.path(), ledger, acks, Ending::kCleanClose);
  EXPECT_EQ(Of(j.strict, 4).verdict, Verdict::kVisible);
  EXPECT_EQ(j.strict.violations(), 0u);
  for (Profile p : {Profile::kTbRust, Profile::kTbPython}) {
    const EventVerdict& v = Of(j.of(p), 4);
    EXPECT_EQ(v.verdict, Verdict::kHidden) << ProfileName(p);
    EXPECT_EQ(v.file, file);
    EXPECT_EQ(v.offset, b.offset(4));
    EXPECT_EQ(v.cause_file, file);
    EXPECT_EQ(v.cause_offset, b.offset(3));
    EXPECT_NE(v.reason.find("bad-data-crc"), std::string::npos) << v.reason;
    EXPECT_EQ(j.of(p).count(Verdict::kHidden), 1u);
  }
  std::string summary = RenderSummary(4, {j.strict, j.rust, j.python});
  EXPECT_NE(summary.find("hidden: 1"), std::string::npos) << summary;
}

// The writer wrote a wrong value under a valid CRC: every profile shows it, corrupt.
TEST(VerdictTest, WrongValueWithValidCrcIsCorrupt) {
  TempLogdir dir;
  FileBuilder b;
  Ledger ledger;
  b.Version().Scalar(0, 0, true).Scalar(1, 9).Scalar(2, 2);
  for (int s = 0; s < 3; ++s) ledger.Scalar(s, s);
  dir.WriteFile(".", 1, b.bytes());
  Judged j = JudgeAll(dir.path(), ledger, {3, 3, 3, 0, {}}, Ending::kCleanClose);
  for (Profile p : kAll) {
    EXPECT_EQ(Of(j.of(p), 2).verdict, Verdict::kCorrupt) << ProfileName(p);
    EXPECT_NE(Of(j.of(p), 2).reason.find("seen scalar 9"), std::string::npos);
    EXPECT_EQ(j.of(p).violations(), 1u);
  }
}

// A flipped bit in a value that still parses: tb-rust shows it (corrupt) and goes on; tb-python
// stops the file there (the rest is hidden); strict skips the damaged record (lost, silently).
TEST(VerdictTest, FlippedBitCorruptForRustHiddenForPython) {
  TempLogdir dir;
  FileBuilder b;
  Ledger ledger;
  b.Version().Scalar(0, 0, true).Scalar(1, 1).Scalar(2, 2);
  b.mutable_bytes()[b.offset(3) - record::kFooterSize - 1] ^= 0x01;
  for (int s = 0; s < 3; ++s) ledger.Scalar(s, s);
  dir.WriteFile(".", 1, b.bytes());
  Judged j = JudgeAll(dir.path(), ledger, {3, 3, 3, 0, {}}, Ending::kCleanClose);
  EXPECT_EQ(Of(j.rust, 2).verdict, Verdict::kCorrupt);
  EXPECT_EQ(Of(j.rust, 3).verdict, Verdict::kVisible);
  EXPECT_EQ(Of(j.python, 2).verdict, Verdict::kLostSilent);
  EXPECT_EQ(Of(j.python, 3).verdict, Verdict::kHidden);
  EXPECT_EQ(Of(j.python, 3).cause_offset, b.offset(2));
  EXPECT_EQ(Of(j.strict, 2).verdict, Verdict::kLostSilent);
  EXPECT_EQ(Of(j.strict, 3).verdict, Verdict::kVisible);
}

TEST(VerdictTest, NeverLoggedIsPhantom) {
  TempLogdir dir;
  FileBuilder b;
  Ledger ledger;
  b.Version().Scalar(0, 0, true).Scalar(0, 5, true, "ghost");
  ledger.Scalar(0, 0);
  dir.WriteFile(".", 1, b.bytes());
  Judged j = JudgeAll(dir.path(), ledger, {1, 1, 1, 0, {}}, Ending::kCleanClose);
  for (Profile p : kAll) {
    EXPECT_EQ(j.of(p).count(Verdict::kPhantom), 1u) << ProfileName(p);
    EXPECT_EQ(j.of(p).count(Verdict::kVisible), 1u);
    EXPECT_EQ(j.of(p).verdicts.back().tag, "ghost");
    EXPECT_EQ(j.of(p).verdicts.back().seq, 0u);
  }
}

// A record written twice: tb-python and strict show it twice; tb-rust's eviction keeps one.
TEST(VerdictTest, RecordWrittenTwiceIsDuplicateExceptUnderRust) {
  TempLogdir dir;
  FileBuilder b;
  Ledger ledger;
  b.Version().Scalar(0, 0, true).Scalar(1, 1).Scalar(1, 1);
  ledger.Scalar(0, 0).Scalar(1, 1);
  dir.WriteFile(".", 1, b.bytes());
  Judged j = JudgeAll(dir.path(), ledger, {2, 2, 2, 0, {}}, Ending::kCleanClose);
  EXPECT_EQ(j.python.count(Verdict::kDuplicate), 1u);
  EXPECT_EQ(j.strict.count(Verdict::kDuplicate), 1u);
  EXPECT_EQ(j.rust.count(Verdict::kDuplicate), 0u);
  EXPECT_EQ(j.rust.count(Verdict::kVisible), 2u);
  EXPECT_EQ(j.rust.violations(), 0u);
  EXPECT_EQ(j.python.verdicts.back().seq, 2u);
}

TEST(VerdictTest, DoubleScalarsHiddenFromRustWithTheReason) {
  TempLogdir dir;
  FileBuilder b;
  Ledger ledger;
  b.Version().Add(DoubleScalarEvent(0, 0.25, true)).Add(DoubleScalarEvent(1, 0.5, false));
  ledger.Scalar(0, 0.25f).Scalar(1, 0.5f);
  dir.WriteFile(".", 1, b.bytes());
  Judged j = JudgeAll(dir.path(), ledger, {2, 2, 2, 0, {}}, Ending::kCleanClose);
  EXPECT_EQ(j.rust.count(Verdict::kHidden), 2u);
  EXPECT_NE(Of(j.rust, 1).reason.find("DT_DOUBLE"), std::string::npos);
  EXPECT_EQ(j.python.count(Verdict::kVisible), 2u);
  EXPECT_EQ(j.strict.count(Verdict::kVisible), 2u);
}

// Restart from a checkpoint at step 5: the first run's steps 5..9 are purged (tb-python: by the
// SessionLog.START; tb-rust: evicted by the new values). Scenarios expect this with counts.
TEST(VerdictTest, RestartPurgeIsHiddenAndCanBeExpected) {
  TempLogdir dir;
  FileBuilder a, b;
  Ledger ledger;
  a.Version().Add(format::SessionLogEvent(1.0, 0, tensorboard::SessionLog::START));  // 1st session
  for (int s = 0; s < 10; ++s) {
    a.Scalar(s, s, s == 0);
    ledger.Scalar(s, s);
  }
  b.Version().Add(format::SessionLogEvent(2.0, 5, tensorboard::SessionLog::START));
  for (int s = 5; s < 8; ++s) {
    b.Scalar(s, 100 + s, s == 5);
    ledger.Scalar(s, 100 + s);
  }
  dir.WriteFile(".", 1, a.bytes());
  std::string fb = dir.WriteFile(".", 2, b.bytes());
  Judged j = JudgeAll(dir.path(), ledger, {13, 13, 13, 0, {}}, Ending::kCleanClose);
  EXPECT_EQ(j.strict.violations(), 0u);
  for (Profile p : {Profile::kTbRust, Profile::kTbPython}) {
    const ProfileJudgement& pj = j.of(p);
    EXPECT_EQ(pj.count(Verdict::kHidden), 5u) << ProfileName(p);
    EXPECT_EQ(pj.count(Verdict::kVisible), 8u);
    EXPECT_EQ(Of(pj, 8).cause_file, fb);  // step 7 of the first run.
    std::string why;
    EXPECT_TRUE(MeetsExpectation(pj, {{Verdict::kHidden, Exactly(5)}}, &why)) << why;
    EXPECT_FALSE(MeetsExpectation(pj, {}, &why));
    EXPECT_NE(why.find("hidden: expected 0, got 5"), std::string::npos) << why;
    EXPECT_TRUE(MeetsExpectation(pj, {{Verdict::kHidden, AtLeast(1)}}, &why)) << why;
    EXPECT_FALSE(MeetsExpectation(pj, {{Verdict::kHidden, AtLeast(6)}}, &why));
    EXPECT_NE(why.find("expected at least 6, got 5"), std::string::npos) << why;
  }
  EXPECT_NE(Of(j.python, 8).reason.find("SessionLog.START"), std::string::npos);
}

// tb-python abandons an older file after damage; the events after it are hidden, naming the file.
TEST(VerdictTest, AbandonedFileHiddenUnderPython) {
  TempLogdir dir;
  FileBuilder a, b;
  Ledger ledger;
  a.Version().Scalar(0, 0, true).Torn(format::ScalarEvent(1, 1, "loss", 1, false), 5);
  a.Raw(std::string(32, '\0'));
  a.Scalar(2, 2);
  b.Version().Scalar(3, 3);
  ledger.Scalar(0, 0).Scalar(1, 1).Scalar(2, 2).Scalar(3, 3);
  std::string fa = dir.WriteFile(".", 1, a.bytes());
  dir.WriteFile(".", 2, b.bytes());
  Judged j = JudgeAll(dir.path(), ledger, {4, 4, 4, 0, {{2, 2, EIO}}}, Ending::kCleanClose);
  EXPECT_EQ(Of(j.python, 3).verdict, Verdict::kHidden);
  EXPECT_NE(Of(j.python, 3).reason.find("abandoned"), std::string::npos) << Of(j.python, 3).reason;
  EXPECT_EQ(Of(j.python, 3).cause_file, fa);
  EXPECT_EQ(Of(j.python, 4).verdict, Verdict::kVisible);
  EXPECT_EQ(Of(j.strict, 3).verdict, Verdict::kVisible);
}

TEST(VerdictTest, NamesRoundTrip) {
  for (int i = 0; i < kVerdictCount; ++i) {
    std::optional<Verdict> v = VerdictFromName(VerdictName(kVerdicts[i]));
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(VerdictIndex(*v), i);
  }
  EXPECT_FALSE(VerdictFromName("bogus").has_value());
  for (Ending e : {Ending::kCleanClose, Ending::kProcessCrash, Ending::kPowerCut}) {
    EXPECT_EQ(EndingFromName(EndingName(e)), e);
  }
  EXPECT_FALSE(EndingFromName("crash").has_value());
}

// The design note's rule, once: only visible and the loss window (lost-unacked) are allowed.
TEST(VerdictTest, ViolationsAreEveryClassButVisibleAndTheLossWindow) {
  VerdictCounts counts{};
  for (Verdict v : kVerdicts) counts[VerdictIndex(v)] = 1;
  EXPECT_EQ(reports::Violations(counts), 7u);  // late is counted, judged by a lag bound.
  EXPECT_TRUE(IsViolation(Verdict::kRetracted));
  EXPECT_FALSE(IsViolation(Verdict::kLate));
  EXPECT_FALSE(IsViolation(Verdict::kDownsampled));  // a bound in the scenario makes it one.
  EXPECT_EQ(VerdictName(Verdict::kDownsampled), "downsampled");
  EXPECT_FALSE(IsViolation(Verdict::kVisible));
  EXPECT_FALSE(IsViolation(Verdict::kLostUnacked));
  EXPECT_TRUE(InLossWindow(Verdict::kLostUnacked));
  EXPECT_TRUE(IsViolation(Verdict::kLostAcked));
}

}  // namespace
}  // namespace tbfault::core
