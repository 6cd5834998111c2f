// tbfault train: the writer's cost to a real training step. Runs the training workload
// (harness/load) three ways in one process, in alternating rounds so that drift hits all three
// alike: logging disabled, a no-op sink (reads every value, writes nothing), and the writer under
// test. Each way trains its own model from the same seed. Prints step time p50/p99, steps/s, time
// inside writer calls, and the overhead against logging disabled (DESIGN.md section 8:
// step_overhead_pct). Exit 0, 1 when the writer lost events, 2 on bad usage (or `--device gpu`
// without a GPU).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>

#include "harness/cli/command.h"
#include "harness/load/profile.h"
#include "harness/load/step_timer.h"
#include "harness/load/workload.h"
#include "writers/writer_factory.h"

namespace tbfault::cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kUsage[] =
    "usage: tbfault train --logdir DIR [--writer SPEC] [--profile NAME|FILE] [--steps N]\n"
    "                     [--rounds R] [--device cpu|gpu|auto] [--sync-every-step] [--seed N] "
    "[--json]\n";

// Hands a step's summaries to a writer; tags are interned once, keyed by the workload's stable
// views.
class WriterSink {
 public:
  explicit WriterSink(writers::EventWriter* w) : w_(w) {}
  Status operator()(const load::StepOutput& out) {
    auto t0 = Clock::now();
    Status first;
    auto keep = [&](Status s) {
      if (!s.ok() && first.ok()) first = s;
    };
    for (const auto& s : out.scalars) keep(w_->AddScalar(Id(s.tag), out.step, s.value));
    for (const auto& h : out.histograms) {
      format::HistogramBucket b[load::kHistogramBuckets];
      for (int i = 0; i < load::kHistogramBuckets; ++i) b[i] = {h.Left(i), h.Right(i), h.counts[i]};
      keep(w_->AddHistogramBuckets(Id(h.tag), out.step, b));
    }
    for (const auto& im : out.images) {
      size_t n = static_cast<size_t>(im.height) * im.width * im.channels;
      keep(w_->AddImage(Id(im.tag), out.step, {im.pixels, n}, im.height, im.width, im.channels));
    }
    for (const auto& t : out.texts) keep(w_->AddText(Id(t.tag), out.step, t.text));
    events_ += out.num_values();
    in_writer_ns_ +=
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
    add_errors_ += first.ok() ? 0 : 1;
    return Status::Ok();  // the writer's errors are counted, not a reason to stop training.
  }
  uint64_t events() const { return events_; }
  int64_t in_writer_ns() const { return in_writer_ns_; }
  uint64_t add_errors() const { return add_errors_; }

 private:
  writers::TagId Id(std::string_view tag) {
    auto [it, inserted] = ids_.try_emplace(tag.data(), 0);
    if (inserted) it->second = w_->Tag(tag);
    return it->second;
  }
  writers::EventWriter* w_;
  std::unordered_map<const char*, writers::TagId> ids_;
  uint64_t events_ = 0;
  int64_t in_writer_ns_ = 0;
  uint64_t add_errors_ = 0;
};

double Pct(int64_t with, int64_t without) {
  return without > 0 ? 100.0 * (static_cast<double>(with) - without) / without : 0;
}

int RunTrain(std::span<char*> args) {
  std::string logdir, writer = "async", profile_name = "small-fast", device_text = "auto";
  int64_t steps = 5000, rounds = 5;
  uint64_t seed = 1;
  bool sync = false, json = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    auto next = [&](std::string* out) {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    std::string v;
    if (a == "--help" || a == "-h") return std::fputs(kUsage, stdout), 0;
    if (a == "--sync-every-step") {
      sync = true;
      continue;
    }
    if (a == "--json") {
      json = true;
      continue;
    }
    bool ok = next(&v);
    if (ok && a == "--logdir")
      logdir = v;
    else if (ok && a == "--writer")
      writer = v;
    else if (ok && a == "--profile")
      profile_name = v;
    else if (ok && a == "--device")
      device_text = v;
    else if (ok && a == "--steps")
      ok = (steps = std::atoll(v.c_str())) > 0;
    else if (ok && a == "--rounds")
      ok = (rounds = std::atoll(v.c_str())) > 0;
    else if (ok && a == "--seed")
      seed = std::strtoull(v.c_str(), nullptr, 10);
    else
      ok = false;
    if (!ok) {
      std::fprintf(stderr, "tbfault train: bad argument '%.*s'\n%s", static_cast<int>(a.size()),
                   a.data(), kUsage);
      return 2;
    }
  }
  if (logdir.empty()) return std::fputs(kUsage, stderr), 2;
  load::LoadProfile profile;
  Status s = load::LoadProfileByName(profile_name, &profile);
  if (!s.ok()) return std::fprintf(stderr, "tbfault train: %s\n", s.ToString().c_str()), 2;
  load::WorkloadOptions options;
  s = load::ParseDevice(device_text, &options.device);
  if (!s.ok()) return std::fprintf(stderr, "tbfault train: %s\n", s.ToString().c_str()), 2;
  options.seed = seed;
  options.sync_every_step = sync;

  const char* modes[3] = {"disabled", "noop", "writer"};
  std::unique_ptr<load::Workload> workloads[3];
  std::string note;
  for (auto& w : workloads) {
    s = load::MakeWorkload(profile, options, &w, &note);
    if (!s.ok()) return std::fprintf(stderr, "tbfault train: %s\n", s.ToString().c_str()), 2;
  }
  if (!note.empty() && !json) std::printf("%s\n", note.c_str());
  std::unique_ptr<writers::EventWriter> w;
  s = writers::MakeWriter(writer, logdir, &w);
  if (!w) return std::fprintf(stderr, "tbfault train: %s\n", s.ToString().c_str()), 2;
  WriterSink writer_sink(w.get());
  double noop_sum = 0;
  load::SummarySink sinks[3] = {load::SummarySink(),
                                [&](const load::StepOutput& out) {
                                  for (const auto& v : out.scalars) noop_sum += v.value;
                                  for (const auto& h : out.histograms) noop_sum += h.num;
                                  return Status::Ok();
                                },
                                [&](const load::StepOutput& out) { return writer_sink(out); }};
  load::StepTimes times[3];
  int64_t per_round = (steps + rounds - 1) / rounds;
  for (int64_t r = 0; r < rounds; ++r) {
    int64_t first = r * per_round, n = std::min(per_round, steps - first);
    if (n <= 0) break;
    for (int m = 0; m < 3; ++m) {
      s = load::RunSteps(*workloads[m], first, n, sinks[m], &times[m]);
      if (!s.ok()) return std::fprintf(stderr, "tbfault train: %s\n", s.ToString().c_str()), 2;
    }
  }
  auto t0 = Clock::now();
  Status closed = w->Close();
  int64_t close_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
  writers::Counters c = w->counters();
  bool lost = !closed.ok() || c.failed > 0 || writer_sink.add_errors() > 0;

  nlohmann::json doc = {{"profile", profile.name},
                        {"device", workloads[2]->device()},
                        {"writer", writer},
                        {"steps", steps},
                        {"rounds", rounds},
                        {"events", writer_sink.events()},
                        {"in_writer_ns", writer_sink.in_writer_ns()},
                        {"close_ns", close_ns},
                        {"failed", c.failed},
                        {"add_errors", writer_sink.add_errors()}};
  for (int m = 0; m < 3; ++m) {
    doc["modes"][modes[m]] = {{"step_ns_p50", times[m].p50()},
                              {"step_ns_p99", times[m].p99()},
                              {"steps_per_s", times[m].steps_per_second()}};
  }
  doc["step_overhead_pct"] = {{"p50", Pct(times[2].p50(), times[0].p50())},
                              {"p99", Pct(times[2].p99(), times[0].p99())}};
  if (json) {
    std::printf("%s\n", doc.dump(2).c_str());
  } else {
    std::printf("profile %s on %s, writer %s, %lld steps in %lld rounds\n", profile.name.c_str(),
                workloads[2]->device().c_str(), writer.c_str(), static_cast<long long>(steps),
                static_cast<long long>(rounds));
    std::printf("%-9s %12s %12s %12s\n", "mode", "p50 us", "p99 us", "steps/s");
    for (int m = 0; m < 3; ++m) {
      std::printf("%-9s %12.2f %12.2f %12.0f\n", modes[m], times[m].p50() / 1e3,
                  times[m].p99() / 1e3, times[m].steps_per_second());
    }
    std::printf("step_overhead_pct p50 %.1f%%  p99 %.1f%%\n",
                doc["step_overhead_pct"]["p50"].get<double>(),
                doc["step_overhead_pct"]["p99"].get<double>());
    std::printf("writer: %llu events, %.1f ms inside writer calls, close %.1f ms, failed %llu\n",
                static_cast<unsigned long long>(writer_sink.events()),
                writer_sink.in_writer_ns() / 1e6, close_ns / 1e6,
                static_cast<unsigned long long>(c.failed));
  }
  (void)noop_sum;
  return lost ? 1 : 0;
}

}  // namespace

TBFAULT_COMMAND(train, "measure a writer's cost to a training step (with, without, no-op logging)",
                RunTrain);

}  // namespace tbfault::cli
