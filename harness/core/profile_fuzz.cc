// libFuzzer target: the three reader profiles (and the doctor's view of them) on arbitrary bytes,
// read as two reload cycles of one event file (the file grows between them, at a point the input
// chooses), must never crash, hang, read out of bounds or allocate from an untrusted length; every
// point and every unreached offset lies inside the file.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "harness/core/doctor.h"
#include "harness/core/run_reader.h"

namespace {

void Check(const tbfault::core::RunView& v, uint64_t size) {
  for (const auto& [tag, series] : v.tags) {
    for (const auto& p : series.points) {
      if (p.offset >= size || p.file >= v.files.size()) std::abort();
    }
  }
  for (const auto& u : v.unreached) {
    if (u.offset > size) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t split = size > 1 ? data[0] * (size - 1) / 255 : 0;  // bytes in the first cycle.
  const char* bytes = reinterpret_cast<const char*>(data + 1);
  const size_t n = size - 1;
  int fd = ::memfd_create("tfevents", 0);
  if (fd < 0) return 0;
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  tbfault::core::RunReader reader(
      {std::begin(tbfault::core::kAllProfiles), std::end(tbfault::core::kAllProfiles)});
  if (::write(fd, bytes, split) == static_cast<ssize_t>(split) && reader.Cycle({path}).ok() &&
      ::write(fd, bytes + split, n - split) == static_cast<ssize_t>(n - split) &&
      reader.Cycle({path}).ok()) {
    for (tbfault::core::Profile p : tbfault::core::kAllProfiles) Check(reader.reader(p)->view(), n);
    tbfault::core::RunDiagnosis d;
    tbfault::core::DiagnoseRun(
        {path}, tbfault::core::StrictAnomalies(*reader.reader(tbfault::core::Profile::kStrict)),
        reader.reader(tbfault::core::Profile::kStrict)->view(),
        reader.reader(tbfault::core::Profile::kTbRust)->view(),
        reader.reader(tbfault::core::Profile::kTbPython)->view(), &d);
  }
  ::close(fd);
  return 0;
}
