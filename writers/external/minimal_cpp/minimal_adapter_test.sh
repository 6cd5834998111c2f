#!/usr/bin/env bash
# The clean scenarios against the minimal C++ adapter, through ci-examples/check-writer.sh (the
# suite, the survival matrix and the gate) as a writer maintainer's CI would run them. Registered
# with ctest by writers/external/CMakeLists.txt.
# Usage: minimal_adapter_test.sh BIN_DIR ADAPTER SOURCE_DIR WORK_DIR. Exit 77 where /dev/fuse is
# absent.
set -u
bin=$1 adapter=$2 src=$3 work=$4
[ -w /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: no jq"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
export TBFAULT=$bin/tbfault
sc=$src/scenarios
# The spec names the adapter by a path that stays the same from run to run (the gate compares
# scenarios by name, and the name carries the spec): here a link, re-pointed in step 3.
ln -s "$(realpath "$adapter")" "$work/adapter"
spec="external:$work/adapter"
check=$src/ci-examples/check-writer.sh

# 1. Every clean scenario passes under every reader profile (strict, tb-rust, real TensorBoard),
#    and so do a process crash between flushes (nothing acknowledged is lost), a power cut (the
#    file's directory fsynced too) and the run directory deleted (a new file, the old one's adds
#    reported lost).
"$check" "$spec" --out "$work/good" "$sc/clean.textproto" "$sc/training/small-fast-clean.textproto" \
  "$sc/training/llm-like-crash.textproto" "$sc/faults/power-cut-sync-plain.textproto" \
  "$sc/faults/logdir-deleted.textproto" > "$work/good.txt" 2>&1 \
  || { cat "$work/good.txt"; fail "the scenarios did not pass"; }
cat "$work/good.txt"
r=$work/good/run/results.json
[ "$(jq '.scenarios | length' "$r")" = 5 ] || fail "want 5 results"
jq -e --arg spec "$spec" 'all(.scenarios[]; .writer == $spec and .outcome == "passed"
    and .events_logged > 0)' "$r" >/dev/null || fail "a result is not a pass by $spec"
# What the adapter wrote is what every profile saw: all the clean run's events, images and texts
# included (visible = logged).
jq -e '.scenarios[] | select(.name | startswith("clean/")) | .events_logged as $n
    | all(.profiles[]; .counts.visible == $n)' "$r" >/dev/null \
  || fail "clean: not every logged event is visible under every profile"
find "$work/good/run" -name 'events.out.tfevents.*' | grep -q . || fail "no event file written"
grep -q "llm-like-crash" "$work/good/survival.md" || fail "no survival row for llm-like-crash"

# 2. A scenario selects it by name: external:minimal_cpp is the program minimal_cpp_adapter beside
#    the Python adapters.
cat > "$work/by-name.textproto" <<'EOT'
description: "a clean run against the minimal C++ adapter, selected by its name"
seed: 5
workload { steps: 60 scalars_per_step: 3 histogram_every: 10 image_every: 20 text_every: 20 flush_every: 10 }
writer { spec: "external:minimal_cpp" }
EOT
"$TBFAULT" run "$work/by-name.textproto" --out "$work/by-name" --quiet > "$work/by-name.txt" 2>&1 \
  || { cat "$work/by-name.txt"; fail "external:minimal_cpp did not pass"; }
jq -e '.scenarios[0] | .writer == "external:minimal_cpp" and .outcome == "passed"
    and .events_logged > 0' "$work/by-name/results.json" >/dev/null || fail "by name: not a pass"

# 3. The same spec on a program that is no adapter errors, and the gate against the run above
#    says so: the run did go through the adapter, and the gate catches a writer that got worse.
ln -sfn /bin/true "$work/adapter"
"$check" "$spec" --out "$work/bad" --baseline "$r" "$sc/clean.textproto" \
  > "$work/bad.txt" 2>&1
rc=$?
[ $rc -eq 1 ] || { cat "$work/bad.txt"; fail "/bin/true against the baseline: exit $rc, want 1"; }
[ "$(jq -r '.scenarios[0].outcome' "$work/bad/run/results.json")" = error ] \
  || fail "/bin/true: not an error"
grep -q "clean/$spec" "$work/bad.txt" || fail "the gate does not name the scenario that got worse"
echo "ok: the clean scenarios pass against $adapter; /bin/true is an error the gate fails"
