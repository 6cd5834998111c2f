#include "harness/core/profile.h"

#include <gtest/gtest.h>

#include <cmath>

#include "harness/core/test_logdir.h"

namespace tbfault::core {
namespace {

using testing::DoubleScalarEvent;
using testing::FileBuilder;
using testing::TempLogdir;

// PointList keeps 12 bytes a point and the high bits in runs: every 64-bit step, offset and file
// comes back as pushed, by index, by iteration and after pops across run boundaries.
TEST(PointListTest, KeepsFullStepsOffsetsAndFilesAcrossRuns) {
  const std::vector<Point> pushed = {
      {0, 16, 0, 0.5},
      {1, 80, 0, -1.25},
      {int64_t{5} << 32, 144, 0, 3},                            // step's high bits change.
      {(int64_t{5} << 32) + 1, (uint64_t{9} << 32) | 7, 0, 4},  // offset's high bits change.
      {-3, 200, 2, 5},                                          // a negative step, another file.
      {-2, 264, 2, 6},
      {INT64_MAX, UINT64_MAX >> 24, (1u << 24) - 1, 7},
  };
  PointList list;
  for (const Point& p : pushed) list.push_back(p);
  auto same = [](const Point& a, const Point& b) {
    return a.step == b.step && a.offset == b.offset && a.file == b.file && a.number == b.number;
  };
  ASSERT_EQ(list.size(), pushed.size());
  size_t i = 0;
  for (const Point& p : list) EXPECT_TRUE(same(p, pushed[i++])) << i;
  for (size_t k = pushed.size(); k-- > 0;) EXPECT_TRUE(same(list[k], pushed[k])) << k;
  while (!list.empty()) {
    EXPECT_TRUE(same(list.back(), pushed[list.size() - 1]));
    EXPECT_EQ(list.back_step(), pushed[list.size() - 1].step);
    list.pop_back();
  }
  list.push_back(pushed[3]);
  EXPECT_TRUE(same(list[0], pushed[3]));
}

ProfileView Read(Profile p, const std::string& path) {
  ProfileView v;
  Status s = ReadProfile(p, path, &v);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return v;
}

std::vector<int64_t> Steps(const ProfileView& v, const std::string& tag,
                           const std::string& run = ".") {
  std::vector<int64_t> steps;
  auto r = v.runs.find(run);
  if (r == v.runs.end()) return steps;
  auto t = r->second.tags.find(tag);
  if (t == r->second.tags.end()) return steps;
  for (const Point& p : t->second.points) steps.push_back(p.step);
  return steps;
}

using Steps_ = std::vector<int64_t>;

TEST(ProfileTest, CleanFileShowsEverythingInEveryProfile) {
  TempLogdir dir;
  FileBuilder b;
  b.Version();
  for (int s = 0; s < 5; ++s) b.Scalar(s, 0.5f * s, s == 0);
  std::string file = dir.WriteFile(".", 1, b.bytes());
  for (Profile p : {Profile::kStrict, Profile::kTbRust, Profile::kTbPython}) {
    ProfileView v = Read(p, dir.path());
    ASSERT_EQ(Steps(v, "loss"), (Steps_{0, 1, 2, 3, 4})) << ProfileName(p);
    const Series& s = v.runs.at(".").tags.at("loss");
    EXPECT_EQ(s.kind, Kind::kScalar);
    EXPECT_EQ(s.value(3).number, 1.5);
    EXPECT_EQ(v.runs.at(".").file(s.points[3]), file);
    EXPECT_EQ(s.points[3].offset, b.offset(4));
    EXPECT_TRUE(v.runs.at(".").unreached.empty());
  }
}

// A torn record followed by more records: strict resynchronises; both TensorBoard readers stop
// there.
TEST(ProfileTest, TornRecordInTheMiddleHidesTheRestFromTensorBoard) {
  TempLogdir dir;
  FileBuilder b;
  b.Version().Scalar(0, 1, true).Scalar(1, 2);
  b.Torn(format::ScalarEvent(3, 2, "loss", 3, false), 3);
  b.Scalar(3, 4);
  std::string file = dir.WriteFile(".", 1, b.bytes());
  EXPECT_EQ(Steps(Read(Profile::kStrict, dir.path()), "loss"), (Steps_{0, 1, 3}));
  for (Profile p : {Profile::kTbRust, Profile::kTbPython}) {
    ProfileView v = Read(p, dir.path());
    EXPECT_EQ(Steps(v, "loss"), (Steps_{0, 1})) << ProfileName(p);
    std::string cf;
    uint64_t co = 0;
    std::string why = v.WhyNotShown(".", "loss", file, b.offset(4), &cf, &co);
    EXPECT_NE(why.find("bad-data-crc"), std::string::npos) << why;
    EXPECT_EQ(co, b.offset(3));
  }
  const ProfileView rust = Read(Profile::kTbRust, dir.path());
  const Unreached& u = rust.runs.at(".").unreached.at(0);
  EXPECT_EQ(u.cause, UnreachedCause::kDead);
  EXPECT_EQ(u.damage, Damage::kBadDataCrc);
  EXPECT_EQ(u.offset, b.offset(3));
}

TEST(ProfileTest, ZeroFilledHeaderKillsTheFileForTensorBoard) {
  TempLogdir dir;
  FileBuilder b;
  b.Version().Scalar(0, 1, true).Raw(std::string(64, '\0')).Scalar(1, 2);
  dir.WriteFile(".", 1, b.bytes());
  EXPECT_EQ(Steps(Read(Profile::kStrict, dir.path()), "loss"), (Steps_{0, 1}));
  ProfileView rust = Read(Profile::kTbRust, dir.path());
  EXPECT_EQ(Steps(rust, "loss"), (Steps_{0}));
  EXPECT_EQ(rust.runs.at(".").unreached.at(0).cause, UnreachedCause::kDead);
  EXPECT_EQ(rust.runs.at(".").unreached.at(0).damage, Damage::kZeroFilled);
  EXPECT_EQ(rust.runs.at(".").unreached.at(0).reason.rfind("dead: zero-filled", 0), 0u);
  EXPECT_EQ(Steps(Read(Profile::kTbPython, dir.path()), "loss"), (Steps_{0}));
}

TEST(ProfileTest, TruncatedTailIsWaitedOnByRust) {
  TempLogdir dir;
  FileBuilder b;
  b.Version().Scalar(0, 1, true).Scalar(1, 2).Torn(format::ScalarEvent(3, 2, "loss", 3, false), 10);
  dir.WriteFile(".", 1, b.bytes());
  ProfileView rust = Read(Profile::kTbRust, dir.path());
  EXPECT_EQ(Steps(rust, "loss"), (Steps_{0, 1}));
  ASSERT_EQ(rust.runs.at(".").unreached.size(), 1u);
  EXPECT_EQ(rust.runs.at(".").unreached[0].cause, UnreachedCause::kTruncated);
  EXPECT_EQ(rust.runs.at(".").unreached[0].offset, b.offset(3));
  EXPECT_EQ(Steps(Read(Profile::kTbPython, dir.path()), "loss"), (Steps_{0, 1}));
}

// A flipped bit inside the float value: the frame still parses. tb-rust shows the wrong value,
// tb-python stops the file, strict skips the record.
TEST(ProfileTest, FlippedValueBitIsShownByRustOnly) {
  TempLogdir dir;
  FileBuilder b;
  b.Version().Scalar(0, 1, true).Scalar(1, 2).Scalar(2, 3);
  std::string& bytes = b.mutable_bytes();
  // The float is the last 4 bytes before the data CRC of record 2 (a non-first scalar carries no
  // metadata, so the tensor's float_val ends the data).
  size_t end_of_data = b.offset(3) - record::kFooterSize;
  bytes[end_of_data - 1] ^= 0x01;
  dir.WriteFile(".", 1, bytes);
  ProfileView rust = Read(Profile::kTbRust, dir.path());
  ASSERT_EQ(Steps(rust, "loss"), (Steps_{0, 1, 2}));
  EXPECT_NE(rust.runs.at(".").tags.at("loss").value(1).number, 2.0);
  EXPECT_EQ(Steps(Read(Profile::kTbPython, dir.path()), "loss"), (Steps_{0}));
  EXPECT_EQ(Steps(Read(Profile::kStrict, dir.path()), "loss"), (Steps_{0, 2}));
}

TEST(ProfileTest, DoubleScalarsAreDroppedByRustOnly) {
  TempLogdir dir;
  FileBuilder b;
  b.Version().Add(DoubleScalarEvent(0, 0.25, true)).Add(DoubleScalarEvent(1, 0.5, false));
  dir.WriteFile(".", 1, b.bytes());
  ProfileView rust = Read(Profile::kTbRust, dir.path());
  EXPECT_TRUE(rust.runs.at(".").tags.empty());
  ASSERT_EQ(rust.runs.at(".").dropped.size(), 2u);
  EXPECT_EQ(rust.runs.at(".").dropped[0].cause, DropCause::kDoubleScalar);
  for (Profile p : {Profile::kStrict, Profile::kTbPython}) {
    ProfileView v = Read(p, dir.path());
    ASSERT_EQ(Steps(v, "loss"), (Steps_{0, 1})) << ProfileName(p);
    EXPECT_EQ(v.runs.at(".").tags.at("loss").value(1).number, 0.5);
  }
}

// Restart from a checkpoint at step 5, in a second file with a SessionLog.START (each session
// starts with one; the run's first only starts it).
TEST(ProfileTest, RestartWithSessionStartPurgesInBothTensorBoardProfiles) {
  TempLogdir dir;
  FileBuilder a, b;
  // The initial start (the run's first START never purges: FINDINGS.md Q1).
  a.Version().Add(format::SessionLogEvent(1.0, 0, tensorboard::SessionLog::START));
  for (int s = 0; s < 10; ++s) a.Scalar(s, s, s == 0);
  b.Version().Add(format::SessionLogEvent(2.0, 5, tensorboard::SessionLog::START));
  for (int s = 5; s < 8; ++s) b.Scalar(s, 100 + s, s == 5);
  std::string fa = dir.WriteFile(".", 1, a.bytes());
  std::string fb = dir.WriteFile(".", 2, b.bytes());
  EXPECT_EQ(Steps(Read(Profile::kStrict, dir.path()), "loss").size(), 13u);
  for (Profile p : {Profile::kTbRust, Profile::kTbPython}) {
    ProfileView v = Read(p, dir.path());
    EXPECT_EQ(Steps(v, "loss"), (Steps_{0, 1, 2, 3, 4, 5, 6, 7})) << ProfileName(p);
    std::string cf;
    uint64_t co = 0;
    std::string why = v.WhyNotShown(".", "loss", fa, a.offset(9), &cf, &co);  // step 7 of file 1.
    EXPECT_FALSE(why.empty());
    EXPECT_EQ(cf, fb);
    if (p == Profile::kTbPython) {
      EXPECT_NE(why.find("SessionLog.START"), std::string::npos) << why;
      EXPECT_EQ(co, b.offset(1));
    } else {
      EXPECT_NE(why.find("evicted"), std::string::npos) << why;
      EXPECT_EQ(co, b.offset(2));  // the value at step 5 of file 2.
    }
  }
}

// The run's first SessionLog.START is the initial start and never purges, whatever its step and
// file (tb-python's _seen_session_start; FINDINGS.md Q1: a restart's START after a first process
// that wrote none purges nothing). The next one purges. tb-rust ignores session_log.
TEST(ProfileTest, TheFirstSessionStartOfARunNeverPurgesInPython) {
  TempLogdir dir;
  FileBuilder a, b;
  a.Version();
  for (int s = 0; s < 6; ++s) a.Scalar(s, s, s == 0).Scalar(s, s, s == 0, "acc");
  b.Version().Add(format::SessionLogEvent(2.0, 3, tensorboard::SessionLog::START));
  b.Scalar(3, 103).Scalar(4, 104);
  dir.WriteFile(".", 1, a.bytes());
  std::string fb = dir.WriteFile(".", 2, b.bytes());
  ProfileView py = Read(Profile::kTbPython, dir.path());
  EXPECT_EQ(Steps(py, "loss"), (Steps_{0, 1, 2, 3, 4, 5, 3, 4}));
  EXPECT_EQ(Steps(py, "acc"), (Steps_{0, 1, 2, 3, 4, 5}));
  EXPECT_TRUE(py.runs.at(".").dropped.empty());
  // A second START (here at step 0, in a third file) purges everything before it.
  FileBuilder c;
  c.Version().Add(format::SessionLogEvent(3.0, 0, tensorboard::SessionLog::START)).Scalar(1, 7);
  dir.WriteFile(".", 3, c.bytes());
  py = Read(Profile::kTbPython, dir.path());
  EXPECT_EQ(Steps(py, "loss"), (Steps_{1}));
  EXPECT_TRUE(py.runs.at(".").tags.at("acc").points.empty());  // listed, with no points.
  EXPECT_EQ(py.runs.at(".").dropped.size(), 14u);              // 8 of loss, 6 of acc.
  EXPECT_EQ(Steps(Read(Profile::kTbRust, dir.path()), "acc"), (Steps_{0, 1, 2, 3, 4, 5}));
  (void)fb;
}

// The run's first SessionLog.START only starts it: a lone START in mid-stream purges nothing in
// tb-python (measured, FINDINGS.md D2); tb-rust evicts by the steps alone.
TEST(ProfileTest, TheFirstSessionStartDoesNotPurgeInPython) {
  TempLogdir dir;
  FileBuilder a;
  a.Version();
  for (int s = 0; s < 4; ++s) a.Scalar(s, s, s == 0);
  a.Add(format::SessionLogEvent(2.0, 2, tensorboard::SessionLog::START)).Scalar(2, 20);
  dir.WriteFile(".", 1, a.bytes());
  EXPECT_EQ(Steps(Read(Profile::kTbPython, dir.path()), "loss"), (Steps_{0, 1, 2, 3, 2}));
  EXPECT_EQ(Steps(Read(Profile::kTbRust, dir.path()), "loss"), (Steps_{0, 1, 2}));
  a.Add(format::SessionLogEvent(3.0, 1, tensorboard::SessionLog::START)).Scalar(1, 10);
  dir.WriteFile(".", 1, a.bytes());  // the second START purges.
  EXPECT_EQ(Steps(Read(Profile::kTbPython, dir.path()), "loss"), (Steps_{0, 1}));
}

// Restart without SessionLog.START: with a file_version, tb-python does not purge (steps repeat);
// tb-rust evicts per tag.
TEST(ProfileTest, RestartWithoutSessionStart) {
  TempLogdir dir;
  FileBuilder a;
  a.Version();
  for (int s = 0; s < 4; ++s) a.Scalar(s, s, s == 0);
  a.Scalar(2, 20);
  dir.WriteFile(".", 1, a.bytes());
  EXPECT_EQ(Steps(Read(Profile::kTbRust, dir.path()), "loss"), (Steps_{0, 1, 2}));
  EXPECT_EQ(Steps(Read(Profile::kTbPython, dir.path()), "loss"), (Steps_{0, 1, 2, 3, 2}));
}

// Without a file_version event (a common C++ logger), a step regression purges that tag.
TEST(ProfileTest, StepRegressionWithoutFileVersionPurgesThatTagInPython) {
  TempLogdir dir;
  FileBuilder a;
  for (int s = 0; s < 4; ++s) a.Scalar(s, s, s == 0);
  a.Scalar(2, 20).Scalar(3, 2, true, "acc");
  dir.WriteFile(".", 1, a.bytes());
  ProfileView py = Read(Profile::kTbPython, dir.path());
  EXPECT_EQ(Steps(py, "loss"), (Steps_{0, 1, 2}));
  EXPECT_EQ(py.runs.at(".").tags.at("loss").value(2).number, 20);
  EXPECT_EQ(py.runs.at(".").dropped.at(0).cause, DropCause::kPurgedByRegression);
}

// The purging event itself becomes the most recent step, so when two tags regress together
// (one event each) only the first is purged; the second keeps its old steps beside the new ones
// (measured with real TensorBoard on the suite's no-file-version restart).
TEST(ProfileTest, StepRegressionPurgesOnlyTheFirstRegressingEventsTagsInPython) {
  TempLogdir dir;
  FileBuilder a;
  for (int s = 0; s < 4; ++s) a.Scalar(s, s, s == 0).Scalar(s, s, s == 0, "acc");
  for (int s = 2; s < 4; ++s) a.Scalar(s, 10 * s).Scalar(s, 10 * s, false, "acc");
  dir.WriteFile(".", 1, a.bytes());
  ProfileView py = Read(Profile::kTbPython, dir.path());
  EXPECT_EQ(Steps(py, "loss"), (Steps_{0, 1, 2, 3}));
  EXPECT_EQ(py.runs.at(".").tags.at("loss").value(2).number, 20);
  EXPECT_EQ(Steps(py, "acc"), (Steps_{0, 1, 2, 3, 2, 3}));
}

// A tag first seen in an event whose step is below the most recent one (no file_version): the
// regression purges nothing and must not make the tag look metadata-less (conformance probe).
TEST(ProfileTest, NewTagBelowTheMostRecentStepIsShownByPython) {
  TempLogdir dir;
  FileBuilder a;
  for (int s = 0; s < 4; ++s) a.Scalar(s, s, s == 0);
  for (int s = 0; s < 4; ++s) a.Scalar(s, s, s == 0, "acc");
  dir.WriteFile(".", 1, a.bytes());
  EXPECT_EQ(Steps(Read(Profile::kTbPython, dir.path()), "acc"), (Steps_{0, 1, 2, 3}));
}

// tb-python's image reader keeps the first image of each step, sorted by step.
TEST(ProfileTest, PythonImagesKeepTheFirstOfEachStep) {
  TempLogdir dir;
  FileBuilder a;
  std::vector<uint8_t> pixels(3 * 3 * 3, 7);
  a.Version();
  const int steps[] = {0, 1, 2, 1};
  for (int i = 0; i < 4; ++i) {
    int height = i == 3 ? 1 : 3, width = i == 3 ? 9 : 3;  // the repeated step 1 is 9x1.
    tensorboard::Event e;
    ASSERT_TRUE(format::ImageEvent(1, steps[i], "img", pixels, height, width, 3, i == 0, &e).ok());
    a.Add(e);
  }
  dir.WriteFile(".", 1, a.bytes());
  ProfileView py = Read(Profile::kTbPython, dir.path());
  ASSERT_EQ(Steps(py, "img"), (Steps_{0, 1, 2}));
  EXPECT_EQ(ValueToString(py.runs.at(".").tags.at("img").value(1)), "3x3");
  EXPECT_EQ(Steps(Read(Profile::kTbRust, dir.path()), "img"), (Steps_{0, 1}));
}

// tb-python never goes back to a file once a newer one exists: damage in an older file abandons the
// rest of it even when tb-rust reads past it (a flipped bit that parses).
TEST(ProfileTest, OlderFileAbandonedByPython) {
  TempLogdir dir;
  FileBuilder a, b;
  a.Version().Scalar(0, 1, true).Scalar(1, 2).Scalar(2, 3);
  a.mutable_bytes()[a.offset(3) - record::kFooterSize - 1] ^= 0x01;
  b.Version().Scalar(3, 4);
  std::string fa = dir.WriteFile(".", 1, a.bytes());
  std::string fb = dir.WriteFile(".", 2, b.bytes());
  ProfileView py = Read(Profile::kTbPython, dir.path());
  EXPECT_EQ(Steps(py, "loss"), (Steps_{0, 3}));
  ASSERT_EQ(py.runs.at(".").unreached.size(), 1u);
  EXPECT_EQ(py.runs.at(".").unreached[0].cause, UnreachedCause::kAbandoned);
  EXPECT_NE(py.runs.at(".").unreached[0].reason.find(fb), std::string::npos);
  EXPECT_EQ(Steps(Read(Profile::kTbRust, dir.path()), "loss"), (Steps_{0, 1, 2, 3}));
}

// A tag whose first value is a tensor without plugin metadata.
TEST(ProfileTest, FirstValueWithoutMetadata) {
  TempLogdir dir;
  FileBuilder a;
  a.Version().Scalar(0, 1, false).Scalar(1, 2, true).Scalar(2, 3, false);
  dir.WriteFile(".", 1, a.bytes());
  ProfileView rust = Read(Profile::kTbRust, dir.path());
  EXPECT_TRUE(rust.runs.at(".").tags.empty());
  EXPECT_EQ(rust.runs.at(".").dropped.at(0).cause, DropCause::kNoMetadata);
  // Measured (harness/conformance/FINDINGS.md M1): tb-python hides the whole tag too.
  ProfileView py = Read(Profile::kTbPython, dir.path());
  EXPECT_TRUE(py.runs.at(".").tags.empty());
  EXPECT_EQ(py.runs.at(".").dropped.at(0).cause, DropCause::kNoMetadata);
  EXPECT_EQ(Steps(Read(Profile::kStrict, dir.path()), "loss"), (Steps_{0, 1, 2}));
}

TEST(ProfileTest, AllAtStepZeroKeepsOnePointInRust) {
  TempLogdir dir;
  FileBuilder a;
  a.Version();
  for (int i = 0; i < 4; ++i) a.Scalar(0, i, i == 0);
  dir.WriteFile(".", 1, a.bytes());
  ProfileView rust = Read(Profile::kTbRust, dir.path());
  ASSERT_EQ(Steps(rust, "loss"), (Steps_{0}));
  EXPECT_EQ(rust.runs.at(".").tags.at("loss").value(0).number, 3);
  EXPECT_EQ(Steps(Read(Profile::kTbPython, dir.path()), "loss").size(), 4u);
}

TEST(ProfileTest, KindsModernAndLegacy) {
  TempLogdir dir;
  FileBuilder a;
  std::vector<double> values = {1, 2, 2, 3, 7};
  std::vector<uint8_t> pixels(4 * 3 * 3, 128);
  tensorboard::Event image;
  ASSERT_TRUE(format::ImageEvent(1, 0, "img", pixels, 4, 3, 3, true, &image).ok());
  a.Version()
      .Add(format::HistogramEvent(1, 0, "h", values, true))
      .Add(format::LegacyHistogramEvent(1, 0, "lh", values))
      .Add(format::LegacyScalarEvent(1, 0, "ls", 0.75f))
      .Add(format::TextEvent(1, 0, "t", "hello", true))
      .Add(image);
  dir.WriteFile("run1", 1, a.bytes());
  for (Profile p : {Profile::kStrict, Profile::kTbRust, Profile::kTbPython}) {
    ProfileView v = Read(p, dir.path());
    const auto& tags = v.runs.at("run1").tags;
    ASSERT_EQ(tags.size(), 5u) << ProfileName(p);
    EXPECT_EQ(tags.at("h").kind, Kind::kHistogram);
    EXPECT_EQ(tags.at("h").value(0).number, 5);
    EXPECT_EQ(tags.at("lh").value(0).number, 5);
    EXPECT_EQ(tags.at("ls").value(0).number, 0.75);
    EXPECT_EQ(tags.at("t").value(0).text, "hello");
    EXPECT_EQ(ValueToString(tags.at("img").value(0)), "3x4");
  }
}

TEST(ProfileTest, MissingPathIsAnError) {
  ProfileView v;
  Status s = ReadProfile(Profile::kTbRust, "/nonexistent/tbfault", &v);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("/nonexistent/tbfault"), std::string::npos);
}

}  // namespace
}  // namespace tbfault::core
