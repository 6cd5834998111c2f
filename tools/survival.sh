#!/usr/bin/env bash
# The survival matrix (issue 8): the fault scenarios (label "faults") for our four policies (the
# suite expands them) and for the external writers tensorboardx and tensorboard, each into its own
# out dir under build/suite/survival/, then `tbfault survival` on the results, written to
# build/suite/survival.md. Scenario failures are the findings, not errors of this script.
# Usage: tools/survival.sh [--jobs N]   (env TBFAULT: the binary, default build/bin/tbfault)
set -euo pipefail
cd "$(dirname "$0")/.."
tbfault=${TBFAULT:-build/bin/tbfault}
jobs=2
[[ ${1:-} == --jobs ]] && jobs=$2
out=build/suite/survival
mkdir -p "$out"
run() {  # name, extra args...
  local name=$1
  shift
  local rc=0
  "$tbfault" run scenarios/faults --filter label:faults --out "$out/$name" --jobs "$jobs" --quiet \
    "$@" >"$out/$name.log" 2>&1 || rc=$?
  if ((rc > 1)); then
    echo "tools/survival.sh: tbfault run ($name) failed with exit $rc; see $out/$name.log" >&2
    exit "$rc"
  fi
  tail -1 "$out/$name.log"
}
run ours
run tensorboardx --writer tensorboardx
run tensorboard --writer tensorboard
"$tbfault" survival "$out/ours/results.json" "$out/tensorboardx/results.json" \
  "$out/tensorboard/results.json" --markdown build/suite/survival.md >/dev/null
echo "survival matrix: build/suite/survival.md"
