// RuleEngine: decides, per operation, whether a fault fires and what it is. Rules are tried in
// order; the first that matches and fires decides. Deciding takes no lock and allocates nothing:
// the rule set is an immutable snapshot swapped atomically by the control thread, per-rule counters
// are atomics, and a rule's random draw is a hash of (seed, rule id, match number) — so a
// single-writer workload gets the same decisions for the same seed whatever the thread timing.
// Memory is linear in the rules held: a replaced snapshot is freed once every decision that could
// have read it is over (deciders announce themselves in per-thread-sharded counters of two epochs;
// the control thread flips the epoch twice and waits for each to drain — a grace period as in
// SRCU).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <sys/types.h>
#include <string>
#include <vector>

#include "fusefs/ops.h"
#include "fusefs/rules.pb.h"

namespace faultfs {

struct Decision {
  uint32_t rule_id = 0;      // 0: no fault.
  int err = 0;               // fail the op with this errno.
  bool deferred = false;     // ... but only at the next fsync/close of the file.
  int64_t short_bytes = -1;  // accept only this many bytes of a write.
  uint32_t delay_ms = 0;
  bool fsync_lie = false;
  int kill_signal = 0;
  bool read_published = false;  // read-side: cut reads (and the size) at the published length.
  uint32_t read_zeros_ms =
      0;  // read-side: zeros past the published length this long after a write.
  bool fired() const { return rule_id != 0; }

  pid_t caller = 0;  // set by the op's handler, not by a rule: whom a crash point kills.
};

class RuleEngine {
 public:
  explicit RuleEngine(uint64_t seed);
  ~RuleEngine();
  RuleEngine(const RuleEngine&) = delete;
  RuleEngine& operator=(const RuleEngine&) = delete;

  // Parses and validates a rule; the error names the field. Assigns an id when it has none.
  bool Add(const Rule& rule, uint32_t* id, std::string* error);
  // All of `rules`, published at once (a rules file); the error names the rule's index.
  bool AddAll(const google::protobuf::RepeatedPtrField<Rule>& rules, std::string* error);
  bool Remove(uint32_t id);
  void Clear();
  void SetWindow(const std::string& name, bool open);

  // `bytes`: the write's size (0 for other ops).
  Decision Decide(Op op, const char* path, uint64_t bytes);

  // Whether any rule has a read-side effect: readers then open with direct I/O, so that their reads
  // reach the daemon instead of the page cache the writer fills.
  bool has_read_faults() const { return read_rules_.load(std::memory_order_acquire) != 0; }

  // One line per rule: id, the rule in text format, hits and matches.
  std::string Describe() const;

 private:
  struct State;
  struct Snapshot {
    std::vector<std::shared_ptr<State>> rules;
    // What Decide() reads for every rule, contiguous: most rules are ruled out here, by the ops
    // and the first 8 bytes of the glob's literal head (`head` under `head_mask`).
    struct Hot {
      uint32_t ops;
      uint32_t prefix_len;
      uint64_t head, head_mask;
      const char* prefix;
      State* state;
    };
    std::vector<Hot> hot;
  };
  // Decider announcements: in[e] counts decisions under way that began in an epoch of parity e.
  struct alignas(64) ReaderShard {
    std::atomic<uint64_t> in[2] = {0, 0};
  };
  static constexpr unsigned kShards = 16;

  Decision DecideIn(const Snapshot& snap, Op op, const char* path, uint64_t bytes);
  std::shared_ptr<State> Make(const Rule& rule, std::string* error);  // validates; no id yet.
  void Assign(State* s, uint32_t* id);                                // holds mu_.
  void Publish(std::vector<std::shared_ptr<State>> rules);            // holds mu_.
  void WaitForDeciders();                                             // holds mu_.
  std::atomic<bool>* Window(const std::string& name);

  const uint64_t seed_;
  std::atomic<const Snapshot*> current_;
  std::atomic<size_t> size_{0};        // rules in the current snapshot.
  std::atomic<size_t> read_rules_{0};  // ... of which with a read-side effect.
  ReaderShard shards_[kShards];
  std::atomic<uint32_t> epoch_{0};
  mutable std::mutex mu_;  // control side only: edits.
  std::vector<std::pair<std::string, std::unique_ptr<std::atomic<bool>>>> windows_;
  uint32_t next_id_ = 1;
};

// errno from "ENOSPC" or a decimal number; 0 when neither.
int ParseErrno(const std::string& text);

}  // namespace faultfs
