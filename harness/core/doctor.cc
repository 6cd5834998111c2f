#include "harness/core/doctor.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <tuple>
#include <unordered_map>

#include "format/event_reader.h"
#include "format/file_name.h"
#include "harness/core/doctor_rules.h"
#include "harness/core/hparams.h"
#include "harness/core/plugins.h"
#include "harness/core/run_reader.h"

namespace tbfault::core {
namespace {

namespace fs = std::filesystem;
using doctor_rules::AddProfile;
using doctor_rules::AddReason;
using doctor_rules::Join;
using doctor_rules::MakeFinding;
using doctor_rules::Plural;
using doctor_rules::ReloadDeath;

// What strict decodes, by file: (offset, tag) of every value, sorted; built when first asked (a
// clean run never needs it).
class StrictIndex {
 public:
  explicit StrictIndex(const RunView& strict) : strict_(strict) {}
  // Values strict reads in `file` at or after `offset`.
  uint64_t CountFrom(const std::string& file, uint64_t offset, std::set<std::string>* tags) const {
    const auto* values = Of(file);
    if (values == nullptr) return 0;
    auto it = std::lower_bound(values->begin(), values->end(), Entry{offset, nullptr});
    for (auto v = it; v != values->end(); ++v) tags->insert(*v->second);
    return static_cast<uint64_t>(values->end() - it);
  }
  bool Shows(const std::string& tag, const std::string& file, uint64_t offset) const {
    const auto* values = Of(file);
    if (values == nullptr) return false;
    auto it = std::lower_bound(values->begin(), values->end(), Entry{offset, nullptr});
    for (; it != values->end() && it->first == offset; ++it) {
      if (*it->second == tag) return true;
    }
    return false;
  }

 private:
  using Entry = std::pair<uint64_t, const std::string*>;
  const std::vector<Entry>* Of(const std::string& file) const {
    if (!built_) Build();
    auto it = index_.find(file);
    return it == index_.end() ? nullptr : &by_file_[it->second];
  }
  void Build() const {
    built_ = true;
    by_file_.resize(strict_.files.size());
    for (size_t i = 0; i < strict_.files.size(); ++i) index_.emplace(strict_.files[i], i);
    for (const auto& [tag, series] : strict_.tags) {
      for (const Point& p : series.points) by_file_[p.file].push_back({p.offset, &tag});
    }
    for (auto& v : by_file_) std::sort(v.begin(), v.end());
  }
  const RunView& strict_;
  mutable bool built_ = false;
  mutable std::unordered_map<std::string, size_t> index_;
  mutable std::vector<std::vector<Entry>> by_file_;
};

uint64_t CountValues(const RunView& view) {
  uint64_t n = 0;
  for (const auto& [tag, series] : view.tags) n += series.points.size();
  return n;
}

FindingKind UnreachedKind(const Unreached& u) {
  switch (u.cause) {
    case UnreachedCause::kAbandoned:
      return FindingKind::kAbandonedFile;
    case UnreachedCause::kTruncated:
      return FindingKind::kTruncatedTail;
    case UnreachedCause::kStopped:
      return u.damage == Damage::kTruncated ? FindingKind::kTruncatedTail : FindingKind::kDeadFile;
    case UnreachedCause::kDead:
      return FindingKind::kDeadFile;
  }
  return FindingKind::kDeadFile;
}

// A Dropped entry's finding kind, or false when the doctor leaves it out.
bool DroppedKind(DropCause cause, FindingKind* kind) {
  switch (cause) {
    case DropCause::kUnknownPlugin:
      return false;  // not modelled.
    case DropCause::kEvicted:
    case DropCause::kPurgedByStart:
    case DropCause::kPurgedByRegression:
      *kind = FindingKind::kRestartPurge;
      return true;
    case DropCause::kDoubleScalar:
      *kind = FindingKind::kDoubleScalar;
      return true;
    case DropCause::kNoMetadata:
      *kind = FindingKind::kMissingMetadata;
      return true;
    default:
      *kind = FindingKind::kDropped;
      return true;
  }
}

std::string Summary(const Finding& f) {
  const std::string n = Plural(f.values, "value");
  const std::string at = std::to_string(f.offset);
  switch (f.kind) {
    case FindingKind::kDeadFile:
      if (f.values == 0) {
        return "a bad record at offset " + at +
               " ends the file for the reader (nothing readable follows it)";
      }
      return n + " after a bad record at offset " + at +
             " are never shown: the reader stops at the damage and never reads the rest of the "
             "file";
    case FindingKind::kTruncatedTail:
      if (f.values == 0) {
        return "the file ends inside a record at offset " + at +
               " (a torn write, or a writer still writing): it is waited on and not shown";
      }  // intact records follow: its length claims more than the file holds (FINDINGS.md O2).
      return "the record at offset " + at + " claims more bytes than the file holds, yet " + n +
             " follow it: its length is wrong (framed with another buffer's length, or bytes went "
             "missing), and the readers wait on it as a torn tail for good, never showing them";
    case FindingKind::kAbandonedFile:
      if (f.values == 0) {
        return "tb-python stopped at offset " + at +
               " and moved on to a newer file for good (nothing readable is left behind)";
      }
      return n + " from offset " + at +
             " on are never shown: tb-python stopped there and moved on to a newer file for good";
    case FindingKind::kRestartPurge:
      return n + " of earlier steps are hidden by a restart: the record at offset " + at +
             " goes back to a lower (or the same) step";
    case FindingKind::kMixedSteps:
      return n + " of tag(s) " + Join(f.tags) + " are hidden because the step goes back inside " +
             "one file with no SessionLog.START (the record at offset " + at +
             "): the tag is fed by two step counters (train and validation, per-rank and global, " +
             "epochs counted from 0 again), not a restart; give each counter its own tag, or log " +
             "with one global step";
    case FindingKind::kDoubleScalar:
      return n + " of scalar tag(s) " + Join(f.tags) +
             " are DT_DOUBLE and dropped (only DT_FLOAT scalars are read); the first at offset " +
             at;
    case FindingKind::kMissingMetadata:
      return "the first value of tag(s) " + Join(f.tags) + " (at offset " + at +
             ") has no plugin metadata, so all " + n + " of the tag are never shown";
    case FindingKind::kDropped:
      return n + " of tag(s) " + Join(f.tags) + " are read but dropped; the first at offset " + at;
    case FindingKind::kDamagedRecord:
      return "damaged bytes at offset " + at + ": whatever they held is lost to every reader";
    default:
      return "";
  }
}

// Findings of one run, keyed so that what two profiles say about one record merges into one.
class Collector {
 public:
  Finding& Get(FindingKind kind, const std::string& file, uint64_t offset,
               const std::string& group = "") {
    auto [it, inserted] = by_key_.try_emplace(std::make_tuple(file, offset, kind, group));
    if (inserted) {
      it->second.kind = kind;
      it->second.file = file;
      it->second.offset = offset;
    }
    return it->second;
  }
  std::map<std::tuple<std::string, uint64_t, FindingKind, std::string>, Finding>& all() {
    return by_key_;
  }

 private:
  std::map<std::tuple<std::string, uint64_t, FindingKind, std::string>, Finding> by_key_;
};

// One profile's findings, before profiles are merged.
std::vector<Finding> ProfileFindings(Profile profile, const RunView& view,
                                     const StrictIndex& strict) {
  const std::string name(ProfileName(profile));
  Collector c;
  for (const Unreached& u : view.unreached) {
    Finding& f = c.Get(UnreachedKind(u), u.file, u.offset);
    f.values = strict.CountFrom(u.file, u.offset, &f.tags);
    AddReason(&f, name + ": " + u.reason);
  }
  // Dropped values are grouped by cause: a restart by the file that restarts (offset: its first
  // responsible record); other reasons by tag (offset: the tag's first responsible record).
  for (const Dropped& d : view.dropped) {
    FindingKind kind;
    if (!DroppedKind(d.cause, &kind) || !strict.Shows(d.tag, d.file, d.offset)) continue;
    const std::string& cause_file = d.cause_file.empty() ? d.file : d.cause_file;
    const uint64_t cause_offset = d.cause_file.empty() ? d.offset : d.cause_offset;
    // A regression inside the values' own file, not by a SessionLog.START: mixed step counters.
    if (kind == FindingKind::kRestartPurge && d.cause != DropCause::kPurgedByStart &&
        cause_file == d.file) {
      kind = FindingKind::kMixedSteps;
    }
    const bool restart = kind == FindingKind::kRestartPurge || kind == FindingKind::kMixedSteps;
    std::string group =
        restart ? cause_file
                : d.tag + (kind == FindingKind::kDropped
                               ? "/" + std::string(DropCauseName(d.cause)) + "/" + d.reason
                               : "");
    Finding& f = c.Get(kind, "", 0, group);
    if (f.values == 0 || std::tie(cause_file, cause_offset) < std::tie(f.file, f.offset)) {
      f.file = cause_file;
      f.offset = cause_offset;
    }
    ++f.values;
    f.tags.insert(d.tag);
    std::string reason = name + ": " + d.reason;
    if (restart) reason += " (record at offset " + std::to_string(cause_offset) + ")";
    if (f.reasons.size() < 4) AddReason(&f, std::move(reason));
  }
  std::vector<Finding> out;
  for (auto& [key, f] : c.all()) {
    f.profiles = {profile};
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

std::string_view FindingKindName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kNoEvents:
      return "no-events";
    case FindingKind::kNotEventFile:
      return "not-event-file";
    case FindingKind::kDeadFile:
      return "dead-file";
    case FindingKind::kTruncatedTail:
      return "truncated-tail";
    case FindingKind::kAbandonedFile:
      return "abandoned-file";
    case FindingKind::kRestartPurge:
      return "restart-purge";
    case FindingKind::kMixedSteps:
      return "mixed-step-counters";
    case FindingKind::kDownsampled:
      return "downsampled";
    case FindingKind::kDoubleScalar:
      return "double-scalar";
    case FindingKind::kMissingMetadata:
      return "missing-metadata";
    case FindingKind::kDropped:
      return "dropped";
    case FindingKind::kDamagedRecord:
      return "damaged-record";
    case FindingKind::kNote:
      return "note";
    case FindingKind::kStalled:
      return "stalled";
    case FindingKind::kSymlinkCycle:
      return "symlink-cycle";
    case FindingKind::kNotModelled:
      return "not-modelled";
    case FindingKind::kHParamsSchema:
      return "hparams-schema";
    case FindingKind::kReloadThreadDies:
      return "reload-thread-dies";
  }
  return "?";
}

size_t Diagnosis::finding_count() const {
  size_t n = findings.size();
  for (const RunDiagnosis& r : runs) n += r.findings.size();
  return n;
}

void DiagnoseRun(const std::vector<std::string>& files,
                 const std::vector<std::vector<format::AnomalyReport>>& anomalies,
                 const RunView& strict, const RunView& rust, const RunView& python,
                 RunDiagnosis* out) {
  out->files = files;
  out->strict_values = CountValues(strict);
  out->rust_values = CountValues(rust);
  out->python_values = CountValues(python);
  const StrictIndex index(strict);

  // Merge what both TensorBoard profiles say alike: same kind, record, count and tags.
  std::vector<Finding> merged;
  for (const auto& [profile, view] :
       {std::pair{Profile::kTbRust, &rust}, std::pair{Profile::kTbPython, &python}}) {
    for (Finding& f : ProfileFindings(profile, *view, index)) {
      auto same = std::find_if(merged.begin(), merged.end(), [&](const Finding& m) {
        return m.kind == f.kind && m.file == f.file && m.offset == f.offset &&
               m.values == f.values && m.tags == f.tags;
      });
      if (same == merged.end()) {
        merged.push_back(std::move(f));
        continue;
      }
      AddProfile(&*same, profile);
      for (std::string& r : f.reasons) AddReason(&*same, std::move(r));
    }
  }
  auto at = [&](const std::string& file, uint64_t offset) -> Finding* {
    for (Finding& f : merged) {
      if (f.file == file && f.offset == offset && f.kind != FindingKind::kRestartPurge &&
          f.kind != FindingKind::kMixedSteps) {
        return &f;
      }
    }
    return nullptr;
  };
  // The strict reader's damage explains a finding at its offset, or is a finding of its own.
  for (size_t i = 0; i < files.size() && i < anomalies.size(); ++i) {
    for (const format::AnomalyReport& a : anomalies[i]) {
      std::string reason = "strict: " + std::string(format::AnomalyName(a.kind)) + " at offset " +
                           std::to_string(a.offset) + ", " + Plural(a.skipped, "byte") +
                           " skipped (" + a.detail + ")";
      Finding* f = at(files[i], a.offset);
      if (f == nullptr) {
        f = &merged.emplace_back(
            MakeFinding(FindingKind::kDamagedRecord, {Profile::kStrict}, files[i], a.offset));
      }
      AddReason(f, std::move(reason));
    }
  }
  for (const auto& [profile, view] :
       {std::pair{Profile::kTbRust, &rust}, std::pair{Profile::kTbPython, &python}}) {
    for (const Note& note : view->notes) {
      std::string reason = std::string(ProfileName(profile)) + ": " + note.text;
      Finding* f = at(note.file, note.offset);
      if (f == nullptr) {
        f = &merged.emplace_back(
            MakeFinding(FindingKind::kNote, {profile}, note.file, note.offset));
        f->summary = note.text;
      }
      AddReason(f, std::move(reason));
    }
  }
  doctor_rules::NotModelledPlugins(strict, &merged);
  doctor_rules::Downsampled(rust, python, &merged);
  doctor_rules::StartsBelowTheResumeStep(strict, python, &merged);
  for (Finding& f : merged) {
    if (f.summary.empty()) f.summary = Summary(f);
  }
  auto file_index = [&](const std::string& file) {
    return std::find(files.begin(), files.end(), file) - files.begin();
  };
  std::stable_sort(merged.begin(), merged.end(), [&](const Finding& a, const Finding& b) {
    return std::make_tuple(file_index(a.file), a.offset, a.kind) <
           std::make_tuple(file_index(b.file), b.offset, b.kind);
  });
  out->findings = std::move(merged);
}

std::vector<std::string> LocateEventFiles(const std::string& path,
                                          const std::vector<std::string>& known_dirs,
                                          size_t limit) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec).lexically_normal();
  if (ec) return {};
  if (p.filename().empty()) p = p.parent_path();
  size_t budget = 20000;                  // directory entries looked at, in all.
  std::map<std::string, uint64_t> found;  // dir -> event files directly in it.
  // Event files in `dir` and below it, `depth` levels down, except under `skip`.
  auto scan = [&](const fs::path& dir, int depth, const fs::path& skip, bool follow_links) {
    auto opts = fs::directory_options::skip_permission_denied;
    if (follow_links) opts |= fs::directory_options::follow_directory_symlink;
    fs::recursive_directory_iterator it(dir, opts, ec), end;
    for (; !ec && it != end && budget > 0; it.increment(ec), --budget) {
      if (it->path() == skip) {
        it.disable_recursion_pending();
        continue;
      }
      if (it.depth() >= depth) it.disable_recursion_pending();
      if (it->is_regular_file(ec) && format::IsEventFileName(it->path().filename().string())) {
        ++found[it->path().parent_path().string()];
      }
    }
    ec.clear();
  };
  if (fs::is_directory(p, ec)) scan(p, 6, fs::path(), /*follow_links=*/true);
  for (const std::string& dir : known_dirs) {
    found.erase(fs::absolute(dir, ec).lexically_normal().string());
  }
  fs::path child = p;
  for (int up = 0; up < 3 && found.empty(); ++up) {
    fs::path parent = child.parent_path();
    if (parent == child || parent == parent.root_path()) break;  // never scan "/".
    scan(parent, 2, child, /*follow_links=*/false);
    child = parent;
  }
  std::vector<std::string> out;
  for (const auto& [dir, n] : found) {
    if (out.size() == limit) break;
    out.push_back(dir + " (" + Plural(n, "event file") + ")");
  }
  return out;
}

Status Diagnose(const std::string& path, Diagnosis* out) {
  out->path = path;
  out->runs.clear();
  out->findings.clear();
  std::vector<format::RunFiles> runs;
  std::vector<std::string> cycles;
  Status s = format::ListRuns(path, &runs, &cycles);
  if (!s.ok()) return s;
  for (const std::string& link : cycles) {  // FINDINGS.md L2.
    Finding& f = out->findings.emplace_back(MakeFinding(
        FindingKind::kSymlinkCycle, {Profile::kTbPython}, (fs::path(path) / link).string(), 0));
    f.summary =
        "the symbolic link " + link +
        " leads back to a directory on its own path: tb-rust enters it once, but "
        "TensorBoard's Python loader (--load_fast=false) lists every run below it again "
        "on each turn of the loop, about 40 times, as separate runs; with two cycles its walk "
        "can fail (too many levels of symbolic links) and it shows no run at all";
  }
  std::error_code ec;
  if (fs::is_regular_file(path, ec) &&
      !format::IsEventFileName(fs::path(path).filename().string())) {
    Finding& f = out->findings.emplace_back(MakeFinding(FindingKind::kNotEventFile, {}, path, 0));
    f.summary =
        "TensorBoard reads only files whose name contains 'tfevents': it would ignore this one";
  }
  uint64_t files = 0, values = 0;
  std::vector<std::string> dirs;
  std::vector<HParamsExperiment> experiments;  // in run-name order (FINDINGS.md H1).
  std::vector<ReloadDeath> deaths;             // FINDINGS.md P1, the first of each run.
  for (const format::RunFiles& run : runs) {
    RunReader reader({std::begin(kAllProfiles), std::end(kAllProfiles)});
    if (s = reader.Cycle(run.files); !s.ok()) return s;
    const auto& anomalies = StrictAnomalies(*reader.reader(Profile::kStrict));
    const RunView& strict = reader.reader(Profile::kStrict)->view();
    const RunView& rust = reader.reader(Profile::kTbRust)->view();
    const RunView& python = reader.reader(Profile::kTbPython)->view();
    RunDiagnosis& d = out->runs.emplace_back();
    d.run = run.run;
    DiagnoseRun(run.files, anomalies, strict, rust, python, &d);
    for (const Note& note : python.notes) {
      if (note.kind != NoteKind::kReloadThreadDies) continue;
      deaths.push_back({out->runs.size() - 1, note.file, note.offset});
      break;
    }
    for (const Dropped& dr : strict.dropped) {
      std::string content;
      HParamsExperiment e;
      if (dr.cause == DropCause::kUnknownPlugin && dr.tag == "_hparams_/experiment" &&
          PluginOfValue(dr.file, dr.offset, dr.tag, &content) == "hparams" &&
          DecodeHParamsExperiment(content, &e)) {
        e.run = run.run;
        experiments.push_back(std::move(e));
        break;
      }
    }
    files += run.files.size();
    dirs.push_back(run.dir);
    values += d.strict_values;
  }
  doctor_rules::ReloadThreadDeaths(deaths, out);
  if (std::string left_out = HParamsLeftOut(experiments); !left_out.empty()) {
    Finding& f = out->findings.emplace_back(
        MakeFinding(FindingKind::kHParamsSchema, {Profile::kTbPython}, "", 0));
    f.plugin = "hparams";
    f.summary = std::move(left_out);
  }
  if (values == 0) {
    Finding f = MakeFinding(FindingKind::kNoEvents, {}, "", 0);
    f.summary = files == 0 ? "no event files (names containing 'tfevents') under " + path
                           : "no summary values under " + path + ": " +
                                 Plural(files, "event file") + " but none holds a readable value";
    f.where = LocateEventFiles(path, dirs);
    if (!f.where.empty()) f.summary += "; event files exist nearby, in " + f.where.front();
    out->findings.push_back(std::move(f));
  } else {
    for (RunDiagnosis& run : out->runs) {  // other runs have values: say which ones do not.
      if (run.strict_values != 0 || !run.findings.empty()) continue;
      Finding f = MakeFinding(FindingKind::kNoEvents, {}, "", 0);
      f.summary = "no summary value in this run's " + Plural(run.files.size(), "event file") +
                  " (empty, or nothing but file_version and other non-summary events)";
      run.findings.push_back(std::move(f));
    }
  }
  return Status::Ok();
}

}  // namespace tbfault::core
