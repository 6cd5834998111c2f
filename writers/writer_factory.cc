#include "writers/writer_factory.h"

#include <map>
#include <mutex>

#include "writers/mutants/mutant_writer.h"
#include "writers/mutants/slow_writer.h"
#include "writers/policy.h"
#include "writers/summary_writer.h"

namespace tbfault::writers {
namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, WriterMaker, std::less<>> makers;
};
Registry& Kinds() {
  static Registry* registry = new Registry;  // never destroyed: used from static initializers.
  return *registry;
}

// The maker registered for `spec`'s kind, or null.
WriterMaker FindMaker(std::string_view spec) {
  std::string_view kind = spec.substr(0, spec.find(':'));
  Registry& r = Kinds();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.makers.find(kind);
  return it == r.makers.end() ? nullptr : it->second;
}

}  // namespace

bool IsExternalWriterSpec(std::string_view spec) {
  for (std::string_view kind : kExternalWriterKinds) {
    if (kind == "external" ? spec.starts_with("external:") : spec == kind) return true;
  }
  return false;
}

void RegisterWriterKind(std::string_view name, WriterMaker maker) {
  Registry& r = Kinds();
  std::lock_guard<std::mutex> lock(r.mu);
  r.makers[std::string(name)] = std::move(maker);
}

Status MakeWriter(std::string_view spec, const std::string& run_dir,
                  std::unique_ptr<EventWriter>* out) {
  out->reset();
  if (WriterMaker maker = FindMaker(spec)) return maker(spec, run_dir, out);
  if (IsExternalWriterSpec(spec)) {
    return Status::Invalid("writer '" + std::string(spec) +
                           "' is an external writer, not linked into this program (link "
                           "tbfault_external)");
  }
  if (spec.starts_with("mutant:slow-")) return MakeSlowWriter(spec.substr(7), run_dir, out);
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

Status CheckWriterSpec(std::string_view spec) {
  if (FindMaker(spec) || IsExternalWriterSpec(spec)) return Status::Ok();
  if (spec.starts_with("mutant:slow-")) return CheckSlowWriterSpec(spec.substr(7));
  if (spec.starts_with("mutant:")) {
    Mutation m;
    if (ParseMutation(spec.substr(7), &m)) return Status::Ok();
    return Status::Invalid("unknown mutant '" + std::string(spec.substr(7)) + "'");
  }
  if (spec.starts_with("ours:")) spec.remove_prefix(5);
  Policy policy;
  return ParsePolicy(spec, &policy);
}

}  // namespace tbfault::writers
