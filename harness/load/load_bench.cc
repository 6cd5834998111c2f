// Steps per second of each load profile's workload on this machine's default device (CPU without a
// GPU), with the summaries handed to a no-op sink that touches every value (the floor of logging
// cost).
//   build-release/bin/load_bench --benchmark_format=json
#include <benchmark/benchmark.h>

#include <cstdio>

#include "harness/load/step_timer.h"
#include "harness/load/workload.h"

namespace tbfault::load {
namespace {

void BM_Step(benchmark::State& state, const char* profile_name, Device device, bool sync) {
  LoadProfile profile;
  if (Status s = LoadProfileByName(profile_name, &profile); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  std::unique_ptr<Workload> workload;
  std::string note;
  if (Status s = MakeWorkload(profile, {device, 1, sync}, &workload, &note); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  StepOutput out;
  int64_t step = 0;
  size_t values = 0;
  for (auto _ : state) {
    Status s = workload->Step(step++, &out);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
    values += out.num_values();
    benchmark::DoNotOptimize(out.scalars.data());
  }
  Status s = workload->Drain(&out);
  s.Ignore();  // Draining the last step's values is not part of what is measured.
  state.SetItemsProcessed(state.iterations());
  state.counters["values_per_step"] =
      static_cast<double>(values) / std::max<int64_t>(1, state.iterations());
  state.SetLabel(workload->device());
}

void Register() {
  for (const char* name : {"small-fast", "llm-like", "vision", "burst"}) {
    benchmark::RegisterBenchmark((std::string("Step/cpu/") + name).c_str(), BM_Step, name,
                                 Device::kCpu, false);
    benchmark::RegisterBenchmark((std::string("Step/auto/") + name).c_str(), BM_Step, name,
                                 Device::kAuto, false);
    std::string why;
    if (GpuAvailable(&why)) {
      benchmark::RegisterBenchmark((std::string("Step/gpu-sync/") + name).c_str(), BM_Step, name,
                                   Device::kGpu, true);
    }
  }
}

}  // namespace
}  // namespace tbfault::load

int main(int argc, char** argv) {
  tbfault::load::Register();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
