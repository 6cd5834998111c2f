#include "reports/merge.h"

#include <algorithm>
#include <map>
#include <set>

namespace tbfault::reports {
namespace {

std::string Of(const ShardRecord& r) {
  return std::to_string(r.index) + "/" + std::to_string(r.total);
}

}  // namespace

Status MergeShards(const std::vector<ShardFile>& shards, Results* out) {
  *out = Results();
  if (shards.empty()) return Status::Invalid("no results file to merge");
  for (const ShardFile& f : shards) {
    if (!f.results.shard) {
      return Status::Invalid(f.path + ": no shard record (not written by tbfault run)");
    }
  }
  const ShardFile& first = shards[0];
  const ShardRecord& want = *first.results.shard;
  std::map<int, const ShardFile*> by_index;
  std::map<std::string, const ShardFile*> by_scenario;
  std::set<std::string> hosts;
  for (const ShardFile& f : shards) {
    const ShardRecord& r = *f.results.shard;
    if (r.total != want.total) {
      return Status::Invalid(f.path + ": shard " + Of(r) + " is of " + std::to_string(r.total) +
                             " shards, " + first.path + " of " + std::to_string(want.total));
    }
    if (r.selection != want.selection || r.selected != want.selected) {
      return Status::Invalid(f.path + ": shard " + Of(r) + " is of another selection than " +
                             first.path + " (other scenarios, writer, seeds or filter: " +
                             r.selection + " vs " + want.selection + ")");
    }
    if (r.binary != want.binary) {
      return Status::Invalid(f.path + ": shard " + Of(r) + " was run by another tbfault binary (" +
                             r.binary + ") than " + first.path + " (" + want.binary + ")");
    }
    if (auto [it, fresh] = by_index.emplace(r.index, &f); !fresh) {
      return Status::Invalid(f.path + ": shard " + Of(r) + " overlaps " + it->second->path +
                             " (the same shard twice)");
    }
    if (f.results.scenarios.size() != r.shard_selected) {
      return Status::Invalid(f.path + ": shard " + Of(r) + " holds " +
                             std::to_string(f.results.scenarios.size()) + " results of its " +
                             std::to_string(r.shard_selected) +
                             " scenarios (interrupted? run the shard again)");
    }
    for (const ScenarioResult& s : f.results.scenarios) {
      if (auto [it, fresh] = by_scenario.emplace(s.name, &f); !fresh) {
        return Status::Invalid(f.path + ": scenario '" + s.name + "' is also in " +
                               it->second->path + " (overlapping shards)");
      }
      out->scenarios.push_back(s);
    }
    if (!f.results.host.empty()) hosts.insert(f.results.host);
    out->created = std::max(out->created, f.results.created);
    if (!f.results.benchmark.is_null()) {
      if (out->benchmark.is_null()) {
        out->benchmark = f.results.benchmark;
      } else {
        for (const auto& b : f.results.benchmark["benchmarks"]) {
          out->benchmark["benchmarks"].push_back(b);
        }
      }
    }
  }
  std::string missing;
  for (int i = 0; i < want.total; ++i) {
    if (!by_index.contains(i)) {
      missing +=
          (missing.empty() ? "" : ", ") + std::to_string(i) + "/" + std::to_string(want.total);
    }
  }
  if (!missing.empty()) {
    return Status::Invalid(first.path + ": shard(s) " + missing + " of its run are missing (" +
                           std::to_string(shards.size()) + " of " + std::to_string(want.total) +
                           " given)");
  }
  if (out->scenarios.size() != want.selected) {  // the shards' own counts are checked above.
    return Status::Invalid(first.path + ": the shards hold " +
                           std::to_string(out->scenarios.size()) + " results of " +
                           std::to_string(want.selected) + " selected scenarios");
  }
  std::sort(out->scenarios.begin(), out->scenarios.end(),
            [](const ScenarioResult& a, const ScenarioResult& b) { return a.name < b.name; });
  for (const std::string& h : hosts) out->host += (out->host.empty() ? "" : ",") + h;
  ShardRecord merged = want;
  merged.index = 0;
  merged.total = 1;
  merged.shard_selected = merged.selected;
  out->shard = merged;
  return Status::Ok();
}

}  // namespace tbfault::reports
