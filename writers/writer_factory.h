// MakeWriter: a writer by spec, for the harness and the CLI.
//   "<policy spec>" or "ours:<policy spec>"  SummaryWriter with that policy (policy.h)
//   "mutant:<name>"                          MutantWriter (mutants/mutant_writer.h);
//   "mutant:control"
//                                            is the honest naive writer the mutants are made from.
// A bad spec is an error naming it; a file-system error at creation is returned with the writer.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "writers/event_writer.h"

namespace tbfault::writers {

Status MakeWriter(std::string_view spec, const std::string& run_dir,
                  std::unique_ptr<EventWriter>* out);

}  // namespace tbfault::writers
