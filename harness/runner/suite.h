// The suite: scenario files found under paths, loaded and validated (an error names the file, line
// and field), expanded into one scenario per writer spec (Writer.specs: "<name>/<spec>"), then
// selected by name glob or label and by shard.
#pragma once

#include <string>
#include <vector>

#include "format/status.h"
#include "harness/core/scenario.pb.h"

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

// Keeps entries i with i % total == index.
void Shard(int index, int total, std::vector<SuiteEntry>* entries);

// The default scenario directory: ./scenarios if it exists, else the source tree's.
std::string DefaultScenarioDir();

}  // namespace tbfault::runner
