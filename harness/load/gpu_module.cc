#include "harness/load/gpu_module.h"

#include <dlfcn.h>

#include <filesystem>
#include <vector>

namespace tbfault::load {
namespace {

struct Loaded {
  const GpuModule* module = nullptr;
  std::string why;
};

#ifdef TBFAULT_GPU_MODULE
Loaded Load() {
  namespace fs = std::filesystem;
  const fs::path built(TBFAULT_GPU_MODULE);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> candidates;
  if (!ec) candidates.push_back(exe.parent_path() / "../lib" / built.filename());
  candidates.push_back(built);
  Loaded loaded;
  for (const fs::path& path : candidates) {
    if (!fs::exists(path)) continue;
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      loaded.why = std::string("dlopen: ") + dlerror();
      return loaded;
    }
    auto entry = reinterpret_cast<const GpuModule* (*)()>(dlsym(handle, "tbfault_gpu_module"));
    if (entry == nullptr) {
      loaded.why = path.string() + ": no tbfault_gpu_module symbol";
      return loaded;
    }
    loaded.module = entry();
    return loaded;
  }
  loaded.why = "the CUDA workload module " + built.string() + " is missing";
  return loaded;
}
#else
Loaded Load() { return Loaded{nullptr, "this build has no CUDA support"}; }
#endif

}  // namespace

const GpuModule* LoadGpuModule(std::string* why) {
  static const Loaded loaded = Load();  // thread-safe initialisation, once per process.
  if (loaded.module == nullptr) *why = loaded.why;
  return loaded.module;
}

}  // namespace tbfault::load
