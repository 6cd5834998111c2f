// Joins the results of the shards of one suite run (tbfault run --shard I/N on N machines) into
// the results of the whole run, as if it had run on one machine: every scenario once, sorted by
// name. Refuses, naming the file: a file without a shard record, shards of another selection
// (other scenarios, writer, seeds or filter), of another total or another tbfault binary, a shard
// given twice or a scenario in two files (overlap), a shard that holds fewer results than it
// selected (interrupted), and a shard missing from the set. The merged results are shard 0 of 1 of
// the same selection, so they merge again and gate like an unsharded run's.
#pragma once

#include <string>
#include <vector>

#include "format/status.h"
#include "reports/results.h"

namespace tbfault::reports {

struct ShardFile {
  std::string path;  // for messages.
  Results results;
};

// Benchmark JSON carried by several shards is joined: the first context, every benchmark.
Status MergeShards(const std::vector<ShardFile>& shards, Results* out);

}  // namespace tbfault::reports
