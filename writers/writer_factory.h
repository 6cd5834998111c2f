// MakeWriter: a writer by spec, for the harness and the CLI.
//   "<policy spec>" or "ours:<policy spec>"  SummaryWriter with that policy (policy.h)
//   "mutant:<name>"                          MutantWriter (mutants/mutant_writer.h);
//   "mutant:control"                         is the honest naive writer the mutants are made from.
//   "mutant:slow-<name>[:<policy spec>]"     SummaryWriter slowed on purpose (mutants/slow_writer.h)
//   "tensorboardx", "tensorboard", "pytorch", "tensorflow", "tensorflow-v1", "keras",
//   "external:<name>"
//                                            real writers of other libraries, run through an
//                                            adapter process (external/external_writer.h); only
//                                            where tbfault_external is linked (it registers them).
// A bad spec is an error naming it; a file-system error at creation is returned with the writer.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "writers/event_writer.h"

namespace tbfault::writers {

// The external writers' kinds, the one list of their names: tbfault_external registers a maker
// for each (external_registration.cc); a program without it can still say what is missing.
// A spec is the kind itself, or "external:<name>".
inline constexpr std::array<std::string_view, 7> kExternalWriterKinds = {
    "tensorboardx", "tensorboard", "pytorch", "tensorflow", "tensorflow-v1", "keras", "external"};

// True for the specs of external writers (the kinds above; external:<name>).
bool IsExternalWriterSpec(std::string_view spec);

Status MakeWriter(std::string_view spec, const std::string& run_dir,
                  std::unique_ptr<EventWriter>* out);

// Whether MakeWriter knows `spec` — a policy that parses, a known mutant, an external or
// registered writer's name — without making a writer (for checking scenarios when they are
// loaded). Whether an external writer can run here is known only when it is made.
Status CheckWriterSpec(std::string_view spec);

// The hook that lets writers outside tbfault_writers be made by spec without this library
// depending on them: MakeWriter hands a spec that equals `name`, or starts with `name` + ":", to
// the maker registered for it (the whole spec is passed). Called from static initializers
// (writers/external/external_registration.cc); thread-safe.
using WriterMaker = std::function<Status(std::string_view spec, const std::string& run_dir,
                                         std::unique_ptr<EventWriter>* out)>;
void RegisterWriterKind(std::string_view name, WriterMaker maker);

}  // namespace tbfault::writers
