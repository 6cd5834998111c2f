// chart_verdicts: the steps a profile's judge leaves visible once the chart's downsampling is
// applied (harness/core/sampled_judge.h), for reservoir_conformance.py to compare with what real
// TensorBoard's HTTP API returns.
//   chart_verdicts --profile tb-python|tb-rust [--samples_per_plugin SPEC] LOGDIR
// Every record the strict reader holds is taken as logged (seq in file order, acknowledged and
// closed cleanly), judged by the profile (verdict.h) and then by JudgeDownsampling; prints
//   {"RUN": {"TAG": {"visible": [step, ...], "downsampled": N}, ...}, ...}
// (visible steps in seq order). Exit 2 with a one-line error on bad arguments or an unreadable
// logdir.
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "harness/core/downsample.h"
#include "harness/core/profile.h"
#include "harness/core/sampled_judge.h"
#include "harness/core/verdict.h"

namespace {

using namespace tbfault;
using namespace tbfault::core;

int Fail(const std::string& what) {
  std::fprintf(stderr, "chart_verdicts: %s\n", what.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string profile_name, spec_text, logdir;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--profile" && i + 1 < argc) {
      profile_name = argv[++i];
    } else if (a == "--samples_per_plugin" && i + 1 < argc) {
      spec_text = argv[++i];
    } else if (logdir.empty() && a.rfind("--", 0) != 0) {
      logdir = a;
    } else {
      return Fail("unexpected argument \"" + a + "\"");
    }
  }
  Profile profile;
  if (!ParseProfile(profile_name, &profile) || profile == Profile::kStrict || logdir.empty()) {
    return Fail(
        "usage: chart_verdicts --profile tb-python|tb-rust [--samples_per_plugin SPEC] "
        "LOGDIR");
  }
  SamplesSpec spec;
  if (Status s = ParseSamplesPerPlugin(spec_text, &spec); !s.ok()) {
    return Fail("--samples_per_plugin: " + s.ToString());
  }
  ProfileView views[3];
  if (Status s = ReadProfiles(logdir, views); !s.ok()) return Fail(logdir + ": " + s.ToString());
  const ProfileView& strict = views[0];
  const ProfileView& view = views[profile == Profile::kTbRust ? 1 : 2];
  std::vector<LoggedEvent> events;
  for (const auto& [run, rv] : strict.runs) {
    for (const auto& [tag, series] : rv.tags) {
      for (size_t i = 0; i < series.points.size(); ++i) {
        LoggedEvent e;
        e.seq = events.size() + 1;
        e.run = run;
        e.tag = tag;
        e.step = series.points[i].step;
        e.value = series.value(i);
        events.push_back(std::move(e));
      }
    }
  }
  const uint64_t n = events.size();
  Segment all;
  all.acks.accepted = all.acks.written = all.acks.flushed = all.acks.synced = n;
  ProfileJudgement j = Judge(events, {all}, strict, view);
  JudgeDownsampling(events, view, spec, &j);
  std::map<std::string, std::map<std::string, std::pair<std::vector<int64_t>, uint64_t>>> out;
  for (const EventVerdict& v : j.verdicts) {
    auto& [visible, downsampled] = out[v.run][v.tag];
    if (v.verdict == Verdict::kVisible) visible.push_back(v.step);
    if (v.verdict == Verdict::kDownsampled) ++downsampled;
  }
  std::string json = "{";
  for (const auto& [run, tags] : out) {
    if (json.size() > 1) json += ", ";
    json += "\"" + run + "\": {";
    bool first = true;
    for (const auto& [tag, kept] : tags) {
      json += std::string(first ? "" : ", ") + "\"" + tag + "\": {\"visible\": [";
      first = false;
      for (size_t i = 0; i < kept.first.size(); ++i) {
        json += (i ? ", " : "") + std::to_string(kept.first[i]);
      }
      json += "], \"downsampled\": " + std::to_string(kept.second) + "}";
    }
    json += "}";
  }
  std::printf("%s}\n", json.c_str());
  return 0;
}
