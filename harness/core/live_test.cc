// Tests of the live record (live_view.h) and the live verdicts (live_judge.h) on hand-built
// reload cycles: files written byte by byte, cycles run at chosen times.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness/core/judge.h"
#include "harness/core/live_judge.h"
#include "harness/core/live_view.h"
#include "harness/core/scenario.h"
#include "harness/core/test_logdir.h"

namespace tbfault::core {
namespace {

using testing::FileBuilder;
using testing::TempLogdir;

constexpr uint64_t kMs = 1'000'000;

void Append(const std::string& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary | std::ios::app) << bytes;
}

std::string Name(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

RunReader All() { return RunReader({std::begin(kAllProfiles), std::end(kAllProfiles)}); }

LoggedEvent Event(uint64_t seq, int64_t step, float v, uint64_t t_ns) {
  LoggedEvent e;
  e.seq = seq;
  e.run = ".";
  e.tag = "loss";
  e.step = step;
  e.value = ScalarValue(v);
  e.bytes = 4;
  e.t_ns = t_ns;
  return e;
}

// FINDINGS.md R1's files: an older file with steps 0..2, a newer one with 3..5, and a tail of
// steps 3, 4 for the older file, appended after the newer one was read.
struct R1 {
  R1() {
    a.Version();
    for (int s = 0; s < 3; ++s) a.Scalar(s, s, s == 0);
    b.Version();
    for (int s = 3; s < 6; ++s) b.Scalar(s, s);
    tail.Scalar(3, 30).Scalar(4, 40);
    fa = dir.WriteFile(".", 1, a.bytes());
    fb = dir.WriteFile(".", 2, b.bytes());
  }
  TempLogdir dir;
  FileBuilder a, b, tail;
  std::string fa, fb;
};

// R1: tb-rust drops the newer file's steps when the older file grows after the newer one was
// loaded; the record says when each point was first shown and when it went.
TEST(LiveRecordTest, FirstShownAndGoneByCycle) {
  R1 r1;
  const FileBuilder &a = r1.a, &b = r1.b, &tail = r1.tail;
  const std::string &fa = r1.fa, &fb = r1.fb;
  RunReader r = All();
  LiveRecord live;
  ASSERT_TRUE(r.Cycle({fa, fb}).ok());
  live.Observe(".", r, 100 * kMs, false);
  const uint64_t tail_at = a.bytes().size();
  Append(fa, tail.bytes());
  ASSERT_TRUE(r.Cycle({fa, fb}).ok());
  live.Observe(".", r, 200 * kMs, false);
  for (Profile p : kAllProfiles) {
    EXPECT_EQ(live.FirstVisible(p, ".", Name(fa), a.offset(1)), 100 * kMs) << ProfileName(p);
    EXPECT_EQ(live.FirstVisible(p, ".", Name(fb), b.offset(3)), 100 * kMs) << ProfileName(p);
  }
  EXPECT_EQ(live.FirstVisible(Profile::kTbRust, ".", Name(fa), tail_at), 200 * kMs);
  EXPECT_EQ(live.FirstVisible(Profile::kStrict, ".", Name(fa), tail_at), 200 * kMs);
  EXPECT_FALSE(live.FirstVisible(Profile::kTbPython, ".", Name(fa), tail_at));  // never goes back.
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(live.GoneAt(Profile::kTbRust, ".", Name(fb), b.offset(i)), 200 * kMs) << i;
    EXPECT_FALSE(live.GoneAt(Profile::kStrict, ".", Name(fb), b.offset(i)));
    EXPECT_FALSE(live.GoneAt(Profile::kTbPython, ".", Name(fb), b.offset(i)));
  }
  EXPECT_FALSE(live.FirstVisible(Profile::kTbRust, ".", "no-such-file", 0));
  EXPECT_FALSE(live.FirstVisible(Profile::kTbRust, "no-such-run", Name(fa), a.offset(1)));
  // A cycle with nothing new changes nothing; every record seen is stored once.
  const uint64_t seen = live.records_seen();
  ASSERT_TRUE(r.Cycle({fa, fb}).ok());
  live.Observe(".", r, 300 * kMs, true);
  EXPECT_EQ(live.records_seen(), seen);
  EXPECT_EQ(live.FirstVisible(Profile::kTbRust, ".", Name(fa), tail_at), 200 * kMs);
}

// Lag, lag in steps, staleness and late, from two cycles: one while the writer ran, one after.
TEST(LiveJudgeTest, LagStaleAndLateAfterTheWriterExited) {
  TempLogdir dir;
  FileBuilder f;
  f.Version().Scalar(0, 10, true).Scalar(1, 11);
  std::string file = dir.WriteFile(".", 1, f.bytes());
  std::vector<LoggedEvent> events;
  for (int s = 0; s < 4; ++s) events.push_back(Event(s + 1, s, 10 + s, (200 + 200 * s) * kMs));
  RunReader r = All();
  LiveRecord live;
  ASSERT_TRUE(r.Cycle({file}).ok());
  live.Observe(".", r, 1000 * kMs, false);
  live.AddCycle({990 * kMs, 1000 * kMs, {}});
  FileBuilder more;
  more.Scalar(2, 12).Scalar(3, 13);
  Append(file, more.bytes());
  ASSERT_TRUE(r.Cycle({file}).ok());
  live.AddCycle({1200 * kMs, 1210 * kMs, {}});  // saw nothing new (steps 2, 3 not flushed).
  live.Observe(".", r, 3000 * kMs, true);
  live.AddCycle({2990 * kMs, 3000 * kMs, {}});

  LedgerContents ledger;
  ledger.events = events;
  ledger.acks.accepted = ledger.acks.written = ledger.acks.flushed = 4;
  ledger.closed_cleanly = true;
  scenario::Scenario s;
  ASSERT_TRUE(ParseScenario("workload { steps: 4 } writer { spec: 'buffered' }", "x", &s).ok());
  ScenarioVerdict v;
  ASSERT_TRUE(JudgeLogdir(dir.path(), ledger, Ending::kCleanClose, &s, &v).ok());
  std::vector<LiveJudgement> live_j = JudgeLive(events, {{4, 2500 * kMs}}, live, &s, &v);
  ASSERT_EQ(live_j.size(), 3u);
  for (const LiveJudgement& l : live_j) {
    SCOPED_TRACE(ProfileName(l.profile));
    EXPECT_EQ(l.seen_live, 4u);
    EXPECT_EQ(l.late, 2u);  // steps 2 and 3: first shown after the writer exited.
    EXPECT_EQ(l.never_live, 0u);
    EXPECT_EQ(l.retracted, 0u);
    EXPECT_EQ(l.lag_ms_p50, 800);  // lags 800, 600, 2400, 2200: nearest rank.
    EXPECT_EQ(l.lag_ms_max, 2400);
    EXPECT_EQ(l.lag_steps_max, 3);    // step 0 first shown when the job was at step 3.
    EXPECT_EQ(l.stale_ms_max, 2000);  // from 1 s (last shown) to 3 s, step 2 pending.
    EXPECT_TRUE(l.met);
  }
  for (const ProfileJudgement& j : v.judgements) {
    EXPECT_EQ(j.count(Verdict::kLate), 2u);
    EXPECT_EQ(j.count(Verdict::kVisible), 4u);
    int examples = 0;
    for (const EventVerdict& e : j.verdicts) examples += e.verdict == Verdict::kLate;
    EXPECT_EQ(examples, 2);
  }
  EXPECT_TRUE(v.met) << v.unmet;  // late is counted, not a violation without a bound.

  // A writer that exited before any cycle could end had no live reader to miss it: not late.
  ASSERT_TRUE(JudgeLogdir(dir.path(), ledger, Ending::kCleanClose, &s, &v).ok());
  live_j = JudgeLive(events, {{4, 995 * kMs}}, live, &s, &v);
  for (const LiveJudgement& l : live_j) EXPECT_EQ(l.late, 0u) << ProfileName(l.profile);

  // A bound fails the profiles over it.
  ASSERT_TRUE(ParseScenario("workload { steps: 4 } writer { spec: 'buffered' }"
                            "expect { profile: 'tb-rust' max_lag_ms: 1000 }",
                            "x", &s)
                  .ok());
  ASSERT_TRUE(JudgeLogdir(dir.path(), ledger, Ending::kCleanClose, &s, &v).ok());
  live_j = JudgeLive(events, {{4, 2500 * kMs}}, live, &s, &v);
  EXPECT_FALSE(v.met);
  EXPECT_NE(v.unmet.find("tb-rust lag_ms_max: expected <= 1000, got 2400"), std::string::npos)
      << v.unmet;
  EXPECT_TRUE(live_j[0].met);
  EXPECT_FALSE(live_j[1].met);
}

// R1 end to end: tb-rust retracts the newer file's steps it showed (and the older file's tail
// it showed, which a fresh reader hides); tb-python never reads the older file's tail live, so
// it is late, shown only by a reader started after the run.
TEST(LiveJudgeTest, RetractedAndNeverLive) {
  R1 r1;
  const FileBuilder &a = r1.a, &b = r1.b, &tail = r1.tail;
  const std::string &fa = r1.fa, &fb = r1.fb;
  std::vector<LoggedEvent> events;
  for (int s = 0; s < 6; ++s) events.push_back(Event(s + 1, s, s, 10 * kMs));
  events.push_back(Event(7, 3, 30, 150 * kMs));
  events.push_back(Event(8, 4, 40, 150 * kMs));
  RunReader r = All();
  LiveRecord live;
  ASSERT_TRUE(r.Cycle({fa, fb}).ok());
  live.Observe(".", r, 100 * kMs, false);
  live.AddCycle({90 * kMs, 100 * kMs, {}});
  Append(fa, tail.bytes());
  ASSERT_TRUE(r.Cycle({fa, fb}).ok());
  live.Observe(".", r, 200 * kMs, true);
  live.AddCycle({190 * kMs, 200 * kMs, {}});

  LedgerContents ledger;
  ledger.events = events;
  ledger.acks.accepted = ledger.acks.written = ledger.acks.flushed = 8;
  ledger.closed_cleanly = true;
  ScenarioVerdict v;
  ASSERT_TRUE(JudgeLogdir(r1.dir.path(), ledger, Ending::kCleanClose, nullptr, &v).ok());
  std::vector<LiveJudgement> l = JudgeLive(events, {{8, 500 * kMs}}, live, nullptr, &v);
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].retracted, 0u);
  EXPECT_EQ(l[0].late, 0u);
  EXPECT_EQ(l[1].retracted, 5u);  // fb's 3, 4, 5 dropped live; fa's 3, 4 hidden at the end.
  EXPECT_EQ(l[1].late, 0u);
  EXPECT_EQ(l[2].retracted, 0u);
  EXPECT_EQ(l[2].late, 2u);
  EXPECT_EQ(l[2].never_live, 2u);
  EXPECT_EQ(v.judgements[1].count(Verdict::kRetracted), 5u);
  EXPECT_FALSE(v.met);  // retracted is a violation.
  EXPECT_NE(v.unmet.find("tb-rust retracted: expected 0, got 5"), std::string::npos) << v.unmet;
  EXPECT_EQ(v.unmet.find("tb-python"), std::string::npos) << v.unmet;
  EXPECT_NE(v.summary.find("retracted"), std::string::npos);
}

// A power cut takes steps 3..5 after every profile showed them: lost in the final read (their
// records are gone, so they are matched to the live views by tag, step and value), retracted live.
// Without the views, or with another value at the step, nothing is retracted.
TEST(LiveJudgeTest, LostAfterBeingShownIsRetracted) {
  TempLogdir dir;
  FileBuilder durable, rest;
  durable.Version();
  for (int s = 0; s < 3; ++s) durable.Scalar(s, s, s == 0);
  for (int s = 3; s < 6; ++s) rest.Scalar(s, s);
  const std::string f = dir.WriteFile(".", 1, durable.bytes() + rest.bytes());
  std::vector<LoggedEvent> events;
  for (int s = 0; s < 6; ++s) events.push_back(Event(s + 1, s, s, 10 * kMs));
  RunReader r = All();
  LiveRecord live;
  ASSERT_TRUE(r.Cycle({f}).ok());
  live.Observe(".", r, 100 * kMs, false);
  live.AddCycle({90 * kMs, 100 * kMs, {}});
  std::filesystem::resize_file(f, durable.bytes().size());  // the cut: only the synced bytes.

  LedgerContents ledger;
  ledger.events = events;
  ledger.acks.accepted = ledger.acks.written = ledger.acks.flushed = 6;
  ledger.acks.synced = 3;
  auto judge = [&](const LiveViews& views, ScenarioVerdict* v) {
    EXPECT_TRUE(JudgeLogdir(dir.path(), ledger, Ending::kPowerCut, nullptr, v).ok());
    return JudgeLive(events, {{6, 500 * kMs}}, live, nullptr, v, views);
  };
  const LiveViews views = [&](Profile p, const std::string& run) {
    return run == "." ? &r.reader(p)->view() : nullptr;
  };
  ScenarioVerdict v;
  std::vector<LiveJudgement> l = judge(views, &v);
  for (size_t i = 0; i < l.size(); ++i) {
    EXPECT_EQ(v.judgements[i].count(Verdict::kLostUnacked), 3u) << i;
    EXPECT_EQ(l[i].retracted, 3u) << i;
    EXPECT_EQ(l[i].seen_live, 6u) << i;
  }
  EXPECT_NE(v.summary.find("retracted"), std::string::npos);
  bool example = false;
  for (const EventVerdict& x : v.judgements[0].verdicts) {
    example |= x.verdict == Verdict::kRetracted &&
               x.reason.find("then lost (lost-unacked") != std::string::npos;
  }
  EXPECT_TRUE(example);

  ScenarioVerdict without;
  for (const LiveJudgement& j : judge(nullptr, &without)) EXPECT_EQ(j.retracted, 0u);
  events[4].value = ScalarValue(99);  // step 4 logged another value than the one shown.
  ledger.events = events;
  ScenarioVerdict other;
  for (const LiveJudgement& j : judge(views, &other)) EXPECT_EQ(j.retracted, 2u);
}

}  // namespace
}  // namespace tbfault::core
