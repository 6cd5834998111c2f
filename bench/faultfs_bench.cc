// faultfs overhead, side by side in one run with libfuse's own passthrough_ll (built from Debian's
// libfuse3-dev examples): sequential 1 MiB writes and 64-byte append+fsync loops through faultfs
// with no rules, with 100 non-matching rules, and through passthrough_ll; and the cost of one rule
// decision. Needs root and /dev/fuse. Compare medians of the same workload across the three mounts.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <google/protobuf/text_format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "fusefs/daemon.h"
#include "fusefs/rules.h"

namespace {

namespace fs = std::filesystem;

// One mounted daemon, through the helper tests and the harness use too (fusefs/daemon.h).
class Mount {
 public:
  Mount(std::vector<std::string> args, const std::string& dir, const std::string& control = "") {
    faultfs::Daemon::Options o;
    o.argv = std::move(args);
    o.mount = dir;
    o.control = control;
    o.spawn.parent_death_signal = SIGTERM;
    ok_ = daemon_.Start(std::move(o), &why_);
    dir_ = dir;
  }
  bool ok() const { return ok_; }
  const std::string& why() const { return why_; }
  const std::string& dir() const { return dir_; }

 private:
  faultfs::Daemon daemon_;
  std::string dir_, why_;
  bool ok_ = false;
};

struct Mounts {
  std::string root;
  std::unique_ptr<Mount> plain, ruled, reference;
  Mounts() {
    char tmpl[] = "/tmp/faultfs-bench-XXXXXX";
    root = mkdtemp(tmpl);
    for (const char* d : {"b1", "m1", "b2", "m2", "b3", "m3"})
      fs::create_directories(root + "/" + d);
    std::ofstream rules(root + "/rules");
    for (int i = 0; i < 100; ++i) {
      rules << "rule { ops: \"write\" ops: \"fsync\" path: \"/nomatch-" << i
            << "/*\" effect { error: \"EIO\" } }\n";
    }
    rules.close();
    plain = std::make_unique<Mount>(
        std::vector<std::string>{FAULTFS_BIN, "--backing", root + "/b1", "--mount", root + "/m1",
                                 "--control", root + "/s1", "-f"},
        root + "/m1", root + "/s1");
    ruled = std::make_unique<Mount>(
        std::vector<std::string>{FAULTFS_BIN, "--backing", root + "/b2", "--mount", root + "/m2",
                                 "--control", root + "/s2", "--rules", root + "/rules", "-f"},
        root + "/m2", root + "/s2");
    reference =
        std::make_unique<Mount>(std::vector<std::string>{PASSTHROUGH_LL_BIN, "-f", "-o",
                                                         "source=" + root + "/b3", root + "/m3"},
                                root + "/m3");
  }
  ~Mounts() {
    plain.reset();
    ruled.reset();
    reference.reset();
    fs::remove_all(root);
  }
  const Mount* Get(int which) const {
    return which == 0 ? plain.get() : which == 1 ? ruled.get() : reference.get();
  }
};

Mounts& TheMounts() {
  static Mounts* m = new Mounts;  // unmounted at exit by the atexit below.
  static bool registered = [] {
    std::atexit([] { delete m; });
    return true;
  }();
  (void)registered;
  return *m;
}

const char* kNames[] = {"faultfs", "faultfs_100_rules", "passthrough_ll"};

void BM_SequentialWrite1MiB(benchmark::State& state) {
  const Mount* m = TheMounts().Get(static_cast<int>(state.range(0)));
  if (!m->ok()) return state.SkipWithError(("not mounted: " + m->why()).c_str());
  state.SetLabel(kNames[state.range(0)]);
  std::string block(1 << 20, 'x');
  std::string path = m->dir() + "/seq";
  for (auto _ : state) {
    int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    for (int i = 0; i < 32; ++i) {
      if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) {
        state.SkipWithError("write failed");
        break;
      }
    }
    ::close(fd);
  }
  state.SetBytesProcessed(state.iterations() * 32 * int64_t{1 << 20});
}
BENCHMARK(BM_SequentialWrite1MiB)->DenseRange(0, 2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Append64Fsync(benchmark::State& state) {
  const Mount* m = TheMounts().Get(static_cast<int>(state.range(0)));
  if (!m->ok()) return state.SkipWithError(("not mounted: " + m->why()).c_str());
  state.SetLabel(kNames[state.range(0)]);
  std::string path = m->dir() + "/append";
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_APPEND, 0644);
  char record[64] = {};
  for (auto _ : state) {
    if (::write(fd, record, sizeof record) != sizeof record || ::fsync(fd) != 0) {
      state.SkipWithError("append failed");
      break;
    }
  }
  ::close(fd);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Append64Fsync)->DenseRange(0, 2)->UseRealTime();

// range(1): 0 = globs with a literal head ("/nomatch-N/*"), 1 = with a leading wildcard ("*/x-N").
void BM_RuleDecision(benchmark::State& state) {
  faultfs::RuleEngine engine(1);
  for (int i = 0; i < state.range(0); ++i) {
    faultfs::Rule rule;
    std::string glob =
        state.range(1) ? "*/x-" + std::to_string(i) : "/nomatch-" + std::to_string(i) + "/*";
    google::protobuf::TextFormat::ParseFromString(
        "ops: \"write\" path: \"" + glob + "\" effect { error: \"EIO\" }", &rule);
    uint32_t id;
    std::string error;
    engine.Add(rule, &id, &error);
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(engine.Decide(faultfs::kWrite, "/logs/run/events.out.tfevents.1", 64));
  }
}
BENCHMARK(BM_RuleDecision)->ArgsProduct({{0, 1, 10, 100}, {0, 1}});

}  // namespace

BENCHMARK_MAIN();
