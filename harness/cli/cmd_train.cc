// tbfault train: the writer's cost to a real training step. Runs the training workload
// (harness/load) three ways in one process (runner::MeasureTrainOverhead), in alternating rounds so
// that drift hits all three alike: logging disabled, a no-op sink (reads every value, writes
// nothing), and the writer under test. Each way trains its own model from the same seed. Prints
// step time p50/p99, steps/s, time inside writer calls, and the overhead against logging disabled
// (DESIGN.md section 8: step_overhead_pct). Exit 0, 1 when the writer lost events, 2 on bad usage
// (or `--device gpu` without a GPU).
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "harness/cli/command.h"
#include "harness/cli/flags.h"
#include "harness/load/profile.h"
#include "harness/load/workload.h"
#include "harness/runner/train_overhead.h"
#include "writers/writer_factory.h"

namespace tbfault::cli {
namespace {

int RunTrain(std::span<char*> args) {
  std::string logdir, writer = "async", profile_name = "small-fast", device_text = "auto";
  int64_t steps = 5000, rounds = 5;
  uint64_t seed = 1;
  bool sync = false, json = false;
  Flags flags("train", "--logdir DIR [FLAGS]");
  flags.String("--logdir", "DIR", &logdir, "the run directory the writer under test creates")
      .Required();
  flags.String("--writer", "SPEC", &writer, "the writer under test (a policy, preset or external)");
  flags.String("--profile", "NAME|FILE", &profile_name, "the training load profile");
  flags.Int("--steps", &steps, 1, 10'000'000, "training steps per mode");
  flags.Int("--rounds", &rounds, 1, 1000, "alternating rounds the steps are split into");
  flags.Choice("--device", {"cpu", "gpu", "auto"}, &device_text, "where the model trains");
  flags.Bool("--sync-every-step", &sync,
             "GPU only: wait for each step's values (the loss.item() habit)");
  flags.Uint("--seed", &seed, 0, UINT64_MAX, "the model's and the data's seed");
  flags.Bool("--json", &json, "print the measurement as JSON");
  if (int rc = flags.Parse(args); rc >= 0) return rc;
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
    std::printf("%s\n", doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
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
