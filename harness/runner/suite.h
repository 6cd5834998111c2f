// The suite: scenario files found under paths, loaded and validated (an error names the file, line
// and field), expanded into one scenario per writer spec (Writer.specs: "<name>/<spec>"), then
// selected (SelectSuite: one writer for all, a seed, a name glob or label, a shard) and run
// (RunSuite: RunScenario for each, `jobs` at a time) into the results model (SuiteResults).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "format/status.h"
#include "harness/core/scenario.pb.h"
#include "harness/runner/runner.h"
#include "reports/results.h"

namespace tbfault::runner {

struct SuiteEntry {
  std::string file;             // the scenario file it came from.
  std::string base_name;        // the scenario's name before the writer matrix was expanded.
  scenario::Scenario scenario;  // writer.spec is set; name includes the spec for a matrix.
};

// Every *.textproto file under each path (a file or a directory, recursively), in name order.
// The first bad file is the error.
Status LoadSuite(const std::vector<std::string>& paths, std::vector<SuiteEntry>* out);

// One scenario per spec of a matrix scenario, else the scenario itself.
std::vector<scenario::Scenario> ExpandWriters(const scenario::Scenario& s);

// A glob on the name (fnmatch), or "label:NAME" for scenarios carrying that label; "" keeps all.
bool Selected(const scenario::Scenario& s, const std::string& filter);

// The default scenario directory: ./scenarios if it exists, else the source tree's.
std::string DefaultScenarioDir();

struct Selection {
  std::string writer;            // "": each scenario's own; else every file once, with this one.
  std::optional<uint64_t> seed;  // every scenario's seed.
  std::string filter;            // Selected().
  int shard_index = 0, shard_total = 1;  // Shard() (shard.h): by scenario name.
};
// The entries of `suite` the selection keeps, in order, with the writer and seed applied.
std::vector<SuiteEntry> SelectSuite(std::vector<SuiteEntry> suite, const Selection& selection);

// Called under the suite's lock when entry `index` starts (finished = false) and when it is done
// (finished = true; `done` counts the finished ones, this one included).
using SuiteProgress = std::function<void(size_t index, bool finished, size_t done)>;

// Runs every entry (RunScenario) with `jobs` worker threads until done or options.interrupted;
// outputs[i] is entry i's (its result has no name when it was not run). A not-OK status is
// RunScenario's (a bad out dir).
Status RunSuite(const std::vector<SuiteEntry>& entries, const RunOptions& options, int jobs,
                const SuiteProgress& progress, std::vector<RunOutput>* outputs);

// Sets the results' host (this machine's name) and created (now, UTC, ISO 8601).
void StampResults(reports::Results* results);

// The results model of a suite run: this host, now, and every result of a scenario that ran.
reports::Results SuiteResults(const std::vector<RunOutput>& outputs);

}  // namespace tbfault::runner
