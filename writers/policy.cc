#include "writers/policy.h"

#include <charconv>

namespace tbfault::writers {
namespace {

constexpr const char* kNames[] = {"every-event", "buffered",          "periodic",     "async",
                                  "tf2-like",    "tensorboardx-like", "pytorch-like", nullptr};

// The numeric options and their ranges: beyond them a spec is a typo, not a policy (a queue cell
// is a cache line, so queue=2147483648 asked for 128 GiB; milliseconds beyond a day overflow no
// clock but wait forever in practice).
constexpr uint64_t kMaxBytes = uint64_t{1} << 30, kMaxMs = 24 * 3600 * 1000;
struct NumberOption {
  std::string_view key;
  uint64_t Policy::*field;
  uint64_t min, max;
};
constexpr NumberOption kNumbers[] = {
    {"bytes", &Policy::flush_bytes, 0, kMaxBytes},
    {"events", &Policy::flush_events, 0, uint64_t{1} << 30},
    {"ms", &Policy::flush_ms, 0, kMaxMs},
    {"write", &Policy::write_bytes, 0, kMaxBytes},
    {"queue", &Policy::queue, 1, uint64_t{1} << 22},
    {"max_block_ms", &Policy::max_block_ms, 0, kMaxMs},
    {"max_pending", &Policy::max_pending, 0, uint64_t{4} << 30},
};

Status Base(std::string_view name, Policy* p) {
  *p = Policy();
  if (name == "every-event") {
    p->kind = Policy::Kind::kEveryEvent;
  } else if (name == "buffered") {
    p->kind = Policy::Kind::kBuffered;
  } else if (name == "periodic") {
    p->kind = Policy::Kind::kPeriodic;
    p->flush_ms = 1000;
  } else if (name == "async") {
    p->kind = Policy::Kind::kAsync;
    p->flush_ms = 1000;
    p->flush_bytes = 4 << 20;
  } else if (name == "tf2-like") {
    p->kind = Policy::Kind::kBuffered;
    p->flush_events = 10;
    p->flush_ms = 120000;
    p->flush_bytes = 0;
  } else if (name == "tensorboardx-like" || name == "pytorch-like") {
    p->kind = Policy::Kind::kAsync;
    p->queue = 10;
    p->flush_ms = 120000;
    p->flush_bytes = 0;
    p->write_bytes = 8192;          // their Python file object's buffer.
    p->max_block_ms = 3600 * 1000;  // their producers block without a bound.
    p->durable = name == "tensorboardx-like";
  } else {
    return Status::Invalid("unknown policy '" + std::string(name) + "'");
  }
  return Status::Ok();
}

Status SetOption(std::string_view key, std::string_view value, Policy* p) {
  if (key == "overflow") {
    if (value == "block")
      p->overflow = Policy::Overflow::kBlock;
    else if (value == "drop-newest")
      p->overflow = Policy::Overflow::kDropNewest;
    else if (value == "drop-oldest")
      p->overflow = Policy::Overflow::kDropOldest;
    else
      return Status::Invalid("overflow must be block, drop-newest or drop-oldest, not '" +
                             std::string(value) + "'");
    return Status::Ok();
  }
  for (const NumberOption& o : kNumbers) {
    if (o.key != key) continue;
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    std::string range = "[" + std::to_string(o.min) + ", " + std::to_string(o.max) + "]";
    if (ec == std::errc::result_out_of_range) {
      return Status::Invalid("option " + std::string(key) + ": '" + std::string(value) +
                             "' is out of range " + range);
    }
    if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
      return Status::Invalid("option " + std::string(key) + ": '" + std::string(value) +
                             "' is not a non-negative integer");
    }
    if (v < o.min || v > o.max) {
      return Status::Invalid("option " + std::string(key) + ": '" + std::string(value) +
                             "' is out of range " + range);
    }
    p->*o.field = v;
    return Status::Ok();
  }
  return Status::Invalid("unknown option '" + std::string(key) + "=" + std::string(value) + "'");
}

}  // namespace

Status ParsePolicy(std::string_view spec, Policy* policy) {
  std::string_view rest = spec;
  bool durable = false;
  if (rest.ends_with("+durable")) {
    durable = true;
    rest.remove_suffix(8);
  }
  size_t colon = rest.find(':');
  Status s = Base(rest.substr(0, colon), policy);
  if (!s.ok()) return Status::Invalid("policy '" + std::string(spec) + "': " + s.message());
  if (colon != std::string_view::npos) {
    std::string_view opts = rest.substr(colon + 1);
    while (!opts.empty()) {
      size_t comma = opts.find(',');
      std::string_view opt = opts.substr(0, comma);
      size_t eq = opt.find('=');
      if (eq == std::string_view::npos) {
        return Status::Invalid("policy '" + std::string(spec) + "': option '" + std::string(opt) +
                               "' is not key=value");
      }
      s = SetOption(opt.substr(0, eq), opt.substr(eq + 1), policy);
      if (!s.ok()) return Status::Invalid("policy '" + std::string(spec) + "': " + s.message());
      if (comma == std::string_view::npos) break;
      opts.remove_prefix(comma + 1);
    }
  }
  policy->durable = policy->durable || durable;
  policy->name = std::string(spec);
  return Status::Ok();
}

std::string PolicySpec(const Policy& p) {
  std::string s;
  switch (p.kind) {
    case Policy::Kind::kEveryEvent:
      s = "every-event:";
      break;
    case Policy::Kind::kBuffered:
      s = "buffered:";
      break;
    case Policy::Kind::kPeriodic:
      s = "periodic:";
      break;
    case Policy::Kind::kAsync:
      s = "async:";
      break;
  }
  s += "bytes=" + std::to_string(p.flush_bytes) + ",events=" + std::to_string(p.flush_events) +
       ",ms=" + std::to_string(p.flush_ms) + ",write=" + std::to_string(p.write_bytes) +
       ",max_pending=" + std::to_string(p.max_pending);
  if (p.kind == Policy::Kind::kAsync) {
    s += ",queue=" + std::to_string(p.queue) + ",max_block_ms=" + std::to_string(p.max_block_ms) +
         ",overflow=" +
         (p.overflow == Policy::Overflow::kBlock        ? "block"
          : p.overflow == Policy::Overflow::kDropNewest ? "drop-newest"
                                                        : "drop-oldest");
  }
  if (p.durable) s += "+durable";
  return s;
}

const char* const* PolicyNames() { return kNames; }

}  // namespace tbfault::writers
