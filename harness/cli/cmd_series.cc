// tbfault series --profile strict|tb-rust|tb-python [--json] [--why] LOGDIR: the series a user
// would see by one reader profile's rules (harness/core/profile.h). --json prints the schema shared
// with harness/conformance/tb_series.py (real TensorBoard):
//   {"profile": P, "runs": {RUN: {TAG: {"kind": K, "points": [[step, value], ...]}}}}
// with scalars as numbers ("nan", "inf", "-inf" as strings), histograms as their total count,
// images as "<width>x<height>", texts as the string; runs and tags sorted, points in the reader's
// order. The text form prints one line per point, then (always) why things on disk are not shown.
// --cycles: a reader watching a growing logdir. Before each reload cycle one line is read from
// stdin; the cycle reads what is new in every run (as TensorBoard's reload loop does: one cycle per
// poll, readers kept across cycles) and prints the view after it as one line (JSON with --json);
// stdin's end ends it. Exit 0, or 2 on bad usage or an unreadable path.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "format/event_reader.h"
#include "harness/cli/command.h"
#include "harness/cli/flags.h"
#include "harness/core/profile.h"
#include "harness/core/run_reader.h"

namespace tbfault::cli {
namespace {

nlohmann::json PointValue(const core::SeriesValue& v) {
  switch (v.kind) {
    case core::Kind::kScalar:
      if (std::isnan(v.number) || std::isinf(v.number)) return core::ValueToString(v);
      return v.number;
    case core::Kind::kHistogram:
      return v.number;
    default:
      return core::ValueToString(v);
  }
}

nlohmann::json ToJson(const core::ProfileView& view) {
  nlohmann::json runs = nlohmann::json::object();
  for (const auto& [run, rv] : view.runs) {
    nlohmann::json tags = nlohmann::json::object();
    for (const auto& [tag, series] : rv.tags) {
      nlohmann::json points = nlohmann::json::array();
      for (size_t i = 0; i < series.points.size(); ++i) {
        points.push_back({series.points[i].step, PointValue(series.value(i))});
      }
      tags[tag] = {{"kind", core::KindName(series.kind)}, {"points", points}};
    }
    if (!tags.empty()) runs[run] = tags;
  }
  return {{"profile", core::ProfileName(view.profile)}, {"runs", runs}};
}

void PrintText(const core::ProfileView& view) {
  for (const auto& [run, rv] : view.runs) {
    for (const auto& [tag, series] : rv.tags) {
      std::string_view kind = core::KindName(series.kind);
      std::printf("run %s tag %s (%.*s, %zu points)\n", run.c_str(), tag.c_str(),
                  static_cast<int>(kind.size()), kind.data(), series.points.size());
      for (size_t i = 0; i < series.points.size(); ++i) {
        const core::Point& p = series.points[i];
        std::printf("  step %lld  %s  [%s offset %llu]\n", static_cast<long long>(p.step),
                    core::ValueToString(series.value(i)).c_str(), rv.file(p).c_str(),
                    static_cast<unsigned long long>(p.offset));
      }
    }
    for (const auto& u : rv.unreached) {
      std::printf("NOT READ run %s file %s from offset %llu: %s\n", run.c_str(), u.file.c_str(),
                  static_cast<unsigned long long>(u.offset), u.reason.c_str());
    }
    for (const auto& d : rv.dropped) {
      std::printf("NOT SHOWN run %s tag %s step %lld [%s offset %llu]: %s%s\n", run.c_str(),
                  d.tag.c_str(), static_cast<long long>(d.step), d.file.c_str(),
                  static_cast<unsigned long long>(d.offset), d.reason.c_str(),
                  d.cause_file.empty()
                      ? ""
                      : (" (by " + d.cause_file + " offset " + std::to_string(d.cause_offset) + ")")
                            .c_str());
    }
    for (const auto& n : rv.notes) std::printf("NOTE run %s: %s\n", run.c_str(), n.text.c_str());
  }
}

// Prints `view` (JSON or text); 2 with the error when reading it failed.
int Show(const Status& s, const core::ProfileView& view, bool json) {
  if (!s.ok()) {
    std::fprintf(stderr, "tbfault series: %s\n", s.ToString().c_str());
    return 2;
  }
  if (json) {
    std::printf(
        "%s\n",
        ToJson(view).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    PrintText(view);
  }
  return 0;
}

// --cycles: one reload cycle per line of stdin, the view printed after each.
int RunCycles(core::Profile profile, const std::string& path, bool json) {
  std::map<std::string, std::unique_ptr<core::RunReader>> readers;  // kept across cycles.
  for (std::string line; std::getline(std::cin, line);) {
    std::vector<format::RunFiles> runs;
    Status s = format::ListRuns(path, &runs);
    core::ProfileView view;
    view.profile = profile;
    for (const auto& run : runs) {
      if (!s.ok()) break;
      auto& r = readers[run.run];
      if (r == nullptr) r = std::make_unique<core::RunReader>(std::vector<core::Profile>{profile});
      s = r->Cycle(run.files);
      view.runs[run.run] = r->reader(profile)->view();
    }
    if (int rc = Show(s, view, json); rc != 0) return rc;
    if (!json) std::printf("END cycle\n");
    std::fflush(stdout);
  }
  return 0;
}

int RunSeries(std::span<char*> args) {
  std::vector<std::string> paths;
  bool json = false;
  core::Profile profile = core::Profile::kStrict;
  Flags flags("series", "--profile strict|tb-rust|tb-python [--json] [--cycles] LOGDIR");
  flags.Positional("LOGDIR", &paths, 1, 1, "a logdir, a run directory or one event file");
  flags
      .Custom(
          "--profile", "strict|tb-rust|tb-python",
          [&](std::string_view name, std::string* why) {
            if (core::ParseProfile(name, &profile)) return true;
            *why = "unknown profile '" + std::string(name) + "'";
            return false;
          },
          "", "the reader profile whose rules decide what is shown")
      .Required();
  flags.Bool("--json", &json, "print the series as JSON (the schema of tb_series.py)");
  bool cycles = false;
  flags.Bool("--cycles", &cycles,
             "one reload cycle per line read on stdin, the view printed after each (live)");
  if (int rc = flags.Parse(args); rc >= 0) return rc;
  const std::string& path = paths[0];
  if (cycles) return RunCycles(profile, path, json);
  core::ProfileView view;
  Status s = core::ReadProfile(profile, path, &view);
  return Show(s, view, json);
}

}  // namespace

TBFAULT_COMMAND(series, "the series a reader profile (strict, tb-rust, tb-python) would show",
                RunSeries);

}  // namespace tbfault::cli
