#!/usr/bin/env python3
"""Issue 17's reader rules, ours against real TensorBoard (the ctest driver).

Usage: rules_conformance.py --tbfault BIN --venv DIR [--venv DIR...] --work DIR
                            --profile P

Writes rules_probes.py's logdirs under WORK and, for each, compares
`BIN series --profile P --json LOGDIR` with tb_series.py --mode P LOGDIR
(compare.py). Where real TensorBoard is known to do what we do not model, the
logdir names a check of that measured behaviour instead (KNOWN below), so the
finding stays proven. Exit 0 all hold, 1 any does not, 77 (skip) without the
venv or the `series` command.
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from conformance_test import find_python, has_series  # noqa: E402


def python_cycle_misread(ours, real):
    """FINDINGS L2: the Python loader walks a link cycle again on every turn
    until the kernel's ELOOP (40 links). Depending on the order the walk meets
    the links, it either lists every run below the cycle again, ~40 deep
    (real/loop/real, ...), or meets an ELOOP while listing, an error its walk
    does not catch, and shows no run at all. Ours enters a cycle once, as
    rustboard does. tb_series.py's tb-python mode lets the error through
    (exit 1), so the real server over HTTP (--load_fast=false) is asked."""
    if not ours["runs"]:
        return "ours shows no run"
    if not real["runs"]:
        return None  # the walk failed
    deep = [r for r in real["runs"] if "/loop/" in r or "/self/" in r]
    if len(deep) < 10:
        return "tb-python showed %d runs through the cycle, FINDINGS L2 says ~40" % len(deep)
    missing = set(ours["runs"]) - set(real["runs"])
    if missing:
        return "ours shows runs tb-python does not: %s" % sorted(missing)
    return None


# (logdir, profile) -> (tb_series.py mode, a check of the measured difference instead of equality).
KNOWN = {("symlink_cycle", "tb-python"): ("tb-python-http", python_cycle_misread),
         ("symlink_cycles", "tb-python"): ("tb-python-http", python_cycle_misread)}


def hparams_columns(py, mode, logdir):
    """The real hparams dashboard's columns: (hparam names, metric tags)."""
    code = r"""
import json, sys, time, urllib.request
sys.path.insert(0, %r)
import tb_series as t
srv = t.Server(%r, 60, %r)
try:
    srv.wait_ready()
    def ask():
        req = urllib.request.Request(srv.base + "/data/plugin/hparams/experiment",
                                     data=b'{"experimentName": ""}',
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            e = json.loads(r.read())
        return [sorted(h["name"] for h in e.get("hparamInfos", [])),
                sorted(m["name"]["tag"] for m in e.get("metricInfos", []))]
    # Both runs' series listed (every run loaded), then the answer stable for 3 s.
    deadline = time.time() + 60
    while time.time() < deadline:
        tags = srv.get("/data/plugin/scalars/tags")
        if sum(1 for r in tags if "/" in r) >= 2:
            break
        time.sleep(0.5)
    last = None
    while time.time() < deadline:
        now = ask()
        if now == last:
            break
        last = now
        time.sleep(3)
    print(json.dumps(last))
finally:
    srv.stop()
""" % (HERE, logdir, "true" if mode == "tb-rust" else "false")
    r = subprocess.run([py, "-c", code], capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else None


def check_hparams(tbfault, py, profile, logdir):
    """FINDINGS H1: the Python loader's hparams columns are the first session's;
    rustboard's are one session's, which one varies from start to start. Our doctor's hparams-schema finding must name
    exactly what the Python loader leaves out."""
    real = hparams_columns(py, profile, logdir)
    if real is None:
        return "the hparams API did not answer"
    doc = json.loads(subprocess.run([tbfault, "doctor", "--json", logdir], capture_output=True,
                                    text=True).stdout)
    f = [x for x in doc["findings"] if x["kind"] == "hparams-schema"]
    if len(f) != 1:
        return "doctor: %d hparams-schema findings, expected 1" % len(f)
    said = f[0]["summary"]
    if profile == "tb-python":
        if real != [["lr"], ["hparam/acc"]]:
            return "tb-python columns %s, FINDINGS H1 says the first session's" % real
        if "hparams batch" not in said or "metrics hparam/f1" not in said:
            return "doctor does not name batch and hparam/f1: %s" % said
    else:
        if real not in ([["lr"], ["hparam/acc"]], [["batch", "lr"], ["hparam/acc", "hparam/f1"]]):
            return "tb-rust columns %s, FINDINGS H1 says one session's" % real
        if "which one varies from start to start" not in said:
            return "doctor does not say what tb-rust does: %s" % said
    return None


def default_counts(py, mode, logdir):
    """Points per tag the real server shows with its default --samples_per_plugin,
    and whether the last step is among them: {tag: [count, last_kept]}."""
    code = r"""
import json, sys
sys.path.insert(0, %r)
import tb_series as t
srv = t.Server(%r, 60, "%s", samples="")
try:
    srv.wait_ready()
    doc = t.settled(srv, 60, 3, "x")
    print(json.dumps({tag: s["points"] for tag, s in doc["runs"]["run"].items()}))
finally:
    srv.stop()
""" % (HERE, logdir, "true" if mode == "tb-rust" else "false")
    r = subprocess.run([py, "-c", code], capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else None


def check_downsample(tbfault, py, profile, logdir, ours):
    """FINDINGS D1: the chart keeps at most the default count per plugin, the
    last point always; our doctor's downsampled findings say the same counts."""
    real = default_counts(py, profile, logdir)
    if real is None:
        return "the server did not answer"
    doc = json.loads(subprocess.run([tbfault, "doctor", "--json", logdir], capture_output=True,
                                    text=True).stdout)
    said = {}
    for f in doc["runs"][0]["findings"]:
        if f["kind"] == "downsampled" and profile in f["profiles"]:
            said[f["tags"][0]] = int(f["summary"].split(" ")[0])
    all_points = ours["runs"]["run"]
    for tag, pts in real.items():
        m = len(all_points[tag]["points"])
        shown = said.get(tag, m)
        if len(pts) != shown:
            return "%s: TensorBoard shows %d of %d, our doctor says %d" % (tag, len(pts), m, shown)
        if pts[-1][0] != all_points[tag]["points"][-1][0]:
            return "%s: the last point is not kept" % tag
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tbfault", required=True)
    ap.add_argument("--venv", action="append", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--profile", required=True, choices=["tb-python", "tb-rust"])
    a = ap.parse_args()
    py = find_python(a.venv)
    has_series(a.tbfault)
    probes = os.path.join(a.work, "rules")
    os.makedirs(probes, exist_ok=True)
    listed = subprocess.run([py, os.path.join(HERE, "rules_probes.py"), probes], check=True,
                            stdout=subprocess.PIPE, text=True).stdout
    failed = 0
    for name, rel in (line.split("\t") for line in listed.splitlines()):
        logdir = os.path.normpath(os.path.join(probes, name, rel))
        label = "%s %s" % (a.profile, name)
        ours = os.path.join(a.work, "%s.%s.ours.json" % (a.profile, name))
        real = os.path.join(a.work, "%s.%s.real.json" % (a.profile, name))
        with open(ours, "w") as f:
            r1 = subprocess.run([a.tbfault, "series", "--profile", a.profile, "--json", logdir],
                                stdout=f)
        mode, check = KNOWN.get((name, a.profile), (a.profile, None))
        with open(real, "w") as f:
            r2 = subprocess.run([py, os.path.join(HERE, "tb_series.py"), "--mode", mode,
                                 logdir], stdout=f, stderr=subprocess.DEVNULL)
        if r1.returncode or r2.returncode:
            print("%s: tbfault series exited %d, tb_series.py %d" % (label, r1.returncode,
                                                                   r2.returncode))
            failed += 1
            continue
        if check:
            with open(ours) as f1, open(real) as f2:
                why = check(json.load(f1), json.load(f2))
            print("%s: %s" % (label, why or "measured difference holds (%s)" % check.__name__))
            failed += why is not None
            continue
        if name != "downsample":  # there the chart's own limits apply: counted below instead
            r = subprocess.run([py, os.path.join(HERE, "compare.py"), ours, real,
                                "--label", label])
            failed += r.returncode != 0
        if name == "downsample":
            with open(ours) as f1:
                why = check_downsample(a.tbfault, py, a.profile, logdir, json.load(f1))
            print("%s: default samples: %s" % (label, why or "as FINDINGS D1 says"))
            failed += why is not None
        if name == "hparams":
            why = check_hparams(a.tbfault, py, a.profile, logdir)
            print("%s: hparams columns: %s" % (label, why or "as FINDINGS H1 says"))
            failed += why is not None
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
