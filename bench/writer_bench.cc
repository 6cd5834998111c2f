// Writer benchmarks (release preset): the add call's latency on the caller's thread (p50/p99/max
// from per-call rdtsc timings), sustained throughput per policy to tmpfs (/dev/shm), and the
// encoding cost.
//   build/release/bin/writer_bench --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <unistd.h>
#include <x86intrin.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "writers/scalar_encoder.h"
#include "writers/summary_writer.h"

namespace {

using namespace tbfault;

std::string ShmDir(const std::string& name) {
  std::string dir = "/dev/shm/tbfault-bench-" + name + "-" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  return dir;
}

double TscPerNs() {
  static const double v = [] {
    auto t0 = std::chrono::steady_clock::now();
    uint64_t c0 = __rdtsc();
    while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(50)) {
    }
    uint64_t c1 = __rdtsc();
    auto ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    return (c1 - c0) / ns;
  }();
  return v;
}

// Latency of one add_scalar, measured per call; the writer drains concurrently on its own thread.
void BM_AddScalarLatency(benchmark::State& state, const char* policy) {
  std::string dir = ShmDir("latency");
  std::unique_ptr<writers::SummaryWriter> w;
  if (!writers::SummaryWriter::Create({dir, policy, ""}, &w).ok()) {
    state.SkipWithError("cannot create writer");
    return;
  }
  writers::TagId tag = w->Tag("loss");
  std::vector<uint32_t> ticks;
  ticks.reserve(1 << 20);
  int64_t step = 0;
  for (int i = 0; i < 10000; ++i) w->AddScalar(tag, step++, 1.0f).Ignore();  // warm-up.
  for (auto _ : state) {
    uint64_t t0 = __rdtsc();
    benchmark::DoNotOptimize(w->AddScalar(tag, step++, 0.5f));
    uint64_t t1 = __rdtsc();
    if (ticks.size() < ticks.capacity()) ticks.push_back(static_cast<uint32_t>(t1 - t0));
  }
  w->Close().Ignore();
  std::sort(ticks.begin(), ticks.end());
  double per_ns = TscPerNs();
  auto pct = [&](double p) { return ticks[static_cast<size_t>(p * (ticks.size() - 1))] / per_ns; };
  // What the two rdtsc reads alone cost, at the median, so the add's own cost can be read off.
  std::vector<uint32_t> empty(100000);
  for (auto& e : empty) {
    uint64_t t0 = __rdtsc();
    benchmark::ClobberMemory();
    e = static_cast<uint32_t>(__rdtsc() - t0);
  }
  std::sort(empty.begin(), empty.end());
  state.counters["timer_ns_p50"] = empty[empty.size() / 2] / per_ns;
  if (!ticks.empty()) {
    state.counters["add_ns_p50"] = pct(0.50);
    state.counters["add_ns_p99"] = pct(0.99);
    state.counters["add_ns_max"] = ticks.back() / per_ns;
  }
  state.counters["dropped"] = static_cast<double>(w->counters().dropped);
  std::filesystem::remove_all(dir);
}
BENCHMARK_CAPTURE(BM_AddScalarLatency, async, "async:queue=1048576")->Iterations(2000000);
BENCHMARK_CAPTURE(BM_AddScalarLatency, buffered, "buffered")->Iterations(2000000);
// A queue of 10 (the preset): when the writer's thread empties it faster than the timed adds fill
// it, how long a producer waits for the thread to come back shows in p99.
BENCHMARK_CAPTURE(BM_AddScalarLatency, tensorboardx_like, "tensorboardx-like")->Iterations(2000000);

// Sustained events/s from one producer, including the final flush and close.
void BM_Throughput(benchmark::State& state, const char* policy) {
  constexpr int kEvents = 1000000;
  for (auto _ : state) {
    state.PauseTiming();
    std::string dir = ShmDir("throughput");
    std::unique_ptr<writers::SummaryWriter> w;
    if (!writers::SummaryWriter::Create({dir, policy, ""}, &w).ok()) {
      state.SkipWithError("cannot create writer");
      return;
    }
    writers::TagId tags[16];
    for (int t = 0; t < 16; ++t) tags[t] = w->Tag("metric_" + std::to_string(t));
    state.ResumeTiming();
    for (int i = 0; i < kEvents; ++i) w->AddScalar(tags[i & 15], i >> 4, 0.25f).Ignore();
    if (!w->Close().ok()) state.SkipWithError("close failed");
    state.PauseTiming();
    state.counters["MB"] = w->counters().bytes_written / 1e6;
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * int64_t{kEvents});
}
BENCHMARK_CAPTURE(BM_Throughput, async, "async")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Throughput, buffered, "buffered")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Throughput, periodic, "periodic")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Throughput, every_event, "every-event")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Throughput, tf2_like, "tf2-like")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Throughput, tensorboardx_like, "tensorboardx-like")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Throughput, pytorch_like, "pytorch-like")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_EncodeScalar(benchmark::State& state) {
  writers::ScalarTemplate t("train/loss", false);
  std::vector<char> out(t.max_frame_size());
  int64_t step = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(t.Encode(out.data(), 1.7e9 + step, step, 0.5f));
    ++step;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeScalar);

void BM_AddHistogram10k(benchmark::State& state) {
  std::string dir = ShmDir("histogram");
  std::unique_ptr<writers::SummaryWriter> w;
  if (!writers::SummaryWriter::Create({dir, "async", ""}, &w).ok()) {
    state.SkipWithError("cannot create writer");
    return;
  }
  std::vector<double> values(10000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = std::sin(0.01 * i);
  writers::TagId tag = w->Tag("weights");
  int64_t step = 0;
  for (auto _ : state) w->AddHistogram(tag, step++, values).Ignore();
  w->Close().Ignore();
  state.SetItemsProcessed(state.iterations());
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_AddHistogram10k);

}  // namespace

BENCHMARK_MAIN();
