#include "harness/load/alternating.h"

#include <algorithm>

namespace tbfault::load {

Status RunAlternating(const std::vector<Way>& ways, int64_t first, int64_t steps, int64_t rounds) {
  if (steps <= 0) return Status::Ok();
  rounds = std::clamp<int64_t>(rounds, 1, steps);
  const int64_t per_round = (steps + rounds - 1) / rounds;
  for (int64_t begin = first; begin < first + steps; begin += per_round) {
    const int64_t n = std::min(per_round, first + steps - begin);
    for (const Way& way : ways) {
      if (Status s = RunSteps(*way.workload, begin, n, way.sink, way.times); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

SummarySink NoopSink(double* sum) {
  return [sum](const StepOutput& out) {
    *sum += out.ReadEveryValue();
    return Status::Ok();
  };
}

}  // namespace tbfault::load
