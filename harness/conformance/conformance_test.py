#!/usr/bin/env python3
"""The conformance test: our reader profiles against real TensorBoard.

Usage: conformance_test.py --tbfault BIN --venv DIR [--venv DIR...] --work DIR
                           [--profile P...] [--ground-truth] [LOGDIR...]

For each profile (tb-python, tb-rust) and each LOGDIR (the probe logdir,
written by probes.py under WORK, and any LOGDIR given), runs `BIN series --profile P --json
LOGDIR` and tb_series.py --mode P LOGDIR, and compares them with compare.py.
Every run of a LOGDIR is compared at once, so real TensorBoard's server is
started once per LOGDIR and profile. Exit 0 all equal, 1 any disagreement,
77 (ctest's SKIP_RETURN_CODE) when the venv with tensorboard or the `series`
command is missing, with the reason on stdout.

--ground-truth: instead, compares real TensorBoard on the probe logdir with
expected/<profile>.json (what FINDINGS.md records); a difference means the
installed TensorBoard behaves differently from the one the findings were
measured with. Needs only the venv.
"""

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(SKIP)


def find_python(venvs):
    for v in venvs:
        py = os.path.join(v, "bin", "python")
        if os.path.exists(py) and subprocess.run(
                [py, "-c", "import tensorboard, tensorboard_data_server"],
                capture_output=True).returncode == 0:
            return py
    skip("no venv with tensorboard and tensorboard-data-server among %s "
         "(tools/setup.sh creates build/venv from PyPI)" % ", ".join(venvs))


def has_series(tbfault):
    if not os.access(tbfault, os.X_OK):
        skip("%s not built" % tbfault)
    r = subprocess.run([tbfault, "series", "--help"], capture_output=True, text=True)
    if r.returncode != 0:
        skip("`tbfault series` does not exist yet (%s exited %d: %s)" % (
            tbfault, r.returncode, (r.stderr or r.stdout).strip().splitlines()[:1]))


def ground_truth(py, probes, work, profiles):
    failed = 0
    for profile in profiles:
        real = os.path.join(work, "%s.probes.real.json" % profile)
        with open(real, "w") as f:
            r = subprocess.run([py, os.path.join(HERE, "tb_series.py"), "--mode", profile,
                                probes], stdout=f, stderr=subprocess.DEVNULL)
        if r.returncode != 0:
            print("%s: tb_series.py exited %d" % (profile, r.returncode))
            failed += 1
            continue
        expected = os.path.join(HERE, "expected", profile + ".json")
        r = subprocess.run([py, os.path.join(HERE, "compare.py"), expected, real,
                            "--label", "%s ground truth (expected vs installed)" % profile])
        failed += r.returncode != 0
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tbfault", required=True)
    ap.add_argument("--venv", action="append", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--profile", action="append", choices=["tb-python", "tb-rust"])
    ap.add_argument("--ground-truth", action="store_true")
    ap.add_argument("logdirs", nargs="*")
    a = ap.parse_args()
    py = find_python(a.venv)
    os.makedirs(a.work, exist_ok=True)
    probes = os.path.join(a.work, "probes")
    subprocess.run([py, os.path.join(HERE, "probes.py"), probes], check=True,
                   stdout=subprocess.DEVNULL)
    if a.ground_truth:
        sys.exit(ground_truth(py, probes, a.work, a.profile or ["tb-python", "tb-rust"]))
    has_series(a.tbfault)
    logdirs = [probes] + a.logdirs
    failed = 0
    for profile in a.profile or ["tb-python", "tb-rust"]:
        for i, logdir in enumerate(logdirs):
            label = "%s %s" % (profile, logdir)
            ours = os.path.join(a.work, "%s.%d.ours.json" % (profile, i))
            real = os.path.join(a.work, "%s.%d.real.json" % (profile, i))
            t0 = time.time()
            with open(ours, "w") as f:
                r = subprocess.run([a.tbfault, "series", "--profile", profile, "--json",
                                    logdir], stdout=f)
            if r.returncode != 0:
                print("%s: tbfault series exited %d" % (label, r.returncode))
                failed += 1
                continue
            with open(real, "w") as f:
                r = subprocess.run([py, os.path.join(HERE, "tb_series.py"), "--mode",
                                    profile, logdir], stdout=f)
            if r.returncode != 0:
                print("%s: tb_series.py exited %d" % (label, r.returncode))
                failed += 1
                continue
            r = subprocess.run([py, os.path.join(HERE, "compare.py"), ours, real,
                                "--label", label])
            print("%s: %.1fs" % (label, time.time() - t0))
            failed += r.returncode != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
