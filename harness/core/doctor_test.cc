#include "harness/core/doctor.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "format/record.h"
#include "harness/core/doctor_test_util.h"
#include "harness/core/test_logdir.h"

namespace tbfault::core {
namespace {

using testing::Diagnose;
using testing::DoubleScalarEvent;
using testing::Dump;
using testing::FileBuilder;
using testing::HasReason;
using testing::OfKind;
using testing::TempLogdir;
using Profiles = std::vector<Profile>;
using Tags = std::set<std::string>;

TEST(DoctorTest, CleanLogdirHasNoFindings) {
  TempLogdir dir;
  for (const char* run : {"a", "b"}) {
    FileBuilder b;
    b.Version();
    for (int s = 0; s < 5; ++s) b.Scalar(s, s, s == 0);
    dir.WriteFile(run, 1, b.bytes());
  }
  Diagnosis d = Diagnose(dir.path());
  EXPECT_EQ(d.finding_count(), 0u) << Dump(d);
  ASSERT_EQ(d.runs.size(), 2u);
  EXPECT_EQ(d.runs[1].run, "b");
  EXPECT_EQ(d.runs[1].strict_values, 5u);
  EXPECT_EQ(d.runs[1].rust_values, 5u);
  EXPECT_EQ(d.runs[1].python_values, 5u);
}

// A torn record with intact records after it: both TensorBoard readers stop there.
TEST(DoctorTest, BadRecordHidesTheRestOfTheFile) {
  TempLogdir dir;
  FileBuilder b;
  b.Version().Scalar(0, 1, true).Scalar(1, 2);
  b.Torn(format::ScalarEvent(3, 2, "loss", 3, false), 3);
  b.Scalar(3, 4).Scalar(4, 5).Scalar(5, 6, true, "acc");
  std::string file = dir.WriteFile(".", 1, b.bytes());
  Diagnosis d = Diagnose(dir.path());
  ASSERT_EQ(d.runs.size(), 1u);
  const RunDiagnosis& run = d.runs[0];
  EXPECT_EQ(run.strict_values, 5u);
  EXPECT_EQ(run.rust_values, 2u);
  ASSERT_EQ(run.findings.size(), 1u) << Dump(d);
  const Finding& f = run.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kDeadFile);
  EXPECT_EQ(f.profiles, (Profiles{Profile::kTbRust, Profile::kTbPython}));
  EXPECT_EQ(f.file, file);
  EXPECT_EQ(f.offset, b.offset(3));
  EXPECT_EQ(f.values, 3u);
  EXPECT_EQ(f.tags, (Tags{"acc", "loss"}));
  EXPECT_TRUE(HasReason(f, "strict: bad-data-crc at offset " + std::to_string(b.offset(3))))
      << Dump(d);
  EXPECT_NE(f.summary.find("3 values after a bad record at offset"), std::string::npos);
}

TEST(DoctorTest, ZeroFilledRegionKillsTheFile) {
  TempLogdir dir;
  FileBuilder b;
  b.Version().Scalar(0, 1, true);
  const uint64_t zeros_at = b.bytes().size();
  b.Raw(std::string(64, '\0')).Scalar(1, 2).Scalar(2, 3);
  dir.WriteFile(".", 1, b.bytes());
  Diagnosis d = Diagnose(dir.path());
  std::vector<Finding> dead = OfKind(d.runs.at(0), FindingKind::kDeadFile);
  ASSERT_EQ(dead.size(), 1u) << Dump(d);
  EXPECT_EQ(dead[0].offset, zeros_at);
  EXPECT_EQ(dead[0].values, 2u);
  EXPECT_TRUE(HasReason(dead[0], "strict: zero-filled at offset " + std::to_string(zeros_at)));
  EXPECT_TRUE(HasReason(dead[0], "tb-rust: dead: zero-filled"));
  EXPECT_EQ(d.finding_count(), 1u) << Dump(d);
}

TEST(DoctorTest, TruncatedTail) {
  TempLogdir dir;
  FileBuilder b;
  b.Version().Scalar(0, 1, true).Scalar(1, 2).Torn(format::ScalarEvent(3, 2, "loss", 3, false), 10);
  dir.WriteFile(".", 1, b.bytes());
  Diagnosis d = Diagnose(dir.path());
  ASSERT_EQ(d.finding_count(), 1u) << Dump(d);
  const Finding& f = d.runs[0].findings[0];
  EXPECT_EQ(f.kind, FindingKind::kTruncatedTail);
  EXPECT_EQ(f.profiles, (Profiles{Profile::kTbRust, Profile::kTbPython}));
  EXPECT_EQ(f.offset, b.offset(3));
  EXPECT_EQ(f.values, 0u);
  EXPECT_TRUE(HasReason(f, "strict: truncated at offset " + std::to_string(b.offset(3))));
}

// A flipped bit that still parses: tb-rust reads past it (with a wrong value), tb-python abandons
// the rest of the older file once a newer one exists.
TEST(DoctorTest, OlderFileAbandonedByPython) {
  TempLogdir dir;
  FileBuilder a, b;
  a.Version().Scalar(0, 1, true).Scalar(1, 2).Scalar(2, 3).Scalar(3, 4).Scalar(4, 5);
  a.mutable_bytes()[a.offset(4) - record::kFooterSize - 1] ^= 0x01;  // record 3: step 2.
  b.Version().Scalar(5, 6);
  std::string fa = dir.WriteFile(".", 1, a.bytes());
  dir.WriteFile(".", 2, b.bytes());
  Diagnosis d = Diagnose(dir.path());
  const RunDiagnosis& run = d.runs.at(0);
  ASSERT_EQ(run.findings.size(), 1u) << Dump(d);
  const Finding& f = run.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kAbandonedFile);
  EXPECT_EQ(f.profiles, (Profiles{Profile::kTbPython}));
  EXPECT_EQ(f.file, fa);
  EXPECT_EQ(f.offset, a.offset(3));
  EXPECT_EQ(f.values, 2u);  // steps 3 and 4; strict cannot read step 2 either.
  EXPECT_TRUE(HasReason(f, "strict: bad-data-crc")) << Dump(d);
  EXPECT_TRUE(HasReason(f, "tb-rust: record in " + fa)) << Dump(d);  // shown with a wrong value.
  EXPECT_EQ(run.python_values, 3u);
}

// A restart from a checkpoint at step 5 in a new file with a SessionLog.START (each session starts
// with one; the run's first only starts it).
TEST(DoctorTest, RestartPurgesAndEvicts) {
  testing::RestartLogdir r(5);
  const FileBuilder& b = r.b;
  const std::string& fb = r.fb;
  Diagnosis d = Diagnose(r.dir.path());
  std::vector<Finding> purges = OfKind(d.runs.at(0), FindingKind::kRestartPurge);
  ASSERT_EQ(purges.size(), 2u) << Dump(d);
  EXPECT_EQ(d.finding_count(), 2u) << Dump(d);
  for (const Finding& f : purges) {
    EXPECT_EQ(f.file, fb);
    EXPECT_EQ(f.values, 5u);  // steps 5..9 of the first file.
    EXPECT_EQ(f.profiles.size(), 1u);
    if (f.profiles[0] == Profile::kTbPython) {
      EXPECT_EQ(f.offset, b.offset(1));  // the SessionLog.START.
      EXPECT_TRUE(HasReason(f, "tb-python: purged by SessionLog.START at step 5"));
      for (const std::string& r : f.reasons) EXPECT_EQ(r.find("step below"), std::string::npos);
    } else {
      EXPECT_EQ(f.offset, b.offset(2));  // the value at step 5.
      EXPECT_TRUE(HasReason(f, "tb-rust: evicted"));
    }
  }
}

// Without a file_version, a step regression purges in tb-python and evicts in tb-rust: the same
// values, for the same record, so one finding names both. Inside one file with no SessionLog.START
// it is two step counters feeding one tag, not a restart.
TEST(DoctorTest, StepRegressionWithoutFileVersionIsOneFindingForBoth) {
  TempLogdir dir;
  FileBuilder a;
  for (int s = 0; s < 6; ++s) a.Scalar(s, s, s == 0);
  a.Scalar(3, 30);
  dir.WriteFile(".", 1, a.bytes());
  Diagnosis d = Diagnose(dir.path());
  ASSERT_EQ(d.finding_count(), 1u) << Dump(d);
  const Finding& f = d.runs[0].findings[0];
  EXPECT_EQ(f.kind, FindingKind::kMixedSteps);
  EXPECT_EQ(f.profiles, (Profiles{Profile::kTbRust, Profile::kTbPython}));
  EXPECT_EQ(f.offset, a.offset(6));
  EXPECT_EQ(f.values, 3u);  // steps 3, 4, 5.
  EXPECT_NE(f.summary.find("two step counters"), std::string::npos) << f.summary;
}

// Train and validation values of one tag on their own counters, in one file with file_version:
// tb-rust evicts (tb-python keeps both, in load order): mixed step counters, said so; the same
// regression at a new file (a resumed writer) is a restart.
TEST(DoctorTest, MixedStepCountersAreNotARestart) {
  TempLogdir dir;
  FileBuilder a;
  a.Version();
  for (int s = 0; s < 6; ++s) a.Scalar(s * 100, s, s == 0);  // global step 0..500
  a.Scalar(2, 9);                                            // an epoch counter: step 2
  dir.WriteFile("mixed", 1, a.bytes());
  FileBuilder b, c;
  b.Version();
  for (int s = 0; s < 6; ++s) b.Scalar(s * 100, s, s == 0);
  c.Version().Scalar(200, 9, true);  // resumed from the step-200 checkpoint, in a new file
  dir.WriteFile("resumed", 1, b.bytes());
  dir.WriteFile("resumed", 2, c.bytes());
  Diagnosis d = Diagnose(dir.path());
  ASSERT_EQ(d.runs.size(), 2u);
  std::vector<Finding> mixed = OfKind(d.runs[0], FindingKind::kMixedSteps);
  ASSERT_EQ(mixed.size(), 1u) << Dump(d);
  EXPECT_EQ(mixed[0].profiles, Profiles{Profile::kTbRust});
  EXPECT_EQ(mixed[0].values, 5u);  // steps 100..500 evicted by the value at step 2.
  EXPECT_TRUE(OfKind(d.runs[0], FindingKind::kRestartPurge).empty());
  ASSERT_EQ(OfKind(d.runs[1], FindingKind::kRestartPurge).size(), 1u) << Dump(d);
  EXPECT_TRUE(OfKind(d.runs[1], FindingKind::kMixedSteps).empty());
}

TEST(DoctorTest, DoubleScalarsDroppedByRust) {
  TempLogdir dir;
  FileBuilder b;
  b.Version();
  for (int s = 0; s < 3; ++s) b.Add(DoubleScalarEvent(s, 0.5 * s, s == 0));
  dir.WriteFile(".", 1, b.bytes());
  Diagnosis d = Diagnose(dir.path());
  ASSERT_EQ(d.finding_count(), 1u) << Dump(d);
  const Finding& f = d.runs[0].findings[0];
  EXPECT_EQ(f.kind, FindingKind::kDoubleScalar);
  EXPECT_EQ(f.profiles, (Profiles{Profile::kTbRust}));
  EXPECT_EQ(f.offset, b.offset(1));
  EXPECT_EQ(f.values, 3u);
  EXPECT_EQ(f.tags, (Tags{"loss"}));
}

TEST(DoctorTest, MetadataMissingOnTheFirstValue) {
  TempLogdir dir;
  FileBuilder b;
  b.Version().Scalar(0, 1, false).Scalar(1, 2, true).Scalar(2, 3, false);
  b.Scalar(0, 1, true, "acc");
  dir.WriteFile(".", 1, b.bytes());
  Diagnosis d = Diagnose(dir.path());
  ASSERT_EQ(d.finding_count(), 1u) << Dump(d);
  const Finding& f = d.runs[0].findings[0];
  EXPECT_EQ(f.kind, FindingKind::kMissingMetadata);
  EXPECT_EQ(f.profiles, (Profiles{Profile::kTbRust, Profile::kTbPython}));
  EXPECT_EQ(f.offset, b.offset(1));
  EXPECT_EQ(f.values, 3u);
  EXPECT_EQ(f.tags, (Tags{"loss"}));
}

// Damage that no TensorBoard reader gets to (it is behind a dead point) is still reported.
TEST(DoctorTest, DamageBehindADeadPointIsReportedByStrict) {
  TempLogdir dir;
  FileBuilder b;
  b.Version().Scalar(0, 1, true);
  b.Torn(format::ScalarEvent(2, 1, "loss", 2, false), 3).Scalar(2, 3);
  b.Torn(format::ScalarEvent(3, 3, "loss", 4, false), 3).Scalar(4, 5);
  dir.WriteFile(".", 1, b.bytes());
  Diagnosis d = Diagnose(dir.path());
  const RunDiagnosis& run = d.runs.at(0);
  ASSERT_EQ(run.findings.size(), 2u) << Dump(d);
  EXPECT_EQ(run.findings[0].kind, FindingKind::kDeadFile);
  EXPECT_EQ(run.findings[0].offset, b.offset(2));
  EXPECT_EQ(run.findings[0].values, 2u);
  EXPECT_EQ(run.findings[1].kind, FindingKind::kDamagedRecord);
  EXPECT_EQ(run.findings[1].profiles, (Profiles{Profile::kStrict}));
  EXPECT_EQ(run.findings[1].offset, b.offset(4));
}

// Pointed at a directory below a run (e.g. its plugins/ folder): nothing there, events one up.
TEST(DoctorTest, NoEventsNamesTheParentThatHasThem) {
  TempLogdir dir;
  FileBuilder b;
  b.Version().Scalar(0, 1, true);
  dir.WriteFile("run", 1, b.bytes());
  std::string empty = dir.path() + "/run/plugins";
  std::filesystem::create_directories(empty);
  Diagnosis d = Diagnose(empty);
  EXPECT_TRUE(d.runs.empty());
  ASSERT_EQ(d.findings.size(), 1u) << Dump(d);
  EXPECT_EQ(d.findings[0].kind, FindingKind::kNoEvents);
  ASSERT_EQ(d.findings[0].where.size(), 1u);
  EXPECT_EQ(d.findings[0].where[0], dir.path() + "/run (1 event file)");
  EXPECT_NE(d.findings[0].summary.find(dir.path() + "/run (1 event file)"), std::string::npos);
}

// Pointed at the wrong experiment: the runs are in a sibling directory.
TEST(DoctorTest, NoEventsNamesASiblingThatHasThem) {
  TempLogdir dir;
  FileBuilder b;
  b.Version().Scalar(0, 1, true);
  dir.WriteFile("exp1/run1", 1, b.bytes());
  dir.WriteFile("exp1/run2", 1, b.bytes());
  std::filesystem::create_directories(dir.path() + "/exp2");
  Diagnosis d = Diagnose(dir.path() + "/exp2/");
  ASSERT_EQ(d.findings.size(), 1u) << Dump(d);
  EXPECT_EQ(d.findings[0].where,
            (std::vector<std::string>{dir.path() + "/exp1/run1 (1 event file)",
                                      dir.path() + "/exp1/run2 (1 event file)"}));
}

// Event files that hold no value (a writer that never flushed): said as such, and the runs'
// own directories are not offered as where to look.
TEST(DoctorTest, EmptyEventFilesAreNoEvents) {
  TempLogdir dir;
  dir.WriteFile("run", 1, "");
  Diagnosis d = Diagnose(dir.path());
  ASSERT_EQ(d.findings.size(), 1u) << Dump(d);
  EXPECT_EQ(d.findings[0].kind, FindingKind::kNoEvents);
  EXPECT_NE(d.findings[0].summary.find("1 event file but none holds a readable value"),
            std::string::npos)
      << d.findings[0].summary;
  for (const std::string& w : d.findings[0].where) {
    EXPECT_EQ(w.find(dir.path() + "/run "), std::string::npos) << w;
  }
}

// One run among others holds nothing: a finding of that run.
TEST(DoctorTest, RunWithoutValuesAmongOthers) {
  TempLogdir dir;
  FileBuilder b, v;
  b.Version().Scalar(0, 1, true);
  v.Version();
  dir.WriteFile("good", 1, b.bytes());
  dir.WriteFile("started", 1, v.bytes());
  Diagnosis d = Diagnose(dir.path());
  EXPECT_TRUE(d.findings.empty()) << Dump(d);
  ASSERT_EQ(d.runs.size(), 2u);
  EXPECT_TRUE(d.runs[0].findings.empty());
  ASSERT_EQ(d.runs[1].findings.size(), 1u);
  EXPECT_EQ(d.runs[1].findings[0].kind, FindingKind::kNoEvents);
  EXPECT_NE(d.runs[1].findings[0].summary.find("1 event file"), std::string::npos);
}

// Event files reached only through a symbolic link: a run, as in TensorBoard (FINDINGS.md L1);
// until links were followed this was a no-events finding pointing at the link.
TEST(DoctorTest, EventFilesBehindASymlinkAreARun) {
  TempLogdir dir, elsewhere;
  FileBuilder b;
  b.Version().Scalar(0, 1, true);
  elsewhere.WriteFile("run", 1, b.bytes());
  std::filesystem::create_directories(dir.path() + "/logs");
  std::filesystem::create_directory_symlink(elsewhere.path() + "/run", dir.path() + "/logs/run");
  Diagnosis d = Diagnose(dir.path() + "/logs");
  EXPECT_TRUE(d.findings.empty()) << Dump(d);
  ASSERT_EQ(d.runs.size(), 1u);
  EXPECT_EQ(d.runs[0].run, "run");
  EXPECT_EQ(d.runs[0].strict_values, 1u);
}

// Pointed at a file TensorBoard would not read by its name: said, and the file read anyway.
TEST(DoctorTest, FileWithoutTfeventsInItsName) {
  TempLogdir dir;
  FileBuilder b;
  b.Version().Scalar(0, 1, true);
  std::string file = dir.path() + "/events.bak";
  std::ofstream(file, std::ios::binary) << b.bytes();
  Diagnosis d = Diagnose(file);
  ASSERT_EQ(d.findings.size(), 1u) << Dump(d);
  EXPECT_EQ(d.findings[0].kind, FindingKind::kNotEventFile);
  EXPECT_EQ(d.findings[0].file, file);
  ASSERT_EQ(d.runs.size(), 1u);
  EXPECT_EQ(d.runs[0].strict_values, 1u);
}

// A run reached through a symbolic link is diagnosed; a link cycle is said (FINDINGS.md L1, L2).
TEST(DoctorTest, LinkedRunsAreReadAndACycleIsSaid) {
  TempLogdir dir, elsewhere;
  FileBuilder b;
  b.Version().Scalar(0, 1, true).Scalar(1, 2);
  elsewhere.WriteFile("run", 0, b.bytes());
  dir.WriteFile("real", 0, b.bytes());
  std::filesystem::create_directory_symlink(elsewhere.path() + "/run", dir.path() + "/linked");
  std::filesystem::create_directory_symlink("..", dir.path() + "/real/loop");
  Diagnosis d = Diagnose(dir.path());
  ASSERT_EQ(d.runs.size(), 2u) << Dump(d);
  EXPECT_EQ(d.runs[0].run, "linked");
  EXPECT_EQ(d.runs[0].strict_values, 2u);
  ASSERT_EQ(d.findings.size(), 1u) << Dump(d);
  EXPECT_EQ(d.findings[0].kind, FindingKind::kSymlinkCycle);
  EXPECT_EQ(d.findings[0].file, dir.path() + "/real/loop");
  EXPECT_NE(d.findings[0].summary.find("about 40 times"), std::string::npos);
}

// A value of a plugin no profile models: said, per plugin, not dropped without a word.
tensorboard::Event PluginEvent(int64_t step, const std::string& tag, const std::string& plugin,
                               bool first) {
  tensorboard::Event e;
  e.set_wall_time(1.0 + step);
  e.set_step(step);
  auto* v = e.mutable_summary()->add_value();
  v->set_tag(tag);
  v->mutable_tensor()->set_dtype(tensorboard::DT_STRING);
  v->mutable_tensor()->add_string_val("x");
  if (first) v->mutable_metadata()->mutable_plugin_data()->set_plugin_name(plugin);
  return e;
}

TEST(DoctorTest, PluginsNotModelledAreSaid) {
  TempLogdir dir;
  FileBuilder b;
  b.Version().Scalar(0, 1, true);
  b.Add(PluginEvent(0, "_hparams_/session_start_info", "hparams", true));
  b.Add(PluginEvent(0, "pr/curve", "pr_curves", true)).Add(PluginEvent(1, "pr/curve", "", false));
  dir.WriteFile("run", 0, b.bytes());
  Diagnosis d = Diagnose(dir.path());
  ASSERT_EQ(d.runs.size(), 1u);
  std::vector<Finding> f = OfKind(d.runs[0], FindingKind::kNotModelled);
  ASSERT_EQ(f.size(), 2u) << Dump(d);
  EXPECT_EQ(f[0].plugin, "hparams");
  EXPECT_EQ(f[0].values, 1u);
  EXPECT_EQ(f[0].offset, b.offset(2));
  EXPECT_NE(f[0].summary.find("values of plugin hparams: not modelled"), std::string::npos);
  EXPECT_EQ(f[1].plugin, "pr_curves");
  EXPECT_EQ(f[1].values, 2u);
  EXPECT_EQ(f[1].tags, Tags{"pr/curve"});
  EXPECT_TRUE(f[1].profiles.empty());  // nothing is hidden: the model just stops there.
}

// FINDINGS.md P1 logdir-wide: one invalid proto in one run hides every other run from tb-python.
TEST(DoctorTest, AnInvalidProtoHidesEveryOtherRunFromThePythonLoader) {
  TempLogdir dir;
  FileBuilder good, bad;
  good.Version().Scalar(0, 1, true).Scalar(1, 2);
  bad.Version().Scalar(0, 1, true);
  std::string junk = "\xff\xff\xff";  // field 31, wire type 7: no Event, framed with right CRCs.
  record::AppendFrame(&bad.mutable_bytes(), junk);
  bad.Scalar(2, 3);
  dir.WriteFile("a", 0, good.bytes());
  dir.WriteFile("b", 0, bad.bytes());
  dir.WriteFile("c", 0, good.bytes());
  Diagnosis d = Diagnose(dir.path());
  ASSERT_EQ(d.findings.size(), 1u) << Dump(d);
  const Finding& f = d.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kReloadThreadDies);
  EXPECT_EQ(f.profiles, Profiles{Profile::kTbPython});
  EXPECT_EQ(f.runs, (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(f.values, 4u);
  EXPECT_NE(f.summary.find("in run b"), std::string::npos) << f.summary;
  // Without the invalid record, no such finding.
  TempLogdir clean;
  clean.WriteFile("a", 0, good.bytes());
  clean.WriteFile("b", 0, good.bytes());
  EXPECT_TRUE(Diagnose(clean.path()).findings.empty());
}

// More points than a chart keeps (FINDINGS.md D1): said per tag, with the counts per loader.
TEST(DoctorTest, LongSeriesAreDownsampled) {
  TempLogdir dir;
  FileBuilder b;
  b.Version();
  for (int s = 0; s < 1200; ++s) b.Scalar(s, s, s == 0);
  for (int s = 0; s < 150; ++s) b.Add(format::TextEvent(1.0, s, "note", "t", s == 0));
  dir.WriteFile(".", 1, b.bytes());
  Diagnosis d = Diagnose(dir.path());
  std::vector<Finding> f = OfKind(d.runs.at(0), FindingKind::kDownsampled);
  ASSERT_EQ(f.size(), 3u) << Dump(d);
  EXPECT_EQ(d.runs[0].findings.size(), 3u) << Dump(d);  // nothing else: nothing is lost.
  const Finding* loss = nullptr;
  for (const Finding& x : f) {
    if (x.tags.count("loss")) loss = &x;
  }
  ASSERT_NE(loss, nullptr);
  EXPECT_EQ(loss->profiles, (Profiles{Profile::kTbRust, Profile::kTbPython}));
  EXPECT_EQ(loss->values, 200u);
  EXPECT_NE(loss->summary.find("1000 of 1200 points of scalars tag loss shown"), std::string::npos)
      << loss->summary;
  EXPECT_NE(loss->summary.find("--samples_per_plugin scalars=1200"), std::string::npos);
  std::string texts;
  for (const Finding& x : f) {
    if (x.tags.count("note")) texts += x.summary.substr(0, x.summary.find(" points")) + ";";
  }
  EXPECT_EQ(texts, "100 of 150;10 of 150;");  // tb-rust keeps 100 texts, tb-python 10.
}

TEST(DoctorTest, MissingPathIsAnError) {
  Diagnosis d;
  Status s = core::Diagnose("/nonexistent/tbfault-doctor", &d);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("/nonexistent/tbfault-doctor"), std::string::npos);
}

}  // namespace
}  // namespace tbfault::core
