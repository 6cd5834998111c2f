// The results model: what a run of scenarios (tbfault run) and of benchmarks (tbfault
// bench-policies, Google Benchmark) produced. Its JSON form is the source of truth every report is
// rendered from (JUnit XML, Markdown, HTML, TensorBoard event files) and what the gate compares;
// reports/SCHEMA.md documents it field by field. Reading checks the schema version and every
// field's type, and names the field that is wrong.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "format/status.h"
#include "reports/verdict.h"

namespace tbfault::reports {

constexpr int kSchemaVersion = 1;

// The reader profiles of DESIGN.md section 3, in report order.
constexpr std::array<std::string_view, 3> kProfiles = {"strict", "tb-rust", "tb-python"};

enum class Outcome { kPassed, kFailed, kError };
std::string_view OutcomeName(Outcome o);  // "passed", "failed", "error".

// Why a run is an error (outcome kError), as a fact for code; ScenarioResult::error says it for
// people. kNone for a run that was judged.
enum class RunFailure {
  kNone,
  kMountFailed,      // faultfs would not mount.
  kFileSystemDied,   // faultfs died (or stopped answering) during the run.
  kHung,             // the writer process (or the mount) outlived the time limit; killed.
  kInterrupted,      // SIGINT/SIGTERM of the runner.
  kWriterFailed,     // the writer process exited non-zero (a bad plan, a rule faultfs refused).
  kWriterSignalled,  // the writer process died of a signal the scenario did not plan.
  kSpawnFailed,      // the writer process could not be started.
  kUnreadable,       // a ledger, the logdir or the result could not be read or written.
  kMeasureFailed,    // a benchmark measure could not run (bench-policies).
  kReaderDied,       // the live reader hung in a read of the mount, or died.
};
std::string_view RunFailureName(RunFailure f);  // "none", "mount-failed", "hung", ...
std::optional<RunFailure> RunFailureFromName(std::string_view name);

struct Example {  // One event and why it got its verdict.
  Verdict verdict = Verdict::kVisible;
  std::string tag;
  int64_t step = 0;
  std::string file;
  uint64_t offset = 0;
  std::string reason;
};

// DESIGN.md section 8. Absent when the scenario did not measure it. Percentiles are nearest rank
// (harness/load/percentile.h) everywhere.
struct Figures {
  std::optional<double> events_per_s;
  std::optional<double> mb_per_s;
  std::optional<double> add_ns_p50;
  std::optional<double> add_ns_p99;
  std::optional<double> add_ns_max;
  // Time the writer adds to a training step (us): the step's percentile with the writer minus the
  // same percentile with logging disabled, same run. The percentage only where the step without
  // logging takes at least 1 ms (below that, microseconds read as hundreds of %): the rule is
  // harness/load/step_timer.h's CompareSteps.
  std::optional<double> step_added_us_p50;
  std::optional<double> step_added_us_p99;
  std::optional<double> step_overhead_pct_p50;
  std::optional<double> step_overhead_pct_p99;
  std::optional<double> queue_peak_bytes;
  // Training step time (ms) with the writer, with logging disabled and with a no-op writer (reads
  // every value, writes nothing), measured in the same run; time the training loop spent inside
  // the writer's add/flush/sync calls (ms in all, and % of the logged steps' time).
  std::optional<double> step_ms_p50, step_ms_p99;
  std::optional<double> disabled_step_ms_p50, disabled_step_ms_p99;
  std::optional<double> noop_step_ms_p50, noop_step_ms_p99;
  std::optional<double> blocked_ms, blocked_pct;
  // Live (per profile: ProfileResult::figures), from the live reader that polled while the job
  // ran: visibility lag from the add call's return to first shown (ms, and in the job's steps),
  // and the longest time nothing new was shown while events were accepted.
  std::optional<double> lag_ms_p50, lag_ms_p99, lag_ms_max;
  std::optional<double> lag_steps_p50, lag_steps_p99, lag_steps_max;
  std::optional<double> stale_ms_max;
};
// Every figure: its JSON name and its field, in declaration order. The one list that reading,
// writing and the reports use.
struct FigureDef {
  std::string_view name;
  std::optional<double> Figures::*field;
};
extern const std::array<FigureDef, 25> kFigures;
// What the writer adds to a step, for people (every report and the run table): "+517 us", with
// the percentage where one is meaningful ("+120 us (+5.4%)"), "–" when not measured.
std::string StepAddedText(const Figures& f);
// The figures by their JSON names ("events_per_s", ...), in declaration order; for reports.
std::vector<std::pair<std::string_view, std::optional<double>>> FigureList(const Figures& f);

struct ProfileResult {
  std::string profile;            // one of kProfiles.
  bool passed = true;             // this profile met the scenario's expectations.
  VerdictCounts counts{};         // indexed by VerdictIndex.
  std::vector<Example> examples;  // the first few, violations first.
  LossWindow loss_window;
  Figures figures;  // the live ones (lag_ms_*, lag_steps_*, stale_ms_max); absent if not measured.

  uint64_t count(Verdict v) const { return counts[VerdictIndex(v)]; }
  uint64_t violations() const { return Violations(counts); }  // over IsViolation classes.
};

struct TimelinePoint {  // Cumulative counts at the end of a training step.
  int64_t step = 0;
  uint64_t logged = 0;
  std::map<std::string, uint64_t> visible;  // by profile.
};

struct FaultMark {  // A fault or action at a step, drawn on the timeline ("power-cut", "clear",
                    // ...).
  int64_t step = 0;
  std::string label;
  std::optional<double> t_ms;  // when the job reached the step (live timeline's clock), if known.
};

// What a user watching TensorBoard saw: at the end of each live reader cycle (ms since the job's
// first add call), the events logged so far and the points each profile showed — which drops
// when points are retracted.
struct LivePoint {
  double t_ms = 0;
  uint64_t logged = 0;
  std::map<std::string, uint64_t> visible;  // by profile.
};

struct StepTimes {  // Samples of training step time, for distributions.
  std::vector<double> without_logging_ms;
  std::vector<double> with_logging_ms;
  std::vector<double> noop_ms;  // a no-op writer
};

struct ScenarioResult {
  std::string name;
  uint64_t seed = 0;
  std::string writer;  // the writer spec, e.g. "ours:buffered" or "mutant:no-truncate".
  std::vector<std::string> labels;  // the scenario's ("faults", "mutant", "misuse", "quick").
  Outcome outcome = Outcome::kPassed;
  RunFailure failure = RunFailure::kNone;  // why, when outcome is kError ...
  std::string error;                       // ... and in words (also why expectations failed).
  double duration_s = 0;
  uint64_t events_logged = 0;
  std::vector<ProfileResult> profiles;
  Figures figures;
  std::vector<FaultMark> faults;
  std::vector<TimelinePoint> timeline;
  std::vector<LivePoint> live_timeline;  // at most ~200 cycles, every drop kept.
  StepTimes step_times;

  const ProfileResult* profile(std::string_view name) const;  // null when absent.
};

// Which shard of a suite run a results file holds (tbfault run --shard; harness/runner/shard.h),
// for tbfault merge (reports/merge.h) to check that shards are complete, disjoint and alike.
struct ShardRecord {
  int index = 0, total = 1;     // shard index of total, 0-based.
  std::string selection;        // the full selection's identity (its scenarios, hashed).
  uint64_t selected = 0;        // scenarios in the full selection ...
  uint64_t shard_selected = 0;  // ... and in this shard.
  std::string binary;           // the tbfault binary's identity ("SIZE-CRC32C").
};

struct Results {
  int schema_version = kSchemaVersion;
  std::string created;  // ISO 8601 UTC.
  std::string host;
  std::optional<ShardRecord> shard;  // absent: not written by tbfault run (or merge).
  std::vector<ScenarioResult> scenarios;
  // Google Benchmark's JSON output ({"context":..., "benchmarks":[...]}) as is; null when none.
  nlohmann::json benchmark;

  const ScenarioResult* scenario(std::string_view name) const;  // null when absent.
};

nlohmann::json ToJson(const Results& results);
// Fails on a wrong schema version, a missing or mistyped field, naming the field
// ("scenarios[2].seed").
Status FromJson(const nlohmann::json& json, Results* results);

// Files. Errors name the file: "results.json: scenarios[0].profiles: expected an array".
Status ReadResultsFile(const std::string& path, Results* results);
Status WriteResultsFile(const std::string& path, const Results& results);
// Reads Google Benchmark's --benchmark_out JSON into results->benchmark.
Status ReadBenchmarkFile(const std::string& path, Results* results);

// Writes `contents` to `path` (replacing it atomically); errors name the path.
Status WriteFile(const std::string& path, std::string_view contents);
Status ReadFile(const std::string& path, std::string* contents);

}  // namespace tbfault::reports
