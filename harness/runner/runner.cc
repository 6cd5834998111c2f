#include "harness/runner/runner.h"

#include <google/protobuf/text_format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

#include "harness/core/ledger.h"
#include "harness/core/live_judge.h"
#include "harness/core/scenario.h"
#include "harness/runner/drive.h"
#include "harness/runner/live_reader.h"
#include "harness/runner/mount.h"
#include "harness/runner/process.h"
#include "harness/runner/runner_result.h"

namespace tbfault::runner {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using reports::RunFailure;

namespace {

// One writer process: its step range, the actions it applies and its writer.
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

// Why a run could not be judged: the fact and the words (ScenarioResult::failure and ::error).
struct RunError {
  RunFailure failure;
  std::string why;
};
using MaybeError = std::optional<RunError>;

// How a writer process's wait ended.
enum class Waited { kExited, kTimedOut, kInterrupted };

// One scenario's run, step by step (runner.h).
class ScenarioRun {
 public:
  ScenarioRun(const scenario::Scenario& s, const RunOptions& o, RunOutput* out)
      : s_(s), o_(o), out_(out), r_(out->result) {}

  Status Run() {
    if (Status st = MakeResultDir(); !st.ok()) return st;
    FillFaultMarks(s_, &r_);
    MaybeError e = Mount();
    if (!e && !s_.reader().no_live()) StartLiveReader();
    const std::vector<Process> procs = PlanProcesses(s_);
    for (size_t k = 0; !e && k < procs.size(); ++k) e = RunProcess(k, procs[k]);
    if (!e && live_) e = FinishLiveReader(true);
    if (e) {
      if (live_) FinishLiveReader(false).reset();  // the run failed already: only stop it.
      mount_.Unmount();
      return Fail(*e);
    }
    if (!mount_.Unmount()) out_->notes += "faultfs had to be unmounted by force\n";
    if (MaybeError j = Judge(); j) return Fail(*j);
    FillResult();
    return WriteResult();
  }

 private:
  Status MakeResultDir();
  MaybeError Mount();
  void StartLiveReader();
  MaybeError FinishLiveReader(bool last);
  MaybeError RunProcess(size_t k, const Process& p);
  Waited Wait(pid_t pid, const std::string& ledger, int* status);
  MaybeError HowItEnded(size_t k, int status, const std::string& prefix, const std::string& log,
                        core::Ending* ending);
  MaybeError MergeLedgers(const std::string& prefix, core::Ending ending);
  MaybeError Judge();
  void FillResult();
  Status WriteResult();
  Status Fail(const RunError& e);
  double Elapsed() const { return std::chrono::duration<double>(Clock::now() - started_).count(); }

  const scenario::Scenario& s_;
  const RunOptions& o_;
  RunOutput* out_;
  reports::ScenarioResult& r_;
  const Clock::time_point started_ = Clock::now();
  double limit_s_ = 0;
  Clock::duration run_left_{};  // of the time limit, for the processes still to run.
  bool in_startup_ = false;     // how the last wait timed out.
  std::string dir_, backing_, bin_;
  FaultMount mount_;
  std::vector<core::LoggedEvent> events_;  // every process's, in the run's seq space.
  std::vector<core::Segment> segments_;    // one per writer.
  uint64_t overflow_ = 0;
  std::vector<DriveStats> stats_;
  std::unique_ptr<LiveReader> live_;
  std::vector<core::ProcessEnd> ends_;  // per writer process, for the live verdicts.
  std::vector<core::LiveJudgement> live_judgements_;
};

Status ScenarioRun::MakeResultDir() {
  *out_ = RunOutput();
  r_.name = s_.name();
  r_.seed = s_.seed();
  r_.writer = s_.writer().spec();
  r_.labels.assign(s_.labels().begin(), s_.labels().end());
  out_->dir = o_.out_dir + "/" + ResultDirName(s_.name());
  std::error_code ec;
  fs::remove_all(out_->dir, ec);
  fs::create_directories(out_->dir, ec);
  if (ec) return Status::FromErrno(ec.value(), out_->dir + ": cannot create the result directory");
  dir_ = fs::absolute(out_->dir).string();
  backing_ = dir_ + "/logdir";
  std::string text;
  google::protobuf::TextFormat::PrintToString(s_, &text);
  std::ofstream(dir_ + "/scenario.textproto") << text;
  bin_ = o_.tbfault_bin.empty() ? fs::read_symlink("/proc/self/exe", ec).string() : o_.tbfault_bin;
  limit_s_ = s_.time_limit_s() > 0 ? s_.time_limit_s() : o_.default_time_limit_s;
  run_left_ = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limit_s_));
  return Status::Ok();
}

MaybeError ScenarioRun::Mount() {
  Status st = mount_.Start({backing_, "", s_.seed(), s_.fsync_errors(), dir_ + "/trace"});
  if (!st.ok()) return RunError{RunFailure::kMountFailed, st.ToString()};
  return std::nullopt;
}

// The live reader polls what the profiles are pointed at, through the mount, as TensorBoard
// would from its own process.
void ScenarioRun::StartLiveReader() {
  const std::string root =
      s_.read_dir().empty() ? mount_.mount_point() : mount_.mount_point() + "/" + s_.read_dir();
  live_ = std::make_unique<LiveReader>(root, core::ReloadMs(s_));
  live_->Start();
}

// Stops the live reader; `last`: after the writers ended, its last cycle. A reader that hung or
// died is the run's error.
MaybeError ScenarioRun::FinishLiveReader(bool last) {
  Status st = live_->Finish(
      last ? o_.live_join_s : std::min(2.0, o_.live_join_s), [this] { mount_.Abort(); }, last);
  out_->notes += live_->notes();
  out_->notes += "live reader: " + std::to_string(live_->cycles()) + " cycles every " +
                 std::to_string(core::ReloadMs(s_)) + " ms, " +
                 std::to_string(live_->bytes_read() / 1024) + " KiB read, " +
                 std::to_string(live_->cycle_errors()) + " cycle errors\n";
  if (!st.ok()) return RunError{RunFailure::kReaderDied, st.ToString()};
  return std::nullopt;
}

// Process k: thaw after an earlier power cut, spawn `tbfault drive` with its plan, wait under the
// watchdog, check the file system lived, learn how the process ended, merge its ledgers.
MaybeError ScenarioRun::RunProcess(size_t k, const Process& p) {
  if (k > 0 && !segments_.empty() && segments_.back().ending == core::Ending::kPowerCut) {
    if (Status st = mount_.Control("thaw"); !st.ok()) {
      return RunError{RunFailure::kFileSystemDied, st.ToString()};
    }
  }
  DrivePlan plan;
  plan.scenario_file = dir_ + "/scenario.textproto";
  plan.writer = p.writer;
  plan.logdir = mount_.mount_point();
  plan.control = mount_.control_socket();
  plan.ledger = dir_ + "/ledger-" + std::to_string(k);
  plan.stats = dir_ + "/stats-" + std::to_string(k) + ".json";
  plan.first_step = p.first_step;
  plan.end_step = p.end_step;
  plan.first_action = p.first_action;
  plan.last_action = p.last_action;
  plan.arm_from_step = p.arm_from_step;
  plan.baseline_steps = k == 0 ? std::min(o_.baseline_steps, s_.workload().steps()) : 0;
  plan.device = o_.device;
  std::vector<std::string> args = {bin_, "drive"};
  for (std::string& a : plan.ToArgs()) args.push_back(std::move(a));
  const std::string log = dir_ + "/drive-" + std::to_string(k) + ".log";

  pid_t pid = SpawnLogged(args, log);
  if (pid < 0) return RunError{RunFailure::kSpawnFailed, "fork: " + std::string(strerror(errno))};
  int status = 0;
  switch (Wait(pid, plan.ledger, &status)) {
    case Waited::kTimedOut:
      if (in_startup_) {
        return RunError{RunFailure::kHung,
                        "timed out: the writer process did not open its writer within " +
                            std::to_string(static_cast<int>(o_.startup_limit_s)) +
                            " s (start-up, or the mount, hung); killed"};
      }
      return RunError{RunFailure::kHung, "timed out after " +
                                             std::to_string(static_cast<int>(limit_s_)) +
                                             " s: the writer process (or the mount) hung; killed"};
    case Waited::kInterrupted:
      return RunError{RunFailure::kInterrupted, "interrupted"};
    case Waited::kExited:
      break;
  }
  const uint64_t end_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
  // The file system under test must have lived through the process: a dead faultfs leaves
  // nothing injected and nothing to judge.
  if (Status st = mount_.Control("ping"); !st.ok()) {
    return RunError{RunFailure::kFileSystemDied,
                    "faultfs died during the run (the file system under test): " + st.message()};
  }
  core::Ending ending = core::Ending::kCleanClose;
  if (MaybeError e = HowItEnded(k, status, plan.ledger, log, &ending); e) return e;
  if (ending == core::Ending::kPowerCut) {  // a power cut destroys what earlier writers left too.
    for (auto& g : segments_) g.ending = core::Ending::kPowerCut;
  }
  if (MaybeError e = MergeLedgers(plan.ledger, ending); e) return e;
  if (ending != core::Ending::kCleanClose) {
    out_->notes += "writer process " + std::to_string(k) +
                   " ended as planned: " + std::string(core::EndingName(ending)) + "\n";
  }
  DriveStats stats;
  if (Status st = DriveStats::Read(plan.stats, &stats); st.ok()) {
    // "While the writer ran": until its final close began, or the process ended.
    ends_.push_back(
        {events_.size(), stats.close_ns > 0 ? std::min(stats.close_ns, end_ns) : end_ns});
    stats_.push_back(std::move(stats));
  } else {
    ends_.push_back({events_.size(), end_ns});
    out_->notes +=
        "no figures from writer process " + std::to_string(k) + ": " + st.ToString() + "\n";
  }
  return std::nullopt;
}

// Waits for the process under the watchdog and the interrupt flag; on either, kills it — aborting
// the mount when a FUSE request holds it. The watchdog: the start-up limit until the process says
// its writers are open (drive_plan.h), then what is left of the scenario's time limit.
Waited ScenarioRun::Wait(pid_t pid, const std::string& ledger, int* status) {
  const Clock::time_point spawned = Clock::now();
  const Clock::time_point started_by =
      spawned + std::chrono::duration_cast<Clock::duration>(
                    std::chrono::duration<double>(o_.startup_limit_s));
  std::optional<Clock::time_point> opened;
  struct Spend {  // the time limit this process used, whichever way the wait ends.
    Clock::duration& left;
    const std::optional<Clock::time_point>& opened;
    ~Spend() {
      if (opened) left -= Clock::now() - *opened;
    }
  } spend{run_left_, opened};
  while (waitpid(pid, status, WNOHANG) != pid) {
    Waited why = Waited::kExited;
    const Clock::time_point now = Clock::now();
    if (!opened && Opened(ledger)) opened = now;
    in_startup_ = !opened;
    if (opened ? now - *opened > run_left_ : now > started_by) why = Waited::kTimedOut;
    if (o_.interrupted != nullptr && o_.interrupted->load()) why = Waited::kInterrupted;
    if (why != Waited::kExited) {
      kill(pid, SIGKILL);
      // A writer blocked in a FUSE request dies only once the request ends: abort the mount.
      for (int i = 0; i < 500 && waitpid(pid, status, WNOHANG) != pid; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        if (i == 250) mount_.Abort();
      }
      return why;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return Waited::kExited;
}

// How process k ended: as it meant to (a crash, power-cut or exit action, "<ledger>.ending"),
// cleanly (refined per writer by its ledger), or as an error — a non-zero exit, or a signal the
// scenario did not plan (only the planned crash action may end a writer by a signal; a planned
// exit must end with status 0).
MaybeError ScenarioRun::HowItEnded(size_t k, int status, const std::string& prefix,
                                   const std::string& log, core::Ending* ending) {
  std::optional<core::Ending> meant;
  if (Status st = ReadEnding(prefix, &meant); !st.ok()) {
    return RunError{RunFailure::kUnreadable, st.ToString()};
  }
  const std::string which = "writer process " + std::to_string(k);
  const bool exited_zero = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (meant == core::Ending::kExitWithoutClose && !exited_zero) {
    // It named its exit, then died on the way out (in a library's exit handlers, say).
    const std::string why = LastLine(log);
    const bool sig = WIFSIGNALED(status);
    return RunError{sig ? RunFailure::kWriterSignalled : RunFailure::kWriterFailed,
                    which + " was to exit without closing its writer (status 0) but " +
                        (sig ? "died of signal " + std::to_string(WTERMSIG(status))
                             : "exited with status " + std::to_string(WEXITSTATUS(status))) +
                        "; its log: " + log + (why.empty() ? "" : " (" + why + ")")};
  }
  if (meant) {
    *ending = *meant;
  } else if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    const std::string why = LastLine(log);
    return RunError{RunFailure::kWriterSignalled,
                    which + " died of signal " + std::to_string(sig) + " (SIG" +
                        (abbrev != nullptr ? abbrev : "?") + ": " + strsignal(sig) +
                        "), which the scenario did not plan; its log: " + log +
                        (why.empty() ? "" : " (" + why + ")")};
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    const std::string why = LastLine(log);
    return RunError{
        RunFailure::kWriterFailed,
        which + " failed: " + (why.empty() ? "exit " + std::to_string(WEXITSTATUS(status)) : why)};
  } else {
    *ending = core::Ending::kCleanClose;
  }
  return std::nullopt;
}

// Merges the process's ledgers (one per writer, "<prefix>.<w>") into the run's seq space, one
// segment per writer with its acknowledgements shifted alike.
MaybeError ScenarioRun::MergeLedgers(const std::string& prefix, core::Ending ending) {
  for (int w = 0;; ++w) {
    std::string path = prefix + "." + std::to_string(w);
    if (!fs::exists(path)) break;
    core::LedgerContents c;
    if (Status st = core::ReadLedger(path, &c); !st.ok()) {
      return RunError{RunFailure::kUnreadable, st.ToString()};
    }
    uint64_t offset = events_.size();
    overflow_ += c.overflow;
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
    // A writer closed before the exit (an earlier file of a rollover) ended cleanly.
    if (ending == core::Ending::kExitWithoutClose && c.closed_cleanly) {
      g.ending = core::Ending::kCleanClose;
    }
    for (auto& e : c.events) {
      e.seq += offset;
      events_.push_back(std::move(e));
    }
    if (g.last_seq >= g.first_seq) segments_.push_back(std::move(g));
  }
  return std::nullopt;
}

MaybeError ScenarioRun::Judge() {
  std::error_code ec;
  std::string read_path = s_.read_dir().empty() ? backing_ : backing_ + "/" + s_.read_dir();
  if (!fs::exists(read_path, ec)) {  // a reader pointed at a directory nobody wrote: it sees none.
    fs::create_directories(read_path, ec);
    out_->notes += "the readers' directory " + s_.read_dir() + " did not exist\n";
  }
  Status st = core::JudgeLogdir(read_path, events_, segments_, overflow_, &s_, &out_->verdict);
  if (!st.ok()) return RunError{RunFailure::kUnreadable, st.ToString()};
  if (live_) {
    live_judgements_ =
        core::JudgeLive(events_, ends_, live_->record(), &s_, &out_->verdict,
                        [this](core::Profile p, const std::string& run) { return live_->view(p, run); });
  }
  return std::nullopt;
}

void ScenarioRun::FillResult() {
  const core::ScenarioVerdict& v = out_->verdict;
  r_.outcome = v.met ? reports::Outcome::kPassed : reports::Outcome::kFailed;
  if (!v.met) r_.error = v.unmet;
  r_.events_logged = v.events_logged;
  FillProfiles(v, s_, &r_);
  FillLive(live_judgements_, &r_);
  if (live_) FillLiveTimeline(events_, live_->record(), &r_);
  FillTimeline(events_, v, s_.workload().steps(), &r_);
  FillFigures(stats_, &r_, &out_->notes);
}

Status ScenarioRun::WriteResult() {
  r_.duration_s = Elapsed();
  reports::Results one;
  one.scenarios.push_back(r_);
  if (Status st = reports::WriteResultsFile(dir_ + "/result.json", one); !st.ok()) {
    return Fail({RunFailure::kUnreadable, st.ToString()});
  }
  return Status::Ok();
}

Status ScenarioRun::Fail(const RunError& e) {
  r_.outcome = reports::Outcome::kError;
  r_.failure = e.failure;
  r_.error = e.why;
  r_.duration_s = Elapsed();
  return Status::Ok();
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
  return ScenarioRun(s, o, out).Run();
}

}  // namespace tbfault::runner
