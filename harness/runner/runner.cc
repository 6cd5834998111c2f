#include "harness/runner/runner.h"

#include <google/protobuf/text_format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "harness/core/ledger.h"
#include "harness/load/percentile.h"
#include "harness/load/step_timer.h"
#include "harness/runner/drive.h"
#include "harness/runner/mount.h"
#include "harness/runner/process.h"

namespace tbfault::runner {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// One writer process: its step range and the actions it applies.
struct Process {
  int64_t first_step = 0, end_step = 0, arm_from_step = 0;
  int first_action = 0, last_action = 0;
  std::string writer;
};

std::vector<Process> PlanProcesses(const scenario::Scenario& s) {
  std::vector<Process> procs;
  Process p{0, s.workload().steps(), 0, 0, s.actions_size(), s.writer().spec()};
  for (int i = 0; i < s.actions_size(); ++i) {
    const scenario::Action& a = s.actions(i);
    if (a.kind() != scenario::Action::RESTART) continue;
    p.end_step = a.at_step();
    p.last_action = i;
    procs.push_back(p);
    p.first_step = a.resume_from_step();
    p.end_step = a.steps() > 0 ? std::min(s.workload().steps(), p.first_step + a.steps())
                               : s.workload().steps();
    p.arm_from_step = a.at_step() + 1;
    p.first_action = i + 1;
    p.last_action = s.actions_size();
    if (!a.writer().empty()) p.writer = a.writer();
  }
  procs.push_back(p);
  return procs;
}

std::string LastLine(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

// The figures of DESIGN.md section 8 from the writer processes' stats files, and the step-time
// samples (at most kSamples of each kind, evenly spaced: enough for a distribution plot).
void FillFigures(const std::vector<nlohmann::json>& stats, reports::ScenarioResult* r,
                 std::string* notes) {
  static constexpr size_t kSamples = 200;
  load::StepTimes step, base, noop, add;
  double events = 0, logging_s = 0, bytes = 0;
  std::map<std::string, uint64_t> errors;
  for (const auto& j : stats) {
    for (const auto& x : j.value("step_ns", nlohmann::json::array())) step.Add(x.get<int64_t>());
    for (const auto& x : j.value("baseline_ns", nlohmann::json::array()))
      base.Add(x.get<int64_t>());
    for (const auto& x : j.value("noop_ns", nlohmann::json::array())) noop.Add(x.get<int64_t>());
    for (const auto& x : j.value("add_ns", nlohmann::json::array())) add.Add(x.get<int64_t>());
    events += j.value("events", 0.0);
    logging_s += j.value("logging_ns", 0.0) / 1e9;
    bytes += j.value("bytes_written", 0.0);
    const nlohmann::json by_errno = j.value("errors_by_errno", nlohmann::json::object());
    for (const auto& [name, n] : by_errno.items()) errors[name] += n.get<uint64_t>();
    if (std::string dev = j.value("device", ""); dev != "synthetic" && !dev.empty()) {
      *notes += "workload device: " + dev + "\n";
    }
  }
  if (logging_s > 0) {
    r->figures.events_per_s = events / logging_s;
    r->figures.mb_per_s = bytes / 1e6 / logging_s;
  }
  if (add.size() > 0) {
    r->figures.add_ns_p50 = add.p50();
    r->figures.add_ns_p99 = add.p99();
    r->figures.add_ns_max = add.Percentile(100);
  }
  auto ms = [](int64_t ns) { return static_cast<double>(ns) / 1e6; };
  if (step.size() > 0) {
    r->figures.step_ms_p50 = ms(step.p50());
    r->figures.step_ms_p99 = ms(step.p99());
    r->figures.blocked_ms = logging_s * 1e3;
    if (step.total_ns() > 0) r->figures.blocked_pct = logging_s * 1e9 / step.total_ns() * 100;
  }
  if (base.size() > 0) {
    r->figures.disabled_step_ms_p50 = ms(base.p50());
    r->figures.disabled_step_ms_p99 = ms(base.p99());
  }
  if (noop.size() > 0) {
    r->figures.noop_step_ms_p50 = ms(noop.p50());
    r->figures.noop_step_ms_p99 = ms(noop.p99());
  }
  load::StepCost cost = load::CompareSteps(step, base);
  r->figures.step_added_us_p50 = cost.added_us_p50;
  r->figures.step_added_us_p99 = cost.added_us_p99;
  r->figures.step_overhead_pct_p50 = cost.pct_p50;
  r->figures.step_overhead_pct_p99 = cost.pct_p99;
  auto thin = [](const load::StepTimes& t) {
    return load::Thin<double>(t.samples(), kSamples, [](int64_t ns) { return ns / 1e6; });
  };
  r->step_times.with_logging_ms = thin(step);
  r->step_times.without_logging_ms = thin(base);
  r->step_times.noop_ms = thin(noop);
  if (!errors.empty()) {
    std::string line = "writer errors:";
    for (const auto& [name, n] : errors) line += " " + name + " x" + std::to_string(n);
    *notes += line + "\n";
  }
}

void FillProfiles(const core::ScenarioVerdict& v, const scenario::Scenario& s,
                  reports::ScenarioResult* r) {
  for (const core::ProfileJudgement& j : v.judgements) {
    reports::ProfileResult p;
    p.profile = std::string(core::ProfileName(j.profile));
    std::string why;
    p.passed = core::MeetsExpectation(j, core::ExpectationFor(s, j.profile), &why);
    p.counts = j.counts;  // one vocabulary (reports/verdict.h): no conversion.
    p.loss_window = j.loss_window;
    // Examples: the first few of each class, violations first.
    for (bool violations : {true, false}) {
      std::array<int, core::kVerdictCount> taken{};
      for (const core::EventVerdict& e : j.verdicts) {
        if (core::IsViolation(e.verdict) != violations) continue;
        if (e.verdict == core::Verdict::kVisible) continue;
        if (taken[core::VerdictIndex(e.verdict)]++ >= 3) continue;
        std::string reason = e.reason;
        if (!e.cause_file.empty()) {
          reason += " (cause: " + fs::path(e.cause_file).filename().string() + " offset " +
                    std::to_string(e.cause_offset) + ")";
        }
        p.examples.push_back({e.verdict, e.tag, e.step, e.file, e.offset, std::move(reason)});
      }
    }
    r->profiles.push_back(std::move(p));
  }
}

// Cumulative logged and visible events by step, at most ~50 points (enough for a chart).
void FillTimeline(const std::vector<core::LoggedEvent>& events, const core::ScenarioVerdict& v,
                  int64_t steps, reports::ScenarioResult* r) {
  int64_t stride = std::max<int64_t>(1, (steps + 49) / 50);
  size_t points = static_cast<size_t>(steps / stride + 1);
  std::vector<uint64_t> logged(points, 0);
  auto bucket = [&](int64_t step) {
    return static_cast<size_t>(std::clamp<int64_t>(step / stride, 0, points - 1));
  };
  for (const auto& e : events) logged[bucket(e.step)]++;
  std::map<std::string, std::vector<uint64_t>> visible;
  for (const auto& j : v.judgements) {
    auto& vis = visible[std::string(core::ProfileName(j.profile))];
    vis.assign(points, 0);
    for (const auto& e : j.verdicts) {
      if (e.verdict == core::Verdict::kVisible) vis[bucket(e.step)]++;
    }
  }
  reports::TimelinePoint acc;
  for (size_t i = 0; i < points; ++i) {
    acc.step = std::min<int64_t>(static_cast<int64_t>(i + 1) * stride - 1, steps);
    acc.logged += logged[i];
    for (auto& [name, vis] : visible) acc.visible[name] += vis[i];
    r->timeline.push_back(acc);
  }
}

}  // namespace

std::string ResultDirName(const std::string& name) {
  std::string out;
  for (char c : name) {
    bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
                c == '+' || c == '=' || c == ',' || c == '/';
    bool component_start = out.empty() || out.back() == '/';
    out += !keep || (component_start && (c == '.' || c == '/')) ? '_' : c;
  }
  return out.empty() ? "_" : out;
}

Status RunScenario(const scenario::Scenario& s, const RunOptions& o, RunOutput* out) {
  auto started = Clock::now();
  *out = RunOutput();
  reports::ScenarioResult& r = out->result;
  r.name = s.name();
  r.seed = s.seed();
  r.writer = s.writer().spec();
  out->dir = o.out_dir + "/" + ResultDirName(s.name());
  std::error_code ec;
  fs::remove_all(out->dir, ec);
  fs::create_directories(out->dir, ec);
  if (ec) return Status::FromErrno(ec.value(), out->dir + ": cannot create the result directory");
  const std::string dir = fs::absolute(out->dir).string();
  const std::string backing = dir + "/logdir";
  {
    std::string text;
    google::protobuf::TextFormat::PrintToString(s, &text);
    std::ofstream(dir + "/scenario.textproto") << text;
  }
  auto fail = [&](const std::string& why) {
    r.outcome = reports::Outcome::kError;
    r.error = why;
    r.duration_s = std::chrono::duration<double>(Clock::now() - started).count();
    return Status::Ok();
  };
  for (const auto& f : s.faults()) {
    r.faults.push_back({f.at_step(), "fault: " + f.rule().substr(0, 60)});
    if (f.clear_at_step() > 0) r.faults.push_back({f.clear_at_step(), "fault cleared"});
  }
  for (const auto& a : s.actions()) {
    std::string label = scenario::Action::Kind_Name(a.kind());
    std::transform(label.begin(), label.end(), label.begin(), [](char c) {
      return c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    if (!a.power_cut_mode().empty()) label += " " + a.power_cut_mode();
    r.faults.push_back({a.at_step(), label});
  }

  FaultMount mount;
  if (Status st = mount.Start({backing, "", s.seed(), s.fsync_errors(), dir + "/trace"});
      !st.ok()) {
    return fail(st.ToString());
  }
  const std::string bin =
      o.tbfault_bin.empty() ? fs::read_symlink("/proc/self/exe", ec).string() : o.tbfault_bin;
  const double limit_s = s.time_limit_s() > 0 ? s.time_limit_s() : o.default_time_limit_s;
  const auto deadline =
      started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limit_s));

  std::vector<core::LoggedEvent> events;
  std::vector<core::Segment> segments;
  uint64_t overflow = 0;
  std::vector<nlohmann::json> stats;
  const std::vector<Process> procs = PlanProcesses(s);
  for (size_t k = 0; k < procs.size(); ++k) {
    const Process& p = procs[k];
    if (k > 0 && !segments.empty() && segments.back().ending == core::Ending::kPowerCut) {
      if (Status st = mount.Control("thaw"); !st.ok()) return fail(st.ToString());
    }
    std::string prefix = dir + "/ledger-" + std::to_string(k);
    std::string stats_file = dir + "/stats-" + std::to_string(k) + ".json";
    std::string log = dir + "/drive-" + std::to_string(k) + ".log";
    std::vector<std::string> args = {
        bin,          "drive",
        "--scenario", dir + "/scenario.textproto",
        "--writer",   p.writer,
        "--logdir",   mount.mount_point(),
        "--control",  mount.control_socket(),
        "--ledger",   prefix,
        "--stats",    stats_file,
        "--steps",    std::to_string(p.first_step) + ":" + std::to_string(p.end_step),
        "--actions",  std::to_string(p.first_action) + ":" + std::to_string(p.last_action),
        "--arm-from", std::to_string(p.arm_from_step),
        "--baseline", std::to_string(k == 0 ? o.baseline_steps : 0),
        "--device",   o.device};
    pid_t pid = SpawnLogged(args, log);
    if (pid < 0) return fail("fork: " + std::string(strerror(errno)));
    int status = 0;
    bool timed_out = false, interrupted = false;
    while (waitpid(pid, &status, WNOHANG) != pid) {
      if (Clock::now() > deadline) timed_out = true;
      if (o.interrupted != nullptr && o.interrupted->load()) interrupted = true;
      if (timed_out || interrupted) {
        kill(pid, SIGKILL);
        // A writer blocked in a FUSE request dies only once the request ends: abort the mount.
        for (int i = 0; i < 500 && waitpid(pid, &status, WNOHANG) != pid; ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
          if (i == 250) mount.Abort();
        }
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (timed_out) {
      mount.Unmount();
      return fail("timed out after " + std::to_string(static_cast<int>(limit_s)) +
                  " s: the writer process (or the mount) hung; killed");
    }
    if (interrupted) {
      mount.Unmount();
      return fail("interrupted");
    }
    // The file system under test must have lived through the process: a dead faultfs leaves
    // nothing injected and nothing to judge.
    if (Status st = mount.Control("ping"); !st.ok()) {
      mount.Unmount();
      return fail("faultfs died during the run (the file system under test): " + st.message());
    }
    // How the process ended: as it meant to (an action), cleanly, or killed by something else.
    core::Ending ending = core::Ending::kProcessCrash;
    std::string meant;
    std::getline(std::ifstream(prefix + ".ending"), meant);
    if (meant == "power-cut") {
      ending = core::Ending::kPowerCut;
    } else if (meant == "process-crash") {
      ending = core::Ending::kProcessCrash;
    } else if (WIFSIGNALED(status)) {  // only a planned crash action may end a writer by a signal.
      const int sig = WTERMSIG(status);
      const char* abbrev = sigabbrev_np(sig);
      std::string why = LastLine(log);
      mount.Unmount();
      return fail("writer process " + std::to_string(k) + " died of signal " + std::to_string(sig) +
                  " (SIG" + (abbrev != nullptr ? abbrev : "?") + ": " + strsignal(sig) +
                  "), which the scenario did not plan; its log: " + log +
                  (why.empty() ? "" : " (" + why + ")"));
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
      std::string why = LastLine(log);
      mount.Unmount();
      return fail("writer process " + std::to_string(k) + " failed: " +
                  (why.empty() ? "exit " + std::to_string(WEXITSTATUS(status)) : why));
    } else if (WIFEXITED(status)) {
      ending = core::Ending::kCleanClose;  // refined per writer by its ledger below.
    }
    if (ending == core::Ending::kPowerCut) {  // a power cut destroys what earlier writers left too.
      for (auto& g : segments) g.ending = core::Ending::kPowerCut;
    }
    // Merge this process's ledgers (one per writer) into the run's seq space.
    for (int w = 0;; ++w) {
      std::string path = prefix + "." + std::to_string(w);
      if (!fs::exists(path)) break;
      core::LedgerContents c;
      if (Status st = core::ReadLedger(path, &c); !st.ok()) return fail(st.ToString());
      uint64_t offset = events.size();
      overflow += c.overflow;
      core::Segment g;
      g.first_seq = offset + 1;
      g.last_seq = offset + c.events.size();
      auto shift = [&](uint64_t m) { return m == 0 ? 0 : m + offset; };
      g.acks.accepted = shift(c.acks.accepted);
      g.acks.written = shift(c.acks.written);
      g.acks.flushed = shift(c.acks.flushed);
      g.acks.synced = shift(c.acks.synced);
      for (auto f : c.acks.failed) {
        g.acks.failed.push_back({f.first_seq + offset, f.last_seq + offset, f.err});
      }
      g.ending = ending == core::Ending::kCleanClose ? core::NaturalEnding(c) : ending;
      for (auto& e : c.events) {
        e.seq += offset;
        events.push_back(std::move(e));
      }
      if (g.last_seq >= g.first_seq) segments.push_back(std::move(g));
    }
    std::ifstream sf(stats_file);
    if (sf) {
      nlohmann::json j = nlohmann::json::parse(sf, nullptr, false);
      if (!j.is_discarded()) stats.push_back(std::move(j));
    }
  }
  if (!mount.Unmount()) out->notes += "faultfs had to be unmounted by force\n";

  std::string read_path = s.read_dir().empty() ? backing : backing + "/" + s.read_dir();
  if (!fs::exists(read_path, ec)) {  // a reader pointed at a directory nobody wrote: it sees none.
    fs::create_directories(read_path, ec);
    out->notes += "the readers' directory " + s.read_dir() + " did not exist\n";
  }
  core::ScenarioVerdict& v = out->verdict;
  if (Status st = core::JudgeLogdir(read_path, events, segments, overflow, &s, &v); !st.ok()) {
    return fail(st.ToString());
  }
  r.outcome = v.met ? reports::Outcome::kPassed : reports::Outcome::kFailed;
  if (!v.met) r.error = v.unmet;
  r.events_logged = v.events_logged;
  FillProfiles(v, s, &r);
  FillTimeline(events, v, s.workload().steps(), &r);

  FillFigures(stats, &r, &out->notes);
  r.duration_s = std::chrono::duration<double>(Clock::now() - started).count();
  reports::Results one;
  one.scenarios.push_back(r);
  if (Status st = reports::WriteResultsFile(dir + "/result.json", one); !st.ok()) {
    return fail(st.ToString());
  }
  return Status::Ok();
}

}  // namespace tbfault::runner
