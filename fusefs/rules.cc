#include "fusefs/rules.h"

#include <fnmatch.h>
#include <google/protobuf/text_format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "fusefs/mix.h"

namespace faultfs {
namespace {

// A uniform draw in [0, 1) that depends only on the seed, the rule and which draw it is.
double Draw(uint64_t seed, uint32_t rule, uint64_t n) {
  return static_cast<double>(SplitMix64(seed ^ (uint64_t{rule} << 40) ^ n) >> 11) * 0x1.0p-53;
}

struct Named {
  const char* name;
  int value;
};
constexpr Named kErrnos[] = {
    {"EPERM", EPERM},
    {"ENOENT", ENOENT},
    {"EIO", EIO},
    {"EBADF", EBADF},
    {"EAGAIN", EAGAIN},
    {"ENOMEM", ENOMEM},
    {"EACCES", EACCES},
    {"EBUSY", EBUSY},
    {"EEXIST", EEXIST},
    {"EXDEV", EXDEV},
    {"ENOTDIR", ENOTDIR},
    {"EISDIR", EISDIR},
    {"EINVAL", EINVAL},
    {"EFBIG", EFBIG},
    {"ENOSPC", ENOSPC},
    {"EROFS", EROFS},
    {"EDQUOT", EDQUOT},
    {"ESTALE", ESTALE},
    {"ETIMEDOUT", ETIMEDOUT},
    {"ENOTCONN", ENOTCONN},
    {"EINTR", EINTR},
    {"ENAMETOOLONG", ENAMETOOLONG},
};

}  // namespace

int ParseErrno(const std::string& text) {
  for (const auto& e : kErrnos) {
    if (text == e.name) return e.value;
  }
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (!text.empty() && *end == '\0' && v > 0 && v < 4096) return static_cast<int>(v);
  return 0;
}

struct RuleEngine::State {
  Rule rule;
  uint32_t ops = 0;
  int err = 0;
  int then_err = 0;
  std::atomic<uint64_t> matches{0}, bytes{0}, hits{0};
  std::atomic<int> armed_err{0};  // short-write: the next matching write fails with it.
  std::atomic<bool>* window = nullptr;
  // The glob's literal head (up to its first wildcard): most non-matching paths differ there, which
  // spares fnmatch. A glob without wildcards is compared whole.
  std::string prefix;
  bool literal = false;
  std::string suffix;  // the glob's literal tail (after its last wildcard), checked before fnmatch.
};

RuleEngine::RuleEngine(uint64_t seed) : seed_(seed) {
  auto empty = std::make_unique<Snapshot>();
  current_.store(empty.get());
  snapshots_.push_back(std::move(empty));
}

std::atomic<bool>* RuleEngine::Window(const std::string& name) {
  for (auto& [n, flag] : windows_) {
    if (n == name) return flag.get();
  }
  windows_.emplace_back(name, std::make_unique<std::atomic<bool>>(false));
  return windows_.back().second.get();
}

void RuleEngine::SetWindow(const std::string& name, bool open) {
  std::lock_guard<std::mutex> lock(mu_);
  Window(name)->store(open, std::memory_order_release);
}

void RuleEngine::Publish(std::vector<std::shared_ptr<State>> rules) {
  auto snap = std::make_unique<Snapshot>();
  snap->rules = std::move(rules);
  for (const auto& r : snap->rules) {
    snap->hot.push_back({r->ops, r->prefix.size(), r->prefix.c_str(), r.get()});
  }
  current_.store(snap.get(), std::memory_order_release);
  snapshots_.push_back(std::move(snap));
}

bool RuleEngine::Add(const Rule& rule, uint32_t* id, std::string* error) {
  auto s = std::make_shared<State>();
  s->rule = rule;
  for (const auto& name : rule.ops()) {
    uint32_t op = OpFromName(name);
    if (op == 0) {
      *error = "ops: unknown op '" + name + "'";
      return false;
    }
    s->ops |= op;
  }
  if (s->ops == 0) s->ops = kAllOps;
  size_t wild = rule.path().find_first_of("*?[\\");
  s->prefix = rule.path().substr(0, wild);
  s->literal = !rule.path().empty() && wild == std::string::npos;
  size_t last_wild = rule.path().find_last_of("*?[]\\");
  if (!s->literal && last_wild != std::string::npos) s->suffix = rule.path().substr(last_wild + 1);
  const Effect& e = rule.effect();
  switch (e.kind_case()) {
    case Effect::kError:
      s->err = ParseErrno(e.error());
      if (s->err == 0) {
        *error = "effect.error: unknown errno '" + e.error() + "'";
        return false;
      }
      break;
    case Effect::kShortWrite:
      s->then_err =
          e.short_write().then_errno().empty() ? ENOSPC : ParseErrno(e.short_write().then_errno());
      if (s->then_err == 0) {
        *error =
            "effect.short_write.then_errno: unknown errno '" + e.short_write().then_errno() + "'";
        return false;
      }
      break;
    case Effect::KIND_NOT_SET:
      *error = "effect: a rule needs an effect (error, short_write, delay, fsync_lie, kill_signal)";
      return false;
    default:
      break;
  }
  if (e.deferred() && e.kind_case() != Effect::kError) {
    *error = "effect.deferred: only an error can be deferred";
    return false;
  }
  double p = rule.trigger().probability();
  if (p < 0 || p > 1) {
    *error = "trigger.probability: must be within [0, 1]";
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!rule.trigger().window().empty()) s->window = Window(rule.trigger().window());
  if (s->rule.id() == 0) s->rule.set_id(next_id_);
  next_id_ = std::max(next_id_, s->rule.id() + 1);
  *id = s->rule.id();
  auto rules = current_.load()->rules;
  rules.push_back(std::move(s));
  Publish(std::move(rules));
  return true;
}

bool RuleEngine::Remove(uint32_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto rules = current_.load()->rules;
  size_t before = rules.size();
  std::erase_if(rules, [&](const auto& s) { return s->rule.id() == id; });
  if (rules.size() == before) return false;
  Publish(std::move(rules));
  return true;
}

void RuleEngine::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  Publish({});
}

Decision RuleEngine::Decide(Op op, const char* path, uint64_t bytes) {
  Decision d;
  const Snapshot* snap = current_.load(std::memory_order_acquire);
  for (const Snapshot::Hot& hot : snap->hot) {
    if ((hot.ops & op) == 0) continue;
    size_t i = 0;
    while (i < hot.prefix_len && path[i] == hot.prefix[i]) ++i;
    if (i < hot.prefix_len) continue;
    State& s = *hot.state;
    if (s.literal) {
      if (path[hot.prefix_len] != '\0') continue;
    } else if (!s.rule.path().empty()) {
      size_t n = std::strlen(path);
      if (n < s.suffix.size() + hot.prefix_len ||
          std::memcmp(path + n - s.suffix.size(), s.suffix.data(), s.suffix.size()) != 0 ||
          fnmatch(s.rule.path().c_str(), path, 0) != 0) {
        continue;
      }
    }
    uint64_t n = s.matches.fetch_add(1, std::memory_order_relaxed) + 1;
    uint64_t seen = s.bytes.fetch_add(bytes, std::memory_order_relaxed) + bytes;
    if (op == kWrite) {
      int armed = s.armed_err.exchange(0, std::memory_order_acq_rel);
      if (armed != 0) {
        d.rule_id = s.rule.id();
        d.err = armed;
        return d;
      }
    }
    const Trigger& t = s.rule.trigger();
    if (t.after_ops() > 1 && n < t.after_ops()) continue;
    if (t.after_bytes() > 0 && seen <= t.after_bytes()) continue;
    if (s.window != nullptr && !s.window->load(std::memory_order_acquire)) continue;
    if (t.probability() > 0 && Draw(seed_, s.rule.id(), n) >= t.probability()) continue;
    if (t.count() > 0 && s.hits.load(std::memory_order_relaxed) >= t.count()) continue;
    s.hits.fetch_add(1, std::memory_order_relaxed);
    d.rule_id = s.rule.id();
    const Effect& e = s.rule.effect();
    switch (e.kind_case()) {
      case Effect::kError:
        d.err = s.err;
        d.deferred = e.deferred();
        break;
      case Effect::kShortWrite:
        if (op == kWrite) {
          uint64_t want = e.short_write().bytes() ? e.short_write().bytes() : bytes / 2;
          d.short_bytes = static_cast<int64_t>(std::min<uint64_t>(want, bytes));
          s.armed_err.store(s.then_err, std::memory_order_release);
        } else {
          d.rule_id = 0;  // a short write means nothing to other ops.
        }
        break;
      case Effect::kDelay: {
        uint32_t jitter = e.delay().jitter_ms();
        d.delay_ms =
            e.delay().ms() +
            (jitter ? static_cast<uint32_t>(Draw(seed_ ^ 1, s.rule.id(), n) * (jitter + 1)) : 0);
        break;
      }
      case Effect::kFsyncLie:
        d.fsync_lie = e.fsync_lie();
        break;
      case Effect::kKillSignal:
        d.kill_signal = e.kill_signal();
        break;
      default:
        break;
    }
    if (d.fired()) return d;
  }
  return d;
}

std::string RuleEngine::Describe() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  for (const auto& s : current_.load()->rules) {
    std::string text;
    printer.PrintToString(s->rule, &text);
    out += "rule " + std::to_string(s->rule.id()) + " hits=" + std::to_string(s->hits.load()) +
           " matches=" + std::to_string(s->matches.load()) + " { " + text + "}\n";
  }
  return out;
}

}  // namespace faultfs
