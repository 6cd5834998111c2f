#!/usr/bin/env python3
"""Writes the probe logdirs of the reader rules of issue 17 (FINDINGS.md L1-L2, ...).

Usage: rules_probes.py OUTDIR      (OUTDIR is emptied and rewritten)

Each logdir is a directory of OUTDIR judged on its own (real TensorBoard is
started once per logdir):
  symlinks/logdir   runs reached through symbolic links: a linked run, a linked
                    tree, a linked event file, a dangling link (FINDINGS L1)
  symlink_cycle     a run with a link back to the logdir, and a second name
                    for the run (FINDINGS L2)
  symlink_cycles    the same and a link of the run to itself (FINDINGS L2)
  mixed_steps       a tag fed by two step counters in one file, and a resumed
                    run (FINDINGS M2)
  hparams           two tensorboardX add_hparams sessions, the second adding an
                    hparam and a metric (FINDINGS H1)
  downsample        series longer than TensorBoard's default samples (FINDINGS D1)
  mutants           what the mutants oversized-length and purge-step-ignored
                    write: a frame whose length claims more than was written, a
                    large record, and restarts with a SessionLog.START at the
                    resume step and at step 0 (FINDINGS O1, O2, Q1)
Records are framed by probes.py's helpers; values are step + 0.5.
"""

import os
import shutil
import sys

from probes import F1, file_version, frame, scalars, write


def symlinks(out):
    lg, ext = os.path.join(out, "logdir"), os.path.join(out, "elsewhere")
    write(os.path.join(lg, "real", F1), [frame(file_version())] + scalars("loss", range(2)))
    write(os.path.join(ext, "runA", F1), [frame(file_version())] + scalars("loss", range(3)))
    write(os.path.join(ext, "tree", "runB", F1), [frame(file_version())] + scalars("loss", range(4)))
    write(os.path.join(ext, "files", F1), [frame(file_version())] + scalars("loss", range(5)))
    os.symlink(os.path.join(ext, "runA"), os.path.join(lg, "linked_run"))
    os.symlink(os.path.join(ext, "tree"), os.path.join(lg, "linked_tree"))
    os.makedirs(os.path.join(lg, "filelink"))
    os.symlink(os.path.join(ext, "files", F1), os.path.join(lg, "filelink", F1))
    os.symlink(os.path.join(out, "nonexistent"), os.path.join(lg, "dangling"))


def symlink_cycle(lg):
    write(os.path.join(lg, "real", F1), [frame(file_version())] + scalars("loss", range(2)))
    os.symlink("..", os.path.join(lg, "real", "loop"))
    os.symlink(os.path.join(lg, "real"), os.path.join(lg, "again"))


def symlink_cycles(lg):
    symlink_cycle(lg)
    os.symlink(".", os.path.join(lg, "real", "self"))


def mixed_steps(lg):
    """One tag fed by two step counters in one file (file_version, no
    SessionLog): a global step 0..500 and then an epoch counter at 2; a second
    run resumes at 200 in a new file. tb-rust evicts 300..500 in both, tb-python
    keeps both histories (FINDINGS P3); the doctor tells them apart (FINDINGS M2)."""
    from probes import F2, scalar
    recs = [frame(file_version())] + [frame(scalar("loss", s * 100, s + 0.5)) for s in range(6)]
    recs.append(frame(scalar("loss", 2, 99.5, with_meta=False)))
    write(os.path.join(lg, "mixed", F1), recs)
    write(os.path.join(lg, "resumed", F1), recs[:-1])
    write(os.path.join(lg, "resumed", F2), [frame(file_version()),
                                            frame(scalar("loss", 200, 99.5, with_meta=False))])


def downsample(lg):
    """Series longer than a chart keeps by default (FINDINGS D1): 1100 scalars,
    60 histograms, 15 images, 120 texts, one run."""
    from probes import histogram, image, scalar, text
    recs = [frame(file_version())]
    recs += [frame(scalar("loss", s, s + 0.5, with_meta=(s == 0))) for s in range(1100)]
    recs += [frame(histogram("h", s, [1, s % 7 + 1])) for s in range(60)]
    recs += [frame(image("img", s, 2 + s, 3)) for s in range(15)]
    recs += [frame(text("txt", s, "t%d" % s)) for s in range(120)]
    write(os.path.join(lg, "run", F1), recs)


def hparams(lg):
    """tensorboardX's add_hparams: each call writes a sub-run RUN/<time>/ holding the
    experiment, session start/end and the metric values (FINDINGS H1). The second
    session adds an hparam (batch) and a metric (hparam/f1)."""
    import time
    from tensorboardX import SummaryWriter
    w = SummaryWriter(os.path.join(lg, "run1"))
    for s in range(3):
        w.add_scalar("loss", 1.0 / (s + 1), s)
    w.add_hparams({"lr": 0.1}, {"hparam/acc": 0.5})
    w.close()
    time.sleep(1.1)  # tensorboardX names the sub-run and the files by the time
    w = SummaryWriter(os.path.join(lg, "run2"))
    w.add_hparams({"lr": 0.2, "batch": 32}, {"hparam/acc": 0.7, "hparam/f1": 0.6})
    w.close()


def mutants(lg):
    """The record shapes of two mutants (writers/mutants/record_mutants.h), and
    what they are told apart from (FINDINGS O1, O2, Q1):
      overlong     loss 0-2; step 3's frame with a length 1 MiB larger than its
                   data (length CRC valid), then intact 4, 5
      big_text     loss 0-2; an 8 MiB text at step 3 (over gRPC's 4 MiB default);
                   loss 3-5
      start_resume F1 START at 0, loss, acc 0-5 (a crashed process); F2
                   file_version, START at 3, loss 3, 4 = 103.5, 104.5 (a restart
                   from step 3)
      start_zero   the same with F2's START at step 0
      start_once   the same as start_resume without F1's START: F2's is the run's
                   first"""
    import struct
    from probes import F2, scalar, session_start, text
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c
    data = scalar("loss", 3, 3.5)
    head = struct.pack("<Q", len(data) + (1 << 20))
    bad = head + struct.pack("<I", masked_crc32c(head)) + data + struct.pack("<I",
                                                                            masked_crc32c(data))
    write(os.path.join(lg, "overlong", F1), [frame(file_version())] + scalars("loss", range(3))
          + [bad] + scalars("loss", (4, 5)))
    write(os.path.join(lg, "big_text", F1), [frame(file_version())] + scalars("loss", range(3))
          + [frame(text("big", 3, "x" * (8 << 20)))] + scalars("loss", range(3, 6)))
    for name, start, first in (("start_resume", 3, True), ("start_zero", 0, True),
                               ("start_once", 3, False)):
        write(os.path.join(lg, name, F1), [frame(file_version())]
              + [frame(session_start(0))] * first + scalars("loss", range(6))
              + scalars("acc", range(6)))
        write(os.path.join(lg, name, F2), [frame(file_version()), frame(session_start(start))]
              + [frame(scalar("loss", s, s + 100.5)) for s in (3, 4)])


# name -> (writer, the logdir to judge, relative to OUTDIR/name)
LOGDIRS = {
    "symlinks": (symlinks, "logdir"),
    "symlink_cycle": (symlink_cycle, "."),
    "symlink_cycles": (symlink_cycles, "."),
    "mixed_steps": (mixed_steps, "."),
    "hparams": (hparams, "."),
    "downsample": (downsample, "."),
    "mutants": (mutants, "."),
}


def main():
    if len(sys.argv) != 2:
        print("usage: rules_probes.py OUTDIR", file=sys.stderr)
        sys.exit(2)
    out = sys.argv[1]
    for name, (fn, _) in LOGDIRS.items():
        d = os.path.join(out, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        fn(d)
    for name, (_, rel) in LOGDIRS.items():
        print("%s\t%s" % (name, rel))


if __name__ == "__main__":
    main()
