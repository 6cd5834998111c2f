// The doctor's rules of issue 17 (doctor.h's findings not-modelled, downsampled and
// reload-thread-dies), and the helpers doctor.cc and they share. Internal to the doctor.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/doctor.h"

namespace tbfault::core::doctor_rules {

std::string Plural(uint64_t n, std::string_view word);  // "3 values", "1 value".
std::string Join(const std::set<std::string>& items);   // "a, b".
Finding MakeFinding(FindingKind kind, std::vector<Profile> profiles, const std::string& file,
                    uint64_t offset);
void AddReason(Finding* f, std::string reason);  // once.
void AddProfile(Finding* f, Profile p);          // once.

// Values of plugins no profile models (strict drops them as kUnknownPlugin): one kNotModelled
// finding per plugin, named from the metadata of each tag's first value (plugins.h).
void NotModelledPlugins(const RunView& strict, std::vector<Finding>* out);

// Series longer than a chart keeps (FINDINGS.md D1, downsample.h): one kDownsampled finding per
// tag, for the profiles that keep the same number.
void Downsampled(const RunView& rust, const RunView& python, std::vector<Finding>* out);

// A tb-python SessionLog.START purge that takes values below the step logged right after the
// START (the step the writer resumed at): a START written at the wrong step, e.g. 0 (the mutant
// purge-step-ignored; FINDINGS.md Q1). Adds the words to the START's kRestartPurge finding.
void StartsBelowTheResumeStep(const RunView& strict, const RunView& python,
                              std::vector<Finding>* out);

// A tb-python kReloadThreadDies note (FINDINGS.md P1) of run `run` (index in Diagnosis::runs).
struct ReloadDeath {
  size_t run;
  std::string file;
  uint64_t offset;
};
// One path-wide kReloadThreadDies finding per death, naming every other run it hides.
void ReloadThreadDeaths(const std::vector<ReloadDeath>& deaths, Diagnosis* d);

}  // namespace tbfault::core::doctor_rules
