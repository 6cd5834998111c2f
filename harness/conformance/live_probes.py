#!/usr/bin/env python3
"""Probes the rules that need a reader watching a run while it changes.

Usage: live_probes.py WORKDIR [--mode tb-python|tb-rust|both]

Each probe is a run whose files change in phases; after each phase the reader
reloads (tb-python: one reload cycle of TensorBoard's multiplexer; tb-rust: the
real server, polled until its answer is stable) and what it shows is printed,
one line per run, tag and phase. Deterministic apart from timing of the server.
"""

import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import probes as P  # noqa: E402
import tb_series  # noqa: E402


def append(path, chunks):
    with open(path, "ab") as f:
        for c in chunks:
            f.write(c)


def half(rec):
    return rec[: len(rec) // 2], rec[len(rec) // 2:]


# probe name -> list of phases; each phase is a function(rundir).
def older_file_grows():
    a = lambda d: os.path.join(d, P.F1)
    b = lambda d: os.path.join(d, P.F2)
    return [
        lambda d: P.write(a(d), [P.frame(P.file_version())] + P.scalars("loss", range(3))),
        lambda d: P.write(b(d), [P.frame(P.file_version())] + P.scalars("loss", range(10, 13))),
        lambda d: append(a(d), P.scalars("loss", range(3, 5))),
    ]


def truncated_then_completed():
    a = lambda d: os.path.join(d, P.F1)
    s3 = P.scalars("loss", [3])[0]
    h1, h2 = half(s3)
    return [
        lambda d: P.write(a(d), [P.frame(P.file_version())] + P.scalars("loss", range(3)) + [h1]),
        lambda d: append(a(d), [h2] + P.scalars("loss", [4])),
    ]


def truncated_older_then_completed():
    a = lambda d: os.path.join(d, P.F1)
    b = lambda d: os.path.join(d, P.F2)
    s2 = P.scalars("loss", [2])[0]
    h1, h2 = half(s2)
    return [
        lambda d: P.write(a(d), [P.frame(P.file_version())] + P.scalars("loss", range(2)) + [h1]),
        lambda d: P.write(b(d), [P.frame(P.file_version())] + P.scalars("loss", [10])),
        lambda d: append(a(d), [h2] + P.scalars("loss", [3])),
    ]


def bad_crc_then_more():
    # A data-CRC error that still parses; then more records behind it.
    a = lambda d: os.path.join(d, P.F1)
    good = P.scalar("loss", 2, 2.5)
    bad = P.frame(good, bad_data_crc=True)
    return [
        lambda d: P.write(a(d), [P.frame(P.file_version())] + P.scalars("loss", range(2)) + [bad]),
        lambda d: append(a(d), P.scalars("loss", [3])),
    ]


def empty_newer_file():
    # Another process's idle writer (or Keras's profiler) creates a file with a later name.
    a = lambda d: os.path.join(d, P.F1)
    b = lambda d: os.path.join(d, P.F2)
    return [
        lambda d: P.write(a(d), [P.frame(P.file_version())] + P.scalars("loss", range(3))),
        lambda d: P.write(b(d), []),
        lambda d: append(a(d), P.scalars("loss", range(3, 5))),
    ]


def replaced_by_rename():
    # rsync / gsutil rsync: a longer copy is written beside the file, then renamed over it.
    a = lambda d: os.path.join(d, P.F1)
    tmp = lambda d: os.path.join(d, ".tmp-copy")
    return [
        lambda d: P.write(a(d), [P.frame(P.file_version())] + P.scalars("loss", range(3))),
        lambda d: (P.write(tmp(d), [P.frame(P.file_version())] + P.scalars("loss", range(5))),
                   os.rename(tmp(d), a(d))),
    ]


def two_ranks_same_tags():
    # Every rank of a data-parallel job logs the same tags and steps into one run.
    a = lambda d: os.path.join(d, P.F1)
    b = lambda d: os.path.join(d, P.F2)
    return [
        lambda d: (P.write(a(d), [P.frame(P.file_version())] + P.scalars("loss", range(3))),
                   P.write(b(d), [P.frame(P.file_version())] + P.scalars("loss", range(3)))),
        lambda d: (append(a(d), P.scalars("loss", range(3, 5))),
                   append(b(d), P.scalars("loss", range(3, 5)))),
    ]


def resumed_at_zero():
    # A restarted job logs from step 0 again into a new file.
    a = lambda d: os.path.join(d, P.F1)
    b = lambda d: os.path.join(d, P.F2)
    return [
        lambda d: P.write(a(d), [P.frame(P.file_version())] + P.scalars("loss", range(5))),
        lambda d: P.write(b(d), [P.frame(P.file_version())] + P.scalars("loss", range(2))),
        lambda d: append(b(d), P.scalars("loss", range(2, 4))),
    ]


LIVE = {
    "older_file_grows": older_file_grows,
    "truncated_then_completed": truncated_then_completed,
    "truncated_older_then_completed": truncated_older_then_completed,
    "bad_crc_then_more": bad_crc_then_more,
    "empty_newer_file": empty_newer_file,
    "replaced_by_rename": replaced_by_rename,
    "two_ranks_same_tags": two_ranks_same_tags,
    "resumed_at_zero": resumed_at_zero,
}


def show(mode, phase, doc):
    for run, tags in doc["runs"].items():
        for tag, s in tags.items():
            steps = [p[0] for p in s["points"]]
            print("%s phase %d %s/%s steps %s" % (mode, phase, run, tag, steps))


def run_python(work):
    mux = tb_series.python_loader(work)
    errors = {}
    phases = {name: fn() for name, fn in LIVE.items()}
    for i in range(max(len(p) for p in phases.values())):
        for name, ph in phases.items():
            if i < len(ph):
                ph[i](os.path.join(work, name))
        tb_series.python_reload(mux, work, errors)
        show("tb-python", i, tb_series.python_read(mux, work))


def run_rust(work):
    srv = tb_series.Server(work, 60)
    try:
        phases = {name: fn() for name, fn in LIVE.items()}
        for i in range(max(len(p) for p in phases.values())):
            for name, ph in phases.items():
                if i < len(ph):
                    ph[i](os.path.join(work, name))
            if i == 0:
                srv.wait_ready()
            show("tb-rust", i, tb_series.settled(srv, 60, 3, "tb-rust"))
    finally:
        srv.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("workdir")
    ap.add_argument("--mode", default="both", choices=["tb-python", "tb-rust", "both"])
    a = ap.parse_args()
    for mode, fn in (("tb-python", run_python), ("tb-rust", run_rust)):
        if a.mode in (mode, "both"):
            work = os.path.abspath(os.path.join(a.workdir, mode))
            shutil.rmtree(work, ignore_errors=True)
            for name in LIVE:
                os.makedirs(os.path.join(work, name))
            fn(work)


if __name__ == "__main__":
    main()
