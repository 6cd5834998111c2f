// The doctor's words for the two restart and length mutants of issue 17 (FINDINGS.md O2, Q1).
#include <gtest/gtest.h>

#include <algorithm>

#include "format/record.h"
#include "harness/core/doctor.h"
#include "harness/core/doctor_test_util.h"
#include "harness/core/test_logdir.h"

namespace tbfault::core {
namespace {

using testing::Diagnose;
using testing::Dump;
using testing::FileBuilder;
using testing::HasReason;
using testing::OfKind;
using testing::TempLogdir;
using Profiles = std::vector<Profile>;

// A record whose length claims more than the file holds, with intact records after it (the
// mutant oversized-length; FINDINGS.md O2): waited on as a torn tail, hiding what follows.
TEST(DoctorTest, ALengthThatClaimsTooMuchHidesTheRecordsAfterIt) {
  TempLogdir dir;
  FileBuilder b;
  b.Version().Scalar(0, 1, true).Scalar(1, 2);
  const std::string data = format::ScalarEvent(3, 2, "loss", 3, false).SerializeAsString();
  std::string frame(data.size() + record::kFrameOverhead, '\0');
  record::EncodeHeader(frame.data(), data.size() + 1000);
  std::copy(data.begin(), data.end(), frame.begin() + record::kHeaderSize);
  record::EncodeFooter(frame.data() + record::kHeaderSize + data.size(), data);
  const uint64_t at = b.bytes().size();
  b.Raw(frame).Scalar(3, 4).Scalar(4, 5);
  dir.WriteFile(".", 1, b.bytes());
  Diagnosis d = Diagnose(dir.path());
  ASSERT_EQ(d.finding_count(), 1u) << Dump(d);
  const Finding& f = d.runs[0].findings[0];
  EXPECT_EQ(f.kind, FindingKind::kTruncatedTail);
  EXPECT_EQ(f.profiles, (Profiles{Profile::kTbRust, Profile::kTbPython}));
  EXPECT_EQ(f.offset, at);
  EXPECT_EQ(f.values, 2u);  // steps 3 and 4.
  EXPECT_NE(f.summary.find("claims more bytes than the file holds, yet 2 values follow it"),
            std::string::npos)
      << f.summary;
  EXPECT_TRUE(HasReason(f, "strict: oversized at offset " + std::to_string(at))) << Dump(d);
}

// A restart whose SessionLog.START is at step 0 though the writer resumed at 5 (the mutant
// purge-step-ignored): tb-python purges steps 0..4 too, which no restart orphaned; the doctor
// says so. A START at the resume step (RestartPurgesAndEvicts) gets no such words.
TEST(DoctorTest, AStartBelowTheResumeStepIsNamed) {
  testing::RestartLogdir r(0);
  const FileBuilder& b = r.b;
  Diagnosis d = Diagnose(r.dir.path());
  std::vector<Finding> purges = OfKind(d.runs.at(0), FindingKind::kRestartPurge);
  ASSERT_EQ(purges.size(), 2u) << Dump(d);
  const Finding& py = purges[0].profiles[0] == Profile::kTbPython ? purges[0] : purges[1];
  EXPECT_EQ(py.offset, b.offset(1));
  EXPECT_EQ(py.values, 10u);
  EXPECT_TRUE(HasReason(py, "tb-python: the SessionLog.START at offset " +
                                std::to_string(b.offset(1)) +
                                " is at a step below 5, the step logged next: 5 values of lower "
                                "steps, which the restart did not orphan, are purged too; write "
                                "the START at the step the checkpoint restored"))
      << Dump(d);
}

}  // namespace
}  // namespace tbfault::core
