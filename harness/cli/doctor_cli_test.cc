// Runs `tbfault doctor` (the built binary) on logdirs damaged byte by byte, as a user would, and
// checks what it reports, with which offsets and counts, and its exit status.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "harness/cli/cli_test_util.h"
#include "harness/core/test_logdir.h"

namespace {

namespace fs = std::filesystem;
using tbfault::cli::testing::CountLines;
using tbfault::cli::testing::Result;
using tbfault::cli::testing::RunTbfault;
using tbfault::cli::testing::Slurp;
using tbfault::core::testing::DoubleScalarEvent;
using tbfault::core::testing::FileBuilder;
using tbfault::core::testing::TempLogdir;

class DoctorCliTest : public ::testing::Test {
 protected:
  Result Run(const std::string& args) { return RunTbfault("doctor " + args, dir_.path()); }
  nlohmann::json RunJson(const std::string& path, int expected_status) {
    Result r = Run("--json " + path);
    EXPECT_EQ(r.status, expected_status) << r.out << r.err;
    return nlohmann::json::parse(r.out);
  }
  // The run's findings of `kind`.
  static std::vector<nlohmann::json> Findings(const nlohmann::json& run, const std::string& kind) {
    std::vector<nlohmann::json> out;
    for (const auto& f : run["findings"]) {
      if (f["kind"] == kind) out.push_back(f);
    }
    return out;
  }
  // A clean run of `n` scalar steps.
  static std::string Clean(int n) {
    FileBuilder b;
    b.Version();
    for (int s = 0; s < n; ++s) b.Scalar(s, s, s == 0);
    return b.bytes();
  }

  TempLogdir dir_;  // holds the command's output files, outside the logdirs under test.
};

TEST_F(DoctorCliTest, CleanLogdirExitsZero) {
  TempLogdir logs;
  logs.WriteFile("train", 1, Clean(10));
  logs.WriteFile("eval", 1, Clean(3));
  Result r = Run(logs.path());
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("FINDING"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("run train: 1 file; strict reads 10 values, tb-rust shows 10"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("no findings"), std::string::npos);
  nlohmann::json doc = RunJson(logs.path(), 0);
  EXPECT_EQ(doc["finding_count"], 0);
  EXPECT_EQ(doc["runs"][1]["values"]["tb-python"], 10);
}

TEST_F(DoctorCliTest, BadUsageAndUnreadablePathExitTwo) {
  EXPECT_EQ(Run("").status, 2);
  EXPECT_EQ(Run("a b").status, 2);
  EXPECT_EQ(Run("--colour " + dir_.path()).status, 2);
  std::string missing = dir_.path() + "/no-such-logdir";
  Result r = Run(missing);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(CountLines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ENOENT"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

// A path that cannot be listed (through a regular file): exit 2, one line naming it and why.
TEST_F(DoctorCliTest, PathThroughAFileExitsTwoNamingIt) {
  std::string file = dir_.path() + "/plain";
  std::ofstream(file) << "x";
  Result r = Run(file + "/logs");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(CountLines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(file + "/logs"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ENOTDIR"), std::string::npos) << r.err;
}

// One logdir, one damaged run per kind of finding; each reported with its offset and count.
TEST_F(DoctorCliTest, EachKindOfDamageIsReportedWithOffsetAndCount) {
  TempLogdir logs;
  logs.WriteFile("clean", 1, Clean(4));

  FileBuilder torn;  // a torn record, then 3 intact values: dead for both TensorBoard readers.
  torn.Version().Scalar(0, 1, true).Scalar(1, 2);
  torn.Torn(tbfault::format::ScalarEvent(3, 2, "loss", 3, false), 3);
  torn.Scalar(3, 4).Scalar(4, 5).Scalar(5, 6);
  std::string torn_file = logs.WriteFile("torn", 1, torn.bytes());

  FileBuilder old_file, new_file;  // a flipped bit in an older file: tb-python abandons it.
  old_file.Version().Scalar(0, 1, true).Scalar(1, 2).Scalar(2, 3).Scalar(3, 4);
  old_file.mutable_bytes()[old_file.offset(3) - tbfault::record::kFooterSize - 1] ^= 0x01;
  new_file.Version().Scalar(4, 5);
  std::string old_path = logs.WriteFile("abandoned", 1, old_file.bytes());
  logs.WriteFile("abandoned", 2, new_file.bytes());

  FileBuilder before, after;  // a restart from step 6 with a SessionLog.START (after the first's).
  before.Version().Add(tbfault::format::SessionLogEvent(10, 0, tensorboard::SessionLog::START));
  for (int s = 0; s < 10; ++s) before.Scalar(s, s, s == 0);
  after.Version().Add(tbfault::format::SessionLogEvent(20, 6, tensorboard::SessionLog::START));
  for (int s = 6; s < 9; ++s) after.Scalar(s, s, s == 6);
  logs.WriteFile("restart", 1, before.bytes());
  std::string after_path = logs.WriteFile("restart", 2, after.bytes());

  FileBuilder doubles;
  doubles.Version();
  for (int s = 0; s < 4; ++s) doubles.Add(DoubleScalarEvent(s, s, s == 0));
  logs.WriteFile("double", 1, doubles.bytes());

  FileBuilder bare;  // the first value of "loss" carries no metadata.
  bare.Version().Scalar(0, 1, false).Scalar(1, 2, true);
  logs.WriteFile("nometa", 1, bare.bytes());

  FileBuilder zeros;
  zeros.Version().Scalar(0, 1, true);
  const uint64_t zeros_at = zeros.bytes().size();
  zeros.Raw(std::string(100, '\0')).Scalar(1, 2);
  logs.WriteFile("zeros", 1, zeros.bytes());

  nlohmann::json doc = RunJson(logs.path(), 3);
  std::map<std::string, nlohmann::json> runs;
  for (const auto& r : doc["runs"]) runs[r["run"]] = r;
  ASSERT_EQ(runs.size(), 7u) << doc.dump(2);
  EXPECT_TRUE(runs["clean"]["findings"].empty());

  auto dead = Findings(runs["torn"], "dead-file");
  ASSERT_EQ(dead.size(), 1u) << runs["torn"].dump(2);
  EXPECT_EQ(dead[0]["file"], torn_file);
  EXPECT_EQ(dead[0]["offset"], torn.offset(3));
  EXPECT_EQ(dead[0]["values"], 3);
  EXPECT_EQ(dead[0]["profiles"], nlohmann::json({"tb-rust", "tb-python"}));
  EXPECT_EQ(runs["torn"]["values"]["strict"], 5);

  auto abandoned = Findings(runs["abandoned"], "abandoned-file");
  ASSERT_EQ(abandoned.size(), 1u) << runs["abandoned"].dump(2);
  EXPECT_EQ(abandoned[0]["file"], old_path);
  EXPECT_EQ(abandoned[0]["offset"], old_file.offset(2));
  EXPECT_EQ(abandoned[0]["values"], 2);  // steps 2 and 3; strict cannot read the flipped step 1.
  EXPECT_EQ(abandoned[0]["profiles"], nlohmann::json({"tb-python"}));

  auto purges = Findings(runs["restart"], "restart-purge");
  ASSERT_EQ(purges.size(), 2u) << runs["restart"].dump(2);
  for (const auto& f : purges) {
    EXPECT_EQ(f["file"], after_path);
    EXPECT_EQ(f["values"], 4);  // steps 6..9 of the first file.
    EXPECT_EQ(f["offset"], f["profiles"][0] == "tb-python" ? after.offset(1) : after.offset(2));
  }

  auto dbl = Findings(runs["double"], "double-scalar");
  ASSERT_EQ(dbl.size(), 1u) << runs["double"].dump(2);
  EXPECT_EQ(dbl[0]["values"], 4);
  EXPECT_EQ(dbl[0]["offset"], doubles.offset(1));
  EXPECT_EQ(dbl[0]["profiles"], nlohmann::json({"tb-rust"}));

  auto meta = Findings(runs["nometa"], "missing-metadata");
  ASSERT_EQ(meta.size(), 1u) << runs["nometa"].dump(2);
  EXPECT_EQ(meta[0]["values"], 2);
  EXPECT_EQ(meta[0]["offset"], bare.offset(1));
  EXPECT_EQ(meta[0]["tags"], nlohmann::json({"loss"}));

  auto zero = Findings(runs["zeros"], "dead-file");
  ASSERT_EQ(zero.size(), 1u) << runs["zeros"].dump(2);
  EXPECT_EQ(zero[0]["offset"], zeros_at);
  EXPECT_EQ(zero[0]["values"], 1);
  bool strict_named = false;
  for (const auto& why : zero[0]["reasons"]) {
    strict_named |= why.get<std::string>().starts_with("strict: zero-filled at offset " +
                                                       std::to_string(zeros_at));
  }
  EXPECT_TRUE(strict_named) << zero[0].dump(2);

  // The text output says the same, one FINDING line per finding.
  Result text = Run(logs.path());
  EXPECT_EQ(text.status, 3);
  EXPECT_NE(text.out.find("FINDING dead-file run=torn profiles=tb-rust,tb-python file=" +
                          torn_file + " offset=" + std::to_string(torn.offset(3)) + " values=3"),
            std::string::npos)
      << text.out;
  int lines = 0;
  for (size_t p = 0; (p = text.out.find("FINDING ", p)) != std::string::npos; ++p) ++lines;
  EXPECT_EQ(lines, doc["finding_count"].get<int>());
}

TEST_F(DoctorCliTest, TruncatedTailAndBadCrcAreStrictAnomaliesWithOffsets) {
  TempLogdir logs;
  FileBuilder b;
  b.Version().Scalar(0, 1, true).Scalar(1, 2);
  b.Torn(tbfault::format::ScalarEvent(3, 2, "loss", 3, false), 7);
  logs.WriteFile(".", 1, b.bytes());
  nlohmann::json doc = RunJson(logs.path(), 3);
  auto tail = Findings(doc["runs"][0], "truncated-tail");
  ASSERT_EQ(tail.size(), 1u) << doc.dump(2);
  EXPECT_EQ(tail[0]["offset"], b.offset(3));
  EXPECT_EQ(tail[0]["values"], 0);
  EXPECT_EQ(tail[0]["reasons"].size(), 3u) << tail[0].dump(2);  // tb-rust, tb-python, strict.
}

// Pointed at the wrong directory: exit 3, and where the event files are.
TEST_F(DoctorCliTest, NoEventsSaysWhereTheyAre) {
  TempLogdir logs;
  logs.WriteFile("exp1/run", 1, Clean(2));
  fs::create_directories(logs.path() + "/exp2");
  Result r = Run(logs.path() + "/exp2");
  EXPECT_EQ(r.status, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("FINDING no-events"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("event files in " + logs.path() + "/exp1/run (1 event file)"),
            std::string::npos)
      << r.out;
  nlohmann::json doc = RunJson(logs.path() + "/exp2", 3);
  ASSERT_EQ(doc["findings"].size(), 1u);
  EXPECT_EQ(doc["findings"][0]["kind"], "no-events");
  EXPECT_EQ(doc["findings"][0]["where"][0], logs.path() + "/exp1/run (1 event file)");
  EXPECT_TRUE(doc["runs"].empty());
}

}  // namespace

// --watch follows a logdir that grows while it runs: damage planted after it started is reported
// as it arises, and SIGINT ends it with the summary (exit 3: there are findings).
TEST_F(DoctorCliTest, WatchReportsDamagePlantedWhileItRunsAndStopsOnSigint) {
  TempLogdir logs;
  FileBuilder first;
  first.Version();
  for (int s = 0; s < 5; ++s) first.Scalar(s, s, s == 0);
  std::string file = logs.WriteFile("train", 1, first.bytes());
  const std::string out = dir_.path() + "/watch.out";
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c",
            (std::string("exec ") + TBFAULT_BIN + " doctor --watch --reload-ms 50 " + logs.path() +
             " >" + out + " 2>&1")
                .c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto wait_for = [&](const std::string& text) {
    for (int i = 0; i < 200; ++i) {  // up to 10 s.
      if (Slurp(out).find(text) != std::string::npos) return true;
      ::usleep(50000);
    }
    return false;
  };
  ASSERT_TRUE(wait_for("")) << "no output file";
  ::usleep(300000);  // a few clean polls first.
  EXPECT_EQ(Slurp(out).find("FINDING"), std::string::npos) << Slurp(out);
  FileBuilder more;
  more.Raw(std::string(12, '\x5a'));  // a header whose length CRC is wrong, then more records.
  more.Scalar(5, 5).Scalar(6, 6);
  std::ofstream(file, std::ios::binary | std::ios::app) << more.bytes();
  EXPECT_TRUE(wait_for("FINDING dead-file run=train")) << Slurp(out);
  ::kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 3);
  const std::string text = Slurp(out);
  EXPECT_NE(text.find("offset " + std::to_string(first.bytes().size())), std::string::npos) << text;
  EXPECT_NE(text.find("run train: 1 file; strict reads 7 values, tb-rust shows 5"),
            std::string::npos)
      << text;
  size_t dead = 0;
  for (size_t at = text.find("FINDING dead-file"); at != std::string::npos;
       at = text.find("FINDING dead-file", at + 1)) {
    ++dead;
  }
  EXPECT_EQ(dead, 2u) << text;  // as it arose, and in the summary.
}

// A run directory that cannot be read is reported by every command that lists runs, one line
// naming it, exit 2 (it was skipped: the logdir looked whole without it). Root reads any directory,
// so the commands run without the capabilities that let it (setpriv drops them).
TEST_F(DoctorCliTest, UnreadableRunDirectoryIsReportedNotSkipped) {
  TempLogdir logs;
  logs.WriteFile("train", 1, Clean(3));
  logs.WriteFile("secret", 1, Clean(3));
  const std::string secret = logs.path() + "/secret";
  fs::permissions(secret, fs::perms::none);
  std::string prefix;
  if (::geteuid() == 0) {
    prefix = "setpriv --bounding-set=-dac_override,-dac_read_search -- ";
    if (std::system((prefix + "test ! -r " + secret).c_str()) != 0) {
      fs::permissions(secret, fs::perms::owner_all);
      GTEST_SKIP() << "SKIPPED (counted): root cannot drop CAP_DAC_OVERRIDE here (setpriv)";
    }
  }
  for (std::string command : {"doctor", "doctor --json", "inspect", "series --profile strict"}) {
    Result r = RunTbfault(command + " " + logs.path(), dir_.path(), prefix);
    EXPECT_EQ(r.status, 2) << command << ": " << r.out << r.err;
    EXPECT_EQ(CountLines(r.err), 1) << command << ": " << r.err;
    EXPECT_NE(r.err.find(secret), std::string::npos) << command << ": " << r.err;
    EXPECT_NE(r.err.find("EACCES"), std::string::npos) << command << ": " << r.err;
  }
  fs::permissions(secret, fs::perms::owner_all);
}

// An event file bigger than the memory a command may use (4 GiB, sparse after valid records, with
// the data segment capped at 512 MiB by prlimit): doctor, inspect and series read it in chunks or
// mapped, never allocating from its size (inspect read it whole: bad_alloc, SIGABRT; a 64 GB file
// took all of memory). The zero-filled rest is a finding. ASan's shadow memory exceeds such a cap.
TEST_F(DoctorCliTest, SparseFileBiggerThanMemoryIsReadInBoundedMemory) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "SKIPPED (counted): under ASan the data-segment cap cannot hold its shadow";
#endif
  TempLogdir logs;
  const std::string file = logs.WriteFile("big", 1, Clean(3));
  if (::truncate(file.c_str(), 4ll << 30) != 0) {
    GTEST_SKIP() << "SKIPPED (counted): no 4 GiB sparse file here: " << std::strerror(errno);
  }
  const std::string capped = "prlimit --data=536870912 -- ";
  for (std::string command : {"doctor", "inspect", "series --profile strict"}) {
    Result r = RunTbfault(command + " " + logs.path(), dir_.path(), capped);
    EXPECT_TRUE(r.status == 0 || r.status == 3) << command << ": " << r.status << " " << r.err;
    EXPECT_TRUE(r.err.empty()) << command << ": " << r.err;
    if (command != "series --profile strict") {
      EXPECT_NE(r.out.find("zero"), std::string::npos) << command << ": " << r.out;
    }
  }
}
