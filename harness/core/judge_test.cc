#include "harness/core/judge.h"

#include <gtest/gtest.h>

#include "harness/core/test_logdir.h"

namespace tbfault::core {
namespace {

using testing::FileBuilder;
using testing::TempLogdir;

// End to end without a writer: a ledger file as the child leaves it, a logdir with a torn record in
// the middle, and a scenario expecting exactly what the TensorBoard profiles must hide.
TEST(JudgeTest, LedgerFilePlusLogdirPlusScenario) {
  TempLogdir dir;
  std::string ledger_path = dir.path() + "/ledger";
  std::unique_ptr<LedgerWriter> w;
  ASSERT_TRUE(LedgerWriter::Create(ledger_path, 64, 4, &w).ok());
  uint32_t loss = w->Series("train", "loss");
  FileBuilder b;
  b.Version();
  for (int s = 0; s < 6; ++s) {
    ASSERT_TRUE(w->AppendScalar(loss, s, s * 0.5f, 60, s * 1'000'000'000ull));
    if (s == 3) {
      b.Torn(format::ScalarEvent(1, s, "loss", s * 0.5f, false), 4);
    } else {
      b.Scalar(s, s * 0.5f, s == 0);
    }
  }
  w->SetWatermarks(6, 6, 6, 0);
  w->AddFailed(4, 4, EIO);
  w->MarkClosedCleanly();
  dir.WriteFile("train", 1, b.bytes());
  w.reset();

  LedgerContents ledger;
  ASSERT_TRUE(ReadLedger(ledger_path, &ledger).ok());
  ASSERT_EQ(NaturalEnding(ledger), Ending::kCleanClose);

  ScenarioVerdict v;
  ASSERT_TRUE(JudgeLogdir(dir.path(), ledger, Ending::kCleanClose, nullptr, &v).ok());
  EXPECT_FALSE(v.met);
  EXPECT_NE(v.unmet.find("tb-rust hidden: expected 0, got 2"), std::string::npos) << v.unmet;
  EXPECT_EQ(v.judgements[0].count(Verdict::kVisible), 5u);  // strict
  EXPECT_EQ(v.judgements[0].count(Verdict::kLostUnacked), 1u);

  scenario::Scenario s;
  ASSERT_TRUE(ParseScenario(R"pb(
                              workload { steps: 6 }
                              writer { spec: "mutant:torn-records" }
                              expect {
                                profile: "*"
                                verdicts { verdict: "lost-unacked" exactly: 1 }
                              }
                              expect {
                                profile: "tb-rust"
                                verdicts { verdict: "hidden" exactly: 2 }
                              }
                              expect {
                                profile: "tb-python"
                                verdicts { verdict: "hidden" exactly: 2 }
                              }
                            )pb",
                            "torn.textproto", &s)
                  .ok());
  ASSERT_TRUE(JudgeLogdir(dir.path(), ledger, Ending::kCleanClose, &s, &v).ok());
  EXPECT_TRUE(v.met) << v.unmet << "\n" << v.summary;
  EXPECT_NE(v.summary.find("events logged: 6"), std::string::npos);
}

TEST(JudgeTest, OverflowedLedgerIsAnError) {
  TempLogdir dir;
  LedgerContents ledger;
  ledger.overflow = 3;
  ScenarioVerdict v;
  Status s = JudgeLogdir(dir.path(), ledger, Ending::kCleanClose, nullptr, &v);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("overflowed"), std::string::npos);
}

}  // namespace
}  // namespace tbfault::core
