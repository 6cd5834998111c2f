// Doctor: why summaries under a path would not appear in TensorBoard. Every run is read by the
// three reader profiles (profile.h); what strict reads but a TensorBoard profile does not show
// becomes a Finding, grouped per run, naming the profile(s), the file and offset of the responsible
// record, and the number of values it hides (counted against strict's series). Damage the strict
// reader finds is reported too, with its offset; so is a path that holds no summary values at all,
// with where event files are nearby. The model behind `tbfault doctor`.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "format/record_reader.h"
#include "format/status.h"
#include "harness/core/profile.h"

namespace tbfault::core {

enum class FindingKind {
  kNoEvents,         // no summary value under the path (wrong directory, empty files), or in a run.
  kNotEventFile,     // the path is a file whose name TensorBoard would not read.
  kDeadFile,         // a bad record at `offset`: the profile never reads the rest of the file.
  kTruncatedTail,    // the file ends inside a record at `offset` (waited on, never shown).
  kAbandonedFile,    // tb-python stopped at `offset` and moved to a newer file for good.
  kRestartPurge,     // values purged (tb-python) or evicted (tb-rust) by the record at `offset`
                     // of a newer file, or by a SessionLog.START: a restart.
  kDownsampled,      // more points than the profile's chart keeps (not lost: on disk, readable).
  kMixedSteps,       // the same, by a step regression inside the values' own file (no START):
                     // one tag fed by two step counters, not a restart.
  kDoubleScalar,     // DT_DOUBLE scalars, dropped by tb-rust; `offset`: the first of them.
  kMissingMetadata,  // the tag's first value (at `offset`) has no plugin metadata.
  kDropped,          // values dropped for another reason (the reasons say which).
  kDamagedRecord,    // strict-reader damage that no finding above accounts for.
  kNote,             // a profile's diagnostic that no finding above accounts for.
  kStalled,          // doctor --watch: the files grew for N reload cycles, no new value shown.
  kSymlinkCycle,     // path-wide: a link back to a directory on its own path (`file`: the link).
  kNotModelled,      // values of a plugin the profiles do not model (`plugin`); nothing hidden.
  kHParamsSchema,    // path-wide: hparams/metrics of later sessions the Python loader leaves out.
  kReloadThreadDies,  // path-wide: tb-python's reload thread dies at `file`; `runs` it hides.
};
std::string_view FindingKindName(FindingKind kind);  // "dead-file", "no-events", ...

struct Finding {
  FindingKind kind = FindingKind::kNote;
  std::vector<Profile> profiles;     // the readers that hide the values (strict for damage alone).
  std::string file;                  // the responsible event file ("" for path-wide findings).
  uint64_t offset = 0;               // of the responsible record or anomaly.
  uint64_t values = 0;               // summary values hidden (that strict reads).
  std::set<std::string> tags;        // tags of those values.
  std::string summary;               // one sentence for a user.
  std::vector<std::string> reasons;  // "tb-rust: dead: bad-data-crc at offset 96", "strict: ...".
  std::vector<std::string> where;    // kNoEvents: directories nearby that hold event files.
  std::string plugin;                // kNotModelled: the plugin's name ("hparams", ...).
  std::vector<std::string> runs;     // kReloadThreadDies: the other runs it hides.
};

struct RunDiagnosis {
  std::string run;  // relative to the path, "." for the path itself.
  std::vector<std::string> files;
  uint64_t strict_values = 0;  // summary values the strict reader decodes.
  uint64_t rust_values = 0;    // shown by tb-rust.
  uint64_t python_values = 0;  // shown by tb-python.
  std::vector<Finding> findings;
};

struct Diagnosis {
  std::string path;
  std::vector<RunDiagnosis> runs;
  std::vector<Finding> findings;  // path-wide: kNoEvents, kNotEventFile, kSymlinkCycle, ...
  size_t finding_count() const;
};

// Reads PATH (a logdir, run directory or event file). Errors only when the path cannot be listed or
// a file cannot be read; everything wrong inside files is a finding.
Status Diagnose(const std::string& path, Diagnosis* out);

// Diagnoses one run already read by the three profiles (used by Diagnose; exposed for tests).
// `anomalies` holds the strict reader's damage per file, in `files` order.
void DiagnoseRun(const std::vector<std::string>& files,
                 const std::vector<std::vector<format::AnomalyReport>>& anomalies,
                 const RunView& strict, const RunView& rust, const RunView& python,
                 RunDiagnosis* out);

// Directories near PATH that hold event files: below it (following symbolic links, as listing
// does), else in its parent directories and their other subdirectories, nearest first; not
// `known_dirs` (runs already read); at most `limit`, each "DIR (N event files)".
std::vector<std::string> LocateEventFiles(const std::string& path,
                                          const std::vector<std::string>& known_dirs = {},
                                          size_t limit = 5);

}  // namespace tbfault::core
