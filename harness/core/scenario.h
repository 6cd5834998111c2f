// Scenario files (scenario.proto, protobuf text format): loading and validation. Every error is one
// line naming the file, the line and the field: "scenarios/x.textproto:7:3: workload.steps: must be
// > 0". Validation covers the schema, ranges for every size, count and time (steps, writers,
// files, step_ms, time_limit_s finite), and what the parts that run the scenario would refuse:
// writer specs (writers::CheckWriterSpec), the load profile, fault rules and the fsync error mode
// (faultfs's rule_check.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "format/status.h"
#include "harness/core/downsample.h"
#include "harness/core/profile.h"
#include "harness/core/scenario.pb.h"
#include "harness/core/verdict.h"

namespace tbfault::core {

// Parses and validates `text`; `file` names it in errors. An empty name defaults to the file's base
// name without extension.
Status ParseScenario(std::string_view text, const std::string& file, scenario::Scenario* out);
Status LoadScenario(const std::string& path, scenario::Scenario* out);

// The expectation the scenario declares for `profile` (entries for "*" and for the profile, the
// latter winning); empty (= no violation) when none is declared.
Expectation ExpectationFor(const scenario::Scenario& s, Profile profile);

// The bound on live lag the scenario sets for `profile` (expect.max_lag_ms, "*" then the
// profile's own), or none.
std::optional<double> MaxLagMsFor(const scenario::Scenario& s, Profile profile);

// The points per series the readers keep (reader.samples_per_plugin, validated at load).
SamplesSpec SamplesSpecOf(const scenario::Scenario& s);

// The live reader's poll period: reader.reload_ms, or the default — 200 ms, short enough to see a
// writer's flush cadence (every-event, periodic:ms=20 and 1000-step flushes read as distinct
// lags), cheap enough to run in every scenario (each cycle reads only new bytes).
inline constexpr int kDefaultReloadMs = 200;
int ReloadMs(const scenario::Scenario& s);

}  // namespace tbfault::core
