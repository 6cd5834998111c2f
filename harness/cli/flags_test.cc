#include "harness/cli/flags.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace tbfault::cli {
namespace {

// Parses `argv` (without the program and command names), capturing stderr into *err.
int ParseArgs(Flags& flags, std::vector<std::string> argv, std::string* err = nullptr) {
  std::vector<char*> ptrs;
  for (std::string& a : argv) ptrs.push_back(a.data());
  ::testing::internal::CaptureStderr();
  ::testing::internal::CaptureStdout();
  int rc = flags.Parse(ptrs);
  std::string e = ::testing::internal::GetCapturedStderr();
  ::testing::internal::GetCapturedStdout();
  if (err != nullptr) *err = e;
  return rc;
}

struct Train {
  std::string logdir, writer = "async", device = "auto";
  int64_t steps = 5000;
  int jobs = 1;
  uint64_t seed = 1;
  double slowdown = 10;
  bool json = false;
  std::vector<std::string> paths;
  Flags flags{"train", "--logdir DIR [FLAGS] [PATH...]"};
  Train() {
    flags.String("--logdir", "DIR", &logdir, "where the run is written").Required();
    flags.String("--writer", "SPEC", &writer, "the writer");
    flags.Choice("--device", {"cpu", "gpu", "auto"}, &device, "where the model trains");
    flags.Int("--steps", &steps, 1, 10'000'000, "training steps");
    flags.Int("--jobs", &jobs, 1, 64, "parallel jobs");
    flags.Uint("--seed", &seed, 0, std::numeric_limits<uint64_t>::max(), "seed");
    flags.Double("--max-slowdown", &slowdown, 0, 1000, "percent");
    flags.Bool("--json", &json, "print JSON");
    flags.Positional("PATH", &paths, 0, 2, "scenario files");
  }
};

TEST(Flags, ParsesEveryKindBothSpellings) {
  Train t;
  ASSERT_EQ(ParseArgs(t.flags, {"--logdir", "/tmp/x", "--steps=42", "--jobs", "3", "--seed",
                                "18446744073709551615", "--max-slowdown", "2.5", "--json",
                                "--device=gpu", "a", "--", "--b"}),
            -1);
  EXPECT_EQ(t.logdir, "/tmp/x");
  EXPECT_EQ(t.steps, 42);
  EXPECT_EQ(t.jobs, 3);
  EXPECT_EQ(t.seed, std::numeric_limits<uint64_t>::max());
  EXPECT_DOUBLE_EQ(t.slowdown, 2.5);
  EXPECT_TRUE(t.json);
  EXPECT_EQ(t.device, "gpu");
  EXPECT_EQ(t.writer, "async");  // untouched default.
  EXPECT_EQ(t.paths, (std::vector<std::string>{"a", "--b"}));
}

TEST(Flags, EveryBadInputIsOneLineWithTheUsageAndExitTwo) {
  const std::vector<std::vector<std::string>> bad = {
      {"--logdir", "x", "--steps", "10abc"},                    // garbage after the number
      {"--logdir", "x", "--steps", "1e23"},                     // not an integer
      {"--logdir", "x", "--steps", ""},                         // empty
      {"--logdir", "x", "--steps", "0"},                        // below the range
      {"--logdir", "x", "--steps", "-3"},                       // negative
      {"--logdir", "x", "--steps", "+3"},                       // a sign is not decimal digits
      {"--logdir", "x", "--steps", " 3"},                       // leading space
      {"--logdir", "x", "--steps", "99999999999999999999999"},  // beyond int64
      {"--logdir", "x", "--jobs", "65"},                        // above the range
      {"--logdir", "x", "--jobs", "4294967297"},                // would wrap an int
      {"--logdir", "x", "--seed", "-1"},                        // would wrap a uint64
      {"--logdir", "x", "--seed", "18446744073709551616"},
      {"--logdir", "x", "--max-slowdown", "nan"},  // not finite
      {"--logdir", "x", "--max-slowdown", "inf"},
      {"--logdir", "x", "--max-slowdown", "1e999"},
      {"--logdir", "x", "--max-slowdown", "-1"},
      {"--logdir", "x", "--max-slowdown", "5%"},
      {"--logdir", "x", "--device", "tpu"},      // not a choice
      {"--logdir", "x", "--steps"},              // missing value
      {"--logdir"},                              // missing value
      {"--logdir", "x", "--no-such-flag", "1"},  // unknown flag
      {"--logdir", "x", "-x"},                   // unknown short flag
      {"--logdir", "x", "--json=yes"},           // a bool takes no value
      {"--steps", "5"},                          // required flag missing
      {"--logdir", "x", "a", "b", "c"},          // too many positionals
  };
  for (const auto& argv : bad) {
    Train t;
    std::string err;
    EXPECT_EQ(ParseArgs(t.flags, argv, &err), 2) << argv.back();
    ASSERT_FALSE(err.empty()) << argv.back();
    EXPECT_EQ(err.find('\n'), err.size() - 1) << err;  // exactly one line.
    EXPECT_EQ(err.rfind("tbfault train: ", 0), 0u) << err;
    EXPECT_NE(err.find("usage: tbfault train --logdir DIR"), std::string::npos) << err;
  }
}

TEST(Flags, ErrorsSayWhatIsWrong) {
  Train t;
  std::string err;
  ParseArgs(t.flags, {"--logdir", "x", "--steps", "10abc"}, &err);
  EXPECT_NE(err.find("--steps: '10abc' is not a non-negative integer"), std::string::npos) << err;
  ParseArgs(t.flags, {"--logdir", "x", "--steps", "0"}, &err);
  EXPECT_NE(err.find("--steps: '0' is out of range [1, 10000000]"), std::string::npos) << err;
  ParseArgs(t.flags, {"--logdir", "x", "--bogus"}, &err);
  EXPECT_NE(err.find("unknown flag '--bogus'"), std::string::npos) << err;
  ParseArgs(t.flags, {"--logdir", "x", "--steps"}, &err);
  EXPECT_NE(err.find("--steps needs a value"), std::string::npos) << err;
  Train u;
  ParseArgs(u.flags, {}, &err);
  EXPECT_NE(err.find("--logdir is required"), std::string::npos) << err;
}

TEST(Flags, AFailedValueLeavesTheDefault) {
  Train t;
  EXPECT_EQ(ParseArgs(t.flags, {"--logdir", "x", "--steps", "10abc"}), 2);
  EXPECT_EQ(t.steps, 5000);
}

TEST(Flags, RequiredPositional) {
  std::vector<std::string> paths;
  Flags flags("inspect", "PATH [--json]");
  flags.Positional("PATH", &paths, 1, 1, "a logdir");
  std::string err;
  EXPECT_EQ(ParseArgs(flags, {}, &err), 2);
  EXPECT_NE(err.find("PATH is required"), std::string::npos) << err;
  EXPECT_EQ(ParseArgs(flags, {"a", "b"}, &err), 2);
  EXPECT_NE(err.find("too many arguments: 'b'"), std::string::npos) << err;
}

TEST(Flags, NoPositionalsDeclaredRejectsThem) {
  Flags flags("demo", "--logdir DIR");
  std::string err;
  EXPECT_EQ(ParseArgs(flags, {"stray"}, &err), 2);
  EXPECT_NE(err.find("unexpected argument 'stray'"), std::string::npos) << err;
}

TEST(Flags, HelpListsEveryFlagWithMeaningAndDefault) {
  Train t;
  std::string help = t.flags.Help();
  EXPECT_EQ(help.rfind("usage: tbfault train --logdir DIR", 0), 0u) << help;
  EXPECT_NE(help.find("--logdir DIR"), std::string::npos) << help;
  EXPECT_NE(help.find("where the run is written (required)"), std::string::npos) << help;
  EXPECT_NE(help.find("--steps N"), std::string::npos);
  EXPECT_NE(help.find("training steps, in [1, 10000000] (default 5000)"), std::string::npos)
      << help;
  EXPECT_NE(help.find("--writer SPEC"), std::string::npos);
  EXPECT_NE(help.find("(default 'async')"), std::string::npos) << help;
  EXPECT_NE(help.find("--device cpu|gpu|auto"), std::string::npos) << help;
  EXPECT_NE(help.find("(default auto)"), std::string::npos) << help;
  EXPECT_NE(help.find("print JSON (default off)"), std::string::npos) << help;
  EXPECT_NE(help.find("percent, in [0, 1000] (default 10)"), std::string::npos) << help;
  EXPECT_NE(help.find("PATH..."), std::string::npos) << help;
  std::string out;
  EXPECT_EQ(ParseArgs(t.flags, {"--steps", "x", "--help"}), 2);  // errors come first, in order.
  Train u;
  EXPECT_EQ(ParseArgs(u.flags, {"--help"}), 0);  // --help needs no required flag.
}

TEST(Flags, CustomSetterReportsItsReason) {
  int a = 0, b = 0;
  Flags flags("run", "[FLAGS]");
  flags.Custom(
      "--shard", "I/N",
      [&](std::string_view text, std::string* why) {
        if (text != "1/2") {
          *why = "'" + std::string(text) + "' is not I/N";
          return false;
        }
        a = 1, b = 2;
        return true;
      },
      "0/1", "this shard of the suite");
  std::string err;
  EXPECT_EQ(ParseArgs(flags, {"--shard", "x"}, &err), 2);
  EXPECT_NE(err.find("--shard: 'x' is not I/N"), std::string::npos) << err;
  EXPECT_EQ(ParseArgs(flags, {"--shard=1/2"}), -1);
  EXPECT_EQ(a + b, 3);
  EXPECT_NE(flags.Help().find("this shard of the suite (default 0/1)"), std::string::npos);
}

}  // namespace
}  // namespace tbfault::cli
