// Test helpers: a small but complete results model (two scenarios, three profiles, figures,
// timeline, step times) and Google Benchmark JSON with repetitions drawn from a seeded generator.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "reports/results.h"

namespace tbfault::reports::testing {

inline ScenarioResult SampleScenario(const std::string& name, const std::string& writer,
                                     uint64_t hidden) {
  ScenarioResult s;
  s.name = name;
  s.seed = 42;
  s.writer = writer;
  s.outcome = hidden ? Outcome::kFailed : Outcome::kPassed;
  s.duration_s = 1.25;
  s.events_logged = 200;
  for (std::string_view profile : kProfiles) {
    ProfileResult p;
    p.profile = std::string(profile);
    uint64_t h = profile == "strict" ? 0 : hidden;
    p.passed = h == 0;
    p.counts[VerdictIndex(Verdict::kVisible)] = 200 - 20 - h;
    p.counts[VerdictIndex(Verdict::kLostUnacked)] = 20;
    p.counts[VerdictIndex(Verdict::kHidden)] = h;
    if (h) {
      p.examples.push_back({Verdict::kHidden, "loss/<train>&\"x\"", 120,
                            "run/events.out.tfevents.1700000000.host.1.0", 4096,
                            "after a torn record at offset 4080 (bad length CRC)"});
    }
    p.loss_window = {20, 2000, 0.5};
    p.figures.lag_ms_p50 = 120;  // live
    p.figures.lag_ms_p99 = 900;
    p.figures.lag_ms_max = 1500;
    p.figures.lag_steps_max = 12;
    p.figures.stale_ms_max = 1400;
    p.counts[VerdictIndex(Verdict::kLate)] = 5;
    s.profiles.push_back(p);
  }
  s.figures.events_per_s = 1.5e6;
  s.figures.mb_per_s = 80.5;
  s.figures.add_ns_p50 = 95;
  s.figures.add_ns_p99 = 410;
  s.figures.step_added_us_p50 = 300;
  s.figures.step_overhead_pct_p50 = 0.4;
  s.figures.step_ms_p50 = 10.6;
  s.figures.disabled_step_ms_p50 = 10.3;
  s.figures.noop_step_ms_p50 = 10.4;
  s.figures.blocked_ms = 12.5;
  s.figures.blocked_pct = 0.6;
  s.faults = {{100, "power-cut", 1000.0}, {150, "clear", std::nullopt}};
  for (int i = 0; i <= 20; ++i) {  // tb-rust drops 2 points at 1.1 s.
    LivePoint t;
    t.t_ms = 100.0 * i;
    t.logged = static_cast<uint64_t>(10 * i);
    for (std::string_view profile : kProfiles) {
      t.visible[std::string(profile)] = static_cast<uint64_t>(10 * i) - (i > 0 ? 5 : 0);
    }
    if (i >= 11) t.visible["tb-rust"] -= 2;
    s.live_timeline.push_back(t);
  }
  for (int64_t step = 0; step <= 200; step += 10) {
    TimelinePoint t;
    t.step = step;
    t.logged = static_cast<uint64_t>(step);
    for (std::string_view profile : kProfiles) {
      uint64_t v = step < 100 ? static_cast<uint64_t>(step) : 80;
      if (profile == "strict" && step >= 150) v = static_cast<uint64_t>(step) - 20;
      t.visible[std::string(profile)] = v;
    }
    s.timeline.push_back(t);
  }
  for (int i = 0; i < 50; ++i) {
    s.step_times.without_logging_ms.push_back(10 + (i % 7) * 0.1);
    s.step_times.with_logging_ms.push_back(10.2 + (i % 9) * 0.1);
    s.step_times.noop_ms.push_back(10.1 + (i % 8) * 0.1);
  }
  return s;
}

inline Results SampleResults() {
  Results r;
  r.created = "2026-11-25T00:00:00Z";
  r.host = "ci";
  r.scenarios.push_back(SampleScenario("clean/buffered", "ours:buffered", 0));
  r.scenarios.push_back(SampleScenario("power-cut/mutant-no-truncate", "mutant:no-truncate", 3));
  return r;
}

// Google Benchmark JSON: `reps` iteration entries per benchmark. BM_Add's real_time is `add_ns`
// times noise; BM_Ref (the reference BM_AddRel names) is `ref_ns` times noise; `noise` is the
// relative spread (uniform).
inline nlohmann::json SampleBenchmark(double add_ns, double ref_ns, double noise, int reps,
                                      uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> jitter(1 - noise, 1 + noise);
  nlohmann::json benchmarks = nlohmann::json::array();
  for (int rep = 0; rep < reps; ++rep) {
    double machine = jitter(rng);  // shared by the benchmarks of one repetition.
    auto entry = [&](const char* name, double ns, const char* label) {
      nlohmann::json e = {{"name", name},
                          {"run_name", name},
                          {"run_type", "iteration"},
                          {"repetitions", reps},
                          {"repetition_index", rep},
                          {"iterations", 1000},
                          {"real_time", ns * jitter(rng) / 1000},
                          {"cpu_time", ns / 1000},
                          {"time_unit", "us"}};
      if (label[0]) e["label"] = label;
      benchmarks.push_back(e);
    };
    entry("BM_Add", add_ns, "");
    entry("BM_Ref", ref_ns * machine, "");
    entry("BM_AddRel", add_ns * machine, "policy=buffered ref=BM_Ref");
  }
  benchmarks.push_back({{"name", "BM_Add_median"},
                        {"run_name", "BM_Add"},
                        {"run_type", "aggregate"},
                        {"aggregate_name", "median"},
                        {"real_time", 1e9},
                        {"time_unit", "ns"}});
  return {{"context", {{"host_name", "test"}, {"num_cpus", 2}}}, {"benchmarks", benchmarks}};
}

}  // namespace tbfault::reports::testing
