#!/usr/bin/env python3
"""Live conformance: our incremental profiles against real TensorBoard polling a growing logdir.

Usage: live_conformance_test.py --tbfault BIN --venv DIR [--venv DIR...] --work DIR
                                --profile tb-rust|tb-python [--probe NAME...]

The live probes of live_probes.py (files that change in phases: an older file
grows after a newer one was loaded, a torn tail completed, ...) are written
into one logdir while real TensorBoard serves it (tb-rust: the Rust data
server, `--load_fast=true`; tb-python: `--load_fast=false`; both with
`--reload_interval 1`) and `BIN series --profile P --json --cycles` follows it.
After each phase our reader is fed one reload cycle, and TensorBoard's HTTP
API is polled every 0.2 s until its answer has stayed the same for two reload
intervals; when that answer was first served (after the phase's writes; for
the first phase, after the server first answered) is its lag, which must be
within one reload interval (plus a poll and a snapshot's time: LAG_BOUND_S).

Agreement, per probe: after every phase the series are equal (compare.py),
so a point first becomes visible in the same phase (within one reload
interval of the bytes landing) and every retraction (a point shown, then
gone: FINDINGS R1) happens in the same phase; the final series are equal.
The table of first-visible phases and retractions is printed for both.
Exit 0 agreement, 1 any disagreement, 77 (skipped) without a venv with
tensorboard or a `series --cycles` command.

--faultfs BIN: instead, probes whose writer keeps its file open, on a faultfs
mount with read-side faults (fusefs/README.md), read by both through the
mount: nfs_zeros (read_zeros_ms: appended bytes read as zeros for a while;
TensorBoard's data server marks the file dead though the file on disk is
intact) and gcsfuse_published (read_published: nothing until the fsync, the
rest at close). Also checks the backing store holds every step. Skipped
(77) without /dev/fuse.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from conformance_test import find_python, skip  # noqa: E402

RELOAD_S = 1  # tb_series.Server's --reload_interval.
POLL_S = 0.2  # how often TensorBoard's HTTP API is asked.
SETTLE_S = 2 * RELOAD_S + 0.5  # an answer unchanged this long is what TensorBoard shows.
# A phase's state must be served within one reload interval, plus one poll and a second of slack
# (a reload that a loaded 2-core machine slows down).
LAG_BOUND_S = RELOAD_S + POLL_S + 1.0


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


# Probes where our profiles are known to disagree with real TensorBoard (FINDINGS.md): the probe
# still runs and its disagreements are printed, but they are not counted, as long as there are
# some; once there are none the entry must go (the test fails until it does).
KNOWN = {}


def watch(tb_series, srv, t0):
    """Polls TensorBoard every POLL_S until its answer stayed the same for SETTLE_S.

    Returns the answer, when (seconds after T0) it was first served, and the distinct answers
    served in order."""
    served, since = [], None
    while True:
        asked = time.time()  # a snapshot is many requests: it is timed from its start.
        doc = tb_series.snapshot(srv)
        now = time.time()
        if not served or doc != served[-1]:
            served.append(doc)
            since = asked
        elif now - since >= SETTLE_S:
            return doc, since - t0, served
        if now - t0 > 120:
            tb_series.fail("TensorBoard's answer still changing after 120 s")
        time.sleep(POLL_S)


def steps(doc, run):
    return {tag: [p[0] for p in s["points"]] for tag, s in doc["runs"].get(run, {}).items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tbfault", required=True)
    ap.add_argument("--venv", action="append", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--profile", required=True, choices=["tb-python", "tb-rust"])
    ap.add_argument("--probe", action="append", help="only these probes (default: all)")
    ap.add_argument("--faultfs", help="instead: the read-side fault probes on a faultfs mount")
    a = ap.parse_args()
    py = find_python(a.venv)
    if sys.executable != py and "TBFAULT_LIVE_REEXEC" not in os.environ:
        os.environ["TBFAULT_LIVE_REEXEC"] = "1"  # tensorboard's modules live in the venv.
        os.execv(py, [py] + sys.argv)
    if not os.access(a.tbfault, os.X_OK):
        skip("%s not built" % a.tbfault)
    r = subprocess.run([a.tbfault, "series", "--help"], capture_output=True, text=True)
    if "--cycles" not in r.stdout + r.stderr:
        skip("`tbfault series --cycles` does not exist")
    import compare  # noqa: E402
    import live_probes  # noqa: E402
    import tb_series  # noqa: E402

    if a.faultfs:
        return run_on_faultfs(a, compare, tb_series)
    names = a.probe or sorted(live_probes.LIVE)
    logdir = os.path.abspath(os.path.join(a.work, a.profile, "logdir"))
    shutil.rmtree(os.path.dirname(logdir), ignore_errors=True)
    for n in names:
        os.makedirs(os.path.join(logdir, n))
    return run_live(a, compare, tb_series, logdir, {n: live_probes.LIVE[n]() for n in names})


def run_live(a, compare, tb_series, logdir, phases):
    """Writes PHASES (probe -> [function(rundir)]) while both readers follow LOGDIR; compares."""
    names = sorted(phases)
    ours_proc = subprocess.Popen(
        [a.tbfault, "series", "--profile", a.profile, "--json", "--cycles", logdir],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    srv = tb_series.Server(logdir, 120, "true" if a.profile == "tb-rust" else "false")
    ours_docs, real_docs, lags, late_phases = [], [], [], 0
    try:
        for i in range(max(len(p) for p in phases.values())):
            for n in names:
                if i < len(phases[n]):
                    phases[n][i](os.path.join(logdir, n))
            if i == 0:
                srv.wait_ready()
            t0 = time.time()
            # Ours first: a read-side fault's window (faultfs read_zeros_ms) is open right after
            # the phase's writes, and TensorBoard polls within one reload interval of them.
            ours_proc.stdin.write("\n")
            ours_proc.stdin.flush()
            line = ours_proc.stdout.readline()
            if not line:
                print("tbfault series --cycles ended early (exit %s)" % ours_proc.wait())
                return 1
            ours_docs.append(json.loads(line))
            doc, lag, served = watch(tb_series, srv, t0)
            real_docs.append(doc)
            lags.append(lag)
            print("%s phase %d: TensorBoard served %d distinct answer(s), the last from %.2f s "
                  "after the writes" % (a.profile, i, len(served), lag))
            if lag > LAG_BOUND_S:
                print("  DISAGREE phase %d: TensorBoard showed it %.2f s after the writes, more "
                      "than %.1f s" % (i, lag, LAG_BOUND_S))
                late_phases += 1
    finally:
        srv.stop()
        ours_proc.stdin.close()
        ours_proc.wait()

    failed = late_phases
    for n in names:
        ours_n = [{"runs": {n: d["runs"].get(n, {})}} for d in ours_docs[:len(phases[n])]]
        real_n = [{"runs": {n: d["runs"].get(n, {})}} for d in real_docs[:len(phases[n])]]
        word = "KNOWN (%s)" % KNOWN[n] if n in KNOWN else "DISAGREE"
        disagree = 0
        for i, (o, r) in enumerate(zip(ours_n, real_n)):
            print("%s %s phase %d: ours %s real %s" % (a.profile, n, i, steps(o, n), steps(r, n)))
            for line in compare.compare(o, r):
                print("  %s phase %d: %s" % (word, i, line))
                disagree += 1
        fo, ro = history(ours_n)
        fr, rr = history(real_n)
        late = {k: (fo.get(k), fr.get(k)) for k in set(fo) | set(fr) if fo.get(k) != fr.get(k)}
        for k, (o, r) in sorted(late.items()):
            print("  %s first visible %s: ours phase %s, real phase %s" % (word, k, o, r))
        disagree += len(late)
        if ro != rr:
            print("  %s retractions: ours %s real %s" % (word, ro, rr))
            disagree += 1
        if n not in KNOWN:
            failed += disagree
        elif disagree == 0:
            print("  FIXED: %s agrees now; remove it from KNOWN" % n)
            failed += 1
        by_phase = {}
        for ph in fr.values():
            by_phase[ph] = by_phase.get(ph, 0) + 1
        print("%s %s: points first visible per phase %s; retracted (run, tag, step, shown, "
              "gone) %s" % (a.profile, n, dict(sorted(by_phase.items())), rr))
    print("%s: %d probes, %d phases, TensorBoard's lag per phase %s s, %s" % (
        a.profile, len(names), len(real_docs), ["%.2f" % x for x in lags],
        ("agree" if failed == 0 else "%d disagreements" % failed) +
        ("" if not set(KNOWN) & set(names) else " (known: %s)" % sorted(set(KNOWN) & set(names)))))
    return 1 if failed else 0


# ------------------------------------------------- read-side faults (faultfs)
ZEROS_MS = 5000
READ_RULES = (
    # NFS: reads past the last fsync/close are zeros for a while after each write.
    'rule { ops: "read" path: "/nfs_zeros/*" effect { read_zeros_ms: %d } }\n'
    # gcsfuse: readers see a file only up to its last fsync or close.
    'rule { ops: ["read", "getattr", "lookup"] path: "/gcsfuse_published/*" '
    "effect { read_published: true } }\n" % ZEROS_MS)


def faultfs_probes(P):
    """Probes whose writer keeps its file open between phases, on a faultfs mount."""
    held = {}

    def open_write(d, chunks, mode="wb"):
        f = held[d] = open(os.path.join(d, P.F1), mode, buffering=0)
        for c in chunks:
            f.write(c)

    def fsync(d):
        os.fsync(held[d].fileno())

    def close(d):
        held.pop(d).close()

    nfs = [
        lambda d: P.write(os.path.join(d, P.F1),
                          [P.frame(P.file_version())] + P.scalars("loss", range(3))),
        # 3-5 appended, not yet landed: a reader within the window reads zeros past step 2.
        lambda d: open_write(d, P.scalars("loss", range(3, 6)), "ab"),
        close,  # the bytes land; the file on disk was intact all along.
    ]
    published = [
        lambda d: open_write(d, [P.frame(P.file_version())] + P.scalars("loss", range(3))),
        fsync,
        lambda d: [held[d].write(c) for c in P.scalars("loss", range(3, 6))],
        close,
    ]
    return {"nfs_zeros": nfs, "gcsfuse_published": published}, held


def run_on_faultfs(a, compare, tb_series):
    """The probes of faultfs_probes(), the logdir a faultfs mount with READ_RULES."""
    import signal
    import tempfile

    import probes as P  # noqa: E402

    if not os.access(a.faultfs, os.X_OK):
        skip("%s not built" % a.faultfs)
    if not os.access("/dev/fuse", os.W_OK):
        skip("no /dev/fuse: the faultfs probes cannot mount")
    root = tempfile.mkdtemp(prefix="tbfault-live-")  # 0700: nobody else reaches the mount.
    backing, mnt = os.path.join(root, "backing"), os.path.join(root, "mnt")
    os.makedirs(backing)
    os.makedirs(mnt)
    phases, held = faultfs_probes(P)
    for n in phases:
        os.makedirs(os.path.join(backing, n))
    with open(os.path.join(root, "rules"), "w") as f:
        f.write(READ_RULES)
    log = open(os.path.join(root, "faultfs.log"), "w")
    fs = subprocess.Popen([a.faultfs, "--backing", backing, "--mount", mnt, "--control",
                           os.path.join(root, "control.sock"), "--rules",
                           os.path.join(root, "rules"), "-f"], stdout=log, stderr=log)

    def mounted():
        with open("/proc/mounts") as m:
            return any(line.split()[1] == mnt for line in m)

    try:
        deadline = time.time() + 20
        while not mounted():
            if fs.poll() is not None or time.time() > deadline:
                print("faultfs did not mount (exit %s)" % fs.poll())
                return 1
            time.sleep(0.1)
        failed = run_live(a, compare, tb_series, mnt, phases)
        for f in held.values():
            f.close()
        # The disk was intact all along: strict reading of the backing store shows every step.
        r = subprocess.run([a.tbfault, "series", "--profile", "strict", "--json", backing],
                           capture_output=True, text=True)
        on_disk = json.loads(r.stdout) if r.returncode == 0 else {"runs": {}}
        for n in phases:
            got = steps(on_disk, n).get("loss")
            print("%s on disk (strict, backing store): %s" % (n, got))
            if got != list(range(6)):
                print("  DISAGREE on disk: expected steps 0-5")
                failed += 1
        return failed
    finally:
        if fs.poll() is None:
            fs.send_signal(signal.SIGTERM)  # faultfs unmounts and exits 0.
            try:
                fs.wait(15)
            except subprocess.TimeoutExpired:
                fs.kill()
                fs.wait()
        if mounted():
            subprocess.run(["fusermount3", "-u", mnt])
        if mounted():
            subprocess.run(["fusermount3", "-uz", mnt])
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
