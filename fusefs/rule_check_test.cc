#include "fusefs/rule_check.h"

#include <gtest/gtest.h>

namespace faultfs {
namespace {

TEST(RuleCheck, AcceptsWhatTheControlSocketAccepts) {
  std::string error;
  EXPECT_TRUE(CheckRuleText("ops: 'write' path: '*tfevents*' effect { error: 'ENOSPC' }", &error))
      << error;
  EXPECT_TRUE(CheckRuleText("id: 3 ops: 'fsync' effect { error: '5' deferred: false }", &error))
      << error;
  EXPECT_TRUE(CheckRuleText("effect { delay { ms: 10 } }", &error)) << error;
}

TEST(RuleCheck, RefusesBadSyntaxOpsErrnosAndEffects) {
  const std::pair<const char*, const char*> bad[] = {
      {"ops: 'write' effect { error: 'EBOGUS' }", "unknown errno 'EBOGUS'"},
      {"ops: 'write' effect { error: '0' }", "unknown errno '0'"},
      {"ops: 'write' effect { error: '-5' }", "unknown errno '-5'"},
      {"ops: 'scribble' effect { error: 'EIO' }", "unknown op 'scribble'"},
      {"ops: 'write'", "a rule needs an effect"},
      {"ops: 'write' effect { error: 'EIO' ", "1:"},
      {"colour: 'red'", "colour"},
      {"effect { delay { ms: 1 } deferred: true }", "only an error can be deferred"},
      {"trigger { probability: 2 } effect { error: 'EIO' }", "probability"},
  };
  for (const auto& [text, want] : bad) {
    std::string error;
    EXPECT_FALSE(CheckRuleText(text, &error)) << text;
    EXPECT_NE(error.find(want), std::string::npos) << text << ": " << error;
  }
}

TEST(RuleCheck, FsyncErrorModes) {
  bool sticky = true;
  EXPECT_TRUE(ParseFsyncErrorMode("linux", &sticky));
  EXPECT_FALSE(sticky);
  EXPECT_TRUE(ParseFsyncErrorMode("sticky", &sticky));
  EXPECT_TRUE(sticky);
  EXPECT_FALSE(ParseFsyncErrorMode("", &sticky));
  EXPECT_FALSE(ParseFsyncErrorMode("posix", &sticky));
}

}  // namespace
}  // namespace faultfs
