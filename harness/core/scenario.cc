#include "harness/core/scenario.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <cmath>
#include <filesystem>

#include "format/record_reader.h"
#include "fusefs/rule_check.h"
#include "harness/load/profile.h"
#include "writers/writer_factory.h"

namespace tbfault::core {
namespace {

namespace pb = google::protobuf;

// An error is one line: control characters a scenario's strings carry into it (a writer spec
// "every-ev\nt" is quoted by the writer's check) are written as C escapes.
std::string OneLine(const std::string& message) {
  std::string out;
  out.reserve(message.size());
  for (unsigned char c : message) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

class Collector : public pb::io::ErrorCollector {
 public:
  explicit Collector(const std::string& file) : file_(file) {}
  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    if (first_.empty()) {
      first_ = OneLine(file_ + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) +
                       ": " + message);
    }
  }
  const std::string& first() const { return first_; }

 private:
  const std::string& file_;
  std::string first_;
};

// Validation with locations: each check names a field path and, through the parse tree, its line.
class Validator {
 public:
  Validator(const std::string& file, const pb::TextFormat::ParseInfoTree& tree)
      : file_(file), tree_(tree) {}

  // `tree` is the subtree of the message holding `field` (by name), `index` for repeated fields.
  Status Error(const pb::TextFormat::ParseInfoTree* tree, const pb::Message& msg,
               std::string_view field, int index, const std::string& path,
               const std::string& message) const {
    int line = 0, column = 0;
    const pb::FieldDescriptor* fd = msg.GetDescriptor()->FindFieldByName(std::string(field));
    if (tree != nullptr && fd != nullptr) {
      pb::TextFormat::ParseLocation loc = tree->GetLocation(fd, fd->is_repeated() ? index : -1);
      line = loc.line + 1;
      column = loc.column + 1;
    }
    std::string where =
        line > 0 ? file_ + ":" + std::to_string(line) + ":" + std::to_string(column) : file_;
    return Status::Invalid(OneLine(where + ": " + path + ": " + message));
  }

  const pb::TextFormat::ParseInfoTree* Child(const pb::TextFormat::ParseInfoTree* tree,
                                             const pb::Message& msg, std::string_view field,
                                             int index) const {
    if (tree == nullptr) return nullptr;
    const pb::FieldDescriptor* fd = msg.GetDescriptor()->FindFieldByName(std::string(field));
    return fd == nullptr ? nullptr : tree->GetTreeForNested(fd, fd->is_repeated() ? index : -1);
  }

  // Paths a scenario names stay inside the mount: relative, no ".." component.
  Status CheckPaths(const scenario::Scenario& s) const {
    auto inside = [](const std::string& p) {
      if (p.starts_with("/")) return false;
      for (size_t at = 0; at <= p.size();) {
        size_t end = std::min(p.find('/', at), p.size());
        if (p.compare(at, end - at, "..") == 0) return false;
        at = end + 1;
      }
      return true;
    };
    const std::string why = "must stay inside the mount (relative, without '..')";
    if (!inside(s.read_dir())) return Error(&tree_, s, "read_dir", -1, "read_dir", why);
    if (!inside(s.workload().run())) {
      return Error(Child(&tree_, s, "workload", -1), s.workload(), "run", -1, "workload.run", why);
    }
    return Status::Ok();
  }

  Status Check(const scenario::Scenario& s) const {
    const auto* root = &tree_;
    if (!s.has_workload()) return Error(root, s, "name", -1, "workload", "missing");
    const auto* wt = Child(root, s, "workload", -1);
    const scenario::Workload& w = s.workload();
    if (w.steps() <= 0) return Error(wt, w, "steps", -1, "workload.steps", "must be > 0");
    if (w.scalars_per_step() < 0 || w.histogram_every() < 0 || w.image_every() < 0 ||
        w.text_every() < 0 || w.flush_every() < 0 || w.sync_every() < 0 || w.step_ms() < 0) {
      return Error(wt, w, "steps", -1, "workload", "counts and intervals must be >= 0");
    }
    if (!s.has_writer() || (s.writer().spec().empty() && s.writer().specs().empty())) {
      return Error(root, s, "writer", -1, "writer.spec", "missing");
    }
    if (w.writers() < 0 || w.files() < 0 || (w.writers() > 1 && w.files() > 1)) {
      return Error(wt, w, "writers", -1, "workload.writers",
                   "writers and files must be >= 0, and only one of them above 1");
    }
    if (w.first_writer_behind() != 0 &&
        (w.writers() < 2 || w.first_writer_behind() < 0 || w.first_writer_behind() >= w.steps())) {
      return Error(wt, w, "first_writer_behind", -1, "workload.first_writer_behind",
                   "needs writers >= 2, and must be within 0..steps-1");
    }
    for (int i = 0; i < s.faults_size(); ++i) {
      const auto* ft = Child(root, s, "faults", i);
      const scenario::Fault& f = s.faults(i);
      std::string path = "faults[" + std::to_string(i) + "]";
      if (f.rule().empty() && f.quota_bytes() == 0) {
        return Error(ft, f, "rule", -1, path + ".rule", "missing (a rule or quota_bytes)");
      }
      if (f.at_step() < 0 || f.at_step() > w.steps()) {
        return Error(ft, f, "at_step", -1, path + ".at_step", "outside 0..workload.steps");
      }
      if (f.clear_at_step() != 0 && f.clear_at_step() <= f.at_step()) {
        return Error(ft, f, "clear_at_step", -1, path + ".clear_at_step", "must be > at_step");
      }
    }
    int64_t last = 0;
    int exit_at = -1;  // the EXIT ending the current process, if any.
    for (int i = 0; i < s.actions_size(); ++i) {
      const auto* at = Child(root, s, "actions", i);
      const scenario::Action& a = s.actions(i);
      std::string path = "actions[" + std::to_string(i) + "]";
      if (a.kind() == scenario::Action::KIND_UNSPECIFIED) {
        return Error(at, a, "kind", -1, path + ".kind", "missing");
      }
      if (a.at_step() < last || a.at_step() > w.steps()) {
        return Error(at, a, "at_step", -1, path + ".at_step",
                     "must be in step order and within 0..workload.steps");
      }
      last = a.at_step();
      if (a.kind() == scenario::Action::POWER_CUT && !a.power_cut_mode().empty() &&
          a.power_cut_mode() != "plain" && a.power_cut_mode() != "torn" &&
          a.power_cut_mode() != "zero-fill" && a.power_cut_mode() != "reorder") {
        return Error(at, a, "power_cut_mode", -1, path + ".power_cut_mode",
                     "unknown mode '" + a.power_cut_mode() + "' (plain, torn, zero-fill, reorder)");
      }
      if (a.at_op() > 0 && a.kind() != scenario::Action::PROCESS_CRASH &&
          a.kind() != scenario::Action::POWER_CUT) {
        return Error(at, a, "at_op", -1, path + ".at_op", "only for PROCESS_CRASH and POWER_CUT");
      }
      if (a.kind() == scenario::Action::RESTART &&
          (a.resume_from_step() < 0 || a.resume_from_step() > a.at_step())) {
        return Error(at, a, "resume_from_step", -1, path + ".resume_from_step",
                     "must be within 0..at_step");
      }
      if (a.kind() == scenario::Action::RESTART) exit_at = -1;
      if (exit_at >= 0) {
        return Error(at, a, "kind", -1, path + ".kind",
                     "comes after the EXIT of actions[" + std::to_string(exit_at) +
                         "], which ends its process: never applied (a RESTART between starts a "
                         "new one)");
      }
      if (a.kind() == scenario::Action::EXIT) exit_at = i;
    }
    for (int i = 0; i < s.expect_size(); ++i) {
      const auto* et = Child(root, s, "expect", i);
      const scenario::Expectation& e = s.expect(i);
      std::string path = "expect[" + std::to_string(i) + "]";
      Profile p;
      if (e.profile() != "*" && !ParseProfile(e.profile(), &p)) {
        return Error(et, e, "profile", -1, path + ".profile",
                     "unknown profile '" + e.profile() + "' (strict, tb-rust, tb-python, *)");
      }
      for (int k = 0; k < e.verdicts_size(); ++k) {
        const auto* vt = Child(et, e, "verdicts", k);
        const scenario::VerdictCount& vc = e.verdicts(k);
        std::string vpath = path + ".verdicts[" + std::to_string(k) + "]";
        if (!VerdictFromName(vc.verdict())) {
          return Error(vt, vc, "verdict", -1, vpath + ".verdict",
                       "unknown verdict class '" + vc.verdict() + "'");
        }
        if (vc.count_case() == scenario::VerdictCount::COUNT_NOT_SET) {
          return Error(vt, vc, "verdict", -1, vpath, "needs exactly or at_least");
        }
      }
    }
    return Status::Ok();
  }

  // Sizes, counts and times within ranges a machine can run: beyond them a scenario is a typo
  // (writers: 100000 made 35,097 ledgers and 40 GB in 60 s; a NaN time limit never fired).
  Status CheckRanges(const scenario::Scenario& s) const {
    const auto* root = &tree_;
    const auto* wt = Child(root, s, "workload", -1);
    const scenario::Workload& w = s.workload();
    auto count = [&](std::string_view field, int64_t v, int64_t min, int64_t max) {
      if (v >= min && v <= max) return Status::Ok();
      return Error(
          wt, w, field, -1, "workload." + std::string(field),
          std::to_string(v) + " is outside " + std::to_string(min) + ".." + std::to_string(max));
    };
    const std::pair<std::string_view, int64_t> kCounts[] = {
        {"scalars_per_step", kMaxScalars}, {"histogram_every", kMaxSteps},
        {"image_every", kMaxSteps},        {"text_every", kMaxSteps},
        {"flush_every", kMaxSteps},        {"sync_every", kMaxSteps}};
    Status st = count("steps", w.steps(), 1, kMaxSteps);
    if (st.ok()) st = count("writers", w.writers(), 0, kMaxWriters);
    if (st.ok()) st = count("files", w.files(), 0, kMaxFiles);
    for (const auto& [field, max] : kCounts) {
      const pb::FieldDescriptor* fd = w.GetDescriptor()->FindFieldByName(std::string(field));
      const pb::Reflection* r = w.GetReflection();
      int64_t v = fd->cpp_type() == pb::FieldDescriptor::CPPTYPE_INT32 ? r->GetInt32(w, fd)
                                                                       : r->GetInt64(w, fd);
      if (st.ok()) st = count(field, v, 0, max);
    }
    if (!st.ok()) return st;
    if (!std::isfinite(w.step_ms()) || w.step_ms() < 0 || w.step_ms() > kMaxStepMs) {
      return Error(wt, w, "step_ms", -1, "workload.step_ms",
                   "must be a number of milliseconds within 0.." + std::to_string(kMaxStepMs));
    }
    if (!std::isfinite(s.time_limit_s()) || s.time_limit_s() < 0 ||
        s.time_limit_s() > kMaxTimeLimitS) {
      return Error(root, s, "time_limit_s", -1, "time_limit_s",
                   "must be a number of seconds within 0.." + std::to_string(kMaxTimeLimitS) +
                       " (0: the runner's default)");
    }
    if (s.has_reader()) {
      const int32_t ms = s.reader().reload_ms();
      if (ms != 0 && (ms < kMinReloadMs || ms > kMaxReloadMs)) {
        return Error(Child(root, s, "reader", -1), s.reader(), "reload_ms", -1, "reader.reload_ms",
                     std::to_string(ms) + " is outside " + std::to_string(kMinReloadMs) + ".." +
                         std::to_string(kMaxReloadMs) + " (0: the runner's default)");
      }
      SamplesSpec spec;
      if (Status sp = ParseSamplesPerPlugin(s.reader().samples_per_plugin(), &spec); !sp.ok()) {
        return Error(Child(root, s, "reader", -1), s.reader(), "samples_per_plugin", -1,
                     "reader.samples_per_plugin", sp.message());
      }
    }
    for (int i = 0; i < s.expect_size(); ++i) {
      const double lag = s.expect(i).max_lag_ms();
      if (!std::isfinite(lag) || lag < 0 || lag > kMaxTimeLimitS * 1000.0) {
        return Error(Child(root, s, "expect", i), s.expect(i), "max_lag_ms", -1,
                     "expect[" + std::to_string(i) + "].max_lag_ms",
                     "must be a number of milliseconds within 0.." +
                         std::to_string(kMaxTimeLimitS * 1000) + " (0: no bound)");
      }
      if (lag > 0 && s.reader().no_live()) {
        return Error(Child(root, s, "expect", i), s.expect(i), "max_lag_ms", -1,
                     "expect[" + std::to_string(i) + "].max_lag_ms",
                     "bounds the live lag, but reader.no_live turns the live reader off");
      }
    }
    for (int i = 0; i < s.actions_size(); ++i) {
      const scenario::Action& a = s.actions(i);
      if (a.steps() < 0 || a.steps() > w.steps()) {
        return Error(Child(root, s, "actions", i), a, "steps", -1,
                     "actions[" + std::to_string(i) + "].steps", "outside 0..workload.steps");
      }
    }
    return Status::Ok();
  }

  // What the parts that will run the scenario would refuse, asked of them now: the writer specs
  // (writers/), the load profile (harness/load), the fault rules and the fsync error mode
  // (faultfs), so that `list` and `run` refuse a bad file before anything starts.
  Status CheckSemantics(const scenario::Scenario& s) const {
    const auto* root = &tree_;
    const auto* wrt = Child(root, s, "writer", -1);
    const scenario::Writer& writer = s.writer();
    if (!writer.spec().empty()) {
      if (Status st = writers::CheckWriterSpec(writer.spec()); !st.ok()) {
        return Error(wrt, writer, "spec", -1, "writer.spec", st.message());
      }
    }
    for (int i = 0; i < writer.specs_size(); ++i) {
      if (Status st = writers::CheckWriterSpec(writer.specs(i)); !st.ok()) {
        return Error(wrt, writer, "specs", i, "writer.specs[" + std::to_string(i) + "]",
                     st.message());
      }
    }
    const scenario::Workload& w = s.workload();
    if (!w.profile().empty() && w.profile() != "synthetic") {
      load::LoadProfile profile;
      if (Status st = load::LoadProfileByName(w.profile(), &profile); !st.ok()) {
        return Error(Child(root, s, "workload", -1), w, "profile", -1, "workload.profile",
                     st.message());
      }
    }
    for (int i = 0; i < s.faults_size(); ++i) {
      const scenario::Fault& f = s.faults(i);
      std::string error;
      if (!f.rule().empty() && !faultfs::CheckRuleText(f.rule(), &error)) {
        return Error(Child(root, s, "faults", i), f, "rule", -1,
                     "faults[" + std::to_string(i) + "].rule", "faultfs refuses it: " + error);
      }
    }
    bool sticky = false;
    if (!s.fsync_errors().empty() && !faultfs::ParseFsyncErrorMode(s.fsync_errors(), &sticky)) {
      return Error(root, s, "fsync_errors", -1, "fsync_errors",
                   "unknown mode '" + s.fsync_errors() + "' (linux, sticky)");
    }
    for (int i = 0; i < s.actions_size(); ++i) {
      const scenario::Action& a = s.actions(i);
      if (a.kind() != scenario::Action::RESTART || a.writer().empty()) continue;
      if (Status st = writers::CheckWriterSpec(a.writer()); !st.ok()) {
        return Error(Child(root, s, "actions", i), a, "writer", -1,
                     "actions[" + std::to_string(i) + "].writer", st.message());
      }
    }
    return Status::Ok();
  }

 private:
  static constexpr int64_t kMaxSteps = 10'000'000, kMaxScalars = 10'000;
  static constexpr int64_t kMaxWriters = 64, kMaxFiles = 1000;
  static constexpr int64_t kMaxStepMs = 60'000, kMaxTimeLimitS = 24 * 3600;
  static constexpr int32_t kMinReloadMs = 10, kMaxReloadMs = 600'000;

  const std::string& file_;
  const pb::TextFormat::ParseInfoTree& tree_;
};

}  // namespace

Status ParseScenario(std::string_view text, const std::string& file, scenario::Scenario* out) {
  out->Clear();
  pb::TextFormat::Parser parser;
  Collector collector(file);
  pb::TextFormat::ParseInfoTree tree;
  parser.RecordErrorsTo(&collector);
  parser.WriteLocationsTo(&tree);
  if (!parser.ParseFromString(std::string(text), out)) {
    return Status::Invalid(collector.first().empty() ? OneLine(file + ": cannot parse")
                                                     : collector.first());
  }
  Validator validator(file, tree);
  Status s = validator.Check(*out);
  if (s.ok()) s = validator.CheckRanges(*out);
  if (s.ok()) s = validator.CheckSemantics(*out);
  if (s.ok()) s = validator.CheckPaths(*out);
  if (!s.ok()) return s;
  if (out->name().empty()) out->set_name(std::filesystem::path(file).stem().string());
  return Status::Ok();
}

Status LoadScenario(const std::string& path, scenario::Scenario* out) {
  std::string text;
  Status s = format::ReadFileToString(path, &text);
  if (!s.ok()) return s;
  return ParseScenario(text, path, out);
}

Expectation ExpectationFor(const scenario::Scenario& s, Profile profile) {
  Expectation result;
  for (int pass = 0; pass < 2; ++pass) {  // "*" first, then the profile's own entries win.
    for (const auto& e : s.expect()) {
      bool applies = pass == 0 ? e.profile() == "*" : e.profile() == ProfileName(profile);
      if (!applies) continue;
      for (const auto& vc : e.verdicts()) {
        std::optional<Verdict> v = VerdictFromName(vc.verdict());
        if (!v) continue;  // rejected by validation.
        result[*v] = vc.count_case() == scenario::VerdictCount::kAtLeast ? AtLeast(vc.at_least())
                                                                         : Exactly(vc.exactly());
      }
    }
  }
  return result;
}

std::optional<double> MaxLagMsFor(const scenario::Scenario& s, Profile profile) {
  std::optional<double> bound;
  for (int pass = 0; pass < 2; ++pass) {  // "*" first, then the profile's own entry wins.
    for (const auto& e : s.expect()) {
      bool applies = pass == 0 ? e.profile() == "*" : e.profile() == ProfileName(profile);
      if (applies && e.max_lag_ms() > 0) bound = e.max_lag_ms();
    }
  }
  return bound;
}

SamplesSpec SamplesSpecOf(const scenario::Scenario& s) {
  SamplesSpec spec;
  ParseSamplesPerPlugin(s.reader().samples_per_plugin(), &spec).Ignore();  // checked at load.
  return spec;
}

int ReloadMs(const scenario::Scenario& s) {
  return s.reader().reload_ms() > 0 ? s.reader().reload_ms() : kDefaultReloadMs;
}

}  // namespace tbfault::core
