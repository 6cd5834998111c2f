#include "fusefs/rules.h"

#include <fnmatch.h>
#include <google/protobuf/text_format.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

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

RuleEngine::RuleEngine(uint64_t seed) : seed_(seed) { current_.store(new Snapshot); }

RuleEngine::~RuleEngine() { delete current_.load(); }

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
  snap->hot.reserve(snap->rules.size());
  for (const auto& r : snap->rules) {
    Snapshot::Hot h = {r->ops, static_cast<uint32_t>(r->prefix.size()), 0, 0, r->prefix.c_str(),
                       r.get()};
    for (size_t i = 0; i < 8 && i < r->prefix.size(); ++i) {
      h.head |= uint64_t{static_cast<unsigned char>(r->prefix[i])} << (8 * i);
      h.head_mask |= uint64_t{0xff} << (8 * i);
    }
    snap->hot.push_back(h);
  }
  size_t read_rules = 0;
  for (const auto& r : snap->rules) {
    auto kind = r->rule.effect().kind_case();
    read_rules += kind == Effect::kReadPublished || kind == Effect::kReadZerosMs;
  }
  read_rules_.store(read_rules, std::memory_order_release);
  size_.store(snap->hot.size(), std::memory_order_release);
  const Snapshot* old = current_.exchange(snap.release(), std::memory_order_seq_cst);
  WaitForDeciders();  // nobody reads `old` any more.
  delete old;
}

void RuleEngine::WaitForDeciders() {
  // Two flips, waiting each time for the deciders of the parity just left: a decision that read the
  // old snapshot announced itself before the exchange above, in one parity or the other, and both
  // are drained. New decisions go to the other parity, so each wait ends.
  for (int round = 0; round < 2; ++round) {
    unsigned left = epoch_.fetch_add(1, std::memory_order_seq_cst) & 1;
    for (int spins = 0;; ++spins) {
      uint64_t busy = 0;
      for (const ReaderShard& sh : shards_) busy += sh.in[left].load(std::memory_order_seq_cst);
      if (busy == 0) break;
      // A decision takes nanoseconds unless its thread was preempted: then let it run.
      if (spins < 16) {
        std::this_thread::yield();
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    }
  }
}

std::shared_ptr<RuleEngine::State> RuleEngine::Make(const Rule& rule, std::string* error) {
  auto s = std::make_shared<State>();
  s->rule = rule;
  for (const auto& name : rule.ops()) {
    uint32_t op = OpFromName(name);
    if (op == 0) {
      *error = "ops: unknown op '" + name + "'";
      return nullptr;
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
        return nullptr;
      }
      break;
    case Effect::kShortWrite:
      s->then_err =
          e.short_write().then_errno().empty() ? ENOSPC : ParseErrno(e.short_write().then_errno());
      if (s->then_err == 0) {
        *error =
            "effect.short_write.then_errno: unknown errno '" + e.short_write().then_errno() + "'";
        return nullptr;
      }
      break;
    case Effect::kReadPublished:
    case Effect::kReadZerosMs: {
      bool zeros = e.kind_case() == Effect::kReadZerosMs;
      const char* field = zeros ? "effect.read_zeros_ms" : "effect.read_published";
      if (zeros ? e.read_zeros_ms() == 0 : !e.read_published()) {
        *error = std::string(field) + (zeros ? ": must be > 0" : ": must be true");
        return nullptr;
      }
      uint32_t reads = zeros ? kRead : kRead | kGetattr | kLookup;
      s->ops &= reads;  // no other op matches: it would use up the rule's count.
      if (s->ops == 0) {
        *error = std::string(field) +
                 (zeros ? ": needs the op read" : ": needs op read, getattr or lookup");
        return nullptr;
      }
      break;
    }
    case Effect::KIND_NOT_SET:
      *error =
          "effect: a rule needs an effect (error, short_write, delay, fsync_lie, kill_signal, "
          "read_published, read_zeros_ms)";
      return nullptr;
    default:
      break;
  }
  if (e.deferred() && e.kind_case() != Effect::kError) {
    *error = "effect.deferred: only an error can be deferred";
    return nullptr;
  }
  double p = rule.trigger().probability();
  if (p < 0 || p > 1) {
    *error = "trigger.probability: must be within [0, 1]";
    return nullptr;
  }
  return s;
}

void RuleEngine::Assign(State* s, uint32_t* id) {
  if (!s->rule.trigger().window().empty()) s->window = Window(s->rule.trigger().window());
  if (s->rule.id() == 0) s->rule.set_id(next_id_);
  next_id_ = std::max(next_id_, s->rule.id() + 1);
  *id = s->rule.id();
}

bool RuleEngine::Add(const Rule& rule, uint32_t* id, std::string* error) {
  std::shared_ptr<State> s = Make(rule, error);
  if (s == nullptr) return false;
  std::lock_guard<std::mutex> lock(mu_);
  Assign(s.get(), id);
  auto rules = current_.load()->rules;
  rules.push_back(std::move(s));
  Publish(std::move(rules));
  return true;
}

bool RuleEngine::AddAll(const google::protobuf::RepeatedPtrField<Rule>& add, std::string* error) {
  std::vector<std::shared_ptr<State>> made;
  made.reserve(add.size());
  for (int i = 0; i < add.size(); ++i) {
    made.push_back(Make(add[i], error));
    if (made.back() == nullptr) {
      *error = "rule " + std::to_string(i + 1) + ": " + *error;
      return false;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto rules = current_.load()->rules;
  rules.reserve(rules.size() + made.size());
  for (auto& s : made) {
    uint32_t id;
    Assign(s.get(), &id);
    rules.push_back(std::move(s));
  }
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
  // No rules (the common case between faults): nothing to read, no announcement. A rule added
  // meanwhile is as if added just after this decision.
  if (size_.load(std::memory_order_acquire) == 0) return Decision();
  // Each thread announces itself in its own shard (cheap, uncontended) for the current parity.
  static std::atomic<unsigned> next_shard{0};
  static thread_local unsigned shard = next_shard.fetch_add(1, std::memory_order_relaxed) % kShards;
  ReaderShard& sh = shards_[shard];
  unsigned parity = epoch_.load(std::memory_order_relaxed) & 1;
  sh.in[parity].fetch_add(1, std::memory_order_seq_cst);
  Decision d = DecideIn(*current_.load(std::memory_order_seq_cst), op, path, bytes);
  sh.in[parity].fetch_sub(1, std::memory_order_release);
  return d;
}

Decision RuleEngine::DecideIn(const Snapshot& snap, Op op, const char* path, uint64_t bytes) {
  Decision d;
  uint64_t head = 0;  // the path's first 8 bytes, zero-padded.
  for (size_t i = 0; i < 8 && path[i] != '\0'; ++i) {
    head |= uint64_t{static_cast<unsigned char>(path[i])} << (8 * i);
  }
  for (const Snapshot::Hot& hot : snap.hot) {
    if ((hot.ops & op) == 0 || (head & hot.head_mask) != hot.head) continue;
    // The first 8 bytes matched, none of them NUL: the path is that long at least.
    size_t i = 8;
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
      case Effect::kReadPublished:  // the rule's ops are those it applies to (Make).
        d.read_published = true;
        break;
      case Effect::kReadZerosMs:
        d.read_zeros_ms = e.read_zeros_ms();
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
