// Runs the built tbfault binary as a user would and checks output and exit status.
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "format/events.h"
#include "harness/cli/cli_test_util.h"

namespace {

namespace fs = std::filesystem;
using tbfault::cli::testing::CountLines;
using tbfault::cli::testing::Result;
using tbfault::cli::testing::RunTbfault;
using tbfault::cli::testing::Slurp;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tbfault-cli-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result Run(const std::string& args) { return RunTbfault(args, dir_); }
  fs::path dir_;
};

TEST_F(CliTest, BadUsageExitsTwo) {
  EXPECT_EQ(Run("").status, 2);
  Result r = Run("no-such-command");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(CountLines(r.err), 1) << r.err;
  EXPECT_EQ(Run("demo").status, 2);
  EXPECT_EQ(Run("inspect").status, 2);
  EXPECT_EQ(Run("inspect a b").status, 2);
}

TEST_F(CliTest, HelpListsCommands) {
  Result r = Run("--help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("inspect"), std::string::npos);
  EXPECT_NE(r.out.find("demo"), std::string::npos);
}

TEST_F(CliTest, InspectMissingPathIsOneLineNamingIt) {
  Result r = Run("inspect " + (dir_ / "missing").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(CountLines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("missing"), std::string::npos);
  EXPECT_NE(r.err.find("ENOENT"), std::string::npos);
}

TEST_F(CliTest, DemoThenInspectReportsThePlantedDamage) {
  fs::path logdir = dir_ / "logs";
  ASSERT_EQ(Run("demo --logdir " + logdir.string()).status, 0);

  Result clean = Run("inspect " + (logdir / "clean").string());
  EXPECT_EQ(clean.status, 0) << clean.out << clean.err;
  EXPECT_EQ(clean.out.find("ANOMALY"), std::string::npos);
  EXPECT_NE(clean.out.find("tag loss"), std::string::npos);

  Result all = Run("inspect " + logdir.string());
  EXPECT_EQ(all.status, 3);
  EXPECT_NE(all.out.find("ANOMALY truncated file=" + (logdir / "damaged").string()),
            std::string::npos)
      << all.out;
  int anomaly_lines = 0;
  for (size_t p = 0; (p = all.out.find("\nANOMALY ", p)) != std::string::npos; ++p) ++anomaly_lines;
  EXPECT_GE(anomaly_lines, 2);  // the flipped bit and the torn tail.

  Result json = Run("inspect --json " + logdir.string());
  EXPECT_EQ(json.status, 3);
  auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["anomalies"].get<int>(), anomaly_lines);
  ASSERT_EQ(doc["runs"].size(), 2u);
  EXPECT_EQ(doc["runs"][0]["run"], "clean");
  EXPECT_EQ(doc["runs"][0]["tags"]["loss"]["count"], 100);
  EXPECT_EQ(doc["runs"][0]["files"][0]["events_by_kind"]["file_version"], 1);
}

TEST_F(CliTest, InspectOnCorruptFileIsExitThreeNotACrash) {
  fs::path f = dir_ / "events.out.tfevents.1.h.1.0";
  std::ofstream(f, std::ios::binary) << std::string(1000, '\x55');
  Result r = Run("inspect " + f.string());
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.out.find("ANOMALY bad-length-crc"), std::string::npos) << r.out;
}

TEST_F(CliTest, WriteAcknowledgesEveryEventAndReadsBackClean) {
  fs::path run = dir_ / "run";
  Result r = Run("write --logdir " + run.string() +
                 " --policy async --scalars 5000 --tags 7 --histograms 3 --images 2 --text 2");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("every event flushed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("events/s"), std::string::npos);
  Result inspect = Run("inspect --json " + run.string());
  ASSERT_EQ(inspect.status, 0) << inspect.out;
  auto doc = nlohmann::json::parse(inspect.out);
  auto kinds = doc["runs"][0]["files"][0]["events_by_kind"];
  EXPECT_EQ(kinds["scalar"], 5000);
  EXPECT_EQ(kinds["histogram"], 3);
  EXPECT_EQ(kinds["image"], 2);
  EXPECT_EQ(kinds["text"], 2);
}

TEST_F(CliTest, WriteExitsOneWhenEventsAreLostAndTwoOnBadUsage) {
  std::ofstream(dir_ / "file") << "x";
  Result lost =
      Run("write --logdir " + (dir_ / "file" / "run").string() + " --policy buffered --scalars 10");
  EXPECT_EQ(lost.status, 1) << lost.out << lost.err;
  EXPECT_NE(lost.out.find("ENOTDIR"), std::string::npos) << lost.out;
  EXPECT_EQ(Run("write --logdir x --policy warp-speed").status, 2);
  EXPECT_EQ(Run("write --logdir x").status, 2);
  EXPECT_EQ(Run("write --logdir x --policy async --scalars -3").status, 2);
}

TEST_F(CliTest, TrainMeasuresTheWritersCostAndLogsEveryValue) {
  fs::path run = dir_ / "train";
  Result r = Run("train --json --logdir " + run.string() +
                 " --profile small-fast --steps 200 --rounds 2 --device cpu --writer async");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["device"], "cpu");
  EXPECT_EQ(doc["steps"], 200);
  for (const char* mode : {"disabled", "noop", "writer"}) {
    EXPECT_GT(doc["modes"][mode]["step_ns_p50"].get<int64_t>(), 0) << mode;
  }
  EXPECT_TRUE(doc["step_overhead_pct"].contains("p99"));
  Result inspect = Run("inspect --json " + run.string());
  ASSERT_EQ(inspect.status, 0) << inspect.out;
  auto tags = nlohmann::json::parse(inspect.out)["runs"][0]["tags"];
  EXPECT_EQ(tags["loss"]["count"], 200);  // one value per step, none lost.
  EXPECT_EQ(tags["loss"]["max_step"], 199);
  EXPECT_EQ(doc["events"].get<uint64_t>(), [&] {
    uint64_t n = 0;
    for (auto& [tag, t] : tags.items()) n += t["count"].get<uint64_t>();
    return n;
  }());
}

TEST_F(CliTest, TrainRejectsBadInput) {
  EXPECT_EQ(Run("train").status, 2);
  Result r = Run("train --logdir " + (dir_ / "x").string() + " --profile no-such-profile");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("no-such-profile"), std::string::npos) << r.err;
  EXPECT_EQ(Run("train --logdir x --device tpu").status, 2);
  EXPECT_EQ(Run("train --logdir x --writer warp").status, 2);
}

// Every command but drive (internal, its own protocol) parses its flags with Flags: the same
// one-line error with the usage, exit 2, and a --help that lists every flag.
const char* const kCommands[] = {"bench-policies", "demo",     "doctor", "gate",
                                 "inspect",        "list",     "replay", "run",
                                 "series",         "survival", "train",  "write"};

TEST_F(CliTest, EveryCommandRejectsAnUnknownFlagInOneLineWithItsUsage) {
  for (const char* c : kCommands) {
    Result r = Run(std::string(c) + " --no-such-flag");
    EXPECT_EQ(r.status, 2) << c;
    EXPECT_EQ(CountLines(r.err), 1) << c << ": " << r.err;
    EXPECT_NE(r.err.find("unknown flag '--no-such-flag'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(std::string("(usage: tbfault ") + c), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << c << ": " << r.out;
  }
}

TEST_F(CliTest, EveryCommandsHelpListsItsFlagsAndExitsZero) {
  for (const char* c : kCommands) {
    Result r = Run(std::string(c) + " --help");
    EXPECT_EQ(r.status, 0) << c;
    EXPECT_EQ(r.out.rfind(std::string("usage: tbfault ") + c, 0), 0u) << r.out;
    EXPECT_NE(r.out.find("--help"), std::string::npos) << r.out;
  }
  Result train = Run("train --help");
  for (const char* flag :
       {"--logdir DIR", "--writer SPEC", "--profile NAME|FILE", "--steps N", "--rounds N",
        "--device cpu|gpu|auto", "--sync-every-step", "--seed N", "--json"}) {
    EXPECT_NE(train.out.find(flag), std::string::npos) << flag << "\n" << train.out;
  }
  EXPECT_NE(train.out.find("in [1, 10000000] (default 5000)"), std::string::npos) << train.out;
  Result run = Run("run --help");
  for (const char* flag :
       {"--filter", "--seed N", "--jobs N", "--shard I/N", "--out DIR", "--junit FILE",
        "--json FILE", "--device", "--writer SPEC", "--bench-json FILE", "--quiet"}) {
    EXPECT_NE(run.out.find(flag), std::string::npos) << flag << "\n" << run.out;
  }
}

TEST_F(CliTest, GarbageOutOfRangeAndMissingValuesAreOneLineExitTwo) {
  std::string logdir = (dir_ / "never").string();
  const std::pair<const char*, const char*> cases[] = {
      {"train --logdir DIR --steps 10abc", "'10abc' is not"},  // ran 10 steps before
      {"train --logdir DIR --steps 1e23", "'1e23' is not"},    // ran 1 step before
      {"train --logdir DIR --steps 0", "out of range"},
      {"train --logdir DIR --rounds", "--rounds needs a value"},
      {"train --logdir DIR --seed -1", "'-1' is not"},
      {"train --logdir DIR --device tpu", "'tpu' is not one of cpu|gpu|auto"},
      {"train", "--logdir is required"},
      {"write --logdir DIR --policy async --scalars 99999999999999999999", "out of range"},
      {"write --logdir DIR --policy async --scalars 100000001", "out of range"},
      {"write --logdir DIR --policy async --tags 70000", "out of range [1, 65533]"},
      {"write --logdir DIR --policy async --tags 0", "out of range"},
      {"write --logdir DIR --policy async --images 1x", "'1x' is not"},
      {"run --jobs 0", "out of range"},
      {"run --jobs 4x", "'4x' is not"},
      {"run --shard 1/2abc", "is not I/N"},
      {"run --shard 2/2", "is not I/N"},
      {"run --out", "--out needs a value"},
      {"gate --baseline a --results b --max-slowdown nan", "'nan' is not a finite number"},
      {"gate --baseline a --results b --max-slowdown -5", "out of range"},
      {"inspect", "PATH is required"},
      {"inspect a b", "too many arguments: 'b'"},
      {"series LOGDIR", "--profile is required"},
      {"series --profile tb-go LOGDIR", "unknown profile 'tb-go'"},
      {"demo stray", "unexpected argument 'stray'"},
      {"bench-policies --writers ,", "no writer spec"},
  };
  for (const auto& [args, reason] : cases) {
    std::string a = args;
    if (size_t p = a.find("DIR"); p != std::string::npos) a.replace(p, 3, logdir);
    Result r = Run(a);
    EXPECT_EQ(r.status, 2) << a << "\n" << r.out << r.err;
    EXPECT_EQ(CountLines(r.err), 1) << a << ": " << r.err;
    EXPECT_NE(r.err.find(reason), std::string::npos) << a << ": " << r.err;
    EXPECT_NE(r.err.find("(usage: tbfault "), std::string::npos) << a << ": " << r.err;
  }
  EXPECT_FALSE(fs::exists(logdir));  // nothing ran.
}

// The shard from the environment (GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS) is checked like --shard
// (atoi made "x" shard 0).
TEST_F(CliTest, ShardFromTheEnvironmentIsChecked) {
  setenv("GTEST_SHARD_INDEX", "x", 1);
  setenv("GTEST_TOTAL_SHARDS", "2", 1);
  Result r = Run("run --quiet --out " + (dir_ / "o").string());
  unsetenv("GTEST_SHARD_INDEX");
  unsetenv("GTEST_TOTAL_SHARDS");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(CountLines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS: 'x/2' is not I/N"), std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "o"));
}

// A scenario the parts would refuse is refused when loaded: list and run say file:line and exit 2
// before anything starts (list counted it, run failed it later).
TEST_F(CliTest, ListAndRunRefuseABadScenarioInOneLineWithFileAndLine) {
  fs::path bad = dir_ / "bad.textproto";
  std::ofstream(bad) << "workload { steps: 10 }\nwriter { spec: \"buffered\" }\n"
                        "faults { rule: \"ops: 'write' effect { error: 'EBOGUS' }\" }\n";
  for (const char* command : {"list", "run --quiet --out OUT"}) {
    std::string c = command;
    if (size_t p = c.find("OUT"); p != std::string::npos) c.replace(p, 3, (dir_ / "o").string());
    Result r = Run(c + " " + bad.string());
    EXPECT_EQ(r.status, 2) << c << r.out << r.err;
    EXPECT_EQ(CountLines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(bad.string() + ":3:10: faults[0].rule:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("EBOGUS"), std::string::npos) << r.err;
  }
  Result r = Run("run --quiet --writer warp-speed " + bad.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--writer: policy 'warp-speed'"), std::string::npos) << r.err;
}

// Bytes that are not UTF-8 — a run directory's and a file's name, a text summary, a scenario's
// name — are replaced (U+FFFD) in JSON output; before, the JSON library aborted the command.
TEST_F(CliTest, NonUtf8NamesAndTextGiveJsonNotAnAbort) {
  fs::path logdir = dir_ / "logs";
  fs::path run = logdir / "run\xff\xfe";
  fs::create_directories(run);
  std::string bytes;
  tbfault::format::AppendEventRecord(&bytes, tbfault::format::FileVersionEvent(1e9));
  tbfault::format::AppendEventRecord(&bytes,
                                     tbfault::format::ScalarEvent(1e9, 1, "loss\xc3", 0.5f, true));
  tbfault::format::AppendEventRecord(
      &bytes, tbfault::format::TextEvent(1e9, 1, "notes", "bad \xff\xc0 text", true));
  std::ofstream(run / ("events.out.tfevents.1.h\x80.1.0"), std::ios::binary) << bytes;
  std::ofstream(run / "events.out.tfevents.1.h\x80.1.0.cut", std::ios::binary)
      << bytes.substr(0, bytes.size() - 3);  // a torn copy: doctor and inspect name the file.
  const std::string replacement = "\xef\xbf\xbd";
  for (const char* command : {"inspect --json", "doctor --json", "series --json --profile strict",
                              "series --json --profile tb-rust"}) {
    Result r = Run(std::string(command) + " " + logdir.string());
    EXPECT_TRUE(r.status == 0 || r.status == 3) << command << ": " << r.status << r.err;
    nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << command << ": " << r.out;
    // tb-rust shows nothing of a file whose tag is not UTF-8 (its proto decoding refuses it).
    if (std::string(command).find("tb-rust") != std::string::npos) continue;
    EXPECT_NE(r.out.find(replacement), std::string::npos) << command << ": " << r.out;
  }
  Result series = Run("series --json --profile strict " + logdir.string());
  EXPECT_NE(series.out.find("bad " + replacement), std::string::npos) << series.out;
}

// `run` writes its results even when a scenario's name is not UTF-8 (it aborted and wrote none).
TEST_F(CliTest, RunWritesResultsForANonUtf8ScenarioName) {
  if (access("/dev/fuse", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/fuse";
  fs::path scenario = dir_ / "odd\xff.textproto";
  std::ofstream(scenario) << "workload { steps: 5 }\nwriter { spec: \"buffered\" }\n";
  fs::path out = dir_ / "results";
  Result r = Run("run --quiet --out " + out.string() + " " + scenario.string());
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  nlohmann::json doc = nlohmann::json::parse(Slurp(out / "results.json"), nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << Slurp(out / "results.json");
  EXPECT_NE(doc.dump().find("odd\xef\xbf\xbd"), std::string::npos) << doc.dump();
}

// Output paths are checked before anything runs: one line, exit 2, nothing created or removed.
TEST_F(CliTest, RunChecksOutputPathsBeforeAnythingRuns) {
  std::string scenario = std::string(TBFAULT_SOURCE_DIR) + "/scenarios/clean.textproto";
  fs::create_directories(dir_ / "mine");
  std::ofstream(dir_ / "mine" / "notes.txt") << "mine";
  std::ofstream(dir_ / "file") << "x";
  fs::path fresh = dir_ / "fresh";
  const std::pair<std::string, const char*> cases[] = {
      {"--out " + (dir_ / "file").string(), "exists and is not a directory"},
      {"--out " + (dir_ / "mine").string(), "not an output directory of tbfault"},
      {"--out " + fresh.string() + " --junit " + (dir_ / "no" / "j.xml").string(), "ENOENT"},
      {"--out " + fresh.string() + " --json " + dir_.string(), "is a directory"},
      {"--out " + fresh.string() + " --json " + (dir_ / "file" / "r.json").string(), "ENOTDIR"},
      {"--out " + fresh.string() + " --bench-json " + (dir_ / "none.json").string(), "ENOENT"},
  };
  for (const auto& [args, want] : cases) {
    Result r = Run("run --quiet " + args + " " + scenario);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.out << r.err;
    EXPECT_EQ(CountLines(r.err), 1) << args << ": " << r.err;
    EXPECT_NE(r.err.find(want), std::string::npos) << args << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;  // no table: nothing ran.
  }
  EXPECT_FALSE(fs::exists(fresh));
  EXPECT_EQ(Slurp(dir_ / "mine" / "notes.txt"), "mine");
  EXPECT_FALSE(fs::exists(dir_ / "mine" / ".tbfault-out"));
}

// A reused --out holds the new run's files only (before: the earlier run's scenario directories
// stayed beside the new ones).
TEST_F(CliTest, RunEmptiesAnOutDirectoryItWroteBefore) {
  if (access("/dev/fuse", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/fuse";
  fs::path scenario = dir_ / "small.textproto";
  std::ofstream(scenario) << "workload { steps: 5 }\nwriter { spec: \"buffered\" }\n";
  fs::path out = dir_ / "results";
  ASSERT_EQ(Run("run --quiet --out " + out.string() + " " + scenario.string()).status, 0);
  ASSERT_TRUE(fs::exists(out / "results.json"));
  fs::create_directories(out / "old-scenario");
  ASSERT_EQ(Run("run --quiet --out " + out.string() + " " + scenario.string()).status, 0);
  EXPECT_FALSE(fs::exists(out / "old-scenario"));
  EXPECT_TRUE(fs::exists(out / "results.json"));
  EXPECT_TRUE(fs::exists(out / "small"));
}

TEST_F(CliTest, BenchPoliciesTmpfsMustBeATmpfs) {
  Result r = Run("bench-policies --quick --out " + (dir_ / "o").string() + " --tmpfs /nonexistent");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(CountLines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("--tmpfs: /nonexistent"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists("/nonexistent"));  // it was created on the root file system.
  EXPECT_FALSE(fs::exists(dir_ / "o"));
  struct statfs here {};
  ASSERT_EQ(statfs(dir_.c_str(), &here), 0);
  if (here.f_type != TMPFS_MAGIC) {
    r = Run("bench-policies --quick --out " + (dir_ / "o").string() + " --tmpfs " + dir_.string());
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("not a tmpfs"), std::string::npos) << r.err;
  }
}

// SIGINT stops bench-policies as it stops `run`: exit 130, nothing left mounted (it exited 2).
TEST_F(CliTest, BenchPoliciesInterruptedExitsOneThirty) {
  struct statfs shm {};
  if (statfs("/dev/shm", &shm) != 0 || shm.f_type != TMPFS_MAGIC) GTEST_SKIP() << "no /dev/shm";
  std::string cmd = std::string("bash -c '") + TBFAULT_BIN +
                    " bench-policies --quick --writers every-event,async --tmpfs /dev/shm --out " +
                    (dir_ / "o").string() + " >/dev/null 2>" + (dir_ / "err").string() +
                    " & p=$!; sleep 2; kill -INT $p; wait $p'";
  int raw = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(raw));
  EXPECT_EQ(WEXITSTATUS(raw), 130) << Slurp(dir_ / "err");
  EXPECT_NE(Slurp(dir_ / "err").find("interrupted"), std::string::npos) << Slurp(dir_ / "err");
  EXPECT_EQ(Slurp("/proc/mounts").find((dir_ / "o").string()), std::string::npos);
}

}  // namespace
