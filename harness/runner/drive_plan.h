// The protocol between the runner and its writer processes (`tbfault drive`), in one place:
//   DrivePlan   what one process does; ToArgs() is its command line after "tbfault drive",
//               ParseDrivePlan() reads it back (strictly: a number with anything after it, a
//               missing flag or value, an unknown flag is an error naming it) and loads the
//               scenario. Both walk the same flag table (drive_plan.cc), so adding an option
//               touches that table alone.
//   DriveStats  what the process measured, written as JSON to the plan's stats file (ToJson /
//               FromJson side by side, every field named once).
//   the ending  how the process meant to end, written to "<ledger>.ending" with
//               core::EndingName and read with core::EndingFromName (WriteEnding / ReadEnding).
//   the start   "<ledger>.opened", made once the process's writers are open (WriteOpened /
//               Opened): the runner's watchdog counts the run from there, so that a writer's
//               start-up (TensorFlow's import: seconds) is not taken for a hung run.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "format/status.h"
#include "harness/core/scenario.pb.h"
#include "harness/core/verdict.h"

namespace tbfault::runner {

struct DrivePlan {
  std::string scenario_file;  // the effective scenario (textproto).
  std::string writer;         // the writer spec to use ("" = the scenario's).
  std::string logdir;         // on the mount; the workload's run is a directory below it.
  std::string control;        // faultfs control socket.
  std::string ledger;         // ledger file prefix: writer k records in "<ledger>.<k>".
  std::string stats;          // JSON stats file (DriveStats).
  int64_t first_step = 0;
  int64_t end_step = 0;  // steps first..end-1 run; actions at end_step still apply.
  int first_action = 0;  // this process applies actions [first_action, last_action).
  int last_action = 0;
  int64_t arm_from_step = 0;   // faults with at_step >= this are armed by this process.
  int64_t baseline_steps = 0;  // steps timed with logging disabled before the run.
  std::string device = "cpu";  // for training profiles: cpu, gpu, auto.

  scenario::Scenario scenario;  // loaded by ParseDrivePlan (writer.spec is the one to use).

  std::vector<std::string> ToArgs() const;
};

// The usage line of `tbfault drive`, from the flag table.
std::string DriveUsage();

// Parses `args` (after "tbfault drive"), loads and checks the scenario (the action range must lie
// in it). Errors are one line naming the flag or the file.
Status ParseDrivePlan(const std::vector<std::string>& args, DrivePlan* plan);

struct DriveStats {
  std::string device = "synthetic";  // the workload's device ("synthetic", "cpu", "gpu <name>").
  uint64_t events = 0;               // values handed to the writers.
  std::vector<int64_t> step_ns;      // each logged step, with the writer.
  std::vector<int64_t> baseline_ns;  // each step with logging disabled.
  std::vector<int64_t> noop_ns;      // each step with a no-op writer.
  std::vector<int64_t> add_ns;       // sampled add calls (Recorder).
  double noop_checksum = 0;          // the no-op's reads, so they cannot be optimised away.
  int64_t logging_ns = 0;            // inside the writers' add/flush/sync/close/open calls.
  uint64_t close_ns = 0;  // steady clock when the writers' final close began; 0: not closed.
  uint64_t add_errors = 0, files_created = 0, bytes_written = 0, dropped = 0, failed = 0;
  std::map<std::string, uint64_t> errors_by_errno;  // "ENOSPC" -> count.
  std::vector<std::string> create_errors;

  nlohmann::json ToJson() const;
  static Status FromJson(const nlohmann::json& j, DriveStats* out);  // names a wrong field.
  Status Write(const std::string& path) const;
  static Status Read(const std::string& path, DriveStats* out);  // names the file.
};

// "<ledger>.ending": how the process meant to end (a crash, power-cut or exit action).
Status WriteEnding(const std::string& ledger_prefix, core::Ending ending);
// Absent file: nullopt (the process did not end itself). Unknown content: an error.
Status ReadEnding(const std::string& ledger_prefix, std::optional<core::Ending>* ending);

// "<ledger>.opened": the process's writers are open.
Status WriteOpened(const std::string& ledger_prefix);
bool Opened(const std::string& ledger_prefix);

}  // namespace tbfault::runner
