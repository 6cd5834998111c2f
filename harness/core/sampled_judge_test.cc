#include "harness/core/sampled_judge.h"

#include <gtest/gtest.h>

namespace tbfault::core {
namespace {

// `n` scalar events of tag "loss" (and `m` of "acc"), each judged visible under `profile`.
void Make(Profile profile, int n, int m, std::vector<LoggedEvent>* events, ProfileJudgement* j) {
  *j = ProfileJudgement();
  j->profile = profile;
  for (int i = 0; i < n + m; ++i) {
    LoggedEvent e;
    e.seq = i + 1;
    e.run = "run";
    e.tag = i < n ? "loss" : "acc";
    e.step = i < n ? i : i - n;
    e.value.kind = Kind::kScalar;
    events->push_back(e);
    j->verdicts.push_back({e.seq, e.run, e.tag, e.step, Verdict::kVisible, "f", 0, "", "", 0});
  }
  j->counts[VerdictIndex(Verdict::kVisible)] = n + m;
}

TEST(SampledJudgeTest, CountsBeyondTheReservoirAreDownsampledAndTheLastPointStays) {
  std::vector<LoggedEvent> events;
  ProfileJudgement j;
  Make(Profile::kTbRust, 250, 40, &events, &j);
  SamplesSpec spec;
  ASSERT_TRUE(ParseSamplesPerPlugin("scalars=100", &spec).ok());
  JudgeDownsampling(events, spec, &j);
  EXPECT_EQ(j.count(Verdict::kDownsampled), 150u);  // loss: 250 - 100; acc: 40 <= 100.
  EXPECT_EQ(j.count(Verdict::kVisible), 140u);
  EXPECT_FALSE(IsViolation(Verdict::kDownsampled));
  EXPECT_EQ(j.violations(), 0u);
  EXPECT_EQ(j.verdicts[249].verdict, Verdict::kVisible);  // the last loss point is kept.
  EXPECT_EQ(j.verdicts[0].verdict, Verdict::kDownsampled);
  uint64_t marked = 0;
  for (const EventVerdict& v : j.verdicts) marked += v.verdict == Verdict::kDownsampled;
  EXPECT_EQ(marked, 150u);
}

TEST(SampledJudgeTest, DefaultsByProfileAndStrictKeepsEverything) {
  for (Profile p : {Profile::kStrict, Profile::kTbRust, Profile::kTbPython}) {
    std::vector<LoggedEvent> events;
    ProfileJudgement j;
    Make(p, 1200, 0, &events, &j);
    JudgeDownsampling(events, {}, &j);
    EXPECT_EQ(j.count(Verdict::kDownsampled), p == Profile::kStrict ? 0u : 200u) << int(p);
    SamplesSpec all;
    ASSERT_TRUE(ParseSamplesPerPlugin("scalars=0", &all).ok());
    Make(p, 1200, 0, &events, &j);
    JudgeDownsampling(events, all, &j);
    EXPECT_EQ(j.count(Verdict::kDownsampled), 0u);  // 0 keeps every point.
  }
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
