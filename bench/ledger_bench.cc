// Ledger benchmarks (release preset): the cost of one ledger append on the training thread, and the
// writer's sustained throughput with and without a ledger append per add, side by side (the ledger
// must cost the writer < 5% of its throughput; harness/core/ledger.h).
//   build/release/bin/ledger_bench --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "harness/core/ledger.h"
#include "writers/summary_writer.h"

namespace {

using namespace tbfault;

std::string ShmPath(const std::string& name) {
  return "/dev/shm/tbfault-ledger-bench-" + name + "-" + std::to_string(getpid());
}

void BM_LedgerAppendScalar(benchmark::State& state) {
  constexpr uint64_t kCapacity = 1 << 24;
  std::string path = ShmPath("append");
  std::unique_ptr<core::LedgerWriter> ledger;
  if (!core::LedgerWriter::Create(path, kCapacity, 16, &ledger).ok()) {
    state.SkipWithError("cannot create ledger");
    return;
  }
  uint32_t series = ledger->Series("run", "loss");
  uint64_t i = 0;
  for (auto _ : state) {
    if (i == kCapacity) {  // refill: recreate outside the timing.
      state.PauseTiming();
      ledger.reset();
      if (!core::LedgerWriter::Create(path, kCapacity, 16, &ledger).ok()) {
        state.SkipWithError("cannot recreate ledger");
        return;
      }
      series = ledger->Series("run", "loss");
      i = 0;
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(ledger->AppendScalar(series, static_cast<int64_t>(i), 0.5f, 40, i));
    ++i;
  }
  ledger.reset();
  std::filesystem::remove(path);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LedgerAppendScalar);

// One producer adding 1M scalars through the writer (to tmpfs), with (arg 1) or without (arg 0) a
// ledger append and a watermark report every 1024 adds, as the runner's child does.
void BM_WriterWithLedger(benchmark::State& state, const char* policy) {
  constexpr int kEvents = 1000000;
  const bool with_ledger = state.range(0) != 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string dir = ShmPath("run");
    std::filesystem::remove_all(dir);
    std::unique_ptr<writers::SummaryWriter> w;
    std::unique_ptr<core::LedgerWriter> ledger;
    if (!writers::SummaryWriter::Create({dir, policy, ""}, &w).ok() ||
        !core::LedgerWriter::Create(ShmPath("ledger"), kEvents, 16, &ledger).ok()) {
      state.SkipWithError("cannot create writer or ledger");
      return;
    }
    writers::TagId tags[16];
    uint32_t series[16];
    for (int t = 0; t < 16; ++t) {
      tags[t] = w->Tag("metric_" + std::to_string(t));
      series[t] = ledger->Series(".", "metric_" + std::to_string(t));
    }
    state.ResumeTiming();
    for (int i = 0; i < kEvents; ++i) {
      if (with_ledger) ledger->AppendScalar(series[i & 15], i >> 4, 0.25f, 40, i);
      w->AddScalar(tags[i & 15], i >> 4, 0.25f).Ignore();
      if (with_ledger && (i & 1023) == 1023) {
        writers::Watermarks m = w->watermarks();
        ledger->SetWatermarks(m.accepted, m.written, m.flushed, m.synced);
      }
    }
    if (!w->Close().ok()) state.SkipWithError("close failed");
    state.PauseTiming();
    ledger.reset();
    std::filesystem::remove(ShmPath("ledger"));
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * int64_t{kEvents});
}
BENCHMARK_CAPTURE(BM_WriterWithLedger, buffered, "buffered")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_WriterWithLedger, async, "async")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
