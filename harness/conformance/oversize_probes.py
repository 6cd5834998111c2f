#!/usr/bin/env python3
"""Writes the large-record probes of FINDINGS O1 (not run by ctest: 400 MB of files).

Usage: oversize_probes.py OUTDIR      (OUTDIR is emptied and rewritten)

Runs, each `loss` 0-2, one large image event at step 3 (a 4x3 PNG padded with an
ancillary chunk to the size named), then `loss` 3-5:
  img80    80 MiB: over the 64 MiB protobuf limit of old TensorBoard
           (tensorflow/tensorboard#49)
  img300   300 MiB: over the 256 MiB bound of our frame scanner and strict reader
           (harness/core/frame_scanner.h, format/record_reader.h)
Judge it with tb_series.py (both modes) and `tbfault series`.
"""

import os
import shutil
import struct
import sys
import zlib

from probes import F1, file_version, frame, meta, scalars, write, ev
from tensorboard.compat.proto import summary_pb2, tensor_pb2, types_pb2


def padded_png(w, h, size):
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))
    raw = b"".join(b"\x00" + b"\x80" * w for _ in range(h))
    head = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
    pad = chunk(b"zpAd", b"\x00" * max(0, size - 64))  # ancillary, private: skipped by decoders
    return head + pad + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def big_image(step, size):
    t = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING)
    t.tensor_shape.dim.add(size=3)
    t.string_val.extend([b"4", b"3", padded_png(4, 3, size)])
    v = summary_pb2.Summary.Value(tag="img", tensor=t, metadata=meta("images"))
    return ev(step, summary=summary_pb2.Summary(value=[v]))


def main():
    if len(sys.argv) != 2:
        print("usage: oversize_probes.py OUTDIR", file=sys.stderr)
        sys.exit(2)
    out = sys.argv[1]
    shutil.rmtree(out, ignore_errors=True)
    for name, mib in (("img80", 80), ("img300", 300)):
        write(os.path.join(out, name, F1), [frame(file_version())] + scalars("loss", range(3))
              + [frame(big_image(3, mib << 20))] + scalars("loss", range(3, 6)))
        print(name)


if __name__ == "__main__":
    main()
