#!/usr/bin/env bash
# The suite through the tbfault binary, as CI and users run it (registered with ctest by
# harness/runner/CMakeLists.txt). Usage: suite_cli_test.sh CASE BIN_DIR SOURCE_DIR WORK_DIR
#   quick   the quick selection passes (exit 0), then the gate against reports/baselines/quick.json
#   replay  the same seed gives the same verdicts twice (tbfault replay)
#   doctor  tbfault doctor explains each kind of fault in the logdirs the suite leaves
#   stale   a runner killed with SIGKILL takes its faultfs and writer with it; the next run runs
# Exit 77 (skipped) where /dev/fuse is absent.
set -u
case_name=$1 bin=$2 src=$3 work=$4
[ -w /dev/fuse ] || { echo "SKIP: no /dev/fuse: FUSE suite test skipped"; exit 77; }
rm -rf "$work"
mkdir -p "$work"
tbfault="$bin/tbfault"
fail() { echo "FAIL: $*"; exit 1; }

case $case_name in
quick)
  "$tbfault" run "$src/scenarios" --filter label:quick --out "$work/out" --quiet \
    --junit "$work/junit.xml" || fail "quick selection did not pass"
  "$tbfault" gate --baseline "$src/reports/baselines/quick.json" \
    --results "$work/out/results.json" || fail "gate: regression against the baseline"
  ;;
replay)
  "$tbfault" run "$src/scenarios/faults/crash-before-flush.textproto" --filter '*/every-event' \
    --out "$work/out" --quiet >/dev/null || fail "run failed"
  out=$("$tbfault" replay "$work/out/crash-before-flush/every-event") || fail "replay differs: $out"
  echo "$out"
  echo "$out" | grep -q "same verdicts" || fail "no 'same verdicts' line"
  ;;
doctor)
  # Each fault the suite produces, explained by doctor with the finding that names its cause.
  sc=$src/scenarios
  "$tbfault" run "$sc/mutants/torn-records.textproto" "$sc/faults/power-cut-sync-zero-fill.textproto" \
    "$sc/faults/power-cut-sync-torn.textproto" "$sc/faults/restart-from-checkpoint.textproto" \
    "$sc/mutants/no-file-version.textproto" "$sc/misuse/late-metadata.textproto" \
    "$sc/misuse/double-scalars.textproto" "$sc/mutants/second-names.textproto" \
    "$sc/misuse/no-flush-before-reading.textproto" --jobs 2 --out "$work/out" --quiet \
    >/dev/null || fail "the scenarios did not meet their expectations"
  while read -r scenario kind; do
    out=$("$tbfault" doctor "$work/out/$scenario/logdir"); rc=$?
    [ $rc -eq 3 ] || fail "doctor on $scenario: exit $rc, want 3 (findings)"
    echo "$out" | grep -q "^FINDING $kind .*offset=" \
      || fail "doctor on $scenario: no '$kind' finding with an offset: $out"
    echo "ok: $scenario -> $kind"
  done <<'EOT'
torn-records dead-file
power-cut-sync-zero-fill/every-event dead-file
power-cut-sync-torn/every-event truncated-tail
restart-from-checkpoint restart-purge
no-file-version restart-purge
late-metadata missing-metadata
double-scalars double-scalar
second-names dead-file
EOT
  out=$("$tbfault" doctor "$work/out/no-flush-before-reading/logdir"); rc=$?
  [ $rc -eq 3 ] && echo "$out" | grep -q "^FINDING no-events" || fail "no-events not found: $out"
  ;;
stale)
  # Its faultfs and writer die with it (PR_SET_PDEATHSIG): the mount goes, no orphan writes on.
  # (Cleaning a stale mount, and keeping one a live process works in: MountTest in runner_test.)
  "$tbfault" run "$src/scenarios/faults/delay-100ms.textproto" --filter '*/every-event' \
    --out "$work/out" --quiet >/dev/null 2>&1 &
  runner=$!
  mine() { grep -c " $(printf %s "${TMPDIR:-/tmp}")/tbfault-$runner-[0-9]*/mnt " /proc/mounts; }
  for _ in $(seq 100); do [ "$(mine)" -gt 0 ] && break; sleep 0.05; done
  [ "$(mine)" -gt 0 ] || fail "the runner never mounted"
  for _ in $(seq 100); do [ "$(pgrep -P $runner | wc -l)" -ge 2 ] && break; sleep 0.05; done
  children=$(pgrep -P $runner | tr '\n' ' ')
  [ "$(echo $children | wc -w)" -ge 2 ] || fail "no faultfs and writer under the runner: $children"
  kill -9 $runner; wait $runner 2>/dev/null
  alive=$children
  for _ in $(seq 200); do
    alive=$(for c in $children; do kill -0 "$c" 2>/dev/null && echo "$c"; done)
    [ -z "$alive" ] && [ "$(mine)" -eq 0 ] && break
    sleep 0.05
  done
  [ -z "$alive" ] || fail "children outlived the runner: $(ps -o pid,args -p "$(echo $alive | tr ' ' ,)")"
  [ "$(mine)" -eq 0 ] || fail "a mount is still there: $(grep "tbfault-$runner-" /proc/mounts)"
  out=$("$tbfault" run "$src/scenarios/clean.textproto" --filter '*/async' --out "$work/out2" \
    --quiet 2>&1) || fail "the next run failed: $out"
  ;;
*) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"
