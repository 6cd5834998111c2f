#include "reports/results.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tbfault::reports {
namespace {

constexpr std::array<std::string_view, 3> kOutcomeNames = {"passed", "failed", "error"};

using json = nlohmann::json;

// A field that is missing or of the wrong type: `where` is its path from the root.
struct FieldError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void Fail(const std::string& where, const std::string& what) {
  throw FieldError(where + ": " + what);
}

const json& Field(const json& obj, const char* key, const std::string& where) {
  if (!obj.is_object()) Fail(where, "expected an object");
  auto it = obj.find(key);
  if (it == obj.end()) Fail(where + "." + key, "missing");
  return *it;
}

std::string String(const json& j, const std::string& where) {
  if (!j.is_string()) Fail(where, "expected a string");
  return j.get<std::string>();
}
double Number(const json& j, const std::string& where) {
  if (!j.is_number()) Fail(where, "expected a number");
  return j.get<double>();
}
uint64_t Unsigned(const json& j, const std::string& where) {
  if (!j.is_number_unsigned()) Fail(where, "expected a non-negative integer");
  return j.get<uint64_t>();
}
int64_t Integer(const json& j, const std::string& where) {
  if (!j.is_number_integer()) Fail(where, "expected an integer");
  return j.get<int64_t>();
}
const json& Array(const json& j, const std::string& where) {
  if (!j.is_array()) Fail(where, "expected an array");
  return j;
}
std::string Index(const std::string& where, size_t i) {
  return where + "[" + std::to_string(i) + "]";
}
// Calls fn(element, where) for each element of the optional array `key` of `obj` (absent: none).
template <typename Fn>
void ForEachOptional(const json& obj, const char* key, const std::string& where, Fn fn) {
  auto it = obj.find(key);
  if (it == obj.end()) return;
  const std::string aw = where + "." + key;
  const json& a = Array(*it, aw);
  for (size_t i = 0; i < a.size(); ++i) fn(a[i], Index(aw, i));
}

// Optional fields: absent is the default value.
template <typename T, typename Parse>
void Optional(const json& obj, const char* key, const std::string& where, Parse parse, T* out) {
  auto it = obj.find(key);
  if (it != obj.end()) *out = parse(*it, where + "." + key);
}

json ExampleToJson(const Example& e) {
  return {{"verdict", VerdictName(e.verdict)},
          {"tag", e.tag},
          {"step", e.step},
          {"file", e.file},
          {"offset", e.offset},
          {"reason", e.reason}};
}

Example ExampleFromJson(const json& j, const std::string& w) {
  Example e;
  std::string name = String(Field(j, "verdict", w), w + ".verdict");
  auto v = VerdictFromName(name);
  if (!v) Fail(w + ".verdict", "unknown verdict class \"" + name + "\"");
  e.verdict = *v;
  e.tag = String(Field(j, "tag", w), w + ".tag");
  e.step = Integer(Field(j, "step", w), w + ".step");
  Optional(j, "file", w, String, &e.file);
  Optional(j, "offset", w, Unsigned, &e.offset);
  Optional(j, "reason", w, String, &e.reason);
  return e;
}

std::optional<double>* FigureSlot(Figures* f, std::string_view name);

json FiguresToJson(const Figures& f) {
  json figures = json::object();
  for (const auto& [name, value] : FigureList(f)) {
    if (value) figures[std::string(name)] = *value;
  }
  return figures;
}

void FiguresFromJson(const json& j, const std::string& w, Figures* f) {
  if (!j.is_object()) Fail(w, "expected an object");
  for (const auto& [name, value] : j.items()) {
    std::optional<double>* slot = FigureSlot(f, name);
    if (slot == nullptr) Fail(w + "." + name, "unknown figure");
    *slot = Number(value, w + "." + name);
  }
}

json ProfileToJson(const ProfileResult& p) {
  json counts = json::object();
  for (Verdict v : kVerdicts) counts[std::string(VerdictName(v))] = p.count(v);
  json examples = json::array();
  for (const auto& e : p.examples) examples.push_back(ExampleToJson(e));
  json out = {{"profile", p.profile},
              {"passed", p.passed},
              {"counts", counts},
              {"examples", examples},
              {"loss_window",
               {{"events", p.loss_window.events},
                {"bytes", p.loss_window.bytes},
                {"seconds", p.loss_window.seconds}}}};
  json figures = FiguresToJson(p.figures);
  if (!figures.empty()) out["figures"] = figures;
  return out;
}

ProfileResult ProfileFromJson(const json& j, const std::string& w) {
  ProfileResult p;
  p.profile = String(Field(j, "profile", w), w + ".profile");
  const json& passed = Field(j, "passed", w);
  if (!passed.is_boolean()) Fail(w + ".passed", "expected true or false");
  p.passed = passed.get<bool>();
  const json& counts = Field(j, "counts", w);
  if (!counts.is_object()) Fail(w + ".counts", "expected an object");
  for (const auto& [name, n] : counts.items()) {
    auto v = VerdictFromName(name);
    if (!v) Fail(w + ".counts." + name, "unknown verdict class");
    p.counts[VerdictIndex(*v)] = Unsigned(n, w + ".counts." + name);
  }
  ForEachOptional(j, "examples", w, [&](const json& e, const std::string& ew) {
    p.examples.push_back(ExampleFromJson(e, ew));
  });
  auto it = j.find("loss_window");
  if (it != j.end()) {
    std::string lw = w + ".loss_window";
    p.loss_window.events = Unsigned(Field(*it, "events", lw), lw + ".events");
    p.loss_window.bytes = Unsigned(Field(*it, "bytes", lw), lw + ".bytes");
    p.loss_window.seconds = Number(Field(*it, "seconds", lw), lw + ".seconds");
  }
  if (it = j.find("figures"); it != j.end()) FiguresFromJson(*it, w + ".figures", &p.figures);
  return p;
}

std::optional<double>* FigureSlot(Figures* f, std::string_view name) {
  for (const FigureDef& d : kFigures) {
    if (d.name == name) return &(f->*d.field);
  }
  return nullptr;
}

// A timeline point's counts by profile.
std::map<std::string, uint64_t> Visible(const json& j, const std::string& w) {
  if (!j.is_object()) Fail(w, "expected an object");
  std::map<std::string, uint64_t> out;
  for (const auto& [profile, n] : j.items()) out[profile] = Unsigned(n, w + "." + profile);
  return out;
}

std::vector<double> Numbers(const json& j, const std::string& w) {
  std::vector<double> out;
  const json& a = Array(j, w);
  for (size_t i = 0; i < a.size(); ++i) out.push_back(Number(a[i], Index(w, i)));
  return out;
}

json ScenarioToJson(const ScenarioResult& s) {
  json profiles = json::array();
  for (const auto& p : s.profiles) profiles.push_back(ProfileToJson(p));
  json figures = FiguresToJson(s.figures);
  json faults = json::array();
  for (const auto& f : s.faults) {
    json mark = {{"step", f.step}, {"label", f.label}};
    if (f.t_ms) mark["t_ms"] = *f.t_ms;
    faults.push_back(mark);
  }
  json live_timeline = json::array();
  for (const auto& t : s.live_timeline) {
    live_timeline.push_back({{"t_ms", t.t_ms}, {"logged", t.logged}, {"visible", t.visible}});
  }
  json timeline = json::array();
  for (const auto& t : s.timeline) {
    timeline.push_back({{"step", t.step}, {"logged", t.logged}, {"visible", t.visible}});
  }
  json out = {{"name", s.name},
              {"seed", s.seed},
              {"writer", s.writer},
              {"outcome", OutcomeName(s.outcome)},
              {"duration_s", s.duration_s},
              {"events_logged", s.events_logged},
              {"profiles", profiles},
              {"figures", figures},
              {"faults", faults},
              {"timeline", timeline},
              {"live_timeline", live_timeline},
              {"step_times_ms",
               {{"without_logging", s.step_times.without_logging_ms},
                {"with_logging", s.step_times.with_logging_ms},
                {"noop", s.step_times.noop_ms}}}};
  if (!s.error.empty()) out["error"] = s.error;
  if (s.failure != RunFailure::kNone) out["failure"] = RunFailureName(s.failure);
  if (!s.labels.empty()) out["labels"] = s.labels;
  return out;
}

ScenarioResult ScenarioFromJson(const json& j, const std::string& w) {
  ScenarioResult s;
  s.name = String(Field(j, "name", w), w + ".name");
  s.seed = Unsigned(Field(j, "seed", w), w + ".seed");
  s.writer = String(Field(j, "writer", w), w + ".writer");
  std::string outcome = String(Field(j, "outcome", w), w + ".outcome");
  bool known = false;
  for (int i = 0; i < 3; ++i) {
    if (outcome == kOutcomeNames[i]) s.outcome = static_cast<Outcome>(i), known = true;
  }
  if (!known) Fail(w + ".outcome", "expected passed, failed or error, got \"" + outcome + "\"");
  Optional(j, "error", w, String, &s.error);
  ForEachOptional(j, "labels", w,
                  [&](const json& l, const std::string& lw) { s.labels.push_back(String(l, lw)); });
  std::string failure;
  Optional(j, "failure", w, String, &failure);
  if (!failure.empty()) {
    std::optional<RunFailure> f = RunFailureFromName(failure);
    if (!f) Fail(w + ".failure", "unknown failure \"" + failure + "\"");
    s.failure = *f;
  }
  Optional(j, "duration_s", w, Number, &s.duration_s);
  Optional(j, "events_logged", w, Unsigned, &s.events_logged);
  const json& profiles = Array(Field(j, "profiles", w), w + ".profiles");
  for (size_t i = 0; i < profiles.size(); ++i) {
    s.profiles.push_back(ProfileFromJson(profiles[i], Index(w + ".profiles", i)));
  }
  auto it = j.find("figures");
  if (it != j.end()) FiguresFromJson(*it, w + ".figures", &s.figures);
  ForEachOptional(j, "faults", w, [&](const json& f, const std::string& fw) {
    FaultMark m{Integer(Field(f, "step", fw), fw + ".step"),
                String(Field(f, "label", fw), fw + ".label"), std::nullopt};
    double t = 0;
    if (f.contains("t_ms")) {
      Optional(f, "t_ms", fw, Number, &t);
      m.t_ms = t;
    }
    s.faults.push_back(std::move(m));
  });
  ForEachOptional(j, "timeline", w, [&](const json& p, const std::string& pw) {
    s.timeline.push_back({Integer(Field(p, "step", pw), pw + ".step"),
                          Unsigned(Field(p, "logged", pw), pw + ".logged"),
                          Visible(Field(p, "visible", pw), pw + ".visible")});
  });
  ForEachOptional(j, "live_timeline", w, [&](const json& p, const std::string& pw) {
    s.live_timeline.push_back({Number(Field(p, "t_ms", pw), pw + ".t_ms"),
                               Unsigned(Field(p, "logged", pw), pw + ".logged"),
                               Visible(Field(p, "visible", pw), pw + ".visible")});
  });
  it = j.find("step_times_ms");
  if (it != j.end()) {
    std::string sw = w + ".step_times_ms";
    Optional(*it, "without_logging", sw, Numbers, &s.step_times.without_logging_ms);
    Optional(*it, "with_logging", sw, Numbers, &s.step_times.with_logging_ms);
    Optional(*it, "noop", sw, Numbers, &s.step_times.noop_ms);
  }
  return s;
}

}  // namespace

std::string_view OutcomeName(Outcome o) { return kOutcomeNames[static_cast<int>(o)]; }

const std::array<FigureDef, 25> kFigures = {{
    {"events_per_s", &Figures::events_per_s},
    {"mb_per_s", &Figures::mb_per_s},
    {"add_ns_p50", &Figures::add_ns_p50},
    {"add_ns_p99", &Figures::add_ns_p99},
    {"add_ns_max", &Figures::add_ns_max},
    {"step_added_us_p50", &Figures::step_added_us_p50},
    {"step_added_us_p99", &Figures::step_added_us_p99},
    {"step_overhead_pct_p50", &Figures::step_overhead_pct_p50},
    {"step_overhead_pct_p99", &Figures::step_overhead_pct_p99},
    {"queue_peak_bytes", &Figures::queue_peak_bytes},
    {"step_ms_p50", &Figures::step_ms_p50},
    {"step_ms_p99", &Figures::step_ms_p99},
    {"disabled_step_ms_p50", &Figures::disabled_step_ms_p50},
    {"disabled_step_ms_p99", &Figures::disabled_step_ms_p99},
    {"noop_step_ms_p50", &Figures::noop_step_ms_p50},
    {"noop_step_ms_p99", &Figures::noop_step_ms_p99},
    {"blocked_ms", &Figures::blocked_ms},
    {"blocked_pct", &Figures::blocked_pct},
    {"lag_ms_p50", &Figures::lag_ms_p50},
    {"lag_ms_p99", &Figures::lag_ms_p99},
    {"lag_ms_max", &Figures::lag_ms_max},
    {"lag_steps_p50", &Figures::lag_steps_p50},
    {"lag_steps_p99", &Figures::lag_steps_p99},
    {"lag_steps_max", &Figures::lag_steps_max},
    {"stale_ms_max", &Figures::stale_ms_max},
}};

std::vector<std::pair<std::string_view, std::optional<double>>> FigureList(const Figures& f) {
  std::vector<std::pair<std::string_view, std::optional<double>>> out;
  for (const FigureDef& d : kFigures) out.emplace_back(d.name, f.*d.field);
  return out;
}

std::string StepAddedText(const Figures& f) {
  if (!f.step_added_us_p50) return "–";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.0f us", *f.step_added_us_p50);
  std::string out = buf;
  if (f.step_overhead_pct_p50) {
    std::snprintf(buf, sizeof buf, " (%+.1f%%)", *f.step_overhead_pct_p50);
    out += buf;
  }
  return out;
}

std::string_view RunFailureName(RunFailure f) {
  switch (f) {
    case RunFailure::kNone:
      return "none";
    case RunFailure::kMountFailed:
      return "mount-failed";
    case RunFailure::kFileSystemDied:
      return "file-system-died";
    case RunFailure::kHung:
      return "hung";
    case RunFailure::kInterrupted:
      return "interrupted";
    case RunFailure::kWriterFailed:
      return "writer-failed";
    case RunFailure::kWriterSignalled:
      return "writer-signalled";
    case RunFailure::kSpawnFailed:
      return "spawn-failed";
    case RunFailure::kUnreadable:
      return "unreadable";
    case RunFailure::kMeasureFailed:
      return "measure-failed";
    case RunFailure::kReaderDied:
      return "reader-died";
  }
  return "?";
}

std::optional<RunFailure> RunFailureFromName(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(RunFailure::kReaderDied); ++i) {
    auto f = static_cast<RunFailure>(i);
    if (RunFailureName(f) == name) return f;
  }
  return std::nullopt;
}

const ProfileResult* ScenarioResult::profile(std::string_view name) const {
  for (const auto& p : profiles) {
    if (p.profile == name) return &p;
  }
  return nullptr;
}

const ScenarioResult* Results::scenario(std::string_view name) const {
  for (const auto& s : scenarios) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

nlohmann::json ToJson(const Results& results) {
  json scenarios = json::array();
  for (const auto& s : results.scenarios) scenarios.push_back(ScenarioToJson(s));
  json out = {{"schema_version", results.schema_version},
              {"created", results.created},
              {"host", results.host},
              {"scenarios", scenarios}};
  if (!results.benchmark.is_null()) out["benchmark"] = results.benchmark;
  if (const auto& r = results.shard) {
    out["shard"] = {{"index", r->index},
                    {"total", r->total},
                    {"selection", r->selection},
                    {"selected", r->selected},
                    {"shard_selected", r->shard_selected},
                    {"binary", r->binary}};
  }
  return out;
}

Status FromJson(const nlohmann::json& j, Results* results) {
  *results = Results();
  try {
    int64_t version = Integer(Field(j, "schema_version", ""), "schema_version");
    if (version != kSchemaVersion) {
      Fail("schema_version", "is " + std::to_string(version) + ", this tbfault reads " +
                                 std::to_string(kSchemaVersion));
    }
    Optional(j, "created", "", String, &results->created);
    Optional(j, "host", "", String, &results->host);
    const json& scenarios = Array(Field(j, "scenarios", ""), "scenarios");
    for (size_t i = 0; i < scenarios.size(); ++i) {
      results->scenarios.push_back(ScenarioFromJson(scenarios[i], Index("scenarios", i)));
    }
    auto it = j.find("benchmark");
    if (it != j.end() && !it->is_null()) {
      if (!it->is_object() || !it->contains("benchmarks") || !(*it)["benchmarks"].is_array()) {
        Fail("benchmark", "expected Google Benchmark JSON with a \"benchmarks\" array");
      }
      results->benchmark = *it;
    }
    if (auto sh = j.find("shard"); sh != j.end()) {
      ShardRecord r;
      r.index = static_cast<int>(Integer(Field(*sh, "index", "shard"), "shard.index"));
      r.total = static_cast<int>(Integer(Field(*sh, "total", "shard"), "shard.total"));
      if (r.total < 1 || r.index < 0 || r.index >= r.total) {
        Fail("shard", "index " + std::to_string(r.index) + " of " + std::to_string(r.total) +
                          " is not 0 <= index < total");
      }
      r.selection = String(Field(*sh, "selection", "shard"), "shard.selection");
      r.selected = Unsigned(Field(*sh, "selected", "shard"), "shard.selected");
      r.shard_selected = Unsigned(Field(*sh, "shard_selected", "shard"), "shard.shard_selected");
      r.binary = String(Field(*sh, "binary", "shard"), "shard.binary");
      results->shard = r;
    }
  } catch (const FieldError& e) {
    std::string what = e.what();
    if (!what.empty() && what[0] == '.') what.erase(0, 1);
    return Status::Invalid(what);
  }
  return Status::Ok();
}

Status ReadFile(const std::string& path, std::string* contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::FromErrno(errno, "open " + path);
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return Status::FromErrno(errno, "read " + path);
  *contents = s.str();
  return Status::Ok();
}

Status WriteFile(const std::string& path, std::string_view contents) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno(errno, "create " + tmp);
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::FromErrno(err, "write " + tmp);
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Status::FromErrno(err, "close " + tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Status::FromErrno(err, "rename " + tmp + " to " + path);
  }
  return Status::Ok();
}

namespace {
Status ParseJsonFile(const std::string& path, json* out) {
  std::string text;
  Status s = ReadFile(path, &text);
  if (!s.ok()) return s;
  *out = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded()) return Status::Invalid(path + ": not valid JSON");
  return Status::Ok();
}
}  // namespace

Status ReadResultsFile(const std::string& path, Results* results) {
  json j;
  Status s = ParseJsonFile(path, &j);
  if (!s.ok()) return s;
  s = FromJson(j, results);
  if (!s.ok()) return Status::Invalid(path + ": " + s.message());
  return Status::Ok();
}

Status WriteResultsFile(const std::string& path, const Results& results) {
  return WriteFile(path,
                   ToJson(results).dump(1, ' ', false, json::error_handler_t::replace) + "\n");
}

Status ReadBenchmarkFile(const std::string& path, Results* results) {
  json j;
  Status s = ParseJsonFile(path, &j);
  if (!s.ok()) return s;
  if (!j.is_object() || !j.contains("benchmarks") || !j["benchmarks"].is_array()) {
    return Status::Invalid(path + ": not Google Benchmark JSON (no \"benchmarks\" array)");
  }
  results->benchmark = std::move(j);
  return Status::Ok();
}

}  // namespace tbfault::reports
