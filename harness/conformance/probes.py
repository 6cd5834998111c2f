#!/usr/bin/env python3
"""Writes the ground-truth probe logdirs: one run per rule of DESIGN.md section 3.

Usage: probes.py OUTDIR      (OUTDIR is emptied of probe runs and rewritten)

Deterministic: fixed wall times, fixed file names, no randomness. Each run is a
subdirectory named after the rule it probes; every scalar value is
step + 0.5 (or stated otherwise in PROBES below), so a reader's answer says
exactly which records it reached. Records are framed by hand (the framing is
the object under test) with TensorBoard's own masked CRC-32C.
"""

import os
import shutil
import struct
import sys
import zlib

from tensorboard.compat.proto import event_pb2
from tensorboard.compat.proto import summary_pb2
from tensorboard.compat.proto import tensor_pb2
from tensorboard.compat.proto import types_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

WALL = 1700000000.0
F1 = "events.out.tfevents.1700000000.probe.1.0"
F2 = "events.out.tfevents.1700000100.probe.1.0"


def frame(data, bad_len_crc=False, bad_data_crc=False):
    head = struct.pack("<Q", len(data))
    lc = masked_crc32c(head) ^ (1 if bad_len_crc else 0)
    dc = masked_crc32c(data) ^ (1 if bad_data_crc else 0)
    return head + struct.pack("<I", lc) + data + struct.pack("<I", dc)


def ev(step, wall=None, **kw):
    e = event_pb2.Event(wall_time=WALL + step if wall is None else wall, step=step, **kw)
    return e.SerializeToString()


def file_version():
    return ev(0, wall=WALL, file_version="brain.Event:2")


def session_start(step):
    return ev(step, session_log=event_pb2.SessionLog(status=event_pb2.SessionLog.START))


def meta(plugin):
    return summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin))


def scalar(tag, step, value, with_meta=True, dtype=types_pb2.DT_FLOAT, wall=None):
    t = tensor_pb2.TensorProto(dtype=dtype)
    if dtype == types_pb2.DT_DOUBLE:
        t.double_val.append(value)
    else:
        t.float_val.append(value)
    v = summary_pb2.Summary.Value(tag=tag, tensor=t)
    if with_meta:
        v.metadata.CopyFrom(meta("scalars"))
    return ev(step, wall=wall, summary=summary_pb2.Summary(value=[v]))


def legacy_scalar(tag, step, value):
    v = summary_pb2.Summary.Value(tag=tag, simple_value=value)
    return ev(step, summary=summary_pb2.Summary(value=[v]))


def histogram(tag, step, counts):
    t = tensor_pb2.TensorProto(dtype=types_pb2.DT_DOUBLE)
    t.tensor_shape.dim.add(size=len(counts))
    t.tensor_shape.dim.add(size=3)
    for i, c in enumerate(counts):
        t.double_val.extend([float(i), float(i + 1), float(c)])
    v = summary_pb2.Summary.Value(tag=tag, tensor=t, metadata=meta("histograms"))
    return ev(step, summary=summary_pb2.Summary(value=[v]))


def legacy_histogram(tag, step, counts):
    h = summary_pb2.HistogramProto(min=0, max=len(counts), num=sum(counts),
                                   bucket_limit=[float(i + 1) for i in range(len(counts))],
                                   bucket=[float(c) for c in counts])
    v = summary_pb2.Summary.Value(tag=tag, histo=h)
    return ev(step, summary=summary_pb2.Summary(value=[v]))


def png(w, h):
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))
    raw = b"".join(b"\x00" + b"\x80" * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def image(tag, step, w, h):
    t = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING)
    t.tensor_shape.dim.add(size=3)
    t.string_val.extend([str(w).encode(), str(h).encode(), png(w, h)])
    v = summary_pb2.Summary.Value(tag=tag, tensor=t, metadata=meta("images"))
    return ev(step, summary=summary_pb2.Summary(value=[v]))


def text(tag, step, s):
    t = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING)
    t.string_val.append(s.encode())
    v = summary_pb2.Summary.Value(tag=tag, tensor=t, metadata=meta("text"))
    return ev(step, summary=summary_pb2.Summary(value=[v]))


def scalars(tag, steps, **kw):
    return [frame(scalar(tag, s, s + 0.5, **kw)) for s in steps]


def write(path, chunks):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        for c in chunks:
            f.write(c)


# Each probe: name -> function(rundir) writing the run. Offsets in comments
# are of the record for the step named.

def p_clean(d):
    recs = [frame(file_version())] + scalars("loss", range(5))
    recs += [frame(histogram("w", s, [1, 2, s])) for s in range(3)]
    recs += [frame(image("img", s, 4 + s, 3)) for s in range(2)]
    recs += [frame(text("note", s, "step <%d> & done" % s)) for s in range(2)]
    write(os.path.join(d, F1), recs)


def p_truncated_tail(d):
    recs = [frame(file_version())] + scalars("loss", range(5))
    recs[-1] = recs[-1][: len(recs[-1]) // 2]  # step 4 cut in half
    write(os.path.join(d, F1), recs)


def p_bad_len_crc_mid(d):
    recs = [frame(file_version())] + scalars("loss", range(6))
    recs[3] = frame(scalar("loss", 2, 2.5), bad_len_crc=True)  # step 2
    write(os.path.join(d, F1), recs)


def p_zero_header(d):
    recs = [frame(file_version())] + scalars("loss", range(6))
    recs[3] = b"\x00" * 12 + recs[3][12:]  # step 2's length and length CRC zeroed
    write(os.path.join(d, F1), recs)


def p_zero_record(d):
    recs = [frame(file_version())] + scalars("loss", range(6))
    recs[3] = b"\x00" * len(recs[3])  # step 2's whole record zero-filled
    write(os.path.join(d, F1), recs)


def p_data_crc_parses(d):
    recs = [frame(file_version())] + scalars("loss", range(6))
    good = scalar("loss", 2, 2.5)
    bad = good.replace(struct.pack("<f", 2.5), struct.pack("<f", 1234.5))
    assert bad != good
    recs[3] = frame(good)[:12] + bad + frame(good)[-4:]  # CRC of the old data
    write(os.path.join(d, F1), recs)


def p_data_crc_noparse(d):
    recs = [frame(file_version())] + scalars("loss", range(6))
    good = scalar("loss", 2, 2.5)
    bad = b"\xff" + good[1:]  # field 31 wire type 7: does not parse
    recs[3] = frame(good)[:12] + bad + frame(good)[-4:]
    write(os.path.join(d, F1), recs)


def p_invalid_proto(d):
    recs = [frame(file_version())] + scalars("loss", range(6))
    recs[3] = frame(b"\xff" + scalar("loss", 2, 2.5)[1:])  # CRCs right, proto not
    write(os.path.join(d, F1), recs)


def p_nan_wall_time(d):
    recs = [frame(file_version())] + scalars("loss", range(5))
    recs[3] = frame(scalar("loss", 2, 2.5, wall=float("nan")))
    write(os.path.join(d, F1), recs)


def p_two_files(d):
    # Older-named file holds steps 0-4 (steps 3-4 written after the newer file
    # appeared); the newer file holds 10-12. Static: a reader that loads once
    # sees both complete files.
    write(os.path.join(d, F1), [frame(file_version())] + scalars("loss", range(5)))
    write(os.path.join(d, F2), [frame(file_version())] + scalars("loss", range(10, 13)))


def p_two_files_bad_first(d):
    # The older file has a bad length CRC at step 2: is the newer file read?
    recs = [frame(file_version())] + scalars("loss", range(5))
    recs[3] = frame(scalar("loss", 2, 2.5), bad_len_crc=True)
    write(os.path.join(d, F1), recs)
    write(os.path.join(d, F2), [frame(file_version())] + scalars("loss", range(10, 13)))


def p_session_restart(d):
    recs = [frame(file_version()), frame(session_start(0))]
    recs += scalars("loss", range(6)) + scalars("acc", range(6))
    recs += [frame(session_start(3))]
    recs += [frame(scalar("loss", s, s + 100.5)) for s in (3, 4)]
    write(os.path.join(d, F1), recs)


def p_step_regression_no_version(d):
    recs = scalars("loss", range(6)) + scalars("acc", range(6))
    recs += [frame(scalar("loss", s, s + 100.5)) for s in (3, 4)]
    write(os.path.join(d, F1), recs)


def p_step_regression_with_version(d):
    recs = [frame(file_version())] + scalars("loss", range(6)) + scalars("acc", range(6))
    recs += [frame(scalar("loss", s, s + 100.5)) for s in (3, 4)]
    write(os.path.join(d, F1), recs)


def p_all_step0(d):
    recs = [frame(file_version())]
    recs += [frame(scalar("loss", 0, i + 0.5)) for i in range(4)]
    write(os.path.join(d, F1), recs)


def p_double_scalar(d):
    recs = [frame(file_version())] + scalars("loss", range(3), dtype=types_pb2.DT_DOUBLE)
    write(os.path.join(d, F1), recs)


def p_meta_late(d):
    recs = [frame(file_version())]
    recs += [frame(scalar("loss", 0, 0.5, with_meta=False))]
    recs += [frame(scalar("loss", s, s + 0.5, with_meta=(s == 1))) for s in range(1, 4)]
    write(os.path.join(d, F1), recs)


def p_legacy(d):
    recs = [frame(file_version())]
    recs += [frame(legacy_scalar("loss", s, s + 0.5)) for s in range(3)]
    recs += [frame(legacy_histogram("w", s, [1, 2, s])) for s in range(2)]
    write(os.path.join(d, F1), recs)


def p_scalar_rank1(d):
    # A DT_FLOAT scalar of shape [1] instead of rank 0.
    recs = [frame(file_version())]
    for st in range(3):
        t = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, float_val=[st + 0.5])
        t.tensor_shape.dim.add(size=1)
        v = summary_pb2.Summary.Value(tag="loss", tensor=t, metadata=meta("scalars"))
        recs.append(frame(ev(st, summary=summary_pb2.Summary(value=[v]))))
    write(os.path.join(d, F1), recs)


def p_two_files_truncated_first(d):
    # The older file ends in a torn record (step 2); a newer file follows.
    recs = [frame(file_version())] + scalars("loss", range(3))
    recs[-1] = recs[-1][:10]
    write(os.path.join(d, F1), recs)
    write(os.path.join(d, F2), [frame(file_version())] + scalars("loss", range(10, 13)))


def p_hole_then_data(d):
    # Steps 0,1; a 4096-byte zero-filled hole (power cut, unsynced block);
    # then intact records for steps 3,4.
    recs = [frame(file_version())] + scalars("loss", range(2)) + [b"\x00" * 4096]
    recs += scalars("loss", range(3, 5))
    write(os.path.join(d, F1), recs)


def p_zero_tail(d):
    # All records intact, then 4096 zero bytes (file extended, never written).
    write(os.path.join(d, F1), [frame(file_version())] + scalars("loss", range(4))
          + [b"\x00" * 4096])


def p_restart_new_file(d):
    # A resumed job: F1 has steps 0-5; the restarted writer's F2 (newer name,
    # with file_version, no SessionLog) logs steps 3,4 again with new values.
    write(os.path.join(d, F1), [frame(file_version())] + scalars("loss", range(6)))
    write(os.path.join(d, F2), [frame(file_version())]
          + [frame(scalar("loss", s, s + 100.5)) for s in (3, 4)])


def p_step_regression_kinds(d):
    # Histogram, image and text series going back to step 1 (file_version, no
    # SessionLog): is the step eviction / purge the same as for scalars?
    recs = [frame(file_version())]
    for st in (0, 1, 2):
        recs += [frame(histogram("w", st, [1, st])), frame(image("img", st, 2 + st, 2)),
                 frame(text("note", st, "t%d" % st))]
    recs += [frame(histogram("w", 1, [5, 5])), frame(image("img", 1, 9, 9)),
             frame(text("note", 1, "again"))]
    write(os.path.join(d, F1), recs)


def p_multi_value_regression(d):
    # No file_version; one event carrying two tags; then an event with only
    # tag a going back: the Python purge is by the tags of that event.
    recs = []
    for st in range(4):
        va = summary_pb2.Summary.Value(tag="a", simple_value=st + 0.5)
        vb = summary_pb2.Summary.Value(tag="b", simple_value=st + 0.5)
        recs.append(frame(ev(st, summary=summary_pb2.Summary(value=[va, vb]))))
    recs.append(frame(legacy_scalar("a", 1, 101.5)))
    write(os.path.join(d, F1), recs)


def p_special_values(d):
    vals = [float("nan"), float("inf"), float("-inf"), 0.1, -0.0]
    recs = [frame(file_version())]
    recs += [frame(scalar("loss", s, v)) for s, v in enumerate(vals)]
    write(os.path.join(d, F1), recs)


PROBES = {name[2:]: fn for name, fn in sorted(globals().items()) if name.startswith("p_")}


def main():
    if len(sys.argv) != 2:
        print("usage: probes.py OUTDIR", file=sys.stderr)
        sys.exit(2)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, fn in PROBES.items():
        d = os.path.join(out, name)
        shutil.rmtree(d, ignore_errors=True)
        fn(d)
    # A run at the logdir itself (run name ".").
    write(os.path.join(out, F1), [frame(file_version())] + scalars("root_loss", range(2)))
    print("\n".join(PROBES))


if __name__ == "__main__":
    main()
