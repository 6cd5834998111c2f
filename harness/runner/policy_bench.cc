#include "harness/runner/policy_bench.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "harness/core/scenario.h"
#include "harness/load/percentile.h"
#include "harness/load/profile.h"
#include "harness/runner/runner.h"
#include "harness/runner/train_overhead.h"
#include "writers/policy.h"
#include "writers/writer_factory.h"

namespace tbfault::runner {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

using load::NearestRank;

// The counts of each measure, full and quick. A throughput round is `events` adds or `round_s`
// seconds of them, whichever ends first: a fast writer does every event, a slow one (TensorFlow,
// ~1 k events/s) stops at the time budget instead of taking minutes a round.
struct Counts {
  int64_t events;  // per throughput round, at most.
  double round_s;  // per throughput round, at most (Close() comes after).
  int rounds;
  int64_t small_fast_steps, llm_like_steps;
  int train_rounds;
  int64_t baseline_steps;  // RunOptions: steps timed without logging in a scenario.
};
constexpr Counts kFull = {100000, 10.0, 5, 5000, 1000, 5, 200};
constexpr Counts kQuick = {3000, 1.0, 3, 300, 60, 2, 20};

std::string Label(const std::string& spec) { return ResultDirName(spec); }

reports::ScenarioResult NewResult(const std::string& spec, const std::string& measure) {
  reports::ScenarioResult r;
  r.name = "policy/" + spec + "/" + measure;
  r.writer = spec;
  return r;
}

}  // namespace

ThroughputRound MeasureThroughputRound(const std::string& spec, const std::string& dir,
                                       int64_t max_events, double budget_s,
                                       std::vector<double>* add_ns) {
  ThroughputRound round;
  std::error_code ec;
  fs::remove_all(dir, ec);
  std::unique_ptr<writers::EventWriter> w;
  Status s = writers::MakeWriter(spec, dir, &w);
  if (!w) return round.error = s, round;
  writers::TagId tags[8];
  for (int i = 0; i < 8; ++i) tags[i] = w->Tag("bench/scalar_" + std::to_string(i));
  Status first;
  const auto t0 = Clock::now();
  const auto budget =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(budget_s));
  int64_t i = 0;
  for (auto a = t0; i < max_events && a - t0 < budget; ++i) {
    Status st = w->AddScalar(tags[i % 8], i / 8, static_cast<float>(i) * 0.5f);
    auto b = Clock::now();
    add_ns->push_back(static_cast<double>((b - a).count()));
    a = b;
    if (!st.ok() && first.ok()) first = st;
  }
  Status closed = w->Close();
  double secs = Seconds(t0);
  writers::Counters c = w->counters();
  round.events = i;
  round.events_per_s = static_cast<double>(i) / secs;
  round.mb_per_s = static_cast<double>(c.bytes_written) / 1e6 / secs;
  round.failed = c.failed;
  if (!first.ok()) round.error = first;
  if (!closed.ok()) round.error = closed;
  fs::remove_all(dir, ec);
  return round;
}

namespace {

// The fault scenarios, with their counts shrunk in quick mode.
struct FaultScenario {
  const char* measure;
  bool clears;
  std::string text;
};
std::vector<FaultScenario> FaultScenarios(bool quick) {
  // As scenarios/faults/{crash-before-flush,power-cut-no-sync,disk-full-write,eacces-revoked,
  // delay-100ms}.textproto; built here so that the bench does not change when the suite does.
  std::string steps = quick ? "100" : "200";
  std::string step_ms = quick ? "1" : "5";  // so that a loss window has seconds of training.
  std::string fault_window =
      quick ? "at_step: 25 clear_at_step: 40" : "at_step: 50 clear_at_step: 80";
  std::string mixed = "workload { steps: " + steps +
                      " scalars_per_step: 4 histogram_every: 20 image_every: 50 text_every: 50 "
                      "flush_every: 10 }\n";
  return {
      {"crash", false,
       "seed: 13\nworkload { steps: " + steps +
           " scalars_per_step: 4 histogram_every: 20 flush_every: 50 step_ms: " + step_ms +
           " }\n"
           "actions { kind: PROCESS_CRASH at_step: " +
           (quick ? "70" : "137") + " }\n"},
      {"power-cut", false,
       "seed: 15\nworkload { steps: " + steps + " scalars_per_step: 4 flush_every: 10 step_ms: " +
           step_ms + " }\nactions { kind: POWER_CUT at_step: " + (quick ? "75" : "150") + " }\n"},
      {"enospc", true,
       "seed: 2\n" + mixed +
           "faults { rule: \"ops: 'write' path: '*tfevents*' effect { error: 'ENOSPC' }\" " +
           fault_window + " }\n"},
      {"eacces", true,
       "seed: 8\n" + mixed +
           "faults { rule: \"ops: 'write' path: '*tfevents*' effect { error: 'EACCES' }\" " +
           fault_window + " }\n"},
      // No Flush() from the workload here: an explicit flush waits for the disk under every
      // policy (that is its contract); what differs is whether the policy's own flushing does.
      {"delay-100ms", false,
       std::string("seed: 12\nworkload { steps: ") + (quick ? "10" : "20") +
           " scalars_per_step: " + (quick ? "1" : "2") +
           " step_ms: 2 }\n"
           "faults { rule: \"ops: 'write' effect { delay { ms: 100 } }\" at_step: 0 }\n"},
      // Freshness: no fault and no Flush() from the workload, one scalar per step; how soon the
      // live reader (every 50 ms) shows each event is the policy's own flushing.
      {"fresh", false,
       std::string("seed: 21\nworkload { steps: ") + (quick ? "40" : "300") +
           " scalars_per_step: 1 step_ms: " + (quick ? "5" : "10") +
           " }\nreader { reload_ms: 50 }\n"},
  };
}

std::string TextprotoString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string_view BehaviourName(Behaviour b) {
  switch (b) {
    case Behaviour::kSkipped:
      return "skipped";
    case Behaviour::kError:
      return "error";
    case Behaviour::kLostSilently:
      return "lost silently";
    case Behaviour::kBlocked:
      return "blocked";
    case Behaviour::kRecovered:
      return "recovered";
    case Behaviour::kKeptGoing:
      return "kept going";
  }
  return "?";
}

bool Hung(const reports::ScenarioResult& r) {
  return r.outcome == reports::Outcome::kError && r.failure == reports::RunFailure::kHung;
}

Behaviour ClassifyBehaviour(const reports::ScenarioResult& r, bool fault_clears) {
  if (r.outcome == reports::Outcome::kError)
    return Hung(r) ? Behaviour::kBlocked : Behaviour::kError;
  for (const auto& p : r.profiles) {
    if (p.violations() > 0) return Behaviour::kLostSilently;
  }
  std::vector<double> without = r.step_times.without_logging_ms;
  const auto& with = r.step_times.with_logging_ms;
  double bound = std::max(50.0, 10 * NearestRank(without, 50));
  if (!with.empty() && *std::max_element(with.begin(), with.end()) > bound) {
    return Behaviour::kBlocked;
  }
  const reports::ProfileResult* strict = r.profile("strict");
  bool all_visible =
      strict != nullptr && strict->count(reports::Verdict::kVisible) == r.events_logged;
  return fault_clears && all_visible ? Behaviour::kRecovered : Behaviour::kKeptGoing;
}

std::vector<std::string> DefaultBenchWriters() {
  std::vector<std::string> out;
  for (const char* const* n = writers::PolicyNames(); *n != nullptr; ++n) {
    out.emplace_back(*n);
    if (std::string_view(*n) == "async") out.emplace_back("async:overflow=drop-newest");
  }
  out.emplace_back("tensorboardx");
  out.emplace_back("tensorboard");
  out.emplace_back("tensorflow");
  out.emplace_back("tensorflow-v1");
  out.emplace_back("keras");
  return out;
}

namespace {

// One bench run, one function per phase (policy_bench.h): probe the writers, throughput to tmpfs,
// step overhead under the training profiles, the fault scenarios on faultfs.
class BenchRun {
 public:
  BenchRun(const PolicyBenchOptions& options, PolicyBench* out)
      : o_(options), n_(options.quick ? kQuick : kFull), out_(out) {}

  Status Run() {
    if (Status s = MakeTmpDir(); !s.ok()) return s;
    if (Status s = ProbeWriters(); !s.ok()) return s;
    MeasureThroughput();
    for (const char* profile : {"small-fast", "llm-like"}) {
      if (Status s = MeasureTraining(profile); !s.ok()) return s;
    }
    if (Status s = RunFaultScenarios(); !s.ok()) return s;
    if (Stopped()) return Status::Invalid("interrupted");
    return Status::Ok();
  }
  ~BenchRun() {
    std::error_code ec;
    if (!tmp_.empty()) fs::remove_all(tmp_, ec);
  }

 private:
  bool Stopped() const { return o_.interrupted != nullptr && o_.interrupted->load(); }
  void Say(const std::string& line) const {
    if (o_.progress) o_.progress(line);
  }
  Status MakeTmpDir();
  Status ProbeWriters();
  void MeasureThroughput();
  Status MeasureTraining(const char* profile_name);
  Status RunFaultScenarios();
  void RecordFault(size_t i, const FaultScenario& f, const reports::ScenarioResult& r);

  const PolicyBenchOptions& o_;
  const Counts& n_;
  PolicyBench* out_;
  std::string tmp_;
  std::vector<std::string> specs_;  // the writers that can be made here.
};

Status BenchRun::MakeTmpDir() {
  std::string tmp = o_.tmpfs_dir;
  if (tmp.empty()) {
    tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : fs::temp_directory_path().string();
  }
  tmp += "/tbfault-policies-" + std::to_string(getpid());
  std::error_code ec;
  fs::create_directories(tmp, ec);
  if (ec) return Status::FromErrno(ec.value(), "mkdir " + tmp);
  tmp_ = tmp;
  return Status::Ok();
}

// Which writers can be made here: a bad spec of ours is an error, an external writer that cannot
// be made (no venv) is skipped with the reason.
Status BenchRun::ProbeWriters() {
  std::error_code ec;
  for (const std::string& spec : o_.writers.empty() ? DefaultBenchWriters() : o_.writers) {
    std::unique_ptr<writers::EventWriter> w;
    Status s = writers::MakeWriter(spec, tmp_ + "/probe", &w);
    if (w) (void)w->Close();
    fs::remove_all(tmp_ + "/probe", ec);
    if (w) {
      specs_.push_back(spec);
      continue;
    }
    writers::Policy p;
    if (writers::ParsePolicy(spec, &p).ok() || spec.starts_with("ours:")) {
      return Status::Invalid("writer " + spec + ": " + s.ToString());
    }
    out_->skipped.push_back(spec + ": not measured: " + s.ToString());
  }
  if (specs_.empty()) return Status::Invalid("no writer to measure");
  out_->rows.resize(specs_.size());
  for (size_t i = 0; i < specs_.size(); ++i) out_->rows[i].spec = specs_[i];
  return Status::Ok();
}

// Throughput: rounds alternate the writers, so that drift hits them alike.
void BenchRun::MeasureThroughput() {
  std::vector<std::vector<double>> eps(specs_.size()), mbps(specs_.size()), add(specs_.size());
  std::vector<reports::ScenarioResult> tput(specs_.size());
  for (size_t i = 0; i < specs_.size(); ++i) {
    tput[i] = NewResult(specs_[i], "throughput");
    add[i].reserve(static_cast<size_t>(n_.events * n_.rounds));
  }
  for (int r = 0; r < n_.rounds && !Stopped(); ++r) {
    for (size_t i = 0; i < specs_.size() && !Stopped(); ++i) {
      auto t0 = Clock::now();
      ThroughputRound round = MeasureThroughputRound(specs_[i], tmp_ + "/tput/" + Label(specs_[i]),
                                                     n_.events, n_.round_s, &add[i]);
      tput[i].duration_s += Seconds(t0);
      tput[i].events_logged += static_cast<uint64_t>(round.events);
      if (!round.error.ok() || round.failed > 0) {
        tput[i].outcome = reports::Outcome::kFailed;
        tput[i].error = round.error.ok() ? std::to_string(round.failed) + " events reported lost"
                                         : round.error.ToString();
      }
      eps[i].push_back(round.events_per_s);
      mbps[i].push_back(round.mb_per_s);
      Say(specs_[i] + ": throughput round " + std::to_string(r + 1) + "/" +
          std::to_string(n_.rounds) + ": " +
          std::to_string(static_cast<int64_t>(round.events_per_s)) + " events/s (" +
          std::to_string(round.events) + " events)");
    }
  }
  for (size_t i = 0; i < specs_.size(); ++i) {
    if (eps[i].empty()) continue;
    reports::Figures& f = tput[i].figures;
    f.events_per_s = NearestRank(eps[i], 50);
    f.mb_per_s = NearestRank(mbps[i], 50);
    f.add_ns_p50 = NearestRank(add[i], 50);
    f.add_ns_p99 = NearestRank(add[i], 99);
    f.add_ns_max = NearestRank(add[i], 100);
    PolicyRow& row = out_->rows[i];
    row.events_per_s = f.events_per_s;
    row.mb_per_s = f.mb_per_s;
    row.add_ns_p50 = f.add_ns_p50;
    row.add_ns_p99 = f.add_ns_p99;
    std::vector<double>().swap(add[i]);
  }
  for (auto& r : tput) out_->results.scenarios.push_back(std::move(r));
}

// Step overhead under one training profile, every writer in turn.
Status BenchRun::MeasureTraining(const char* profile_name) {
  load::LoadProfile profile;
  if (Status s = load::LoadProfileByName(profile_name, &profile); !s.ok()) return s;
  const bool small = profile.name == "small-fast";
  TrainOptions to;
  to.steps = small ? n_.small_fast_steps : n_.llm_like_steps;
  to.rounds = n_.train_rounds;
  to.workload.device = load::Device::kCpu;
  std::error_code ec;
  for (size_t i = 0; i < specs_.size() && !Stopped(); ++i) {
    reports::ScenarioResult r = NewResult(specs_[i], std::string("train-") + profile_name);
    std::string dir = tmp_ + "/train/" + Label(specs_[i]);
    fs::remove_all(dir, ec);
    auto t0 = Clock::now();
    std::unique_ptr<writers::EventWriter> w;
    Status s = writers::MakeWriter(specs_[i], dir, &w);
    TrainMeasurement m;
    if (w) s = MeasureTrainOverhead(profile, to, w.get(), &m);
    r.duration_s = Seconds(t0);
    fs::remove_all(dir, ec);
    if (!w || !s.ok()) {
      r.outcome = reports::Outcome::kError;
      r.failure = reports::RunFailure::kMeasureFailed;
      r.error = s.ToString();
    } else {
      r.events_logged = m.events;
      if (m.lost()) {
        r.outcome = reports::Outcome::kFailed;
        r.error = m.closed.ok() ? "the writer lost events (" + std::to_string(m.counters.failed) +
                                      " reported failed, " + std::to_string(m.add_errors) +
                                      " steps with add errors)"
                                : m.closed.ToString();
      }
      const load::StepCost cost = m.cost();
      r.figures.step_added_us_p50 = cost.added_us_p50;
      r.figures.step_added_us_p99 = cost.added_us_p99;
      r.figures.step_overhead_pct_p50 = cost.pct_p50;
      r.figures.step_overhead_pct_p99 = cost.pct_p99;
      auto thin = [](const load::StepTimes& t) {
        return load::Thin<double>(t.samples(), 2000, [](int64_t ns) { return ns / 1e6; });
      };
      r.step_times.with_logging_ms = thin(m.times[kWriter]);
      r.step_times.without_logging_ms = thin(m.times[kDisabled]);
      PolicyRow& row = out_->rows[i];
      (small ? row.small_fast_us_p50 : row.llm_like_us_p50) = cost.added_us_p50;
      (small ? row.small_fast_us_p99 : row.llm_like_us_p99) = cost.added_us_p99;
    }
    Say(specs_[i] + ": " + r.name + " done in " + std::to_string(r.duration_s) + " s");
    out_->results.scenarios.push_back(std::move(r));
  }
  return Status::Ok();
}

// The fault scenarios, on faultfs, through RunScenario.
Status BenchRun::RunFaultScenarios() {
  std::vector<FaultScenario> faults = FaultScenarios(o_.quick);
  if (access("/dev/fuse", R_OK | W_OK) != 0) {
    out_->fuse_scenarios_skipped = static_cast<int>(faults.size() * specs_.size());
    out_->skipped.push_back(std::to_string(out_->fuse_scenarios_skipped) +
                            " fault scenarios skipped: /dev/fuse is absent");
    return Status::Ok();
  }
  RunOptions ro;
  ro.out_dir = o_.out_dir + "/runs";
  ro.tbfault_bin = o_.tbfault_bin;
  ro.device = "cpu";
  ro.baseline_steps = n_.baseline_steps;
  // A hung writer is "blocked". The limit counts from the writer open (RunOptions): a slow
  // start-up (TensorFlow's import) has its own.
  ro.default_time_limit_s = o_.quick ? 5 : 60;
  ro.interrupted = o_.interrupted;
  for (size_t i = 0; i < specs_.size() && !Stopped(); ++i) {
    for (const FaultScenario& f : faults) {
      if (Stopped()) break;
      std::string name = "policy/" + specs_[i] + "/" + f.measure;
      std::string text = "name: " + TextprotoString(name) + "\n" + f.text +
                         "writer { spec: " + TextprotoString(specs_[i]) + " }\n";
      scenario::Scenario sc;
      if (Status s = core::ParseScenario(text, name, &sc); !s.ok()) return s;
      RunOutput run;
      if (Status s = RunScenario(sc, ro, &run); !s.ok()) return s;
      RecordFault(i, f, run.result);
      out_->results.scenarios.push_back(std::move(run.result));
    }
  }
  return Status::Ok();
}

// A fault scenario's cells of writer i's row: the loss window, or the behaviour in one word.
void BenchRun::RecordFault(size_t i, const FaultScenario& f, const reports::ScenarioResult& r) {
  PolicyRow& row = out_->rows[i];
  const reports::ProfileResult* strict = r.profile("strict");
  std::string_view m = f.measure;
  bool judged = r.outcome != reports::Outcome::kError && strict != nullptr;
  bool violations = false;
  for (const auto& p : r.profiles) violations |= p.violations() > 0;
  if (m == "crash" && judged) row.crash_loss = strict->loss_window;
  if (m == "fresh" && judged) {
    if (const reports::ProfileResult* rust = r.profile("tb-rust"); rust != nullptr) {
      row.lag_ms_p50 = rust->figures.lag_ms_p50;
      row.lag_ms_p99 = rust->figures.lag_ms_p99;
    }
  }
  if (m == "power-cut" && judged) row.power_cut_loss = strict->loss_window;
  if (m == "crash") row.crash_violations = violations;
  if (m == "power-cut") row.power_cut_violations = violations;
  Behaviour b = ClassifyBehaviour(r, f.clears);
  if (m == "enospc") row.enospc = b;
  if (m == "eacces") row.eacces = b;
  if (m == "delay-100ms") row.delay = b;
  Say(specs_[i] + ": " + std::string(m) + ": " + std::string(OutcomeName(r.outcome)) +
      (m == "crash" || m == "power-cut" || m == "fresh" ? ""
                                                        : ", " + std::string(BehaviourName(b))) +
      (r.error.empty() ? "" : " (" + r.error + ")"));
}

}  // namespace

Status RunPolicyBench(const PolicyBenchOptions& options, PolicyBench* out) {
  *out = PolicyBench();
  const Counts& n = options.quick ? kQuick : kFull;
  out->round_events = n.events;
  out->round_s = n.round_s;
  return BenchRun(options, out).Run();
}

}  // namespace tbfault::runner
