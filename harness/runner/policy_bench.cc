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

Status RunPolicyBench(const PolicyBenchOptions& options, PolicyBench* out) {
  *out = PolicyBench();
  const Counts& n = options.quick ? kQuick : kFull;
  out->round_events = n.events;
  out->round_s = n.round_s;
  auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  auto stop = [&] { return options.interrupted != nullptr && options.interrupted->load(); };
  std::string tmp = options.tmpfs_dir;
  if (tmp.empty()) {
    tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : fs::temp_directory_path().string();
  }
  tmp += "/tbfault-policies-" + std::to_string(getpid());
  std::error_code ec;
  fs::create_directories(tmp, ec);
  if (ec) return Status::FromErrno(ec.value(), "mkdir " + tmp);
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(dir, e);
    }
  } cleanup{tmp};

  // Which writers can be made here.
  std::vector<std::string> specs;
  for (const std::string& spec :
       options.writers.empty() ? DefaultBenchWriters() : options.writers) {
    std::unique_ptr<writers::EventWriter> w;
    Status s = writers::MakeWriter(spec, tmp + "/probe", &w);
    if (w) (void)w->Close();
    fs::remove_all(tmp + "/probe", ec);
    if (w) {
      specs.push_back(spec);
      continue;
    }
    writers::Policy p;
    if (writers::ParsePolicy(spec, &p).ok() || spec.starts_with("ours:")) {
      return Status::Invalid("writer " + spec + ": " + s.ToString());
    }
    out->skipped.push_back(spec + ": not measured: " + s.ToString());
  }
  if (specs.empty()) return Status::Invalid("no writer to measure");
  out->rows.resize(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) out->rows[i].spec = specs[i];

  // Throughput: rounds alternate the writers, so that drift hits them alike.
  std::vector<std::vector<double>> eps(specs.size()), mbps(specs.size()), add(specs.size());
  std::vector<reports::ScenarioResult> tput(specs.size());
  std::vector<Clock::time_point> started(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    tput[i] = NewResult(specs[i], "throughput");
    add[i].reserve(static_cast<size_t>(n.events * n.rounds));
  }
  for (int r = 0; r < n.rounds && !stop(); ++r) {
    for (size_t i = 0; i < specs.size() && !stop(); ++i) {
      auto t0 = Clock::now();
      ThroughputRound round = MeasureThroughputRound(specs[i], tmp + "/tput/" + Label(specs[i]),
                                                     n.events, n.round_s, &add[i]);
      tput[i].duration_s += Seconds(t0);
      tput[i].events_logged += static_cast<uint64_t>(round.events);
      if (!round.error.ok() || round.failed > 0) {
        tput[i].outcome = reports::Outcome::kFailed;
        tput[i].error = round.error.ok() ? std::to_string(round.failed) + " events reported lost"
                                         : round.error.ToString();
      }
      eps[i].push_back(round.events_per_s);
      mbps[i].push_back(round.mb_per_s);
      say(specs[i] + ": throughput round " + std::to_string(r + 1) + "/" +
          std::to_string(n.rounds) + ": " +
          std::to_string(static_cast<int64_t>(round.events_per_s)) + " events/s (" +
          std::to_string(round.events) + " events)");
    }
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    if (eps[i].empty()) continue;
    reports::Figures& f = tput[i].figures;
    f.events_per_s = NearestRank(eps[i], 50);
    f.mb_per_s = NearestRank(mbps[i], 50);
    f.add_ns_p50 = NearestRank(add[i], 50);
    f.add_ns_p99 = NearestRank(add[i], 99);
    f.add_ns_max = NearestRank(add[i], 100);
    PolicyRow& row = out->rows[i];
    row.events_per_s = f.events_per_s;
    row.mb_per_s = f.mb_per_s;
    row.add_ns_p50 = f.add_ns_p50;
    row.add_ns_p99 = f.add_ns_p99;
    std::vector<double>().swap(add[i]);
  }
  for (auto& r : tput) out->results.scenarios.push_back(std::move(r));

  // Step overhead under the two training profiles.
  for (const char* profile_name : {"small-fast", "llm-like"}) {
    load::LoadProfile profile;
    if (Status s = load::LoadProfileByName(profile_name, &profile); !s.ok()) return s;
    TrainOptions to;
    to.steps =
        profile_name == std::string_view("small-fast") ? n.small_fast_steps : n.llm_like_steps;
    to.rounds = n.train_rounds;
    to.workload.device = load::Device::kCpu;
    for (size_t i = 0; i < specs.size() && !stop(); ++i) {
      reports::ScenarioResult r = NewResult(specs[i], std::string("train-") + profile_name);
      std::string dir = tmp + "/train/" + Label(specs[i]);
      fs::remove_all(dir, ec);
      auto t0 = Clock::now();
      std::unique_ptr<writers::EventWriter> w;
      Status s = writers::MakeWriter(specs[i], dir, &w);
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
        PolicyRow& row = out->rows[i];
        (profile.name == "small-fast" ? row.small_fast_us_p50 : row.llm_like_us_p50) =
            cost.added_us_p50;
        (profile.name == "small-fast" ? row.small_fast_us_p99 : row.llm_like_us_p99) =
            cost.added_us_p99;
      }
      say(specs[i] + ": " + r.name + " done in " + std::to_string(r.duration_s) + " s");
      out->results.scenarios.push_back(std::move(r));
    }
  }

  // The fault scenarios, on faultfs.
  std::vector<FaultScenario> faults = FaultScenarios(options.quick);
  if (access("/dev/fuse", R_OK | W_OK) != 0) {
    out->fuse_scenarios_skipped = static_cast<int>(faults.size() * specs.size());
    out->skipped.push_back(std::to_string(out->fuse_scenarios_skipped) +
                           " fault scenarios skipped: /dev/fuse is absent");
  } else {
    RunOptions ro;
    ro.out_dir = options.out_dir + "/runs";
    ro.tbfault_bin = options.tbfault_bin;
    ro.device = "cpu";
    ro.baseline_steps = n.baseline_steps;
    // A hung writer is "blocked". The limit counts from the writer open (RunOptions): a slow
    // start-up (TensorFlow's import) has its own.
    ro.default_time_limit_s = options.quick ? 5 : 60;
    ro.interrupted = options.interrupted;
    for (size_t i = 0; i < specs.size() && !stop(); ++i) {
      for (const FaultScenario& f : faults) {
        if (stop()) break;
        std::string name = "policy/" + specs[i] + "/" + f.measure;
        std::string text = "name: " + TextprotoString(name) + "\n" + f.text +
                           "writer { spec: " + TextprotoString(specs[i]) + " }\n";
        scenario::Scenario sc;
        if (Status s = core::ParseScenario(text, name, &sc); !s.ok()) return s;
        RunOutput ro_out;
        if (Status s = RunScenario(sc, ro, &ro_out); !s.ok()) return s;
        reports::ScenarioResult& r = ro_out.result;
        PolicyRow& row = out->rows[i];
        const reports::ProfileResult* strict = r.profile("strict");
        std::string_view m = f.measure;
        bool judged = r.outcome != reports::Outcome::kError && strict != nullptr;
        bool violations = false;
        for (const auto& p : r.profiles) violations |= p.violations() > 0;
        if (m == "crash" && judged) row.crash_loss = strict->loss_window;
        if (m == "power-cut" && judged) row.power_cut_loss = strict->loss_window;
        if (m == "crash") row.crash_violations = violations;
        if (m == "power-cut") row.power_cut_violations = violations;
        Behaviour b = ClassifyBehaviour(r, f.clears);
        if (m == "enospc") row.enospc = b;
        if (m == "eacces") row.eacces = b;
        if (m == "delay-100ms") row.delay = b;
        say(specs[i] + ": " + std::string(m) + ": " + std::string(OutcomeName(r.outcome)) +
            (m == "crash" || m == "power-cut" ? "" : ", " + std::string(BehaviourName(b))) +
            (r.error.empty() ? "" : " (" + r.error + ")"));
        out->results.scenarios.push_back(std::move(r));
      }
    }
  }
  if (stop()) return Status::Invalid("interrupted");
  return Status::Ok();
}

namespace {

std::string Si(std::optional<double> v) {
  if (!v) return "-";
  char buf[32];
  double x = *v;
  if (x >= 1e9)
    std::snprintf(buf, sizeof buf, "%.2fG", x / 1e9);
  else if (x >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2fM", x / 1e6);
  else if (x >= 1e4)
    std::snprintf(buf, sizeof buf, "%.1fk", x / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f", x);
  return buf;
}
std::string Fixed(std::optional<double> v, const char* fmt = "%.1f") {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, *v);
  return buf;
}

}  // namespace

std::string FormatPolicyTable(const PolicyBench& bench) {
  std::string out;
  char line[512];
  auto row =
      [&](const std::string& a, const std::string& b, const std::string& c, const std::string& d,
          const std::string& e, const std::string& f, const std::string& g, const std::string& h,
          const std::string& i, const std::string& j, const std::string& k, const std::string& l,
          const std::string& m, const std::string& n, const std::string& o, const std::string& p) {
        std::snprintf(line, sizeof line,
                      "%-26s %9s %6s %6s %7s %6s %6s %6s %6s %5s %5s %5s %5s  %-13s %-13s %-13s",
                      a.c_str(), b.c_str(), c.c_str(), d.c_str(), e.c_str(), f.c_str(), g.c_str(),
                      h.c_str(), i.c_str(), j.c_str(), k.c_str(), l.c_str(), m.c_str(), n.c_str(),
                      o.c_str(), p.c_str());
        std::string s = line;
        while (!s.empty() && s.back() == ' ') s.pop_back();
        out += s + "\n";
      };
  row("", "tmpfs", "", "add ns", "", "small-fast", "", "llm-like", "", "crash", "loss", "power",
      "cut", "ENOSPC", "EACCES", "write delay");
  row("writer", "events/s", "MB/s", "p50", "p99", "us p50", "p99", "us p50", "p99", "ev", "s", "ev",
      "s", "", "", "100 ms");
  for (const PolicyRow& r : bench.rows) {
    auto ev = [](const std::optional<reports::LossWindow>& w, bool violations) {
      return w ? std::to_string(w->events) + (violations ? "!" : "") : std::string("-");
    };
    auto sec = [](const std::optional<reports::LossWindow>& w) {
      return w ? Fixed(w->seconds, w->seconds < 10 ? "%.2f" : "%.0f") : std::string("-");
    };
    row(r.spec, Si(r.events_per_s), Fixed(r.mb_per_s), Si(r.add_ns_p50), Si(r.add_ns_p99),
        Fixed(r.small_fast_us_p50, "%+.0f"), Fixed(r.small_fast_us_p99, "%+.0f"),
        Fixed(r.llm_like_us_p50, "%+.0f"), Fixed(r.llm_like_us_p99, "%+.0f"),
        ev(r.crash_loss, r.crash_violations), sec(r.crash_loss),
        ev(r.power_cut_loss, r.power_cut_violations), sec(r.power_cut_loss),
        std::string(BehaviourName(r.enospc)), std::string(BehaviourName(r.eacces)),
        std::string(BehaviourName(r.delay)));
  }
  out +=
      "events/s, MB/s: median over rounds to tmpfs, Close() included, a round " +
      std::to_string(bench.round_events) + " events or " + Fixed(bench.round_s, "%.0f") +
      " s of adds, whichever ends first; add ns: every add call.\n"
      "small-fast, llm-like: us the writer adds to a training step over logging disabled, CPU. "
      "Fault scenarios: the watchdog counts from the writer open.\n"
      "loss: events and seconds of training lost (strict reader) after SIGKILL / a power cut. "
      "lost silently: a reader profile counts a violation;\n"
      "blocked: a step > max(50 ms, 10x its p50 without logging); recovered: fault cleared, every "
      "event visible; kept going: losses, if any, reported.\n"
      "n! = a loss window plus violations (e.g. events lost after the writer acknowledged them).\n";
  for (const std::string& s : bench.skipped) out += "skipped: " + s + "\n";
  return out;
}

}  // namespace tbfault::runner
