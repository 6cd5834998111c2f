#!/usr/bin/env bash
# The survival matrix (issue 8): the fault scenarios (label "faults") for our four policies (the
# suite expands them) and for the external writers tensorboardx and tensorboard, each into its own
# out dir under build/suite/survival/, then `tbfault survival` on the results, written to
# build/suite/survival.md. Scenario failures are the findings, not errors of this script.
# Usage: tools/survival.sh [--jobs N] [--ours RESULTS.json]
#   --ours: take our policies' results from a suite run already made (./run-suite does) instead of
#   running the fault scenarios for them again. Env TBFAULT: the binary (default build/bin/tbfault).
set -euo pipefail
cd "$(dirname "$0")/.."
tbfault=${TBFAULT:-build/bin/tbfault}
jobs=2
ours=
while (($#)); do
  case $1 in
    --jobs) jobs=$2; shift 2 ;;
    --ours) ours=$2; shift 2 ;;
    *) echo "usage: tools/survival.sh [--jobs N] [--ours RESULTS.json]" >&2; exit 2 ;;
  esac
done
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
if [[ -z $ours ]]; then
  run ours
  ours=$out/ours/results.json
fi
run tensorboardx --writer tensorboardx
run tensorboard --writer tensorboard
"$tbfault" survival "$ours" "$out/tensorboardx/results.json" \
  "$out/tensorboard/results.json" --markdown build/suite/survival.md >/dev/null
echo "survival matrix: build/suite/survival.md"
