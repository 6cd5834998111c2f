#!/usr/bin/env bash
# The survival matrix (issue 8): the fault scenarios (label "faults") for our four policies (the
# suite expands them) and for the external writers tensorboardx, tensorboard, tensorflow,
# tensorflow-v1 and keras, each into its own out dir under build/suite/survival/, then `tbfault
# survival` on the results, written to build/suite/survival.md. The TensorFlow writers (keras
# too) are left out, with a line saying so, where the venv's python cannot import tensorflow.
# Scenario failures are the findings, not errors of this script.
# Usage: tools/survival.sh [--jobs N] [--ours RESULTS.json] [--only WRITER]...
#   --ours: take our policies' results from a suite run already made (./run-suite does) instead of
#   running the fault scenarios for them again. --only: run just these external writers (repeat).
#   Env TBFAULT: the binary (default build/bin/tbfault); TBFAULT_PYTHON: the venv's python.
set -euo pipefail
cd "$(dirname "$0")/.."
tbfault=${TBFAULT:-build/bin/tbfault}
jobs=2
ours=
only=()
while (($#)); do
  case $1 in
    --jobs) jobs=$2; shift 2 ;;
    --ours) ours=$2; shift 2 ;;
    --only) only+=("$2"); shift 2 ;;
    *) echo "usage: tools/survival.sh [--jobs N] [--ours RESULTS.json] [--only WRITER]..." >&2
      exit 2 ;;
  esac
done
writers=(tensorboardx tensorboard tensorflow tensorflow-v1 keras)
((${#only[@]})) && writers=("${only[@]}")
python=${TBFAULT_PYTHON:-build/venv/bin/python}
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
results=("$ours")
for w in "${writers[@]}"; do
  if [[ $w == tensorflow* || $w == keras ]] && ! "$python" -c 'import tensorflow' >/dev/null 2>&1; then
    echo "tools/survival.sh: $python cannot import tensorflow: $w left out (run tools/setup.sh)" >&2
    continue
  fi
  run "$w" --writer "$w"
  results+=("$out/$w/results.json")
done
"$tbfault" survival "${results[@]}" --markdown build/suite/survival.md >/dev/null
echo "survival matrix: build/suite/survival.md"
