#!/usr/bin/env bash
# Your own writer under tbfault, in your own CI: the suite, the survival matrix and the gate
# against one writer spec (an adapter of yours: external:/path/to/your_adapter, any language;
# writers/external/ADAPTER_GUIDE.md).
# Usage: ci-examples/check-writer.sh SPEC [--out DIR] [--baseline FILE] [--jobs N] [PATH...]
#   PATH...     scenario files or directories (default: scenarios/clean.textproto
#               scenarios/training scenarios/faults: what a writer of any library is judged on;
#               scenarios/mutants and misuse/ expect the failures of our own mutants and misuses)
#   --out       where the results go (default tbfault-check): DIR/run/ (results.json, junit.xml,
#               summary.md, report.html, a directory per scenario), DIR/survival.md
#   --baseline  the results.json of a known-good version of your writer: the gate fails on any
#               verdict that got worse (or a scenario gone). Without it the exit is the run's.
#   Env TBFAULT: the tbfault binary (default build/bin/tbfault).
# Exit 0 all passed (or nothing regressed against --baseline), 1 otherwise, 2 bad input.
set -uo pipefail
tbfault=${TBFAULT:-build/bin/tbfault}
usage() {
  echo "usage: ci-examples/check-writer.sh SPEC [--out DIR] [--baseline FILE] [--jobs N] [PATH...]" >&2
  exit 2
}
(($#)) || usage
spec=$1
shift
out=tbfault-check baseline= jobs=1 paths=()
while (($#)); do
  case $1 in
    --out) out=$2; shift 2 ;;
    --baseline) baseline=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -*) usage ;;
    *) paths+=("$1"); shift ;;
  esac
done
src=$(cd "$(dirname "$0")/.." && pwd)
((${#paths[@]})) || paths=("$src/scenarios/clean.textproto" "$src/scenarios/training"
                          "$src/scenarios/faults")
mkdir -p "$out"
# 1. The suite against the writer (exit 1: a scenario failed; its summary says why).
rc=0
"$tbfault" run "${paths[@]}" --writer "$spec" --out "$out/run" --junit "$out/run/junit.xml" \
  --jobs "$jobs" --quiet || rc=$?
((rc > 1)) && exit "$rc"
# 2. The survival matrix of its fault scenarios: which faults it survives, with the command that
#    reproduces every cell that does not.
"$tbfault" survival "$out/run/results.json" --markdown "$out/survival.md" >/dev/null || exit 2
echo "check-writer: survival matrix $out/survival.md"
# 3. The gate against your baseline: verdicts that got worse fail, known findings do not.
if [[ -n $baseline ]]; then
  "$tbfault" gate --baseline "$baseline" --results "$out/run/results.json"
  exit $?
fi
echo "check-writer: no --baseline; keep $out/run/results.json as one to gate later runs"
exit "$rc"
