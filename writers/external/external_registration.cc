// Registers the external writers' specs with MakeWriter (writers/writer_factory.h): each of
// kExternalWriterKinds ("tensorboardx", "tensorboard", "pytorch", "tensorflow", "tensorflow-v1",
// "keras") and "external:<name>". A static initializer, so
// a program gets them by linking tbfault_external whole (CMake:
// $<LINK_LIBRARY:WHOLE_ARCHIVE,tbfault_external>), which keeps this object even though nothing
// refers to it.
#include "writers/external/external_writer.h"
#include "writers/writer_factory.h"

namespace tbfault::writers {
namespace {

Status MakeExternal(std::string_view spec, const std::string& run_dir,
                    std::unique_ptr<EventWriter>* out) {
  ExternalWriter::Options options;
  Status s = ExternalWriter::OptionsForSpec(spec, run_dir, &options);
  if (!s.ok()) return s;
  std::unique_ptr<ExternalWriter> w;
  s = ExternalWriter::Create(options, &w);
  *out = std::move(w);
  return s;
}

const bool registered = [] {
  for (std::string_view kind : kExternalWriterKinds) RegisterWriterKind(kind, MakeExternal);
  return true;
}();

}  // namespace
}  // namespace tbfault::writers
