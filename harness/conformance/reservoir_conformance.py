#!/usr/bin/env python3
"""Which points a chart keeps: our judge's downsampled verdicts against real
TensorBoard's HTTP API, step for step (FINDINGS.md D2).

Usage: reservoir_conformance.py --chart BIN --venv DIR [--venv DIR...]
                                --work DIR --profile tb-python|tb-rust

Writes one logdir under WORK (series of 5000 and 1500 scalars, 600 histograms,
40 images and 300 texts; a SessionLog.START restart, a lone START and a step
regression without file_version; each longer than the chart keeps), then, with TensorBoard's default samples and with
--samples_per_plugin scalars=100,histograms=30,images=5,text=20, compares the steps real TensorBoard serves
(tensorboard --load_fast=true|false, over its HTTP API) with the
visible steps BIN (chart_verdicts) leaves once JudgeDownsampling has run.
Exit 0 all equal, 1 any differs, 77 (skip) without the venv or BIN.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from conformance_test import find_python, skip  # noqa: E402

WRITE = r"""
import os, sys
sys.path.insert(0, %r)
from probes import (F1, file_version, frame, histogram, image, scalar, scalars, session_start,
                    text, write)
lg = sys.argv[1]
write(os.path.join(lg, "long", F1), [frame(file_version())] + scalars("loss", range(5000)) +
      scalars("acc", range(1500)) +
      [frame(histogram("h", s, [1, s %% 7 + 1])) for s in range(600)] +
      [frame(image("img", s, 2 + s %% 5, 3)) for s in range(40)] +
      [frame(text("txt", s, "t%%d" %% s)) for s in range(300)])
# A restart: a session from 0 to 1499, then one from 700 to 1199 (other values), each opened by
# a SessionLog.START (the Python loader purges at the second: the first only starts the run).
again = [frame(scalar("r", s, s + 0.25)) for s in range(700, 1200)]
write(os.path.join(lg, "restart", F1), [frame(file_version()), frame(session_start(0))] +
      scalars("r", range(1500)) + [frame(session_start(700))] + again)
# A lone START in mid-stream: the run's first, it purges nothing in tb-python (FINDINGS D2).
write(os.path.join(lg, "lone_start", F1), [frame(file_version())] + scalars("r", range(1500)) +
      [frame(session_start(700))] + again)
# The same without file_version: tb-python purges by the tag's step regression.
write(os.path.join(lg, "regress", F1), scalars("r", range(1500)) +
      [frame(scalar("r", s, s + 0.25)) for s in range(700, 1200)])
"""

SERVE = r"""
import json, sys
sys.path.insert(0, %r)
import tb_series as t
logdir, load_fast, spec = sys.argv[1:4]
srv = t.Server(logdir, 60, load_fast, samples=spec)
try:
    srv.wait_ready()
    doc = t.settled(srv, 60, 2, "x")
    print(json.dumps({run: {tag: [s["kind"], [p[0] for p in s["points"]]]
                            for tag, s in tags.items()} for run, tags in doc["runs"].items()}))
finally:
    srv.stop()
""" % HERE


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chart", required=True)
    ap.add_argument("--venv", action="append", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--profile", required=True, choices=["tb-python", "tb-rust"])
    a = ap.parse_args()
    py = find_python(a.venv)
    if not os.access(a.chart, os.X_OK):
        skip("%s not built" % a.chart)
    logdir = os.path.join(a.work, "logdir")
    subprocess.run(["rm", "-rf", logdir], check=True)
    os.makedirs(logdir)
    subprocess.run([py, "-c", WRITE % HERE, logdir], check=True)
    load_fast = "true" if a.profile == "tb-rust" else "false"
    failed = 0
    specs = ("", "scalars=100,histograms=30,images=5,text=20")
    # Both servers at once (each on its own port): half the wall time.
    servers = [subprocess.Popen([py, "-c", SERVE, logdir, load_fast, spec],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for spec in specs]
    for spec, server in zip(specs, servers):
        label = "%s %s" % (a.profile, spec or "default samples")
        args = [a.chart, "--profile", a.profile] + (["--samples_per_plugin", spec] if spec else [])
        ours = json.loads(subprocess.run(args + [logdir], check=True, capture_output=True,
                                         text=True).stdout)
        out, err = server.communicate()
        if server.returncode != 0:
            print("%s: the server did not answer: %s" % (label, err.strip()[-300:]))
            failed += 1
            continue
        real = json.loads(out)
        name = "%s.%s.real.json" % (a.profile, "spec" if spec else "default")
        with open(os.path.join(a.work, name), "w") as f:
            json.dump(real, f)
        for run in sorted(real):
            for tag in sorted(real[run]):
                kind, got = real[run][tag][0], sorted(real[run][tag][1])
                where = "%s %s/%s (%s)" % (label, run, tag, kind)
                said = ours.get(run, {}).get(tag)
                if said is None:
                    print("%s: TensorBoard shows it, the judge has no such series" % where)
                    failed += 1
                    continue
                want = sorted(said["visible"])
                if got == want:
                    print("%s: %d shown, %d downsampled: the same steps" % (
                        where, len(got), said["downsampled"]))
                    continue
                only_real = sorted(set(got) - set(want))[:8]
                only_ours = sorted(set(want) - set(got))[:8]
                print("%s: TensorBoard shows %d, the judge leaves %d visible; only "
                      "TensorBoard: %s, only ours: %s" % (where, len(got), len(want), only_real,
                                                           only_ours))
                failed += 1
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
