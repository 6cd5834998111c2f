#include "writers/writer_factory.h"

#include "writers/mutants/mutant_writer.h"
#include "writers/summary_writer.h"

namespace tbfault::writers {

Status MakeWriter(std::string_view spec, const std::string& run_dir,
                  std::unique_ptr<EventWriter>* out) {
  out->reset();
  if (spec.starts_with("mutant:")) {
    Mutation m;
    if (!ParseMutation(spec.substr(7), &m)) {
      return Status::Invalid("unknown mutant '" + std::string(spec.substr(7)) + "'");
    }
    *out = std::make_unique<MutantWriter>(run_dir, m);
    return Status::Ok();
  }
  if (spec.starts_with("ours:")) spec.remove_prefix(5);
  std::unique_ptr<SummaryWriter> w;
  Status s = SummaryWriter::Create({run_dir, std::string(spec), ""}, &w);
  *out = std::move(w);
  return s;
}

}  // namespace tbfault::writers
