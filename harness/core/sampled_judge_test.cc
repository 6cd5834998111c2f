#include "harness/core/sampled_judge.h"

#include <gtest/gtest.h>

#include <numeric>

namespace tbfault::core {
namespace {

// `n` scalar events of tag "loss" (and `m` of "acc"), each judged visible under `profile`, and the
// profile's view showing them: record i at offset 100 * i of file "f".
void Make(Profile profile, int n, int m, std::vector<LoggedEvent>* events, ProfileView* view,
          ProfileJudgement* j) {
  *j = ProfileJudgement();
  j->profile = profile;
  events->clear();
  *view = ProfileView();
  view->profile = profile;
  RunView& rv = view->runs["run"];
  rv.files = {"f"};
  for (int i = 0; i < n + m; ++i) {
    LoggedEvent e;
    e.seq = i + 1;
    e.run = "run";
    e.tag = i < n ? "loss" : "acc";
    e.step = i < n ? i : i - n;
    e.value.kind = Kind::kScalar;
    events->push_back(e);
    j->verdicts.push_back(
        {e.seq, e.run, e.tag, e.step, Verdict::kVisible, "f", uint64_t(100 * i), "", "", 0});
    Series& s = rv.tags[e.tag];
    s.kind = Kind::kScalar;
    s.AppendScalar({e.step, uint64_t(100 * i), 0, 0.5});
  }
  j->counts[VerdictIndex(Verdict::kVisible)] = n + m;
}

std::vector<int64_t> VisibleSteps(const ProfileJudgement& j, const std::string& tag) {
  std::vector<int64_t> out;
  for (const EventVerdict& v : j.verdicts) {
    if (v.tag == tag && v.verdict == Verdict::kVisible) out.push_back(v.step);
  }
  return out;
}

TEST(SampledJudgeTest, TbPythonDropsWhatItsSeededReservoirDrops) {
  std::vector<LoggedEvent> events;
  ProfileView view;
  ProfileJudgement j;
  Make(Profile::kTbPython, 250, 40, &events, &view, &j);
  SamplesSpec spec;
  ASSERT_TRUE(ParseSamplesPerPlugin("scalars=100", &spec).ok());
  JudgeDownsampling(events, view, spec, &j);
  EXPECT_EQ(j.count(Verdict::kDownsampled), 150u);  // loss: 250 - 100; acc: 40 <= 100.
  EXPECT_EQ(j.count(Verdict::kVisible), 140u);
  EXPECT_FALSE(IsViolation(Verdict::kDownsampled));
  EXPECT_EQ(j.violations(), 0u);
  // _ReservoirBucket(100, random.Random(0)) over 0..249 then _downsample(items, 100), printed by
  // tensorboard 2.21: 100 items summing to 12436, starting 1, 2, 4, 6, 8, 9, 10, 12, 15, 16.
  const std::vector<int64_t> kept = VisibleSteps(j, "loss");
  ASSERT_EQ(kept.size(), 100u);
  EXPECT_EQ(std::vector<int64_t>(kept.begin(), kept.begin() + 10),
            (std::vector<int64_t>{1, 2, 4, 6, 8, 9, 10, 12, 15, 16}));
  EXPECT_EQ(std::accumulate(kept.begin(), kept.end(), int64_t{0}), 12436);
  EXPECT_EQ(kept.back(), 249);
  EXPECT_EQ(VisibleSteps(j, "acc").size(), 40u);
}

TEST(SampledJudgeTest, TbPythonPurgeFiltersTheReservoirAtItsRecord) {
  // 1500 points, then a SessionLog.START at step 700 (offset 149950) purging 700..1499,
  // then 500 points at 700..1199: what _ReservoirBucket(1000) keeps with FilterItems there
  // (tensorboard 2.21 printed 953 items summing to 1035719 by index, 500 of them after the purge).
  std::vector<LoggedEvent> events;
  ProfileView view;
  ProfileJudgement j;
  Make(Profile::kTbPython, 2000, 0, &events, &view, &j);
  RunView& rv = view.runs["run"];
  Series& s = rv.tags["loss"];
  s.points.clear();
  for (int i = 0; i < 2000; ++i) {
    const int64_t step = i < 1500 ? i : i - 800;
    events[i].step = step;
    j.verdicts[i].step = step;
    if (i >= 700 && i < 1500) {
      j.verdicts[i].verdict = Verdict::kHidden;
      rv.dropped.push_back(
          {"loss", step, "f", uint64_t(100 * i), DropCause::kPurgedByStart, "", "f", 149950});
    } else {
      s.AppendScalar({step, uint64_t(100 * i), 0, 0.5});
    }
  }
  j.counts = {};
  j.counts[VerdictIndex(Verdict::kVisible)] = 1200;
  j.counts[VerdictIndex(Verdict::kHidden)] = 800;
  JudgeDownsampling(events, view, {}, &j);
  uint64_t kept = 0, index_sum = 0, after = 0;
  for (size_t i = 0; i < j.verdicts.size(); ++i) {
    if (j.verdicts[i].verdict != Verdict::kVisible) continue;
    ++kept;
    index_sum += i;  // the Python replay numbered the items 0..1999 in read order too.
    after += i >= 1500;
  }
  EXPECT_EQ(kept, 953u);
  EXPECT_EQ(index_sum, 1035719u);
  EXPECT_EQ(after, 500u);
  EXPECT_EQ(j.count(Verdict::kDownsampled), 1200u - 953u);
}

TEST(SampledJudgeTest, DefaultsByProfileAndStrictKeepsEverything) {
  for (Profile p : {Profile::kStrict, Profile::kTbRust, Profile::kTbPython}) {
    std::vector<LoggedEvent> events;
    ProfileView view;
    ProfileJudgement j;
    Make(p, 1200, 0, &events, &view, &j);
    JudgeDownsampling(events, view, {}, &j);
    EXPECT_EQ(j.count(Verdict::kDownsampled), p == Profile::kStrict ? 0u : 200u) << int(p);
    if (p != Profile::kStrict) {
      EXPECT_EQ(j.verdicts[1199].verdict, Verdict::kVisible);  // the last point is kept.
    }
    SamplesSpec all;
    ASSERT_TRUE(ParseSamplesPerPlugin("scalars=5000", &all).ok());
    Make(p, 1200, 0, &events, &view, &j);
    JudgeDownsampling(events, view, all, &j);
    EXPECT_EQ(j.count(Verdict::kDownsampled), 0u);  // a chart as large as the series.
    EXPECT_FALSE(ParseSamplesPerPlugin("scalars=0", &all).ok());  // TensorBoard shows none.
  }
}

TEST(SampledJudgeTest, TbRustHistogramsThroughItsReservoirAndRoute) {
  // 600 histograms: rustboard's 100-capacity tensor reservoir, then its route's downsample to 51;
  // tensorboard --load_fast=true served 51 steps summing to 17115 (reservoir_conformance.py).
  std::vector<LoggedEvent> events;
  ProfileView view;
  ProfileJudgement j;
  Make(Profile::kTbRust, 600, 0, &events, &view, &j);
  for (LoggedEvent& e : events) e.value.kind = Kind::kHistogram;
  view.runs["run"].tags["loss"].kind = Kind::kHistogram;
  JudgeDownsampling(events, view, {}, &j);
  EXPECT_EQ(j.count(Verdict::kDownsampled), 549u);
  const std::vector<int64_t> kept = VisibleSteps(j, "loss");
  ASSERT_EQ(kept.size(), 51u);
  EXPECT_EQ(std::vector<int64_t>(kept.begin(), kept.begin() + 5),
            (std::vector<int64_t>{25, 30, 42, 55, 76}));
  EXPECT_EQ(std::accumulate(kept.begin(), kept.end(), int64_t{0}), 17115);
  EXPECT_EQ(kept.back(), 599);
}

TEST(SampledJudgeTest, ParsesTensorBoardsSyntax) {
  SamplesSpec spec;
  ASSERT_TRUE(ParseSamplesPerPlugin("scalars=100,images=5", &spec).ok());
  EXPECT_EQ(spec.at("scalars"), 100u);
  EXPECT_EQ(spec.at("images"), 5u);
  EXPECT_TRUE(ParseSamplesPerPlugin("", &spec).ok());
  EXPECT_TRUE(spec.empty());
  for (const char* bad : {"scalars", "scalars=", "=3", "scalars=-1", "scalars=1x", "a=1,,b=2",
                          "scalars=1,scalars=2"}) {
    EXPECT_FALSE(ParseSamplesPerPlugin(bad, &spec).ok()) << bad;
  }
}

}  // namespace
}  // namespace tbfault::core
