#include "reports/merge.h"

#include <gtest/gtest.h>

#include "reports/test_results.h"

namespace tbfault::reports {
namespace {

// Shard `index` of `total` of a selection of `names`, holding the given scenarios.
ShardFile Shard(const std::string& path, int index, int total,
                const std::vector<std::string>& names, uint64_t selected = 5) {
  ShardFile f;
  f.path = path;
  f.results.host = "runner-" + std::to_string(index);
  f.results.created = "2026-12-01T00:00:0" + std::to_string(index) + "Z";
  for (const std::string& n : names) {
    f.results.scenarios.push_back(testing::SampleScenario(n, "ours:buffered", n == "c" ? 3 : 0));
  }
  f.results.shard = ShardRecord{index, total, "abc", selected, names.size(), "1000-deadbeef"};
  return f;
}

std::vector<ShardFile> ThreeShards() {
  return {Shard("s0.json", 0, 3, {"a", "d"}), Shard("s1.json", 1, 3, {"b", "e"}),
          Shard("s2.json", 2, 3, {"c"})};
}

std::string Refusal(const std::vector<ShardFile>& shards) {
  Results out;
  Status s = MergeShards(shards, &out);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString().find('\n'), std::string::npos) << s.ToString();
  return s.ToString();
}

TEST(MergeTest, ShardsJoinIntoOneRunSortedByName) {
  std::vector<ShardFile> shards = ThreeShards();
  std::swap(shards[0], shards[2]);  // any order.
  Results out;
  ASSERT_TRUE(MergeShards(shards, &out).ok());
  ASSERT_EQ(out.scenarios.size(), 5u);
  std::string names;
  for (const auto& s : out.scenarios) names += s.name;
  EXPECT_EQ(names, "abcde");
  EXPECT_EQ(out.scenario("c")->outcome, Outcome::kFailed);
  EXPECT_EQ(out.scenario("c")->profile("tb-rust")->count(Verdict::kHidden), 3u);
  ASSERT_TRUE(out.shard.has_value());
  EXPECT_EQ(out.shard->index, 0);
  EXPECT_EQ(out.shard->total, 1);
  EXPECT_EQ(out.shard->shard_selected, 5u);
  EXPECT_EQ(out.shard->selection, "abc");
  EXPECT_EQ(out.host, "runner-0,runner-1,runner-2");
  EXPECT_EQ(out.created, "2026-12-01T00:00:02Z");
  // The merged results merge again, alone, and survive the JSON round trip with their record.
  Results again, back;
  ASSERT_TRUE(MergeShards({{"merged.json", out}}, &again).ok());
  ASSERT_TRUE(FromJson(ToJson(out), &back).ok());
  EXPECT_EQ(ToJson(back), ToJson(out));
}

TEST(MergeTest, AnEmptyShardCounts) {
  std::vector<ShardFile> shards = {Shard("s0.json", 0, 3, {"a"}, 2),
                                   Shard("s1.json", 1, 3, {"b"}, 2), Shard("s2.json", 2, 3, {}, 2)};
  Results out;
  ASSERT_TRUE(MergeShards(shards, &out).ok());
  EXPECT_EQ(out.scenarios.size(), 2u);
  shards.pop_back();
  EXPECT_NE(Refusal(shards).find("s0.json: shard(s) 2/3 of its run are missing"),
            std::string::npos);
}

TEST(MergeTest, BenchmarksOfSeveralShardsAreJoined) {
  std::vector<ShardFile> shards = ThreeShards();
  shards[0].results.benchmark = testing::SampleBenchmark(100, 50, 0.01, 3, 1);
  shards[2].results.benchmark = testing::SampleBenchmark(100, 50, 0.01, 2, 2);
  Results out;
  ASSERT_TRUE(MergeShards(shards, &out).ok());
  EXPECT_EQ(out.benchmark["benchmarks"].size(),
            shards[0].results.benchmark["benchmarks"].size() +
                shards[2].results.benchmark["benchmarks"].size());
}

TEST(MergeTest, RefusesWhatIsNotOneCompleteDisjointRun) {
  std::vector<ShardFile> s = ThreeShards();
  s.erase(s.begin() + 1);
  EXPECT_NE(Refusal(s).find("s0.json: shard(s) 1/3 of its run are missing (2 of 3 given)"),
            std::string::npos);

  s = ThreeShards();
  s.push_back(Shard("again.json", 1, 3, {"b", "e"}));
  EXPECT_NE(Refusal(s).find("again.json: shard 1/3 overlaps s1.json"), std::string::npos);

  s = ThreeShards();
  s[2].results.scenarios.push_back(testing::SampleScenario("a", "ours:buffered", 0));
  s[2].results.shard->shard_selected = 2;
  EXPECT_NE(Refusal(s).find("s2.json: scenario 'a' is also in s0.json"), std::string::npos);

  s = ThreeShards();
  s[1].results.scenarios.pop_back();  // interrupted.
  EXPECT_NE(Refusal(s).find("s1.json: shard 1/3 holds 1 results of its 2 scenarios"),
            std::string::npos);

  s = ThreeShards();
  s[2].results.shard->selection = "abd";  // another seed, writer or suite.
  EXPECT_NE(Refusal(s).find("s2.json: shard 2/3 is of another selection than s0.json"),
            std::string::npos);

  s = ThreeShards();
  s[1].results.shard->binary = "1000-feedface";
  EXPECT_NE(Refusal(s).find("s1.json: shard 1/3 was run by another tbfault binary"),
            std::string::npos);

  s = ThreeShards();
  s[2].results.shard->total = 4;
  EXPECT_NE(Refusal(s).find("s2.json: shard 2/4 is of 4 shards, s0.json of 3"), std::string::npos);

  s = ThreeShards();
  s[1].results.shard.reset();
  EXPECT_NE(Refusal(s).find("s1.json: no shard record"), std::string::npos);

  EXPECT_NE(Refusal({}).find("no results file"), std::string::npos);
}

TEST(MergeTest, ARecordOutOfRangeIsABadFile) {
  Results r = ThreeShards()[0].results;
  nlohmann::json j = ToJson(r);
  j["shard"]["index"] = 3;
  Results back;
  Status s = FromJson(j, &back);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("shard: index 3 of 3"), std::string::npos) << s.ToString();
  j["shard"]["index"] = 0;
  j["shard"].erase("selection");
  EXPECT_NE(FromJson(j, &back).ToString().find("shard.selection: missing"), std::string::npos);
}

}  // namespace
}  // namespace tbfault::reports
