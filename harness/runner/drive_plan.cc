#include "harness/runner/drive_plan.h"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <functional>
#include <limits>
#include <string_view>

#include "harness/core/scenario.h"

namespace tbfault::runner {
namespace {

using json = nlohmann::json;

// A whole decimal integer within [lo, hi]: "10abc", "", "1e3" and out-of-range values are errors.
bool ParseInt(std::string_view text, int64_t lo, int64_t hi, int64_t* out) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi) return false;
  *out = v;
  return true;
}

// "A:B", both whole integers within [lo, hi].
bool ParseRange(std::string_view text, int64_t lo, int64_t hi, int64_t* a, int64_t* b) {
  const size_t colon = text.find(':');
  return colon != std::string_view::npos && ParseInt(text.substr(0, colon), lo, hi, a) &&
         ParseInt(text.substr(colon + 1), lo, hi, b);
}

constexpr int64_t kMaxInt = std::numeric_limits<int32_t>::max();
constexpr int64_t kMaxStep = std::numeric_limits<int64_t>::max() / 2;

// The flag table: each flag's name, metavar, whether it is required, how ToArgs writes it and how
// Parse reads it (false: not a valid value).
struct PlanFlag {
  const char* name;
  const char* metavar;
  bool required;
  std::function<std::string(const DrivePlan&)> get;
  std::function<bool(std::string_view, DrivePlan*)> set;
};

auto StringFlag(const char* name, const char* metavar, bool required,
                std::string DrivePlan::*field) {
  return PlanFlag{name, metavar, required, [field](const DrivePlan& p) { return p.*field; },
                  [field](std::string_view v, DrivePlan* p) {
                    p->*field = std::string(v);
                    return !v.empty();
                  }};
}

auto IntFlag(const char* name, const char* metavar, int64_t DrivePlan::*field) {
  return PlanFlag{
      name, metavar, false, [field](const DrivePlan& p) { return std::to_string(p.*field); },
      [field](std::string_view v, DrivePlan* p) { return ParseInt(v, 0, kMaxStep, &(p->*field)); }};
}

const std::vector<PlanFlag>& Flags() {
  static const std::vector<PlanFlag> kFlags = {
      StringFlag("--scenario", "FILE", true, &DrivePlan::scenario_file),
      StringFlag("--writer", "SPEC", false, &DrivePlan::writer),
      StringFlag("--logdir", "DIR", true, &DrivePlan::logdir),
      StringFlag("--control", "SOCKET", true, &DrivePlan::control),
      StringFlag("--ledger", "PREFIX", true, &DrivePlan::ledger),
      StringFlag("--stats", "FILE", true, &DrivePlan::stats),
      {"--steps", "FIRST:END", true,
       [](const DrivePlan& p) {
         return std::to_string(p.first_step) + ":" + std::to_string(p.end_step);
       },
       [](std::string_view v, DrivePlan* p) {
         return ParseRange(v, 0, kMaxStep, &p->first_step, &p->end_step) &&
                p->first_step <= p->end_step;
       }},
      {"--actions", "I:J", true,
       [](const DrivePlan& p) {
         return std::to_string(p.first_action) + ":" + std::to_string(p.last_action);
       },
       [](std::string_view v, DrivePlan* p) {
         int64_t a = 0, b = 0;
         if (!ParseRange(v, 0, kMaxInt, &a, &b) || a > b) return false;
         p->first_action = static_cast<int>(a);
         p->last_action = static_cast<int>(b);
         return true;
       }},
      IntFlag("--arm-from", "STEP", &DrivePlan::arm_from_step),
      IntFlag("--baseline", "N", &DrivePlan::baseline_steps),
      StringFlag("--device", "cpu|gpu|auto", false, &DrivePlan::device),
  };
  return kFlags;
}

}  // namespace

std::vector<std::string> DrivePlan::ToArgs() const {
  std::vector<std::string> args;
  for (const PlanFlag& f : Flags()) {
    std::string v = f.get(*this);
    if (v.empty() && !f.required) continue;
    args.push_back(f.name);
    args.push_back(std::move(v));
  }
  return args;
}

std::string DriveUsage() {
  std::string out = "usage: tbfault drive";
  for (const PlanFlag& f : Flags()) {
    std::string one = std::string(f.name) + " " + f.metavar;
    out += " " + (f.required ? one : "[" + one + "]");
  }
  return out + "\n(internal: one writer process of a scenario, run by 'tbfault run')\n";
}

Status ParseDrivePlan(const std::vector<std::string>& args, DrivePlan* plan) {
  *plan = DrivePlan();
  std::vector<bool> seen(Flags().size(), false);
  for (size_t i = 0; i < args.size(); ++i) {
    size_t k = 0;
    while (k < Flags().size() && args[i] != Flags()[k].name) ++k;
    if (k == Flags().size()) return Status::Invalid("unknown argument '" + args[i] + "'");
    if (i + 1 >= args.size()) return Status::Invalid(args[i] + " needs a value");
    const std::string& v = args[++i];
    if (!Flags()[k].set(v, plan)) {
      return Status::Invalid(args[i - 1] + ": '" + v + "' is not a valid " + Flags()[k].metavar);
    }
    seen[k] = true;
  }
  for (size_t k = 0; k < Flags().size(); ++k) {
    if (Flags()[k].required && !seen[k]) {
      return Status::Invalid(std::string(Flags()[k].name) + " is required");
    }
  }
  if (Status s = core::LoadScenario(plan->scenario_file, &plan->scenario); !s.ok()) return s;
  if (!plan->writer.empty()) plan->scenario.mutable_writer()->set_spec(plan->writer);
  if (plan->last_action > plan->scenario.actions_size()) {
    return Status::Invalid("--actions " + std::to_string(plan->first_action) + ":" +
                           std::to_string(plan->last_action) + " outside the scenario's " +
                           std::to_string(plan->scenario.actions_size()) + " actions");
  }
  return Status::Ok();
}

json DriveStats::ToJson() const {
  return {{"device", device},
          {"events", events},
          {"step_ns", step_ns},
          {"baseline_ns", baseline_ns},
          {"noop_ns", noop_ns},
          {"add_ns", add_ns},
          {"noop_checksum", noop_checksum},
          {"logging_ns", logging_ns},
          {"close_ns", close_ns},
          {"add_errors", add_errors},
          {"files_created", files_created},
          {"bytes_written", bytes_written},
          {"dropped", dropped},
          {"failed", failed},
          {"errors_by_errno", errors_by_errno},
          {"create_errors", create_errors}};
}

Status DriveStats::FromJson(const json& j, DriveStats* out) {
  *out = DriveStats();
  if (!j.is_object()) return Status::Invalid("expected an object");
  const char* field = "";
  try {
    auto get = [&](const char* name, auto* value) {
      field = name;
      j.at(name).get_to(*value);
    };
    get("device", &out->device);
    get("events", &out->events);
    get("step_ns", &out->step_ns);
    get("baseline_ns", &out->baseline_ns);
    get("noop_ns", &out->noop_ns);
    get("add_ns", &out->add_ns);
    get("noop_checksum", &out->noop_checksum);
    get("logging_ns", &out->logging_ns);
    if (j.contains("close_ns")) get("close_ns", &out->close_ns);
    get("add_errors", &out->add_errors);
    get("files_created", &out->files_created);
    get("bytes_written", &out->bytes_written);
    get("dropped", &out->dropped);
    get("failed", &out->failed);
    get("errors_by_errno", &out->errors_by_errno);
    get("create_errors", &out->create_errors);
  } catch (const json::exception& e) {
    return Status::Invalid(std::string(field) + ": missing or of the wrong type");
  }
  return Status::Ok();
}

Status DriveStats::Write(const std::string& path) const {
  std::ofstream out(path);
  out << ToJson().dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  out.flush();
  if (!out) return Status::FromErrno(errno, path + ": cannot write the stats");
  return Status::Ok();
}

Status DriveStats::Read(const std::string& path, DriveStats* out) {
  std::ifstream in(path);
  if (!in) return Status::FromErrno(errno, path + ": cannot read the stats");
  json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Invalid(path + ": not JSON");
  if (Status s = FromJson(j, out); !s.ok()) return Status::Invalid(path + ": " + s.message());
  return Status::Ok();
}

Status WriteEnding(const std::string& ledger_prefix, core::Ending ending) {
  std::ofstream out(ledger_prefix + ".ending");
  out << core::EndingName(ending) << "\n";
  out.flush();
  if (!out) return Status::FromErrno(errno, ledger_prefix + ".ending: cannot write");
  return Status::Ok();
}

Status ReadEnding(const std::string& ledger_prefix, std::optional<core::Ending>* ending) {
  ending->reset();
  std::ifstream in(ledger_prefix + ".ending");
  if (!in) return Status::Ok();
  std::string name;
  std::getline(in, name);
  *ending = core::EndingFromName(name);
  if (!*ending) return Status::Invalid(ledger_prefix + ".ending: unknown ending '" + name + "'");
  return Status::Ok();
}

Status WriteOpened(const std::string& ledger_prefix) {
  std::ofstream out(ledger_prefix + ".opened");
  out.flush();
  if (!out) return Status::FromErrno(errno, ledger_prefix + ".opened: cannot write");
  return Status::Ok();
}

bool Opened(const std::string& ledger_prefix) {
  return ::access((ledger_prefix + ".opened").c_str(), F_OK) == 0;
}

}  // namespace tbfault::runner
