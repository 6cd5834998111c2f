// The suite across machines: which shard of N this run is (ResolveShard, from the command line and
// the CI system's environment), which scenarios are that shard's (ShardOf: the k-th in name order
// goes to shard k mod N, the same on every machine and balanced to one scenario), and the record a
// shard's results carry so that `tbfault merge` can tell complete, disjoint shards of one suite
// from anything else (ShardRecordFor: the full selection's identity and the binary's).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "format/status.h"
#include "harness/runner/suite.h"
#include "reports/results.h"

namespace tbfault::runner {

struct ShardChoice {
  int index = 0, total = 1;  // 0 <= index < total.
  std::string source;        // where it came from, for messages ("--shard", "CI_NODE_INDEX", ...)
};

// What the command line said: --shard I/N, or --shard-index I / --shard-total N (a GitHub Actions
// matrix passes either); --shard-total alone gives the total to JOB_COMPLETION_INDEX.
struct ShardFlags {
  std::optional<int> index, total;
};

// The shard, from the first of these that is present, in this order of precedence:
//   1. the flags (--shard I/N, --shard-index I --shard-total N);
//   2. GitLab's parallel: CI_NODE_INDEX / CI_NODE_TOTAL (1-based: CI_NODE_INDEX=1 is shard 0;
//      CI_NODE_TOTAL=1 without CI_NODE_INDEX, as in every job without parallel:, is no shard);
//   3. a Kubernetes Indexed Job: JOB_COMPLETION_INDEX (0-based), the total from --shard-total;
//   4. GoogleTest's GTEST_SHARD_INDEX / GTEST_TOTAL_SHARDS (0-based);
//   else 0/1. A malformed or half-given source, and a source present that names another shard than
// the chosen one, are errors naming the variables ("CI_NODE_INDEX/CI_NODE_TOTAL: 3/2 is not ...").
// `getenv` is std::getenv outside tests.
Status ResolveShard(const ShardFlags& flags, const std::function<const char*(const char*)>& getenv,
                    ShardChoice* out);

// The shard (0 <= ShardOf < total) of each entry: entries sorted by scenario name, the k-th goes
// to shard k % total.
std::vector<int> ShardOf(const std::vector<SuiteEntry>& entries, int total);

// Keeps the entries of shard `index` of `total` (ShardOf), in their order.
void Shard(int index, int total, std::vector<SuiteEntry>* entries);

// The identity of a selection: a hash (16 hex digits) of every entry's scenario as run (its
// name, seed, writer, workload, faults, expectations: the deterministic serialization), taken in
// name order. Two machines that select the same scenarios of the same suite get the same one.
std::string SelectionId(const std::vector<SuiteEntry>& selection);

// The identity of the running binary (/proc/self/exe): "SIZE-CRC32C" in hex; "" when unreadable.
std::string BinaryId();

// The record of shard `choice` of `selection` (the full selection, before sharding).
reports::ShardRecord ShardRecordFor(const std::vector<SuiteEntry>& selection,
                                    const ShardChoice& choice);

}  // namespace tbfault::runner
