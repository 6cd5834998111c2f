#include "harness/runner/shard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace tbfault::runner {
namespace {

using Env = std::map<std::string, std::string>;

Status Resolve(const Env& env, ShardFlags flags, ShardChoice* out) {
  return ResolveShard(
      flags,
      [&](const char* name) -> const char* {
        auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
      },
      out);
}

std::string Of(const ShardChoice& c) {
  return std::to_string(c.index) + "/" + std::to_string(c.total) + " " + c.source;
}

std::string Chosen(const Env& env, ShardFlags flags = {}) {
  ShardChoice c;
  Status s = Resolve(env, flags, &c);
  return s.ok() ? Of(c) : "error: " + s.message();
}

TEST(ShardTest, EachCiSystemsVariablesGiveTheShard) {
  EXPECT_EQ(Chosen({}), "0/1 default");
  EXPECT_EQ(Chosen({}, {2, 3}), "2/3 --shard");
  EXPECT_EQ(Chosen({{"CI_NODE_INDEX", "1"}, {"CI_NODE_TOTAL", "4"}}),
            "0/4 CI_NODE_INDEX/CI_NODE_TOTAL");
  EXPECT_EQ(Chosen({{"CI_NODE_INDEX", "4"}, {"CI_NODE_TOTAL", "4"}}),
            "3/4 CI_NODE_INDEX/CI_NODE_TOTAL");
  EXPECT_EQ(Chosen({{"JOB_COMPLETION_INDEX", "2"}}, {std::nullopt, 5}), "2/5 JOB_COMPLETION_INDEX");
  EXPECT_EQ(Chosen({{"GTEST_SHARD_INDEX", "1"}, {"GTEST_TOTAL_SHARDS", "2"}}),
            "1/2 GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS");
}

TEST(ShardTest, SourcesThatAgreeAreFineOnesThatDisagreeAreAnError) {
  // Flags first, then GitLab, Kubernetes, GoogleTest: agreeing sources are all right.
  EXPECT_EQ(Chosen({{"CI_NODE_INDEX", "2"}, {"CI_NODE_TOTAL", "3"}}, {1, 3}), "1/3 --shard");
  EXPECT_EQ(Chosen({{"CI_NODE_INDEX", "2"}, {"CI_NODE_TOTAL", "3"}, {"JOB_COMPLETION_INDEX", "1"}},
                   {std::nullopt, 3}),
            "1/3 CI_NODE_INDEX/CI_NODE_TOTAL");
  EXPECT_EQ(Chosen({{"CI_NODE_INDEX", "1"}, {"CI_NODE_TOTAL", "3"}}, {1, 3}),
            "error: --shard says shard 1/3 but CI_NODE_INDEX/CI_NODE_TOTAL says 0/3 (0-based)");
  EXPECT_EQ(
      Chosen(
          {{"GTEST_SHARD_INDEX", "0"}, {"GTEST_TOTAL_SHARDS", "2"}, {"JOB_COMPLETION_INDEX", "1"}},
          {std::nullopt, 2}),
      "error: JOB_COMPLETION_INDEX says shard 1/2 but GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS "
      "says 0/2 (0-based)");
}

TEST(ShardTest, MalformedOrHalfGivenSourcesAreOneLineErrors) {
  EXPECT_EQ(Chosen({{"CI_NODE_INDEX", "0"}, {"CI_NODE_TOTAL", "3"}}),
            "error: CI_NODE_INDEX/CI_NODE_TOTAL: '0/3' is not I/N with 1 <= I <= N (1-based)");
  // GitLab's jobs without parallel: have CI_NODE_TOTAL=1 and no index: not a shard.
  EXPECT_EQ(Chosen({{"CI_NODE_TOTAL", "1"}}, {1, 2}), "1/2 --shard");
  EXPECT_EQ(Chosen({{"CI_NODE_INDEX", "2"}}),
            "error: CI_NODE_INDEX/CI_NODE_TOTAL: '2/(unset)' is not I/N with 1 <= I <= N "
            "(1-based)");
  EXPECT_EQ(Chosen({{"GTEST_SHARD_INDEX", "2"}, {"GTEST_TOTAL_SHARDS", "2"}}),
            "error: GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS: '2/2' is not I/N with 0 <= I < N");
  EXPECT_EQ(Chosen({{"JOB_COMPLETION_INDEX", "1"}}),
            "error: JOB_COMPLETION_INDEX is set: give the number of completions as --shard-total "
            "N");
  EXPECT_EQ(Chosen({{"JOB_COMPLETION_INDEX", "3"}}, {std::nullopt, 3}),
            "error: JOB_COMPLETION_INDEX: '3' is not an index below --shard-total 3");
  EXPECT_EQ(Chosen({}, {std::nullopt, 3}),
            "error: --shard-total needs --shard-index I or JOB_COMPLETION_INDEX");
  EXPECT_EQ(Chosen({}, {1, std::nullopt}), "error: --shard-index needs --shard-total N");
  EXPECT_EQ(Chosen({}, {3, 3}), "error: --shard: '3/3' is not I/N with 0 <= I < N");
}

std::vector<SuiteEntry> Entries(const std::vector<std::string>& names) {
  std::vector<SuiteEntry> out;
  for (const std::string& n : names) {
    SuiteEntry e;
    e.scenario.set_name(n);
    e.scenario.set_seed(7);
    out.push_back(e);
  }
  return out;
}

TEST(ShardTest, AssignmentIsByNameBalancedAndDisjoint) {
  std::vector<SuiteEntry> a = Entries({"e", "b", "a", "d", "c", "g", "f"});
  std::vector<SuiteEntry> b = Entries({"a", "b", "c", "d", "e", "f", "g"});
  std::vector<int> sa = ShardOf(a, 3), sb = ShardOf(b, 3);
  // The same scenario is in the same shard whatever the order the entries come in.
  for (size_t i = 0; i < a.size(); ++i) {
    size_t j = static_cast<size_t>(a[i].scenario.name()[0] - 'a');
    EXPECT_EQ(sa[i], sb[j]) << a[i].scenario.name();
  }
  EXPECT_EQ(sb, (std::vector<int>{0, 1, 2, 0, 1, 2, 0}));
  size_t total = 0;
  for (int i = 0; i < 3; ++i) {
    std::vector<SuiteEntry> part = a;
    Shard(i, 3, &part);
    EXPECT_GE(part.size(), 2u);
    EXPECT_LE(part.size(), 3u);
    total += part.size();
  }
  EXPECT_EQ(total, a.size());
}

TEST(ShardTest, SelectionIdIsTheScenariosNotTheirOrder) {
  std::vector<SuiteEntry> a = Entries({"b", "a", "c"});
  std::vector<SuiteEntry> b = Entries({"a", "b", "c"});
  EXPECT_EQ(SelectionId(a), SelectionId(b));
  EXPECT_EQ(SelectionId(a).size(), 16u);
  b[1].scenario.set_seed(8);  // another seed is another selection ...
  EXPECT_NE(SelectionId(a), SelectionId(b));
  b = Entries({"a", "b"});  // ... and so is a scenario less.
  EXPECT_NE(SelectionId(a), SelectionId(b));
  b = Entries({"a", "b", "c"});
  b[2].scenario.mutable_writer()->set_spec("async");
  EXPECT_NE(SelectionId(a), SelectionId(b));

  reports::ShardRecord r = ShardRecordFor(a, {1, 2, "--shard"});
  EXPECT_EQ(r.index, 1);
  EXPECT_EQ(r.total, 2);
  EXPECT_EQ(r.selected, 3u);
  EXPECT_EQ(r.shard_selected, 1u);  // a 0, b 1, c 0.
  EXPECT_EQ(r.selection, SelectionId(a));
  EXPECT_FALSE(r.binary.empty());
  EXPECT_EQ(r.binary, BinaryId());
}

}  // namespace
}  // namespace tbfault::runner
