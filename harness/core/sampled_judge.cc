#include "harness/core/sampled_judge.h"

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace tbfault::core {

void JudgeDownsampling(const std::vector<LoggedEvent>& events, const SamplesSpec& spec,
                       ProfileJudgement* j) {
  if (j->profile == Profile::kStrict) return;
  struct Series {
    Kind kind = Kind::kUnknown;
    uint64_t shown = 0;
    std::vector<size_t> visible;  // indices into j->verdicts, in seq order.
  };
  std::map<std::pair<std::string_view, std::string_view>, Series> series;
  for (const LoggedEvent& e : events) {
    Series& s = series[{e.run, e.tag}];
    if (s.kind == Kind::kUnknown) s.kind = e.value.kind;
  }
  for (size_t i = 0; i < j->verdicts.size(); ++i) {
    const EventVerdict& v = j->verdicts[i];
    const Verdict c = v.verdict;
    if (c != Verdict::kVisible && c != Verdict::kCorrupt && c != Verdict::kDuplicate &&
        c != Verdict::kPhantom) {
      continue;
    }
    auto it = series.find({v.run, v.tag});
    if (it == series.end()) continue;  // a phantom series: nothing logged to downsample.
    it->second.shown++;
    if (c == Verdict::kVisible) it->second.visible.push_back(i);
  }
  uint64_t total = 0;
  for (auto& [key, s] : series) {
    const uint64_t kept = SamplesShown(j->profile, s.kind, s.shown, spec);
    uint64_t n = s.shown - kept;
    if (s.visible.empty()) continue;
    // Visible events in seq order: the last logged stays (the reservoir keeps the last point).
    n = std::min<uint64_t>(n, s.visible.size() - 1);
    for (uint64_t k = 0; k < n; ++k) {
      EventVerdict& v = j->verdicts[s.visible[k]];
      v.verdict = Verdict::kDownsampled;
      v.reason = "not among the " + std::to_string(kept) + " of " + std::to_string(s.shown) +
                 " points the " + std::string(PluginOfKind(s.kind)) + " reservoir keeps";
    }
    total += n;
  }
  j->counts[VerdictIndex(Verdict::kVisible)] -= total;
  j->counts[VerdictIndex(Verdict::kDownsampled)] += total;
}

}  // namespace tbfault::core
