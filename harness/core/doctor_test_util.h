// Helpers of the doctor's tests (doctor_test.cc, doctor_restart_test.cc): a diagnosis, its
// findings of one kind, a reason by prefix, and a dump for failure messages.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "format/record.h"
#include "harness/core/doctor.h"
#include "harness/core/test_logdir.h"

namespace tbfault::core::testing {

inline Diagnosis Diagnose(const std::string& path) {
  Diagnosis d;
  Status s = core::Diagnose(path, &d);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return d;
}

inline std::vector<Finding> OfKind(const RunDiagnosis& run, FindingKind kind) {
  std::vector<Finding> out;
  for (const Finding& f : run.findings) {
    if (f.kind == kind) out.push_back(f);
  }
  return out;
}

inline bool HasReason(const Finding& f, std::string_view prefix) {
  for (const std::string& r : f.reasons) {
    if (r.starts_with(prefix)) return true;
  }
  return false;
}

inline std::string Dump(const Diagnosis& d) {
  std::string out;
  for (const Finding& f : d.findings)
    out += std::string(FindingKindName(f.kind)) + " " + f.summary + "\n";
  for (const RunDiagnosis& r : d.runs) {
    for (const Finding& f : r.findings) {
      out += r.run + ": " + std::string(FindingKindName(f.kind)) + " " + f.file + "@" +
             std::to_string(f.offset) + " values=" + std::to_string(f.values) + " " + f.summary +
             "\n";
      for (const std::string& why : f.reasons) out += "    " + why + "\n";
    }
  }
  return out;
}

// A restart from a checkpoint at step 5, in a second file: the first holds steps 0..9 after the
// run's initial SessionLog.START (which never purges, FINDINGS.md Q1), the second a START at
// `start_step` then steps 5..7 (values 105..107).
struct RestartLogdir {
  explicit RestartLogdir(int64_t start_step) {
    a.Version().Add(format::SessionLogEvent(1.0, 0, tensorboard::SessionLog::START));
    for (int s = 0; s < 10; ++s) a.Scalar(s, s, s == 0);
    b.Version().Add(format::SessionLogEvent(2.0, start_step, tensorboard::SessionLog::START));
    for (int s = 5; s < 8; ++s) b.Scalar(s, 100 + s, s == 5);
    dir.WriteFile(".", 1, a.bytes());
    fb = dir.WriteFile(".", 2, b.bytes());
  }
  TempLogdir dir;
  FileBuilder a, b;
  std::string fb;  // the second file's path.
};

}  // namespace tbfault::core::testing
