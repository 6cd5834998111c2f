// The speed gate's benchmarks (ctest -L gate; reports/baselines/ratios.json): ratios of two
// workloads measured side by side, A B A B ..., so that the machine's speed and its load cancel.
// Each repetition runs kPairs pairs, alternating which goes first, and reports a ratio as a counter
// ending in "_ratio" (lower is better; reports/gate.h). Runs are timed in CPU time (of this
// process, and of the faultfs daemon where there is one), not wall time: on a loaded machine a
// 10 ms run waits for a core about as long as it runs, and by chance. Other processes can only add
// to a run's CPU time (caches and TLBs flushed, cores shared), never take from it, so a
// repetition's ratio is the fastest A over the fastest B of its pairs: the median of the pairs
// let the faultfs ratio vary 3-fold between runs under load (its context switches cost more
// there), the minimum much less.
//   BM_PolicyVsWrite/<policy>   writer_vs_write_ratio: N scalars through our writer, opened and
//                               closed, against a raw write(2) loop of the same bytes (64 KiB
//                               writes to a new file on the same tmpfs, then close).
//   BM_FaultfsVsTmpfs/<policy>  faultfs_vs_tmpfs_ratio: the same writer run on a faultfs mount
//                               (no rules, backing on tmpfs; the daemon's CPU time counted too)
//                               against it on the tmpfs. Without FUSE it is skipped with an
//                               error "skipped: ..." (the gate counts it).
//   BM_AddVsTimer/<policy>      add_vs_timer_ratio: the add call timed with a rdtsc pair, against
//                               the empty rdtsc pair (each the mean of its fastest 90%); blocks of
//                               kBlock adds and kBlock empty pairs alternate; the median of the
//                               pairs' ratios (per call, preemption is already left out).
// Absolute CPU times are counters ending in "_us" (not gated). --tbfault_writer=mutant:<name> runs
// every writer as "mutant:<name>:<policy>" (writers/mutants/slow_writer.h: the gate's proof).
//   build/bin/gate_bench --benchmark_repetitions=9 --benchmark_out=r.json
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <x86intrin.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "fusefs/daemon.h"
#include "writers/writer_factory.h"

namespace {

namespace fs = std::filesystem;
using namespace tbfault;

constexpr int kPairs = 5;
constexpr int kBlock = 20000;
std::string g_mutant;  // --tbfault_writer=mutant:<name>; "" = our writer itself.

std::string Spec(const char* policy) {
  return g_mutant.empty() ? std::string(policy) : g_mutant + ":" + policy;
}

double Min(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// A fresh directory under /dev/shm for this process, removed at exit; those of runs that were
// killed (their pid gone) are removed first.
const std::string& ShmRoot() {
  static const std::string* root = [] {
    const std::string prefix = "tbfault-gate-bench-";
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/dev/shm", ec)) {
      std::string name = e.path().filename().string();
      if (name.rfind(prefix, 0) != 0) continue;
      pid_t pid = std::atoi(name.c_str() + prefix.size());
      if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) fs::remove_all(e.path(), ec);
    }
    auto* r = new std::string("/dev/shm/" + prefix + std::to_string(getpid()));
    fs::remove_all(*r);
    fs::create_directories(*r);
    std::atexit([] { fs::remove_all(*root); });
    return r;
  }();
  return *root;
}

// CPU seconds used so far by this process (every thread) plus, with daemon > 0, that process.
double CpuSeconds(pid_t daemon = 0) {
  auto read = [](clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
  };
  double s = read(CLOCK_PROCESS_CPUTIME_ID);
  clockid_t other;
  if (daemon > 0 && clock_getcpuclockid(daemon, &other) == 0) s += read(other);
  return s;
}

// One writer run: `events` scalars over 16 tags into a new run directory `dir`, opened and closed.
// CPU seconds (with the daemon's, if any), or < 0 with `why` set. `file` gets the event file.
double RunWriter(const std::string& spec, const std::string& dir, int events, std::string* file,
                 std::string* why, pid_t daemon = 0) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  const double t0 = CpuSeconds(daemon);
  std::unique_ptr<writers::EventWriter> w;
  Status s = writers::MakeWriter(spec, dir, &w);
  if (!s.ok()) {
    *why = spec + ": " + s.ToString();
    return -1;
  }
  writers::TagId tags[16];
  char name[16];
  for (int t = 0; t < 16; ++t) {
    std::snprintf(name, sizeof name, "metric_%d", t);
    tags[t] = w->Tag(name);
  }
  for (int i = 0; i < events; ++i) w->AddScalar(tags[i & 15], i >> 4, 0.25f).Ignore();
  s = w->Close();
  const uint64_t failed = w->counters().failed;
  if (file) *file = w->current_file();
  w.reset();  // async: its thread is joined, its CPU time counted.
  const double took = CpuSeconds(daemon) - t0;
  if (!s.ok() || failed != 0) {
    *why = spec + ": close: " + s.ToString();
    return -1;
  }
  return took;
}

// The reference: `bytes` written to a new file in `dir` with 64 KiB write(2) calls, then closed.
// CPU seconds.
double RawWrite(const std::string& bytes, const std::string& dir, std::string* why) {
  std::string path = dir + "/raw";
  ::unlink(path.c_str());
  const double t0 = CpuSeconds();
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *why = path + ": " + std::strerror(errno);
    return -1;
  }
  for (size_t off = 0; off < bytes.size();) {
    ssize_t n = ::write(fd, bytes.data() + off, std::min<size_t>(64 << 10, bytes.size() - off));
    if (n <= 0) {
      *why = path + ": write: " + std::strerror(errno);
      ::close(fd);
      return -1;
    }
    off += n;
  }
  ::close(fd);
  return CpuSeconds() - t0;
}

// How many events a policy's run writes: about 10 ms of CPU time here (30 ms for every-event); with
// half as many, fixed costs (a file created, a thread started) made the ratios twice as noisy.
int EventsFor(const char* policy) {
  return std::strncmp(policy, "every-event", 11) == 0 ? 10000 : 100000;
}

// One repetition: kPairs runs of a and b (CPU seconds, <= 0 on failure), A B, B A, A B, ...;
// reports "<ratio>_ratio" = the fastest a over the fastest b, and both in CPU us. False when a run
// failed (the benchmark then reports `why` as its error).
template <typename A, typename B>
bool Alternate(benchmark::State& state, const std::string& ratio, const std::string& a_name,
               const std::string& b_name, A run_a, B run_b, const std::string* why) {
  std::vector<double> a_s, b_s;
  for (int k = 0; k < kPairs; ++k) {
    double a = 0, b = 0;
    for (int turn = 0; turn < 2; ++turn) {
      if ((turn + k) % 2 == 0) {
        a = run_a();
      } else {
        b = run_b();
      }
    }
    if (a <= 0 || b <= 0) {
      state.SkipWithError(why->c_str());
      return false;
    }
    a_s.push_back(a);
    b_s.push_back(b);
  }
  state.counters[ratio + "_ratio"] = Min(a_s) / Min(b_s);
  state.counters[a_name + "_cpu_us"] = Min(a_s) * 1e6;
  state.counters[b_name + "_cpu_us"] = Min(b_s) * 1e6;
  return true;
}

void BM_PolicyVsWrite(benchmark::State& state, const char* policy, int max_slowdown) {
  state.SetLabel("max_slowdown=" + std::to_string(max_slowdown));
  const std::string spec = Spec(policy);
  const std::string dir = ShmRoot() + "/policy", ref_dir = ShmRoot() + "/raw";
  fs::create_directories(ref_dir);
  const int events = EventsFor(policy);
  std::string file, bytes, why;
  // Warm-up, and the bytes the reference writes.
  if (RunWriter(spec, dir, events, &file, &why) < 0 || !fs::exists(file)) {
    return state.SkipWithError(why.c_str());
  }
  bytes.resize(fs::file_size(file));
  {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : ::read(fd, bytes.data(), bytes.size());
    if (fd >= 0) ::close(fd);
    if (n != static_cast<ssize_t>(bytes.size())) return state.SkipWithError("cannot read back");
  }
  for (auto _ : state) {
    if (!Alternate(
            state, "writer_vs_write", "writer", "write",
            [&] { return RunWriter(spec, dir, events, nullptr, &why); },
            [&] { return RawWrite(bytes, ref_dir, &why); }, &why)) {
      return;
    }
  }
  state.counters["bytes"] = static_cast<double>(bytes.size());
}

// One faultfs mount, no rules, its backing directory on the tmpfs; unmounted at exit.
struct FaultfsMount {
  faultfs::Daemon daemon;
  std::string dir, why;
  bool ok = false;
  FaultfsMount() {
    if (!faultfs::CanMount("/dev/fuse", &why)) return;
    const std::string root = ShmRoot() + "/faultfs";
    dir = root + "/mnt";
    fs::create_directories(root + "/backing");
    fs::create_directories(dir);
    faultfs::Daemon::Options o;
    o.argv = {FAULTFS_BIN, "--backing", root + "/backing", "--mount",
              dir,         "--control", root + "/ctl",     "-f"};
    o.mount = dir;
    o.control = root + "/ctl";
    o.spawn.parent_death_signal = SIGTERM;
    ok = daemon.Start(std::move(o), &why);
  }
};

FaultfsMount& TheMount() {
  static FaultfsMount* m = [] {
    auto* mount = new FaultfsMount;
    std::atexit([] { TheMount().daemon.Unmount(); });
    return mount;
  }();
  return *m;
}

void BM_FaultfsVsTmpfs(benchmark::State& state, const char* policy, int max_slowdown) {
  state.SetLabel("max_slowdown=" + std::to_string(max_slowdown));
  FaultfsMount& m = TheMount();
  if (!m.ok) return state.SkipWithError(("skipped: cannot mount faultfs: " + m.why).c_str());
  const std::string spec = Spec(policy);
  const std::string on_fuse = m.dir + "/run", on_tmpfs = ShmRoot() + "/tmpfs-run";
  const int events = EventsFor(policy) / 10;
  std::string why;
  const pid_t daemon = m.daemon.pid();
  if (RunWriter(spec, on_fuse, events, nullptr, &why, daemon) < 0 ||
      RunWriter(spec, on_tmpfs, events, nullptr, &why) < 0) {
    return state.SkipWithError(why.c_str());
  }
  for (auto _ : state) {
    if (!Alternate(
            state, "faultfs_vs_tmpfs", "faultfs", "tmpfs",
            [&] { return RunWriter(spec, on_fuse, events, nullptr, &why, daemon); },
            [&] { return RunWriter(spec, on_tmpfs, events, nullptr, &why); }, &why)) {
      return;
    }
  }
}

// The mean of the fastest 90% of the timings: this VM's TSC counts in steps of 26 ticks (10 ns),
// so a median is one of a few steps and jumps by 100% between them; the mean of the fastest 90%
// resolves a fraction of a step and leaves out the preempted calls.
double TrimmedMean(std::vector<uint32_t>& ticks) {
  size_t keep = ticks.size() * 9 / 10;
  std::nth_element(ticks.begin(), ticks.begin() + keep, ticks.end());
  double sum = 0;
  for (size_t i = 0; i < keep; ++i) sum += ticks[i];
  return sum / keep;
}

void BM_AddVsTimer(benchmark::State& state, const char* policy, int max_slowdown) {
  state.SetLabel("max_slowdown=" + std::to_string(max_slowdown));
  const std::string dir = ShmRoot() + "/latency";
  std::error_code ec;
  fs::remove_all(dir, ec);
  std::unique_ptr<writers::EventWriter> w;
  if (Status s = writers::MakeWriter(Spec(policy), dir, &w); !s.ok()) {
    return state.SkipWithError(s.ToString().c_str());
  }
  writers::TagId tag = w->Tag("loss");
  int64_t step = 0;
  for (int i = 0; i < 10000; ++i) w->AddScalar(tag, step++, 1.0f).Ignore();  // warm-up.
  std::vector<uint32_t> adds(kBlock), empty(kBlock);
  for (auto _ : state) {
    std::vector<double> ratios, a_s, b_s;
    for (int k = 0; k < kPairs; ++k) {
      double a = 0, b = 0;
      for (int turn = 0; turn < 2; ++turn) {
        if ((turn + k) % 2 == 0) {
          for (auto& t : adds) {
            uint64_t t0 = __rdtsc();
            benchmark::DoNotOptimize(w->AddScalar(tag, step++, 0.5f));
            t = static_cast<uint32_t>(__rdtsc() - t0);
          }
          a = TrimmedMean(adds);
        } else {
          for (auto& t : empty) {
            uint64_t t0 = __rdtsc();
            benchmark::ClobberMemory();
            t = static_cast<uint32_t>(__rdtsc() - t0);
          }
          b = std::max(TrimmedMean(empty), 1.0);
        }
      }
      ratios.push_back(a / b);
      a_s.push_back(a);
      b_s.push_back(b);
    }
    state.counters["add_vs_timer_ratio"] = Median(ratios);
    state.counters["add_ticks"] = Median(a_s);
    state.counters["timer_ticks"] = Median(b_s);
  }
  if (!w->Close().ok()) state.SkipWithError("close failed");
  fs::remove_all(dir, ec);
}

// Every flush policy (policy.h; the presets are these with other thresholds, left out to keep the
// run short). async's queue holds a whole run: a full queue would measure the disk, not the writer.
// The last argument is the ratio's tolerance, in percent, for the gate (a "max_slowdown=" label
// token, read from the baseline): 1.5 times the largest change of its median that 20 runs of our
// writer showed against the baseline on the loaded 2-core development machine, rounded up to 5,
// at least 10 (README, "The speed gate").
#define POLICY(fn, name, spec, max_slowdown) \
  BENCHMARK_CAPTURE(fn, name, spec, max_slowdown)->Iterations(1)->Unit(benchmark::kMillisecond)
POLICY(BM_PolicyVsWrite, every_event, "every-event", 15);
POLICY(BM_PolicyVsWrite, buffered, "buffered", 55);
POLICY(BM_PolicyVsWrite, periodic, "periodic", 35);
POLICY(BM_PolicyVsWrite, async, "async:queue=131072", 20);
POLICY(BM_FaultfsVsTmpfs, every_event, "every-event", 155);
POLICY(BM_FaultfsVsTmpfs, buffered, "buffered", 35);
POLICY(BM_AddVsTimer, buffered, "buffered", 65);
POLICY(BM_AddVsTimer, async, "async:queue=1048576", 185);

}  // namespace

int main(int argc, char** argv) {
  // Our one flag, taken out before Google Benchmark reads the rest.
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.starts_with("--tbfault_writer=")) {
      g_mutant = std::string(arg.substr(17));
      Status s = tbfault::writers::CheckWriterSpec(g_mutant + ":buffered");
      if (!g_mutant.starts_with("mutant:") || !s.ok()) {
        std::fprintf(stderr, "gate_bench: --tbfault_writer: %s\n",
                     s.ok() ? "expected mutant:<name>" : s.ToString().c_str());
        return 2;
      }
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
