// Format benchmarks: masked CRC-32C (hardware and portable), scalar event encoding, and the strict
// reader's throughput with CRC verification. Run from the release preset:
//   build/release/bin/format_bench --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "format/crc32c.h"
#include "format/event_reader.h"
#include "format/events.h"
#include "format/record_reader.h"

namespace {

using namespace tbfault;

std::string RandomBytes(size_t n) {
  std::mt19937_64 rng(1);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

void BM_Crc32cHardware(benchmark::State& state) {
  if (!crc32c::HardwareAvailable()) {
    state.SkipWithError("no SSE4.2");
    return;
  }
  std::string data = RandomBytes(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(crc32c::ExtendHardware(0, data.data(), data.size()));
  }
  state.SetBytesProcessed(state.iterations() * data.size());
}
BENCHMARK(BM_Crc32cHardware)->Arg(4 << 10)->Arg(1 << 20);

void BM_Crc32cPortable(benchmark::State& state) {
  std::string data = RandomBytes(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(crc32c::ExtendPortable(0, data.data(), data.size()));
  }
  state.SetBytesProcessed(state.iterations() * data.size());
}
BENCHMARK(BM_Crc32cPortable)->Arg(4 << 10)->Arg(1 << 20);

void BM_EncodeScalarEvent(benchmark::State& state) {
  std::string out;
  out.reserve(1 << 20);
  int64_t step = 0;
  for (auto _ : state) {
    if (out.size() > (1 << 19)) out.clear();
    format::AppendEventRecord(&out, format::ScalarEvent(1.7e9, step++, "loss", 0.5f, false));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeScalarEvent);

// ~64 MiB of a realistic training log: many scalar tags, a histogram every 100 steps.
const std::string& TrainingFile() {
  static const std::string file = [] {
    std::string b;
    format::AppendEventRecord(&b, format::FileVersionEvent(1.7e9));
    std::vector<double> values(1000);
    for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i % 97);
    for (int64_t step = 0; b.size() < (64u << 20); ++step) {
      for (int t = 0; t < 16; ++t) {
        format::AppendEventRecord(
            &b, format::ScalarEvent(1.7e9 + step, step, "train/metric_" + std::to_string(t),
                                    0.001f * step, step == 0));
      }
      if (step % 100 == 0) {
        format::AppendEventRecord(&b, format::HistogramEvent(1.7e9, step, "w", values, step == 0));
      }
    }
    return b;
  }();
  return file;
}

void BM_RecordReader(benchmark::State& state) {
  const std::string& file = TrainingFile();
  for (auto _ : state) {
    format::RecordReader reader(file, nullptr);
    std::string_view data;
    uint64_t offset, n = 0;
    while (reader.ReadRecord(&data, &offset)) ++n;
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(state.iterations() * file.size());
}
BENCHMARK(BM_RecordReader)->Unit(benchmark::kMillisecond);

void BM_EventReader(benchmark::State& state) {
  const std::string& file = TrainingFile();
  for (auto _ : state) {
    format::EventReader reader(file, nullptr);
    format::EventRecord rec;
    uint64_t n = 0;
    while (reader.Next(&rec)) ++n;
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(state.iterations() * file.size());
}
BENCHMARK(BM_EventReader)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
