#include "harness/runner/drive.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <vector>

#include "format/status.h"
#include "fusefs/control_client.h"
#include "harness/core/ledger.h"
#include "harness/load/profile.h"
#include "harness/load/workload.h"
#include "harness/runner/recorder.h"
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

// One writer under test with its ledger.
struct Slot {
  std::unique_ptr<writers::EventWriter> writer;
  std::unique_ptr<core::LedgerWriter> ledger;
  std::unique_ptr<Recorder> recorder;
  std::unordered_map<const char*, uint32_t> tags;  // by the workload's stable tag views.
  bool closed = false;

  uint32_t Tag(std::string_view name, bool text = false) {
    auto [it, fresh] = tags.try_emplace(name.data(), 0);
    if (fresh) it->second = recorder->Tag(name, text);
    return it->second;
  }
};

class Driver {
 public:
  explicit Driver(const DrivePlan& p) : p_(p), s_(p.scenario), w_(p.scenario.workload()) {}

  Status Run();

 private:
  Status Open(int k);
  Status CloseSlot(Slot& slot);
  Status Apply(int64_t step);
  bool Cleared(const scenario::Fault& f, int64_t step) const;
  Status Log(Slot& slot, const load::StepOutput& out);
  Status Control(const std::string& request);
  [[noreturn]] void Die(const char* ending);
  void WriteStats();

  const DrivePlan& p_;
  const scenario::Scenario& s_;
  const scenario::Workload& w_;
  std::string run_dir_;
  std::vector<std::unique_ptr<Slot>> slots_;  // every writer made, in ledger order.
  std::vector<Slot*> live_;                   // the ones logging now.
  std::vector<int64_t> step_ns_, baseline_ns_, noop_ns_;
  std::vector<std::string> create_errors_;
  std::string device_ = "synthetic";
  uint64_t events_ = 0;
  Clock::duration logging_time_{};
  double noop_sum_ = 0;  // written to the stats: the no-op's reads cannot be optimised away.
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
  if (!slot->writer) return s;                          // a bad spec: nothing was made.
  if (!s.ok()) create_errors_.push_back(s.ToString());  // reported; the writer retries.
  std::string ledger = p_.ledger + "." + std::to_string(k);
  Status ls = core::LedgerWriter::Create(ledger, LedgerCapacity(s_), 4096, &slot->ledger);
  if (!ls.ok()) return ls;
  // External writers encode PNGs their own way: only our writers' image digests are known.
  bool ours = !writers::IsExternalWriterSpec(s_.writer().spec());
  slot->recorder = std::make_unique<Recorder>(slot->writer.get(), slot->ledger.get(),
                                              w_.run().empty() ? "." : w_.run(), /*digests=*/ours);
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
Status Driver::Log(Slot& slot, const load::StepOutput& out) {
  Recorder& r = *slot.recorder;
  const int64_t step = w_.all_at_step_zero() ? 0 : out.step;
  for (const auto& v : out.scalars) r.Scalar(slot.Tag(v.tag), step, v.value).Ignore();
  for (const auto& h : out.histograms) {
    format::HistogramBucket b[load::kHistogramBuckets];
    for (int i = 0; i < load::kHistogramBuckets; ++i) b[i] = {h.Left(i), h.Right(i), h.counts[i]};
    r.Histogram(slot.Tag(h.tag), step, b).Ignore();
  }
  for (const auto& im : out.images) {
    size_t n = static_cast<size_t>(im.height) * im.width * im.channels;
    r.Image(slot.Tag(im.tag), step, {im.pixels, n}, im.height, im.width, im.channels).Ignore();
  }
  for (const auto& t : out.texts) r.Text(slot.Tag(t.tag, /*text=*/true), step, t.text).Ignore();
  events_ += out.num_values();
  return Status::Ok();  // the writer's errors are its to report; training goes on.
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
        Die("process-crash");
      case scenario::Action::POWER_CUT: {
        std::string mode = a.power_cut_mode().empty() ? "plain" : a.power_cut_mode();
        if (Status s = Control("power-cut " + mode); !s.ok()) return s;
        Die("power-cut");
      }
      case scenario::Action::DELETE_RUN: {
        std::error_code ec;
        std::filesystem::remove_all(run_dir_, ec);
        if (ec) return Status::FromErrno(ec.value(), "delete " + run_dir_);
        break;
      }
      default:
        break;  // RESTART: the runner ended this process's range here.
    }
  }
  return Status::Ok();
}

void Driver::Die(const char* ending) {
  WriteStats();
  std::ofstream(p_.ledger + ".ending") << ending << "\n";
  kill(getpid(), SIGKILL);
  _exit(137);  // not reached.
}

void Driver::WriteStats() {
  nlohmann::json j;
  j["device"] = device_;
  j["events"] = events_;
  j["step_ns"] = step_ns_;
  j["baseline_ns"] = baseline_ns_;
  j["noop_ns"] = noop_ns_;
  j["noop_checksum"] = noop_sum_;
  j["logging_ns"] = Ns(logging_time_);
  std::vector<int64_t> add_ns;
  nlohmann::json errors = nlohmann::json::object();
  uint64_t add_errors = 0, files = 0, bytes = 0, dropped = 0, failed = 0;
  for (const auto& slot : slots_) {
    const auto& samples = slot->recorder->add_ns_samples();
    add_ns.insert(add_ns.end(), samples.begin(), samples.end());
    add_errors += slot->recorder->add_errors();
    writers::Counters c = slot->writer->counters();
    files += c.files_created;
    bytes += c.bytes_written;
    dropped += c.dropped;
    failed += c.failed;
    for (size_t e = 0; e < c.errors_by_errno.size(); ++e) {
      if (c.errors_by_errno[e] == 0) continue;
      std::string name(ErrnoName(static_cast<int>(e)));
      uint64_t before = errors.contains(name) ? errors[name].get<uint64_t>() : 0;
      errors[name] = before + c.errors_by_errno[e];
    }
  }
  j["add_ns"] = add_ns;
  j["add_errors"] = add_errors;
  j["files_created"] = files;
  j["bytes_written"] = bytes;
  j["dropped"] = dropped;
  j["failed"] = failed;
  j["errors_by_errno"] = errors;
  j["create_errors"] = create_errors_;
  std::ofstream(p_.stats) << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                          << "\n";
}

Status Driver::Run() {
  run_dir_ = w_.run().empty() ? p_.logdir : p_.logdir + "/" + w_.run();
  const int parallel = std::max(1, w_.writers());
  const int files = std::max(1, w_.files());
  const int64_t steps = p_.end_step - p_.first_step;

  // The workload: the synthetic load (one per writer side by side) or a training profile.
  std::vector<std::unique_ptr<SyntheticWorkload>> synthetic;
  std::unique_ptr<load::Workload> training;
  if (Training(w_)) {
    load::LoadProfile profile;
    if (Status s = load::LoadProfileByName(w_.profile(), &profile); !s.ok()) return s;
    load::WorkloadOptions o;
    if (Status s = load::ParseDevice(p_.device, &o.device); !s.ok()) return s;
    o.seed = s_.seed();
    std::string note;
    if (p_.baseline_steps > 0) {
      // The same model and seed twice: logging disabled, and a no-op writer that reads every value
      // and writes nothing. On the CPU step by step in turn, so that drift hits both alike; a GPU
      // workload that runs a step ahead of its values would share the device with the other, so
      // there each runs alone and is drained.
      std::unique_ptr<load::Workload> base, noop;
      if (Status s = load::MakeWorkload(profile, o, &base, &note); !s.ok()) return s;
      if (Status s = load::MakeWorkload(profile, o, &noop, &note); !s.ok()) return s;
      load::StepOutput out;
      auto timed = [&](load::Workload& w, int64_t i, std::vector<int64_t>* ns, bool read) {
        auto t0 = Clock::now();
        Status s = w.Step(i, &out);
        if (s.ok() && read) noop_sum_ += out.ReadEveryValue();
        ns->push_back(Ns(Clock::now() - t0));
        return s;
      };
      const int64_t n = p_.baseline_steps;
      if (base->value_lag() == 0) {
        for (int64_t i = 0; i < n; ++i) {
          if (Status s = timed(*base, i, &baseline_ns_, false); !s.ok()) return s;
          if (Status s = timed(*noop, i, &noop_ns_, true); !s.ok()) return s;
        }
      } else {
        for (int64_t i = 0; i < n; ++i) {
          if (Status s = timed(*base, i, &baseline_ns_, false); !s.ok()) return s;
        }
        if (Status s = base->Drain(&out); !s.ok()) return s;
        for (int64_t i = 0; i < n; ++i) {
          if (Status s = timed(*noop, i, &noop_ns_, true); !s.ok()) return s;
        }
        if (Status s = noop->Drain(&out); !s.ok()) return s;
      }
    }
    if (Status s = load::MakeWorkload(profile, o, &training, &note); !s.ok()) return s;
    device_ = training->device();
    load::StepOutput skipped;  // a restart restores its checkpoint: the model trains up to there.
    for (int64_t i = 0; i < p_.first_step; ++i) {
      if (Status s = training->Step(i, &skipped); !s.ok()) return s;
    }
  } else {
    for (int k = 0; k < parallel; ++k) {
      std::string prefix;  // "w<k>/" (appended: GCC 12 warns falsely on "w" + std::string).
      if (k > 0) prefix.append("w").append(std::to_string(k)).append("/");
      synthetic.push_back(std::make_unique<SyntheticWorkload>(w_, s_.seed(), prefix));
    }
    // Disabled and no-op, in turn; each makes every writer's values, as the logged steps do.
    load::StepOutput out;
    for (int64_t i = 0; i < p_.baseline_steps; ++i) {
      for (bool read : {false, true}) {
        auto t0 = Clock::now();
        for (int k = 0; k < parallel; ++k) {
          synthetic[k]->Step(i, k == 0, &out);
          if (read) noop_sum_ += out.ReadEveryValue();
        }
        (read ? noop_ns_ : baseline_ns_).push_back(Ns(Clock::now() - t0));
      }
    }
  }

  // Faults at the first step come before the writers exist (EACCES on create, say).
  if (Status s = Apply(p_.first_step); !s.ok()) return s;
  for (int k = 0; k < parallel; ++k) {
    if (Status s = Open(k); !s.ok()) return s;
  }
  step_ns_.reserve(static_cast<size_t>(steps));
  const int64_t per_file = (steps + files - 1) / files;
  load::StepOutput out;
  for (int64_t step = p_.first_step; step <= p_.end_step; ++step) {
    if (step > p_.first_step) {
      if (Status s = Apply(step); !s.ok()) return s;
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
    if (training) {
      if (Status s = training->Step(step, &out); !s.ok()) return s;
      if (!out.empty()) timed([&] { Log(*live_[0], out).Ignore(); });
    } else {
      for (int k = 0; k < parallel; ++k) {
        synthetic[k]->Step(step, k == 0, &out);
        timed([&] { Log(*live_[k], out).Ignore(); });
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
    step_ns_.push_back(Ns(Clock::now() - t0));
  }
  if (training) {
    if (Status s = training->Drain(&out); !s.ok()) return s;
    if (!out.empty()) Log(*live_[0], out).Ignore();
  }
  for (Slot* slot : live_) {
    if (w_.sync_at_end()) slot->recorder->Sync().Ignore();
    CloseSlot(*slot).Ignore();
  }
  WriteStats();
  return Status::Ok();
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
  return driver.Run();
}

}  // namespace tbfault::runner
