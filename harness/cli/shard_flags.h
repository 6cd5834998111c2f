// The shard flags that `run` and `explore` share, declared once: --shard I/N, --shard-index I and
// --shard-total N. After Flags::Parse, Resolve() gives the shard from them and, failing them, from
// the CI system's variables (runner::ResolveShard: GitLab, Kubernetes Indexed Jobs, GoogleTest).
// Flags that disagree (--shard 1/4 --shard-index 2) are the command's one-line error.
#pragma once

#include <cstdint>
#include <string_view>

#include "harness/cli/flags.h"
#include "harness/runner/shard.h"

namespace tbfault::cli {

class ShardFlagSet {
 public:
  // Declares the three flags on `flags`; `what` says what is sharded and how, for --help.
  ShardFlagSet(Flags* flags, std::string_view what);
  // -1 with *out set, or the exit status of the one-line error already printed.
  int Resolve(runner::ShardChoice* out);

 private:
  Flags* flags_;
  runner::ShardFlags given_;  // from --shard I/N.
  int64_t index_ = 0, total_ = 1;
  const Flags::Flag* index_flag_;
  const Flags::Flag* total_flag_;
};

}  // namespace tbfault::cli
