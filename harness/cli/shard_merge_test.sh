#!/usr/bin/env bash
# Shards and merge through the tbfault binary (registered with ctest by harness/cli/CMakeLists.txt):
# a small selection run whole, then as 3 shards each chosen the way a CI system would (--shard,
# GitLab's CI_NODE_INDEX/CI_NODE_TOTAL, a Kubernetes JOB_COMPLETION_INDEX with --shard-total),
# merged: the same verdicts as the whole run. Then what merge must refuse: a missing shard, a shard
# twice, a shard of another seed, an interrupted shard, a file that is no results; and the shard
# variables that disagree.
# Usage: shard_merge_test.sh BIN_DIR SOURCE_DIR WORK_DIR. Exit 77 where /dev/fuse is absent.
set -u
bin=$1 src=$2 work=$3
[ -w /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: no jq"; exit 77; }
unset CI_NODE_INDEX CI_NODE_TOTAL JOB_COMPLETION_INDEX GTEST_SHARD_INDEX GTEST_TOTAL_SHARDS
rm -rf "$work" && mkdir -p "$work"
tbfault=$bin/tbfault
fail() { echo "FAIL: $*"; exit 1; }
sc=$src/scenarios
# 7 scenarios, quick ones: clean's 4 policies, two mutants that must show their violations, a crash.
set -- "$sc/clean.textproto" "$sc/mutants/torn-records.textproto" "$sc/mutants/fake-sync.textproto" \
  "$sc/faults/eacces-create.textproto"
run() { "$tbfault" run "$@" --quiet --jobs 2 > /dev/null 2>"$work/err"; }
lines() { wc -l < "$1"; }

run "$@" --out "$work/one"; one_rc=$?
((one_rc <= 1)) || { cat "$work/err"; fail "whole run: exit $one_rc"; }
n=$(jq '.scenarios | length' "$work/one/results.json")
((n >= 6)) || fail "whole run: $n scenarios"
run "$@" --out "$work/s0" --shard 0/3 || [ $? -eq 1 ] || fail "shard 0: $(cat "$work/err")"
CI_NODE_INDEX=2 CI_NODE_TOTAL=3 run "$@" --out "$work/s1" || [ $? -eq 1 ] \
  || fail "shard 1: $(cat "$work/err")"
JOB_COMPLETION_INDEX=2 run "$@" --out "$work/s2" --shard-total 3 || [ $? -eq 1 ] \
  || fail "shard 2: $(cat "$work/err")"
for i in 0 1 2; do
  [ "$(jq -c '.shard | [.index, .total, .selected]' "$work/s$i/results.json")" = "[$i,3,$n]" ] \
    || fail "shard $i: record $(jq -c .shard "$work/s$i/results.json")"
done

"$tbfault" merge "$work/s2/results.json" "$work/s0/results.json" "$work/s1/results.json" \
  --out "$work/merged" > "$work/merge.txt" 2>&1
merge_rc=$?
cat "$work/merge.txt"
[ $merge_rc -eq $one_rc ] || fail "merge: exit $merge_rc, the whole run's $one_rc"
# Verdicts: each scenario's outcome, and per profile whether it passed and which violation classes
# it found (the counts of lost-unacked events depend on timing; the classes do not).
verdicts() {
  jq -S '[.scenarios[] | {name, seed, writer, outcome, profiles: [.profiles[] | {profile, passed,
      classes: [.counts | to_entries[] | select(.value > 0 and .key != "lost-unacked") | .key]}]}]
      | sort_by(.name)' "$1"
}
diff <(verdicts "$work/one/results.json") <(verdicts "$work/merged/results.json") \
  || fail "merged verdicts differ from the whole run's"
[ "$(jq -c '.shard | [.index, .total, .shard_selected]' "$work/merged/results.json")" = "[0,1,$n]" ] \
  || fail "merged record"
[ "$(jq -r .shard.selection "$work/merged/results.json")" = \
  "$(jq -r .shard.selection "$work/one/results.json")" ] || fail "merged selection differs"
[ "$(grep -c '<testcase ' "$work/merged/junit.xml")" -eq $((n * 3)) ] || fail "merged JUnit"
grep -q "torn-records" "$work/merged/summary.md" || fail "merged summary"
grep -q "torn-records" "$work/merged/report.html" || fail "merged HTML report"
echo "ok: 3 shards merged = the whole run ($n scenarios, exit $one_rc)"

# An empty shard (more shards than scenarios) is a shard too: no scenario, exit 0, merged counted.
run "$@" --out "$work/empty" --shard $((n))/$((n + 1)) || fail "empty shard: $(cat "$work/err")"
[ "$(jq '.scenarios | length' "$work/empty/results.json")" = 0 ] || fail "empty shard ran something"

refused() {  # want-text, merge args...
  local want=$1
  shift
  "$tbfault" merge "$@" --out "$work/refused" > "$work/r.out" 2> "$work/r.err"
  local rc=$?
  [ $rc -eq 2 ] || fail "merge $*: exit $rc, want 2"
  [ "$(lines "$work/r.err")" -eq 1 ] || fail "merge $*: not one line: $(cat "$work/r.err")"
  grep -qF -- "$want" "$work/r.err" || fail "merge $*: want '$want', got $(cat "$work/r.err")"
  [ -e "$work/refused" ] && fail "merge $*: wrote $work/refused"
  echo "ok: refused: $(cat "$work/r.err")"
}
s0=$work/s0/results.json s1=$work/s1/results.json s2=$work/s2/results.json
refused "$s0: shard(s) 2/3 of its run are missing" "$s0" "$s1"
refused "$s1: shard 1/3 overlaps $s1" "$s0" "$s1" "$s1" "$s2"
run "$@" --out "$work/seed" --shard 1/3 --seed 99 || [ $? -eq 1 ] || fail "seed run"
refused "$work/seed/results.json: shard 1/3 is of another selection than $s0" \
  "$s0" "$work/seed/results.json" "$s2"
jq 'del(.scenarios[0])' "$s1" > "$work/cut.json"
refused "$work/cut.json: shard 1/3 holds" "$s0" "$work/cut.json" "$s2"
# An input inside --out (which merge prepares, emptying what tbfault wrote there) is refused.
"$tbfault" merge "$work/merged/results.json" --out "$work/merged" > /dev/null 2> "$work/in.err"
[ $? -eq 2 ] && grep -q "inside --out" "$work/in.err" && [ -f "$work/merged/results.json" ] \
  || fail "merge into the directory of its input: $(cat "$work/in.err")"
echo '{"schema_version": 1}' > "$work/junk.json"
refused "$work/junk.json: scenarios: missing" "$s0" "$work/junk.json"

# Shard variables that disagree with the flags: one line, exit 2, nothing run.
CI_NODE_INDEX=1 CI_NODE_TOTAL=3 "$tbfault" run "$@" --shard 1/3 --out "$work/x" > /dev/null \
  2> "$work/x.err"
rc=$?
[ $rc -eq 2 ] && [ "$(lines "$work/x.err")" -eq 1 ] \
  && grep -q "CI_NODE_INDEX/CI_NODE_TOTAL says 0/3" "$work/x.err" \
  || fail "disagreeing shard sources: exit $rc: $(cat "$work/x.err")"
[ -e "$work/x" ] && fail "disagreeing shard sources: $work/x written"
echo "ok: disagreeing sources refused: $(cat "$work/x.err")"
