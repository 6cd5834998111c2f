#!/usr/bin/env python3
"""Live conformance: our incremental profiles against real TensorBoard polling a growing logdir.

Usage: live_conformance_test.py --tbfault BIN --venv DIR [--venv DIR...] --work DIR
                                --profile tb-rust|tb-python [--probe NAME...]

The live probes of live_probes.py (files that change in phases: an older file
grows after a newer one was loaded, a torn tail completed, ...) are written
into one logdir while real TensorBoard serves it (tb-rust: the Rust data
server, `--load_fast=true`; tb-python: `--load_fast=false`; both with
`--reload_interval 1`) and `BIN series --profile P --json --cycles` follows it.
After each phase TensorBoard's HTTP API is polled until its answer has stayed
the same for two reload intervals, and our reader is fed one reload cycle.

Agreement, per probe: after every phase the series are equal (compare.py),
so a point first becomes visible in the same phase (within one reload
interval of the bytes landing) and every retraction (a point shown, then
gone: FINDINGS R1) happens in the same phase; the final series are equal.
The table of first-visible phases and retractions is printed for both.
Exit 0 agreement, 1 any disagreement, 77 (skipped) without a venv with
tensorboard or a `series --cycles` command.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77
RELOAD_S = 1  # tb_series.Server's --reload_interval.


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(SKIP)


def venv_python(venvs):
    for v in venvs:
        py = os.path.join(v, "bin", "python")
        if os.path.exists(py) and subprocess.run(
                [py, "-c", "import tensorboard, tensorboard_data_server"],
                capture_output=True).returncode == 0:
            return py
    skip("no venv with tensorboard and tensorboard-data-server among %s" % ", ".join(venvs))


def history(docs):
    """(run, tag, step) -> first phase shown, and [(run, tag, step, shown, gone)] retractions."""
    first, retracted, before = {}, [], set()
    for phase, doc in enumerate(docs):
        now = set()
        for run, tags in doc["runs"].items():
            for tag, s in tags.items():
                for p in s["points"]:
                    now.add((run, tag, p[0]))
        for k in sorted(now - before):
            first.setdefault(k, phase)
        for k in sorted(before - now):
            retracted.append(k + (first.get(k), phase))
        before = now
    return first, retracted


def steps(doc, run):
    return {tag: [p[0] for p in s["points"]] for tag, s in doc["runs"].get(run, {}).items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tbfault", required=True)
    ap.add_argument("--venv", action="append", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--profile", required=True, choices=["tb-python", "tb-rust"])
    ap.add_argument("--probe", action="append", help="only these probes (default: all)")
    a = ap.parse_args()
    py = venv_python(a.venv)
    if sys.executable != py and "TBFAULT_LIVE_REEXEC" not in os.environ:
        os.environ["TBFAULT_LIVE_REEXEC"] = "1"  # tensorboard's modules live in the venv.
        os.execv(py, [py] + sys.argv)
    if not os.access(a.tbfault, os.X_OK):
        skip("%s not built" % a.tbfault)
    r = subprocess.run([a.tbfault, "series", "--help"], capture_output=True, text=True)
    if "--cycles" not in r.stdout + r.stderr:
        skip("`tbfault series --cycles` does not exist")
    sys.path.insert(0, HERE)
    import compare  # noqa: E402
    import live_probes  # noqa: E402
    import tb_series  # noqa: E402

    names = a.probe or sorted(live_probes.LIVE)
    logdir = os.path.abspath(os.path.join(a.work, a.profile, "logdir"))
    shutil.rmtree(os.path.dirname(logdir), ignore_errors=True)
    for n in names:
        os.makedirs(os.path.join(logdir, n))
    phases = {n: live_probes.LIVE[n]() for n in names}
    ours_proc = subprocess.Popen(
        [a.tbfault, "series", "--profile", a.profile, "--json", "--cycles", logdir],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    srv = tb_series.Server(logdir, 120, "true" if a.profile == "tb-rust" else "false")
    ours_docs, real_docs = [], []
    try:
        for i in range(max(len(p) for p in phases.values())):
            for n in names:
                if i < len(phases[n]):
                    phases[n][i](os.path.join(logdir, n))
            if i == 0:
                srv.wait_ready()
            real_docs.append(tb_series.settled(srv, 120, 2 * RELOAD_S + 0.5, a.profile))
            ours_proc.stdin.write("\n")
            ours_proc.stdin.flush()
            line = ours_proc.stdout.readline()
            if not line:
                print("tbfault series --cycles ended early (exit %s)" % ours_proc.wait())
                return 1
            ours_docs.append(json.loads(line))
    finally:
        srv.stop()
        ours_proc.stdin.close()
        ours_proc.wait()

    failed = 0
    for n in names:
        ours_n = [{"runs": {n: d["runs"].get(n, {})}} for d in ours_docs[:len(phases[n])]]
        real_n = [{"runs": {n: d["runs"].get(n, {})}} for d in real_docs[:len(phases[n])]]
        for i, (o, r) in enumerate(zip(ours_n, real_n)):
            print("%s %s phase %d: ours %s real %s" % (a.profile, n, i, steps(o, n), steps(r, n)))
            for line in compare.compare(o, r):
                print("  DISAGREE phase %d: %s" % (i, line))
                failed += 1
        fo, ro = history(ours_n)
        fr, rr = history(real_n)
        late = {k: (fo.get(k), fr.get(k)) for k in set(fo) | set(fr) if fo.get(k) != fr.get(k)}
        for k, (o, r) in sorted(late.items()):
            print("  DISAGREE first visible %s: ours phase %s, real phase %s" % (k, o, r))
        failed += len(late)
        if ro != rr:
            print("  DISAGREE retractions: ours %s real %s" % (ro, rr))
            failed += 1
        by_phase = {}
        for ph in fr.values():
            by_phase[ph] = by_phase.get(ph, 0) + 1
        print("%s %s: points first visible per phase %s; retracted (run, tag, step, shown, "
              "gone) %s" % (a.profile, n, dict(sorted(by_phase.items())), rr))
    print("%s: %d probes, %d phases, %s" % (a.profile, len(names), len(real_docs),
                                            "agree" if failed == 0 else "%d disagreements" % failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
