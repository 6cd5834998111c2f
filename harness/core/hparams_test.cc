#include "harness/core/hparams.h"

#include <gtest/gtest.h>

namespace tbfault::core {
namespace {

std::string Len(int field, const std::string& body) {
  return std::string(1, static_cast<char>(field << 3 | 2)) +
         std::string(1, static_cast<char>(body.size())) + body;
}

// HParamsPluginData{version: 0, experiment{hparam_infos{name}, metric_infos{name{tag}}}}, as
// tensorboardX writes it (the bytes of tensorboard.hparams protos, field numbers from api.proto).
std::string Experiment(const std::vector<std::string>& hparams,
                       const std::vector<std::string>& metrics) {
  std::string e = Len(1, "");                                                         // description
  for (const auto& h : hparams) e += Len(4, Len(1, h) + std::string("\x20\x03", 2));  // + type
  for (const auto& m : metrics) e += Len(5, Len(1, Len(2, m)));
  return std::string("\x08\x00", 2) + Len(2, e);
}

TEST(HParams, DecodesTheExperiment) {
  HParamsExperiment e;
  ASSERT_TRUE(DecodeHParamsExperiment(Experiment({"lr", "batch"}, {"hparam/acc"}), &e));
  EXPECT_EQ(e.hparams, (std::vector<std::string>{"lr", "batch"}));
  EXPECT_EQ(e.metrics, (std::vector<std::string>{"hparam/acc"}));
  // session_start_info (field 3) is no experiment; a cut message is refused.
  EXPECT_FALSE(DecodeHParamsExperiment(Len(3, ""), &e));
  EXPECT_FALSE(DecodeHParamsExperiment(Experiment({"lr"}, {}).substr(0, 5), &e));
}

// The measured case of FINDINGS.md H1: run1 {lr; acc}, then run2 {lr, batch; acc, f1}.
TEST(HParams, LaterSessionsColumnsAreLeftOut) {
  std::vector<HParamsExperiment> x = {{"run1/1", {"lr"}, {"hparam/acc"}},
                                      {"run2/2", {"lr", "batch"}, {"hparam/acc", "hparam/f1"}}};
  std::string s = HParamsLeftOut(x);
  EXPECT_NE(s.find("run run1/1: hparams lr; metrics hparam/acc"), std::string::npos) << s;
  EXPECT_NE(s.find("hparams batch (run2/2) are not columns"), std::string::npos) << s;
  EXPECT_NE(s.find("metrics hparam/f1 (run2/2) are not shown"), std::string::npos) << s;
  x[1] = {"run2/2", {"lr"}, {"hparam/acc"}};
  EXPECT_EQ(HParamsLeftOut(x), "");  // the same schema: nothing left out.
  EXPECT_EQ(HParamsLeftOut({x[0]}), "");
}

}  // namespace
}  // namespace tbfault::core
