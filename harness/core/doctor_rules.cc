#include "harness/core/doctor_rules.h"

#include <algorithm>
#include <map>

#include "harness/core/downsample.h"
#include "harness/core/plugins.h"

namespace tbfault::core::doctor_rules {

std::string Plural(uint64_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

std::string Join(const std::set<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

Finding MakeFinding(FindingKind kind, std::vector<Profile> profiles, const std::string& file,
                    uint64_t offset) {
  Finding f;
  f.kind = kind;
  f.profiles = std::move(profiles);
  f.file = file;
  f.offset = offset;
  return f;
}

void AddReason(Finding* f, std::string reason) {
  if (std::find(f->reasons.begin(), f->reasons.end(), reason) == f->reasons.end()) {
    f->reasons.push_back(std::move(reason));
  }
}

void AddProfile(Finding* f, Profile p) {
  if (std::find(f->profiles.begin(), f->profiles.end(), p) == f->profiles.end()) {
    f->profiles.push_back(p);
  }
}

// Values of plugins no profile models (strict drops them as kUnknownPlugin): one finding per
// plugin, named from the metadata of each tag's first value. A tag without any plugin metadata is
// the missing-metadata finding's, not this one's.
void NotModelledPlugins(const RunView& strict, std::vector<Finding>* out) {
  std::map<std::string, Finding> by_plugin;
  std::string tag, plugin;
  for (const Dropped& d : strict.dropped) {
    if (d.cause != DropCause::kUnknownPlugin) continue;
    if (d.tag != tag) {  // a tag's drops are together, its first value first.
      tag = d.tag;
      plugin = PluginOfValue(d.file, d.offset, d.tag);
    }
    if (plugin.empty()) continue;
    auto [it, fresh] = by_plugin.try_emplace(plugin);
    Finding& f = it->second;
    if (fresh) f = MakeFinding(FindingKind::kNotModelled, {}, d.file, d.offset);
    f.plugin = plugin;
    ++f.values;
    f.tags.insert(d.tag);
  }
  for (auto& [name, f] : by_plugin) {
    f.summary = "values of plugin " + name + ": not modelled (" + Plural(f.values, "value") +
                " of tag(s) " + Join(f.tags) + "); tbfault does not say whether TensorBoard's " +
                name + " dashboard shows them";
    AddReason(&f, "strict: the tag's first value (at offset " + std::to_string(f.offset) +
                      ") names plugin '" + name + "', which no profile reads");
    out->push_back(std::move(f));
  }
}

// FINDINGS.md P1, logdir-wide: an invalid proto with right CRCs raises out of the Python loader's
// reload of its run and ends TensorBoard's one reload thread, so every run reloaded after it shows
// at most its first event, and no run is reloaded again. The reload order is the directory walk's
// (the file system's listing order, not names), so every other run is named as hidden by it.
// Series longer than a chart keeps (FINDINGS.md D1): one finding per tag, for the profiles that
// keep the same number. Not a loss: the values are on disk and readable.
void Downsampled(const RunView& rust, const RunView& python, std::vector<Finding>* out) {
  for (const auto& [profile, view] :
       {std::pair{Profile::kTbRust, &rust}, std::pair{Profile::kTbPython, &python}}) {
    for (const auto& [tag, series] : view->tags) {
      const uint64_t m = series.points.size();
      const uint64_t k = SamplesShown(profile, series.kind, m);
      if (k >= m) continue;
      // (An init-capture: clang before 16 cannot capture a structured binding.)
      auto same = std::find_if(out->begin(), out->end(), [&, &tag = tag](const Finding& f) {
        return f.kind == FindingKind::kDownsampled && f.tags.count(tag) && f.values == m - k;
      });
      if (same != out->end()) {
        AddProfile(&*same, profile);
        continue;
      }
      const Point first = series.points[0];
      Finding f =
          MakeFinding(FindingKind::kDownsampled, {profile}, view->file(first), first.offset);
      f.values = m - k;
      f.tags.insert(tag);
      const std::string plugin(PluginOfKind(series.kind));
      f.summary = std::to_string(k) + " of " + std::to_string(m) + " points of " + plugin +
                  " tag " + tag + " shown (the last always, the others by a seeded reservoir): " +
                  "raise --samples_per_plugin, e.g. --samples_per_plugin " + plugin + "=" +
                  std::to_string(m);
      out->push_back(std::move(f));
    }
  }
}

void StartsBelowTheResumeStep(const RunView& strict, const RunView& python,
                              std::vector<Finding>* out) {
  std::map<std::pair<std::string, uint64_t>, std::vector<int64_t>> purged;  // by the START.
  for (const Dropped& d : python.dropped) {
    if (d.cause == DropCause::kPurgedByStart && !d.cause_file.empty()) {
      purged[{d.cause_file, d.cause_offset}].push_back(d.step);
    }
  }
  for (const auto& [start, steps] : purged) {
    const auto file = std::find(strict.files.begin(), strict.files.end(), start.first);
    if (file == strict.files.end()) continue;
    const auto index = static_cast<uint32_t>(file - strict.files.begin());
    uint64_t next = UINT64_MAX;  // the first value strict reads after the START, and its step.
    int64_t resumed = 0;
    for (const auto& [tag, series] : strict.tags) {
      for (const Point p : series.points) {
        if (p.file == index && p.offset > start.second && p.offset < next) {
          next = p.offset;
          resumed = p.step;
        }
      }
    }
    const auto below = static_cast<uint64_t>(
        std::count_if(steps.begin(), steps.end(), [&](int64_t s) { return s < resumed; }));
    if (next == UINT64_MAX || below == 0) continue;
    for (Finding& f : *out) {
      if (f.kind != FindingKind::kRestartPurge || f.file != start.first ||
          f.offset != start.second) {
        continue;
      }
      AddReason(&f, "tb-python: the SessionLog.START at offset " + std::to_string(start.second) +
                        " is at a step below " + std::to_string(resumed) +
                        ", the step logged next: " + Plural(below, "value") +
                        " of lower steps, which the restart did not orphan, are purged too; "
                        "write the START at the step the checkpoint restored");
    }
  }
}

void ReloadThreadDeaths(const std::vector<ReloadDeath>& deaths, Diagnosis* d) {
  for (const ReloadDeath& death : deaths) {
    const RunDiagnosis& run = d->runs[death.run];
    Finding w =
        MakeFinding(FindingKind::kReloadThreadDies, {Profile::kTbPython}, death.file, death.offset);
    for (const RunDiagnosis& other : d->runs) {
      if (&other == &run) continue;
      w.runs.push_back(other.run);
      w.values += other.python_values;
    }
    w.summary = "an invalid record in run " + run.run + " (offset " + std::to_string(death.offset) +
                ") ends TensorBoard's Python reload thread (--load_fast=false): " +
                (w.runs.empty() ? std::string("no other run to hide")
                                : "every run reloaded after it (directory-walk order) shows at "
                                  "most its first event and none is reloaded again, so up to " +
                                      Plural(w.values, "value") + " of " +
                                      Plural(w.runs.size(), "other run") + " are hidden");
    for (const std::string& r : w.runs) w.reasons.push_back("tb-python: hides run " + r);
    d->findings.push_back(std::move(w));
  }
}

}  // namespace tbfault::core::doctor_rules
