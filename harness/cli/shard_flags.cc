#include "harness/cli/shard_flags.h"

#include <cstdlib>
#include <string>

namespace tbfault::cli {

ShardFlagSet::ShardFlagSet(Flags* flags, std::string_view what) : flags_(flags) {
  flags->Custom(
      "--shard", "I/N",
      [this](std::string_view v, std::string* why) {
        size_t slash = v.find('/');
        int64_t i = 0, n = 0;
        std::string ignored;
        if (slash == std::string_view::npos ||
            !ParseInt(v.substr(slash + 1), 1, 1 << 20, &n, &ignored) ||
            !ParseInt(v.substr(0, slash), 0, n - 1, &i, &ignored)) {
          *why = "'" + std::string(v) + "' is not I/N with 0 <= I < N";
          return false;
        }
        given_.index = static_cast<int>(i);
        given_.total = static_cast<int>(n);
        return true;
      },
      "0/1",
      "run only the I-th of N shards of " + std::string(what) +
          ". Else, in this order: "
          "--shard-index/--shard-total; GitLab's CI_NODE_INDEX/CI_NODE_TOTAL (1-based); "
          "JOB_COMPLETION_INDEX (Kubernetes Indexed Job) with --shard-total; "
          "GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS. A source that names another shard is an error");
  index_flag_ = &flags
                     ->Int("--shard-index", &index_, 0, (1 << 20) - 1,
                           "this run's shard, 0-based (e.g. a GitHub Actions matrix value)")
                     .DefaultText("none");
  total_flag_ = &flags
                     ->Int("--shard-total", &total_, 1, 1 << 20,
                           "the number of shards (with --shard-index, or JOB_COMPLETION_INDEX)")
                     .DefaultText("none");
}

int ShardFlagSet::Resolve(runner::ShardChoice* out) {
  const bool both = given_.index.has_value();  // --shard I/N given too.
  auto disagree = [&](const char* flag, int64_t value) {
    return flags_->Fail(std::string(flag) + " " + std::to_string(value) +
                        " disagrees with --shard " + std::to_string(*given_.index) + "/" +
                        std::to_string(*given_.total));
  };
  if (both && index_flag_->seen() && index_ != *given_.index)
    return disagree("--shard-index", index_);
  if (both && total_flag_->seen() && total_ != *given_.total)
    return disagree("--shard-total", total_);
  if (index_flag_->seen()) given_.index = static_cast<int>(index_);
  if (total_flag_->seen()) given_.total = static_cast<int>(total_);
  if (Status s = runner::ResolveShard(given_, std::getenv, out); !s.ok()) {
    return flags_->Fail(s.message());
  }
  return -1;
}

}  // namespace tbfault::cli
