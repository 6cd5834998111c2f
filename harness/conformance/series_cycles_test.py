#!/usr/bin/env python3
"""`tbfault series --cycles` on its own (no TensorBoard needed): readers kept across cycles.

Usage: series_cycles_test.py --tbfault BIN --work DIR

Records cut from a file that `tbfault write` made are laid out as FINDINGS R1
(an older file grows after a newer one was loaded), one phase per reload
cycle: tb-rust must evict the newer file's steps 3,4 for good (0-3), while
one cycle over the final files shows 0-4; tb-python abandons the older file
once the newer exists (0-4), while one cycle shows both files' 3 (0-3,3,4). The text form ends each cycle with a line `END
cycle`; an unreadable logdir is one line and exit 2. Exit 0 pass, 1 fail.
"""

import argparse
import json
import os
import shutil
import struct
import subprocess
import sys

F1 = "events.out.tfevents.1000000000.probe.1.0"
F2 = "events.out.tfevents.1000000100.probe.1.0"


def records(path):
    """The file's records, framing and CRCs as written."""
    data, out, off = open(path, "rb").read(), [], 0
    while off < len(data):
        (n,) = struct.unpack("<Q", data[off:off + 8])
        out.append(data[off:off + 12 + n + 4])
        off += 12 + n + 4
    return out


def put(path, mode, recs):
    with open(path, mode) as f:
        f.write(b"".join(recs))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tbfault", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    src = os.path.join(a.work, "src", "run")
    subprocess.run([a.tbfault, "write", "--logdir", src, "--policy", "every-event", "--scalars",
                    "5", "--tags", "1"], check=True, stdout=subprocess.DEVNULL)
    (made,) = os.listdir(src)
    r = records(os.path.join(src, made))
    assert len(r) == 6, "expected a header and 5 scalars, got %d records" % len(r)
    failed = 0

    def check(what, got, want):
        nonlocal failed
        ok = got == want
        failed += not ok
        print("%s %s: %s%s" % ("ok  " if ok else "FAIL", what, got, "" if ok else " want %s" % want))

    # profile: (after the last cycle, one cycle over the final files).
    for profile, (final, once_want) in (("tb-rust", ([0, 1, 2, 3], [0, 1, 2, 3, 4])),
                                        ("tb-python", ([0, 1, 2, 3, 4], [0, 1, 2, 3, 3, 4]))):
        logdir = os.path.join(a.work, profile)
        run = os.path.join(logdir, "run")
        os.makedirs(run)
        phases = [
            lambda: put(os.path.join(run, F1), "wb", r[0:4]),  # steps 0-2
            lambda: put(os.path.join(run, F2), "wb", [r[0], r[4], r[5]]),  # 3, 4
            lambda: put(os.path.join(run, F1), "ab", [r[4]]),  # the older file gains 3
        ]
        want = [[0, 1, 2], [0, 1, 2, 3, 4], final]
        p = subprocess.Popen([a.tbfault, "series", "--profile", profile, "--json", "--cycles",
                              logdir], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for i, phase in enumerate(phases):
            phase()
            p.stdin.write("\n")
            p.stdin.flush()
            doc = json.loads(p.stdout.readline() or "{}")
            pts = doc.get("runs", {}).get("run", {}).get("synthetic/scalar_0", {}).get("points")
            check("%s cycle %d" % (profile, i), [x[0] for x in pts or []], want[i])
        p.stdin.close()
        check("%s exit at the end of stdin" % profile, p.wait(), 0)
        once = json.loads(subprocess.run([a.tbfault, "series", "--profile", profile, "--json",
                                          logdir], capture_output=True, text=True).stdout)
        check("%s one cycle over the final files" % profile,
              [x[0] for x in once["runs"]["run"]["synthetic/scalar_0"]["points"]], once_want)

    text = subprocess.run([a.tbfault, "series", "--profile", "strict", "--cycles",
                           os.path.join(a.work, "tb-rust")], input="\n\n", capture_output=True,
                          text=True)
    check("text form: END lines", text.stdout.count("END cycle\n"), 2)
    bad = subprocess.run([a.tbfault, "series", "--profile", "strict", "--cycles",
                          os.path.join(a.work, "missing")], input="\n", capture_output=True,
                         text=True)
    check("a missing logdir: exit", bad.returncode, 2)
    check("a missing logdir: one line naming it",
          bad.stderr.count("\n") == 1 and "missing" in bad.stderr, True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
