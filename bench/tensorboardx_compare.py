#!/usr/bin/env python3
"""Side by side in one run: tensorboardX's SummaryWriter against tbfault's tensorboardx-like preset
(queue 10, background thread, flush every 120 s, fsync on flush), the same synthetic load to the same
file system. Repeats each REPEATS times alternately and prints medians and the ratio as JSON.

    build/venv/bin/python bench/tensorboardx_compare.py [--events N] [--repeats R] [--dir D]
"""
import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def tensorboardx_rate(logdir, events, tags):
    from tensorboardX import SummaryWriter
    w = SummaryWriter(logdir=logdir)
    start = time.perf_counter()
    for i in range(events):
        w.add_scalar(f"synthetic/scalar_{i % tags}", math.sin(0.001 * i), i // tags)
    w.close()
    return events / (time.perf_counter() - start)


def tbfault_rate(tbfault, logdir, events, tags, policy):
    out = subprocess.run([tbfault, "write", "--logdir", logdir, "--policy", policy,
                          "--scalars", str(events), "--tags", str(tags)],
                         check=True, capture_output=True, text=True).stdout
    return float(re.search(r"([0-9.]+) events/s", out).group(1))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=20000)
    p.add_argument("--tags", type=int, default=10)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--dir", default="/dev/shm")
    p.add_argument("--tbfault", default=os.path.join(os.path.dirname(__file__), "..", "build",
                                                     "bin", "tbfault"))
    a = p.parse_args()
    try:
        import tensorboardX  # noqa: F401
    except ImportError:
        print("tensorboardx_compare: tensorboardX is not installed (run tools/setup.sh)",
              file=sys.stderr)
        return 2
    tbx, ours = [], []
    for _ in range(a.repeats):
        d = tempfile.mkdtemp(dir=a.dir)
        try:
            tbx.append(tensorboardx_rate(os.path.join(d, "tbx"), a.events, a.tags))
            ours.append(tbfault_rate(a.tbfault, os.path.join(d, "ours"), a.events, a.tags,
                                     "tensorboardx-like"))
        finally:
            shutil.rmtree(d)
    result = {
        "events": a.events,
        "repeats": a.repeats,
        "tensorboardx_events_per_s_median": statistics.median(tbx),
        "tbfault_tensorboardx_like_events_per_s_median": statistics.median(ours),
        "ratio": statistics.median(ours) / statistics.median(tbx),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
