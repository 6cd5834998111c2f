// tbfault train: the writer's cost to a real training step. Runs the training workload
// (harness/load) three ways in one process (runner::MeasureTrainOverhead), in alternating rounds so
// that drift hits all three alike: logging disabled, a no-op sink (reads every value, writes
// nothing), and the writer under test. Each way trains its own model from the same seed. Prints
// step time p50/p99, steps/s, time inside writer calls, and the overhead against logging disabled
// (DESIGN.md section 8: step_overhead_pct). Exit 0, 1 when the writer lost events, 2 on bad usage
// (or `--device gpu` without a GPU).
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "harness/cli/command.h"
#include "harness/load/profile.h"
#include "harness/load/workload.h"
#include "harness/runner/train_overhead.h"
#include "writers/writer_factory.h"

namespace tbfault::cli {
namespace {

constexpr char kUsage[] =
    "usage: tbfault train --logdir DIR [--writer SPEC] [--profile NAME|FILE] [--steps N]\n"
    "                     [--rounds R] [--device cpu|gpu|auto] [--sync-every-step] [--seed N] "
    "[--json]\n";

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
  runner::TrainOptions options;
  s = load::ParseDevice(device_text, &options.workload.device);
  if (!s.ok()) return std::fprintf(stderr, "tbfault train: %s\n", s.ToString().c_str()), 2;
  options.workload.seed = seed;
  options.workload.sync_every_step = sync;
  options.steps = steps;
  options.rounds = rounds;

  std::unique_ptr<writers::EventWriter> w;
  s = writers::MakeWriter(writer, logdir, &w);
  if (!w) return std::fprintf(stderr, "tbfault train: %s\n", s.ToString().c_str()), 2;
  runner::TrainMeasurement m;
  s = runner::MeasureTrainOverhead(profile, options, w.get(), &m);
  if (!s.ok()) return std::fprintf(stderr, "tbfault train: %s\n", s.ToString().c_str()), 2;
  if (!m.note.empty() && !json) std::printf("%s\n", m.note.c_str());
  const auto& times = m.times;
  const auto* modes = runner::kTrainModeNames;
  const writers::Counters& c = m.counters;

  nlohmann::json doc = {{"profile", profile.name},
                        {"device", m.device},
                        {"writer", writer},
                        {"steps", steps},
                        {"rounds", rounds},
                        {"events", m.events},
                        {"in_writer_ns", m.in_writer_ns},
                        {"close_ns", m.close_ns},
                        {"failed", c.failed},
                        {"add_errors", m.add_errors}};
  for (int i = 0; i < 3; ++i) {
    doc["modes"][modes[i]] = {{"step_ns_p50", times[i].p50()},
                              {"step_ns_p99", times[i].p99()},
                              {"steps_per_s", times[i].steps_per_second()}};
  }
  // What the writer adds per step, in us; as a % only for steps of at least 1 ms (else null).
  const load::StepCost cost = m.cost();
  auto or_null = [](std::optional<double> v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
  doc["step_added_us"] = {{"p50", or_null(cost.added_us_p50)}, {"p99", or_null(cost.added_us_p99)}};
  doc["step_overhead_pct"] = {{"p50", or_null(cost.pct_p50)}, {"p99", or_null(cost.pct_p99)}};
  if (json) {
    std::printf("%s\n", doc.dump(2).c_str());
  } else {
    std::printf("profile %s on %s, writer %s, %lld steps in %lld rounds\n", profile.name.c_str(),
                m.device.c_str(), writer.c_str(), static_cast<long long>(steps),
                static_cast<long long>(rounds));
    std::printf("%-9s %12s %12s %12s\n", "mode", "p50 us", "p99 us", "steps/s");
    for (int i = 0; i < 3; ++i) {
      std::printf("%-9s %12.2f %12.2f %12.0f\n", modes[i], times[i].p50() / 1e3,
                  times[i].p99() / 1e3, times[i].steps_per_second());
    }
    std::printf("step_added_us p50 %+.2f  p99 %+.2f", cost.added_us_p50.value_or(0),
                cost.added_us_p99.value_or(0));
    if (cost.pct_p50) {
      std::printf("  (step_overhead_pct p50 %+.1f%%  p99 %+.1f%%)\n", *cost.pct_p50,
                  cost.pct_p99.value_or(0));
    } else {
      std::printf("  (no percentage: a step without logging takes under 1 ms)\n");
    }
    std::printf("writer: %llu events, %.1f ms inside writer calls, close %.1f ms, failed %llu\n",
                static_cast<unsigned long long>(m.events), m.in_writer_ns / 1e6, m.close_ns / 1e6,
                static_cast<unsigned long long>(c.failed));
  }
  return m.lost() ? 1 : 0;
}

}  // namespace

TBFAULT_COMMAND(train, "measure a writer's cost to a training step (with, without, no-op logging)",
                RunTrain);

}  // namespace tbfault::cli
