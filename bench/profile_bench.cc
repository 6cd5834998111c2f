// Reader-profile benchmarks (issue 14): `tbfault doctor` (all three profiles, one pass) and
// `tbfault series` (one profile) on generated logdirs of 1e5, 1e6 and 1e7 scalar events over 10 or
// 1000 tags, and on a histogram/image-heavy logdir; side by side, real TensorBoard from the venv on
// the same logdirs: its Rust data server (`tensorboard --load_fast=true`, timed from its start until
// its HTTP API serves every value, by bench/tb_rust_serve.py) and its Python loader
// (EventAccumulator). Counters: bytes_per_second (event-file bytes
// read), values (summary values strict decodes), peak_rss_mb (the process's peak resident set
// during the benchmark, reset before it) and rss_bytes_per_value.
//   build/bin/profile_bench --benchmark_repetitions=5 --benchmark_out=profile.json
//     --benchmark_out_format=json
// Logdirs are written once under $TBFAULT_BENCH_DIR (default /tmp/tbfault-profile-bench) and kept.
// TensorBoard runs from $TBFAULT_VENV (default build/venv); if it is missing the benchmark is
// skipped with an error, not faked.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "format/events.h"
#include "format/file_name.h"
#include "format/png.h"
#include "harness/core/doctor.h"
#include "harness/core/profile.h"
#include "harness/core/sampled_judge.h"
#include "harness/core/verdict.h"

namespace {

namespace fs = std::filesystem;
using namespace tbfault;

std::string BenchDir() {
  const char* d = std::getenv("TBFAULT_BENCH_DIR");
  return d != nullptr ? d : "/tmp/tbfault-profile-bench";
}

// A logdir of one run: `events` scalar events round-robin over `tags` tags (one value per event,
// step = i / tags, the first value of each tag with "scalars" metadata), or with `heavy` a
// histogram and an image every step besides 8 scalars. Written once; its path is returned.
std::string Logdir(int64_t events, int64_t tags, bool heavy) {
  const std::string dir = BenchDir() + "/" + (heavy ? "heavy-" : "scalars-") +
                          std::to_string(events) + "x" + std::to_string(tags);
  const std::string done = dir + "/.complete";
  if (fs::exists(done)) return dir;
  fs::remove_all(dir);
  fs::create_directories(dir + "/run");
  std::ofstream out(dir + "/run/" + format::EventFileName(1700000000, "bench", 1, 0),
                    std::ios::binary);
  std::string buf;
  format::AppendEventRecord(&buf, format::FileVersionEvent(1700000000.0));
  std::vector<std::string> names;
  for (int64_t t = 0; t < tags; ++t) names.push_back("train/metric_" + std::to_string(t));
  std::mt19937 rng(7);
  std::normal_distribution<double> normal;
  std::vector<uint8_t> pixels(32 * 32 * 3);
  for (int64_t i = 0; i < events; ++i) {
    const int64_t step = heavy ? i / 10 : i / tags;
    const double wall = 1700000000.0 + 0.001 * i;
    if (!heavy) {
      const int64_t t = i % tags;
      format::AppendEventRecord(
          &buf, format::ScalarEvent(wall, step, names[t], 1.0f / (1 + i), step == 0));
    } else if (i % 10 == 8) {
      std::vector<double> values(1000);
      for (double& v : values) v = normal(rng);
      format::AppendEventRecord(&buf,
                                format::HistogramEvent(wall, step, "weights", values, step == 0));
    } else if (i % 10 == 9) {
      for (auto& p : pixels) p = static_cast<uint8_t>(rng());
      tensorboard::Event e;
      if (!format::ImageEvent(wall, step, "input", pixels, 32, 32, 3, step == 0, &e).ok()) {
        std::abort();
      }
      format::AppendEventRecord(&buf, e);
    } else {
      format::AppendEventRecord(
          &buf, format::ScalarEvent(wall, step, names[i % 10 % tags], 0.5f, step == 0));
    }
    if (buf.size() > (8 << 20)) {
      out << buf;
      buf.clear();
    }
  }
  out << buf;
  out.close();
  std::ofstream(done) << "ok\n";
  return dir;
}

uint64_t Bytes(const std::string& dir) {
  uint64_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().filename().string().find("tfevents") != std::string::npos) {
      n += e.file_size();
    }
  }
  return n;
}

// Peak resident set (VmHWM) since the last reset, and the reset (Linux: clear_refs 5).
uint64_t ReadStatusKb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::stoull(line.substr(std::string(key).size()));
  }
  return 0;
}
void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

void Report(benchmark::State& state, uint64_t bytes, uint64_t values, uint64_t rss_before_kb) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  const double peak_kb = static_cast<double>(ReadStatusKb("VmHWM:"));
  state.counters["values"] = static_cast<double>(values);
  state.counters["file_mb"] = bytes / 1e6;
  state.counters["peak_rss_mb"] = peak_kb / 1024;
  state.counters["rss_growth_mb"] = (peak_kb - rss_before_kb) / 1024;
  state.counters["rss_bytes_per_value"] =
      values == 0 ? 0 : (peak_kb - rss_before_kb) * 1024 / static_cast<double>(values);
}

// Runs `read` (which returns the values it read) once per iteration on the benchmark's logdir and
// reports bytes, values and peak RSS.
template <typename Read>
void Measure(benchmark::State& state, Read read) {
  const std::string dir = Logdir(state.range(0), state.range(1), state.range(2) != 0);
  const uint64_t bytes = Bytes(dir);
  ResetPeakRss();
  const uint64_t before = ReadStatusKb("VmRSS:");
  uint64_t values = 0;
  for (auto _ : state) values = read(dir);
  Report(state, bytes, values, before);
}

// Findings other than `downsampled` (the benchmark's logdirs are sound; 1e5 points a tag are
// more than a chart keeps, which the doctor rightly says).
size_t UnexpectedFindings(const core::Diagnosis& d) {
  size_t n = d.findings.size();
  for (const core::RunDiagnosis& run : d.runs) {
    for (const core::Finding& f : run.findings) n += f.kind != core::FindingKind::kDownsampled;
  }
  return n;
}

void BM_Doctor(benchmark::State& state) {
  Measure(state, [&](const std::string& dir) -> uint64_t {
    core::Diagnosis d;
    Status s = core::Diagnose(dir, &d);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    if (UnexpectedFindings(d) != 0) state.SkipWithError("unexpected findings");
    return d.runs.empty() ? 0 : d.runs[0].strict_values;
  });
}

void BM_Series(benchmark::State& state) {
  Measure(state, [&](const std::string& dir) -> uint64_t {
    core::ProfileView v;
    Status s = core::ReadProfile(core::Profile::kTbRust, dir, &v);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    uint64_t values = 0;
    for (const auto& [run, rv] : v.runs) {
      for (const auto& [tag, series] : rv.tags) values += series.points.size();
    }
    return values;
  });
}

// The judge's downsampling (harness/core/sampled_judge.h) of the logdir's verdicts, every record
// taken as logged, replaying tb-rust's reservoirs (profile 1) or tb-python's (2). Reading and
// matching are set up once; each iteration judges a copy of the judgement (the copy is not timed).
void BM_JudgeDownsampling(benchmark::State& state) {
  const std::string dir = Logdir(state.range(0), state.range(1), false);
  core::ProfileView views[3];
  if (Status s = core::ReadProfiles(dir, views); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  std::vector<core::LoggedEvent> events;
  for (const auto& [run, rv] : views[0].runs) {
    for (const auto& [tag, series] : rv.tags) {
      for (size_t i = 0; i < series.points.size(); ++i) {
        events.push_back({events.size() + 1, run, tag, series.points[i].step, series.value(i)});
      }
    }
  }
  core::Segment all;
  all.acks.accepted = all.acks.written = all.acks.flushed = all.acks.synced = events.size();
  const core::ProfileView& view = views[state.range(2) == 1 ? 1 : 2];
  const core::ProfileJudgement judged = core::Judge(events, {all}, views[0], view);
  uint64_t downsampled = 0;
  for (auto _ : state) {
    state.PauseTiming();
    core::ProfileJudgement j = judged;
    state.ResumeTiming();
    core::JudgeDownsampling(events, view, {}, &j);
    downsampled = j.count(core::Verdict::kDownsampled);
  }
  state.counters["downsampled"] = static_cast<double>(downsampled);
  state.counters["ns_per_event"] = benchmark::Counter(
      static_cast<double>(events.size()) * 1e-9,
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

std::string VenvPython(benchmark::State& state) {
  const char* venv = std::getenv("TBFAULT_VENV");
  const std::string python = std::string(venv != nullptr ? venv : "build/venv") + "/bin/python";
  if (::access(python.c_str(), X_OK) != 0) {
    state.SkipWithError(("no " + python).c_str());
    return "";
  }
  return python;
}

// Real TensorBoard with its Rust data server, from its start until its HTTP API serves every value
// of the logdir (bench/tb_rust_serve.py polls the tag of the last record, then counts every tag's
// values). Manual time: what the script measured; counters: values served, start-up seconds.
void BM_TbRustServer(benchmark::State& state) {
  const int64_t events = state.range(0), tags = state.range(1);
  const bool heavy = state.range(2) != 0;
  const std::string dir = Logdir(events, tags, heavy);
  const uint64_t bytes = Bytes(dir);
  const std::string python = VenvPython(state);
  if (python.empty()) return;
  // The last record: an image at step events/10 - 1 (heavy), else the last tag round-robin.
  const std::string probe = heavy ? "images input " + std::to_string(events / 10)
                                  : "scalars train/metric_" + std::to_string((events - 1) % tags) +
                                        " " + std::to_string(events / tags);
  // What the HTTP API can serve: every scalar and image; the histograms route serves at most 51
  // of a tag (heavy: one tag, one histogram every 10 events).
  const int64_t servable = heavy ? events / 10 * 9 + std::min<int64_t>(events / 10, 51) : events;
  const std::string cmd = python + " " TB_RUST_SERVE_PY " " + dir + " " + std::to_string(servable) +
                          " " + probe + " --timeout 1800";
  double served = 0, ready = 0;
  for (auto _ : state) {
    FILE* p = ::popen(cmd.c_str(), "r");
    double seconds = 0;
    if (p == nullptr || std::fscanf(p, "%lf %lf %lf", &seconds, &served, &ready) != 3) {
      state.SkipWithError("tb_rust_serve.py failed (its message is on stderr)");
    }
    if (p != nullptr && ::pclose(p) != 0) state.SkipWithError("tb_rust_serve.py exited non-zero");
    state.SetIterationTime(seconds);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["values"] = served;
  state.counters["startup_s"] = ready;
  state.counters["file_mb"] = bytes / 1e6;
}

// TensorBoard's Python loader (EventAccumulator, keep-all) loading the same run until every value
// is read; the value count it prints is checked against what the profiles read.
void BM_TbPythonLoader(benchmark::State& state) {
  const std::string dir = Logdir(state.range(0), state.range(1), state.range(2) != 0);
  const uint64_t bytes = Bytes(dir);
  const std::string python = VenvPython(state);
  if (python.empty()) return;
  const std::string cmd =
      python +
      " -c 'import sys\n"
      "from tensorboard.backend.event_processing import event_accumulator as ea\n"
      "a = ea.EventAccumulator(sys.argv[1], size_guidance={k: 0 for k in "
      "(ea.SCALARS, ea.HISTOGRAMS, ea.IMAGES, ea.TENSORS, ea.COMPRESSED_HISTOGRAMS)})\n"
      "a.Reload()\n"
      "t = a.Tags()\n"
      "print(sum(len(a.Tensors(x)) for x in t[\"tensors\"]) + sum(len(a.Images(x)) for x in "
      "t[\"images\"]))' " +
      dir + "/run 2>/dev/null";
  uint64_t values = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    FILE* p = ::popen(cmd.c_str(), "r");
    unsigned long long n = 0;
    if (p == nullptr || std::fscanf(p, "%llu", &n) != 1) state.SkipWithError("loader failed");
    if (p != nullptr && ::pclose(p) != 0) state.SkipWithError("loader exited non-zero");
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    values = n;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["values"] = static_cast<double>(values);
  state.counters["file_mb"] = bytes / 1e6;
}

void Sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"events", "tags", "heavy"});
  for (int64_t n : {100000, 1000000}) {
    for (int64_t tags : {10, 1000}) b->Args({n, tags, 0});
  }
  b->Args({100000, 10, 1});
  b->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_Doctor)->Apply(Sizes)->Args({10000000, 10, 0})->Iterations(1);
BENCHMARK(BM_Series)->Apply(Sizes)->Args({10000000, 10, 0})->Iterations(1);
BENCHMARK(BM_JudgeDownsampling)
    ->ArgNames({"events", "tags", "profile"})
    ->ArgsProduct({{100000, 1000000}, {10}, {1, 2}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TbRustServer)->Apply(Sizes)->UseManualTime()->Iterations(1);
// 1e7: minutes a run, so once.
BENCHMARK(BM_TbRustServer)
    ->ArgNames({"events", "tags", "heavy"})
    ->Args({10000000, 10, 0})
    ->UseManualTime()
    ->Iterations(1)
    ->Repetitions(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TbPythonLoader)
    ->ArgNames({"events", "tags", "heavy"})
    ->Args({100000, 10, 0})
    ->Args({100000, 10, 1})
    ->Args({1000000, 10, 0})
    ->UseManualTime()
    ->Iterations(1)
    ->Repetitions(3)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
