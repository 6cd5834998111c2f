#!/usr/bin/env bash
# Real TensorBoard as the judge of the whole suite's outputs (issue 8): `collect` runs every
# scenario of scenarios/, and the fault scenarios again with TensorFlow's own writers
# (--writer tensorflow and tensorflow-v1, where PYTHON imports tensorflow; else a SKIP line says
# so), and copies each scenario's logdir into one logdir (real TensorBoard is started once per
# logdir and profile); `compare PROFILE` runs conformance_test.py on it.
# `tf-misuse` runs scenarios/misuse/tf-* (the seed's causes with the real TF writer) and fails
# unless every one meets its expectations.
# Usage: suite_conformance.sh collect BIN_DIR SOURCE_DIR WORK [PYTHON]
#        suite_conformance.sh compare PROFILE BIN_DIR SOURCE_DIR WORK VENV...
#        suite_conformance.sh tf-misuse BIN_DIR SOURCE_DIR WORK PYTHON
# Exit 77 (skipped) without /dev/fuse (no suite to judge), or when `collect` did not run.
set -u
what=$1
shift
case $what in
collect)
  bin=$1 src=$2 work=$3 python=${4:-}
  rm -rf "$work"
  mkdir -p "$work"
  [ -w /dev/fuse ] || { echo "SKIP: no /dev/fuse: the suite cannot run, nothing to judge"; exit 77; }
  # scenarios/scale (1e6 events) is left out: real TensorBoard's servers take minutes on it.
  "$bin/tbfault" run $(ls -d "$src"/scenarios/* | grep -v '/scale$') --jobs 2 --out "$work/out" --quiet >"$work/run.txt" 2>&1
  rc=$?
  tail -1 "$work/run.txt"
  [ $rc -le 1 ] || { cat "$work/run.txt"; exit 1; }  # failed verdicts are suite.quick's business.
  if [ -n "$python" ] && "$python" -c 'import tensorflow' >/dev/null 2>&1; then
    for writer in tensorflow tensorflow-v1; do
      "$bin/tbfault" run "$src/scenarios/faults" --filter label:quick --writer "$writer" --jobs 2 \
        --out "$work/out/by-$writer" --quiet >"$work/run-$writer.txt" 2>&1
      rc=$?
      echo "$writer: $(tail -1 "$work/run-$writer.txt")"
      [ $rc -le 1 ] || { cat "$work/run-$writer.txt"; exit 1; }
    done
  else
    echo "SKIP: ${python:-no python given} cannot import tensorflow: no TF-written logdirs judged"
  fi
  mkdir -p "$work/all"
  (cd "$work/out" && find . -type d -name logdir) | while read -r d; do
    name=$(dirname "$d" | sed 's|^\./||; s|/|~|g')
    cp -r "$work/out/$d" "$work/all/$name"
  done
  echo "collected $(ls "$work/all" | wc -l) scenario logdirs"
  ;;
compare)
  profile=$1 bin=$2 src=$3 work=$4
  shift 4
  [ -d "$work/all" ] || { echo "SKIP: no suite logdirs (collect was skipped)"; exit 77; }
  venvs=()
  for v in "$@"; do venvs+=(--venv "$v"); done
  exec python3 "$src/harness/conformance/conformance_test.py" --tbfault "$bin/tbfault" \
    "${venvs[@]}" --work "$work/work-$profile" --profile "$profile" "$work/all"
  ;;
tf-misuse)
  bin=$1 src=$2 work=$3 python=$4
  [ -w /dev/fuse ] || { echo "SKIP: no /dev/fuse: the scenarios cannot run"; exit 77; }
  "$python" -c 'import tensorflow' >/dev/null 2>&1 ||
    { echo "SKIP: $python cannot import tensorflow (run tools/setup.sh)"; exit 77; }
  rm -rf "$work"
  exec "$bin/tbfault" run "$src/scenarios/misuse" --filter 'tf-*' --jobs 2 --out "$work" --quiet
  ;;
*) echo "usage: suite_conformance.sh collect|compare|tf-misuse ..."; exit 2 ;;
esac
