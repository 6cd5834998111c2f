#include "harness/runner/drive.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "format/events.h"
#include "format/file_name.h"
#include "format/status.h"
#include "fusefs/control_client.h"
#include "harness/core/ledger.h"
#include "harness/load/alternating.h"
#include "harness/load/profile.h"
#include "harness/load/workload.h"
#include "harness/runner/recorder.h"
#include "harness/runner/step_forwarder.h"
#include "harness/runner/synthetic.h"
#include "writers/writer_factory.h"

namespace tbfault::runner {
namespace {

using Clock = std::chrono::steady_clock;

int64_t Ns(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

bool Training(const scenario::Workload& w) {
  return !w.profile().empty() && w.profile() != "synthetic";
}

// One writer under test with its ledger, and the forwarder that hands it a step's values.
struct Slot {
  std::unique_ptr<writers::EventWriter> writer;
  std::unique_ptr<core::LedgerWriter> ledger;
  std::unique_ptr<Recorder> recorder;
  std::unique_ptr<StepForwarder<Recorder>> forward;
  bool closed = false;
};

class Driver {
 public:
  explicit Driver(const DrivePlan& p) : p_(p), s_(p.scenario), w_(p.scenario.workload()) {}

  // The steps of one process, in order.
  Status Run() {
    run_dir_ = w_.run().empty() ? p_.logdir : p_.logdir + "/" + w_.run();
    if (Status s = LoadWorkload(); !s.ok()) return s;
    if (Status s = MeasureBaselines(); !s.ok()) return s;
    if (Status s = StartTraining(); !s.ok()) return s;
    // Faults at the first step come before the writers exist (EACCES on create, say).
    if (Status s = Apply(p_.first_step); !s.ok()) return s;
    if (exit_) return ExitWithoutClose();  // before any writer was made.
    for (int k = 0; k < parallel_; ++k) {
      if (Status s = Open(k); !s.ok()) return s;
    }
    if (Status s = WriteOpened(p_.ledger); !s.ok()) return s;  // the watchdog starts.
    if (Status s = LogSteps(); !s.ok()) return s;
    if (exit_) return ExitWithoutClose();
    stats_.close_ns = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
            .count());
    CloseWriters();
    return WriteStats();
  }
  bool crash_armed() const { return crash_armed_; }
  bool exited() const { return exit_; }  // an EXIT ended the steps; Run left the writers open.

 private:
  Status LoadWorkload();
  Status MeasureBaselines();
  Status MakeBaselineWorkload(std::unique_ptr<load::Workload>* out);
  Status StartTraining();
  Status LogSteps();
  void CloseWriters();
  Status ExitWithoutClose();
  Status Open(int k);
  Status CloseSlot(Slot& slot);
  Status Apply(int64_t step);
  bool Cleared(const scenario::Fault& f, int64_t step) const;
  void Log(Slot& slot, const load::StepOutput& out);
  Status Control(const std::string& request);
  Status WriteEmptyFile();
  Status ReplaceFile();
  [[noreturn]] void Die(core::Ending ending);
  Status ArmCrashPoint(const scenario::Action& a);
  Status WriteStats();

  const DrivePlan& p_;
  const scenario::Scenario& s_;
  const scenario::Workload& w_;
  std::string run_dir_;
  int parallel_ = 1;
  std::vector<std::unique_ptr<SyntheticWorkload>> synthetic_;  // one per writer side by side.
  load::LoadProfile profile_;                                  // a training profile, if any.
  load::WorkloadOptions options_;
  std::unique_ptr<load::Workload> training_;
  std::vector<std::unique_ptr<Slot>> slots_;  // every writer made, in ledger order.
  std::vector<Slot*> live_;                   // the ones logging now.
  DriveStats stats_;
  Clock::duration logging_time_{};
  bool crash_armed_ = false;  // ArmCrashPoint wrote the ending.
  bool exit_ = false;         // an EXIT action came: no more steps, no close.
};

Status Driver::Control(const std::string& request) {
  std::string reply, error;
  if (!faultfs::ControlCall(p_.control, request, &reply, &error)) {
    return Status::Invalid("faultfs control '" + request + "': " + error);
  }
  return Status::Ok();
}

Status Driver::Open(int k) {
  auto slot = std::make_unique<Slot>();
  Status s = writers::MakeWriter(s_.writer().spec(), run_dir_, &slot->writer);
  if (!slot->writer) return s;                                // a bad spec: nothing was made.
  if (!s.ok()) stats_.create_errors.push_back(s.ToString());  // reported; the writer retries.
  std::string ledger = p_.ledger + "." + std::to_string(k);
  Status ls = core::LedgerWriter::Create(ledger, LedgerCapacity(s_), 4096, &slot->ledger);
  if (!ls.ok()) return ls;
  // External writers encode PNGs their own way: only our writers' image digests are known.
  bool ours = !writers::IsExternalWriterSpec(s_.writer().spec());
  slot->recorder = std::make_unique<Recorder>(slot->writer.get(), slot->ledger.get(),
                                              w_.run().empty() ? "." : w_.run(), /*digests=*/ours);
  slot->forward = std::make_unique<StepForwarder<Recorder>>(slot->recorder.get());
  live_.push_back(slot.get());
  slots_.push_back(std::move(slot));
  return Status::Ok();
}

Status Driver::CloseSlot(Slot& slot) {
  if (slot.closed) return Status::Ok();
  slot.closed = true;
  return slot.recorder->Close();
}

// The writer's errors are what the scenario observes, not the driver's: the Recorder counts them
// (add_errors in the stats) and the ledger keeps only what the writer acknowledged, so the driver
// goes on logging after a failed call, like a training program would.
void Driver::Log(Slot& slot, const load::StepOutput& out) {
  const int64_t step = w_.all_at_step_zero() ? 0 : out.step;
  slot.forward->Forward(out, step).Ignore();
  stats_.events += out.num_values();
}

bool Driver::Cleared(const scenario::Fault& f, int64_t step) const {
  return f.clear_at_step() > 0 && f.clear_at_step() == step &&
         step >= p_.arm_from_step;  // 0: never.
}

Status Driver::Apply(int64_t step) {
  for (int i = 0; i < s_.faults_size(); ++i) {
    const scenario::Fault& f = s_.faults(i);
    if (f.quota_bytes() > 0) {
      Status s = Status::Ok();
      if (f.at_step() == step && step >= p_.arm_from_step) {
        s = Control("quota " + std::to_string(f.quota_bytes()) +
                    (f.quota_short_write() ? " short" : ""));
      }
      if (Cleared(f, step)) s = Control("quota 0");
      if (!s.ok()) return Status::Invalid("faults[" + std::to_string(i) + "]: " + s.message());
      continue;
    }
    if (f.at_step() == step && step >= p_.arm_from_step) {
      Status s = Control("add-rule id: " + std::to_string(i + 1) + " " + f.rule());
      if (!s.ok()) return Status::Invalid("faults[" + std::to_string(i) + "]: " + s.message());
    }
    if (Cleared(f, step)) {
      Control("remove-rule " + std::to_string(i + 1)).Ignore();  // already gone is fine.
    }
  }
  for (int i = p_.first_action; i < p_.last_action; ++i) {
    const scenario::Action& a = s_.actions(i);
    if (a.at_step() != step) continue;
    switch (a.kind()) {
      case scenario::Action::CLEAR:
        if (Status s = Control("clear"); !s.ok()) return s;
        break;
      case scenario::Action::PROCESS_CRASH:
        if (a.at_op() > 0) {
          if (Status s = ArmCrashPoint(a); !s.ok()) return s;
          break;
        }
        Die(core::Ending::kProcessCrash);
      case scenario::Action::POWER_CUT: {
        if (a.at_op() > 0) {
          if (Status s = ArmCrashPoint(a); !s.ok()) return s;
          break;
        }
        std::string mode = a.power_cut_mode().empty() ? "plain" : a.power_cut_mode();
        if (Status s = Control("power-cut " + mode); !s.ok()) return s;
        Die(core::Ending::kPowerCut);
      }
      case scenario::Action::DELETE_RUN: {
        std::error_code ec;
        std::filesystem::remove_all(run_dir_, ec);
        if (ec) return Status::FromErrno(ec.value(), "delete " + run_dir_);
        break;
      }
      case scenario::Action::DELETE_FILE: {  // the newest writer's current event file.
        std::string file = slots_.empty() ? "" : slots_.back()->writer->current_file();
        if (file.empty() || ::unlink(file.c_str()) != 0) {
          return Status::FromErrno(file.empty() ? ENOENT : errno, "delete " + file);
        }
        break;
      }
      case scenario::Action::EMPTY_FILE:
        if (Status s = WriteEmptyFile(); !s.ok()) return s;
        break;
      case scenario::Action::REPLACE_FILE:
        if (Status s = ReplaceFile(); !s.ok()) return s;
        break;
      case scenario::Action::EXIT:  // the last action of this process (scenario validation).
        exit_ = true;
        return Status::Ok();
      default:
        break;  // RESTART: the runner ended this process's range here.
    }
  }
  return Status::Ok();
}

// A crash placed by op count: faultfs kills this process right after the op, so the ending is
// written first; Drive() takes it back if the process ends any other way (the op never came).
Status Driver::ArmCrashPoint(const scenario::Action& a) {
  const bool cut = a.kind() == scenario::Action::POWER_CUT;
  Status s = WriteEnding(p_.ledger, cut ? core::Ending::kPowerCut : core::Ending::kProcessCrash);
  if (!s.ok()) return s;
  crash_armed_ = true;
  std::string mode = a.power_cut_mode().empty() ? "plain" : a.power_cut_mode();
  return Control("crash-point after_op: " + std::to_string(a.at_op()) +
                 (cut ? " power_cut: \"" + mode + "\"" : ""));
}

// An idle writer's file: its name a second later than now (so later than the writer's, which
// was named when it opened), only the file_version record in it.
Status Driver::WriteEmptyFile() {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const std::string path =
      run_dir_ + "/" + format::EventFileName(now + 1, "idle", getpid(), 0, ".profile-empty");
  std::string bytes;
  format::AppendEventRecord(&bytes, format::FileVersionEvent(static_cast<double>(now)));
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  out.close();
  if (!out) return Status::FromErrno(EIO, "write " + path);
  return Status::Ok();
}

// rsync's way of updating a file: the newest writer's current file copied to a temporary name in
// the same directory, then renamed over the original (the writer's descriptor keeps the old inode).
Status Driver::ReplaceFile() {
  const std::string file = slots_.empty() ? "" : slots_.back()->writer->current_file();
  if (file.empty()) return Status::FromErrno(ENOENT, "replace: no current event file");
  const std::filesystem::path p(file);  // rsync's temporary name: ".<name>.XXXXXX".
  const std::string tmp = (p.parent_path() / ("." + p.filename().string() + ".rsync0")).string();
  std::error_code ec;
  std::filesystem::copy_file(file, tmp, std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) return Status::FromErrno(ec.value(), "copy " + file + " to " + tmp);
  if (::rename(tmp.c_str(), file.c_str()) != 0) return Status::FromErrno(errno, "rename " + tmp);
  return Status::Ok();
}

void Driver::Die(core::Ending ending) {
  WriteStats().Ignore();                    // the runner goes on without figures if this failed.
  WriteEnding(p_.ledger, ending).Ignore();  // without it the kill reads as unplanned: an error.
  kill(getpid(), SIGKILL);
  _exit(137);  // not reached.
}

Status Driver::WriteStats() {
  stats_.logging_ns = Ns(logging_time_);
  stats_.add_ns.clear();
  stats_.add_errors = stats_.files_created = stats_.bytes_written = 0;
  stats_.dropped = stats_.failed = 0;
  stats_.errors_by_errno.clear();
  for (const auto& slot : slots_) {
    const auto& samples = slot->recorder->add_ns_samples();
    stats_.add_ns.insert(stats_.add_ns.end(), samples.begin(), samples.end());
    stats_.add_errors += slot->recorder->add_errors();
    writers::Counters c = slot->writer->counters();
    stats_.files_created += c.files_created;
    stats_.bytes_written += c.bytes_written;
    stats_.dropped += c.dropped;
    stats_.failed += c.failed;
    for (size_t e = 0; e < c.errors_by_errno.size(); ++e) {
      if (c.errors_by_errno[e] == 0) continue;
      stats_.errors_by_errno[std::string(ErrnoName(static_cast<int>(e)))] += c.errors_by_errno[e];
    }
  }
  return stats_.Write(p_.stats);
}

// The workload the writers log: the synthetic load (one per writer side by side), or a training
// profile (its model is made by StartTraining, after the baselines).
Status Driver::LoadWorkload() {
  parallel_ = std::max(1, w_.writers());
  if (Training(w_)) {
    if (Status s = load::LoadProfileByName(w_.profile(), &profile_); !s.ok()) return s;
    if (Status s = load::ParseDevice(p_.device, &options_.device); !s.ok()) return s;
    options_.seed = s_.seed();
    return Status::Ok();
  }
  for (int k = 0; k < parallel_; ++k) {
    std::string prefix;  // "w<k>/" (appended: GCC 12 warns falsely on "w" + std::string).
    if (k > 0 && !w_.same_tags()) prefix.append("w").append(std::to_string(k)).append("/");
    synthetic_.push_back(std::make_unique<SyntheticWorkload>(w_, s_.seed(), prefix));
  }
  return Status::Ok();
}

// Step times with logging disabled and with the no-op writer (reads every value, writes nothing),
// for the figures: the same steps both ways, each on its own workload from the same seed, through
// load::RunAlternating (as `tbfault train` measures them).
Status Driver::MeasureBaselines() {
  if (p_.baseline_steps <= 0) return Status::Ok();
  std::unique_ptr<load::Workload> disabled, noop;
  if (Status s = MakeBaselineWorkload(&disabled); !s.ok()) return s;
  if (Status s = MakeBaselineWorkload(&noop); !s.ok()) return s;
  load::StepTimes disabled_times, noop_times;
  std::vector<load::Way> ways = {{disabled.get(), load::SummarySink(), &disabled_times},
                                 {noop.get(), load::NoopSink(&stats_.noop_checksum), &noop_times}};
  Status s = load::RunAlternating(ways, 0, p_.baseline_steps, load::kDefaultRounds);
  stats_.baseline_ns = disabled_times.samples();
  stats_.noop_ns = noop_times.samples();
  return s;
}

Status Driver::MakeBaselineWorkload(std::unique_ptr<load::Workload>* out) {
  if (!Training(w_)) {
    std::vector<SyntheticWorkload*> parts;
    for (auto& w : synthetic_) parts.push_back(w.get());
    *out = std::make_unique<SyntheticLoad>(std::move(parts));
    return Status::Ok();
  }
  std::string note;
  return load::MakeWorkload(profile_, options_, out, &note);
}

// A training profile's logged model; a restart restores its checkpoint, so the model trains up
// to the first step unlogged.
Status Driver::StartTraining() {
  if (!Training(w_)) return Status::Ok();
  std::string note;
  if (Status s = load::MakeWorkload(profile_, options_, &training_, &note); !s.ok()) return s;
  stats_.device = training_->device();
  load::StepOutput skipped;
  for (int64_t i = 0; i < p_.first_step; ++i) {
    if (Status s = training_->Step(i, &skipped); !s.ok()) return s;
  }
  return Status::Ok();
}

// The logged steps: each step's actions first, then its values, flushes and syncs.
Status Driver::LogSteps() {
  const int64_t steps = p_.end_step - p_.first_step;
  const int files = std::max(1, w_.files());
  const int64_t per_file = (steps + files - 1) / files;
  stats_.step_ns.reserve(static_cast<size_t>(steps));
  load::StepOutput out;
  for (int64_t step = p_.first_step; step <= p_.end_step; ++step) {
    if (step > p_.first_step) {
      if (Status s = Apply(step); !s.ok()) return s;
      if (exit_) return Status::Ok();  // the program returns here: no drain, no close.
    }
    if (step == p_.end_step) break;
    // The step's time includes everything the training loop waits for; in_writer only the calls
    // into the writer (add, flush, sync, and a rollover's close and open).
    auto t0 = Clock::now();
    Clock::duration in_writer{};
    auto timed = [&in_writer](auto&& call) {
      auto a = Clock::now();
      call();
      in_writer += Clock::now() - a;
    };
    int64_t i = step - p_.first_step;
    if (files > 1 && i > 0 && i % per_file == 0) {  // rollover: the next writer, a new file.
      Status opened;
      timed([&] {
        CloseSlot(*live_[0]).Ignore();  // its errors are in its ledger.
        live_.clear();
        opened = Open(static_cast<int>(slots_.size()));
      });
      if (!opened.ok()) return opened;
    }
    if (training_) {
      if (Status s = training_->Step(step, &out); !s.ok()) return s;
      if (!out.empty()) timed([&] { Log(*live_[0], out); });
    } else {
      bool computed = false;  // the step's compute, once, before the first writer logs.
      for (int k = 0; k < parallel_; ++k) {
        const int64_t behind = k == 0 ? w_.first_writer_behind() : 0;
        if (step < behind) continue;
        synthetic_[k]->Step(step - behind, !computed, &out);
        computed = true;
        timed([&] { Log(*live_[k], out); });
      }
    }
    if (w_.flush_every() > 0 && (i + 1) % w_.flush_every() == 0) {
      timed([&] {
        for (Slot* slot : live_) slot->recorder->Flush().Ignore();
      });
    }
    if (w_.sync_every() > 0 && (i + 1) % w_.sync_every() == 0) {
      timed([&] {
        for (Slot* slot : live_) slot->recorder->Sync().Ignore();
      });
    }
    logging_time_ += in_writer;
    stats_.step_ns.push_back(Ns(Clock::now() - t0));
  }
  if (training_) {
    if (Status s = training_->Drain(&out); !s.ok()) return s;
    if (!out.empty()) Log(*live_[0], out);
  }
  return Status::Ok();
}

// The program returns without closing its writers: no flush, no close, and no writer destroyed
// (slots_ lets go of every one, as a program that calls exit() with its writers on the heap), so
// only what a writer already handed to the kernel reaches the file; an external writer's program
// ends the same way first (its library's exit handlers run) and is waited for.
Status Driver::ExitWithoutClose() {
  Status s = Status::Ok();
  for (Slot* slot : live_) {
    Status e = slot->recorder->ExitWithoutClose();
    if (!e.ok() && s.ok()) s = e;
  }
  Status st = WriteStats();
  for (auto& slot : slots_) static_cast<void>(slot.release());  // leaked on purpose.
  return s.ok() ? st : s;
}

void Driver::CloseWriters() {
  for (Slot* slot : live_) {
    if (w_.sync_at_end()) slot->recorder->Sync().Ignore();
    CloseSlot(*slot).Ignore();
  }
}

}  // namespace

uint64_t LedgerCapacity(const scenario::Scenario& s) {
  const auto& w = s.workload();
  uint64_t per_step = static_cast<uint64_t>(std::max(w.scalars_per_step(), 0)) + 3;
  if (Training(w)) per_step = 512;  // the largest profile logs a few hundred values per step.
  return static_cast<uint64_t>(w.steps() + 1) * per_step + 1024;
}

Status Drive(const DrivePlan& plan) {
  Driver driver(plan);
  Status s = driver.Run();
  std::error_code ec;
  if (driver.crash_armed()) std::filesystem::remove(plan.ledger + ".ending", ec);  // never fired.
  // Named before main returns: the runner tells the planned exit from an unplanned one by it (a
  // process that then dies in its exit handlers is still an error).
  if (s.ok() && driver.exited()) s = WriteEnding(plan.ledger, core::Ending::kExitWithoutClose);
  return s;
}

}  // namespace tbfault::runner
