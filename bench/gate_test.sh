#!/usr/bin/env bash
# gate_test.sh pass|fail WRITER BIN_DIR BASELINE OUT_DIR [GATE_FLAGS...]
# Runs bench/gate_bench.cc (WRITER: "ours", or "mutant:<name>" for a slowed writer) and
# `tbfault gate --ratios-only` on its JSON against BASELINE (reports/baselines/ratios.json).
# pass: the gate must pass (exit 0); fail: it must fail (exit 1) with a REGRESSION line naming a
# ratio. Exit 0 when it did as expected, 1 otherwise. Everything it wrote is in OUT_DIR.
set -uo pipefail
expect=$1 writer=$2 bin=$3 baseline=$4 out=$5
shift 5
rm -rf "$out" && mkdir -p "$out" || exit 1
args=(--benchmark_repetitions=9 --benchmark_out="$out/bench.json" --benchmark_out_format=json)
[[ $writer == ours ]] || args+=("--tbfault_writer=$writer")
if ! "$bin/gate_bench" "${args[@]}" >"$out/bench.txt" 2>&1; then
  cat "$out/bench.txt"
  echo "gate_test.sh: gate_bench failed (output above)"
  exit 1
fi
"$bin/tbfault" gate --ratios-only "$@" --baseline "$baseline" --results "$out/bench.json" \
  >"$out/gate.txt" 2>&1
rc=$?
cat "$out/gate.txt"
case $expect in
  pass) [[ $rc == 0 ]] || { echo "gate_test.sh: $writer should pass the gate, exit $rc"; exit 1; } ;;
  fail)
    if [[ $rc != 1 ]] || ! grep -q '^REGRESSION benchmark .*_ratio' "$out/gate.txt"; then
      echo "gate_test.sh: $writer should fail the gate on a ratio, exit $rc"
      exit 1
    fi ;;
  *) echo "gate_test.sh: expect pass or fail, not $expect"; exit 2 ;;
esac
