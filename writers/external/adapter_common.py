"""The adapter side of the protocol in adapter.proto: framing, watermarks and the request loop.

An adapter module defines a class with __init__(logdir, options) (options: adapter.proto's
Options, parsed from --options; refuse_options() refuses those it lacks) and scalar/histogram/
image/text/flush/close methods (plus `fsyncs_on_flush`, `text_tag_suffix`, `file` and `name`, and
optionally a staticmethod errno_of(exc) -> errno or None for the library's own exceptions), and calls
serve(ThatClass). serve never dies on an exception from the writer: it answers an error carrying
the errno of an OSError (EINVAL for input the adapter refuses, EIO for anything else) and goes on.
At EOF on stdin (the harness is gone) it exits at once with os._exit, flushing nothing: the
adapter dies as the training process that hosts the writer would. On `exit` it answers, then
returns from serve with the writer still referenced from this module (as a training script's
global holds it): the interpreter ends normally, running the library's atexit handlers and
finalizers, which is what the exit-without-close scenarios measure.
"""

import argparse
import errno
import os
import struct
import sys

import adapter_pb2 as pb
from google.protobuf import text_format


class Refused(ValueError):
    """Input the adapter refuses before calling the writer (answered with EINVAL)."""


def utf8(data, what):
    """bytes -> str, refusing (EINVAL) what is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused("%s is not UTF-8: %s" % (what, exc)) from None


def refuse_options(options, allowed=()):
    """Refuses (EINVAL) every option set in `options` whose field name is not in `allowed`."""
    for field, _ in options.ListFields():
        if field.name not in allowed:
            raise Refused("option %s is not supported by this writer" % field.name)


def pixels_array(image):
    """An Image request as an HxWxC uint8 numpy array, checked."""
    import numpy as np

    h, w, c = image.height, image.width, image.channels
    if h <= 0 or w <= 0 or c not in (1, 3, 4) or len(image.pixels) != h * w * c:
        raise Refused("image %dx%dx%d with %d pixel bytes" % (h, w, c, len(image.pixels)))
    return np.frombuffer(image.pixels, dtype=np.uint8).reshape(h, w, c)


def bucket_stats(buckets):
    """(min, max, num, sum, sum_squares, right limits, counts) of [left, right, count] buckets,
    taking each bucket's values at its middle."""
    if not buckets:
        raise Refused("histogram without values or buckets")
    num = sum(b.count for b in buckets)
    total = sum((b.left + b.right) / 2 * b.count for b in buckets)
    squares = sum(((b.left + b.right) / 2) ** 2 * b.count for b in buckets)
    return (buckets[0].left, buckets[-1].right, num, total, squares,
            [b.right for b in buckets], [b.count for b in buckets])


def _read_exact(stream, n):
    data = b""
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _read_frame(stream):
    header = _read_exact(stream, 4)
    if header is None:
        return None
    (length,) = struct.unpack("<I", header)
    return _read_exact(stream, length)


def _write_frame(stream, message):
    data = message.SerializeToString()
    stream.write(struct.pack("<I", len(data)) + data)
    stream.flush()


def _errno_of(exc, writer=None):
    if isinstance(exc, Refused):
        return errno.EINVAL
    own = getattr(writer, "errno_of", None)
    code = own(exc) if own else None
    if code:
        return code
    if isinstance(exc, OSError) and exc.errno:
        return exc.errno
    return errno.EIO


# The writer an `exit` request leaves behind, referenced until the interpreter's end.
_kept = None


class _Marks:
    def __init__(self):
        self.accepted = self.written = self.flushed = self.synced = 0

    def fill(self, resp):
        resp.accepted = self.accepted
        resp.written = self.written
        resp.flushed = self.flushed
        resp.synced = self.synced


def serve(adapter_class):
    global _kept
    parser = argparse.ArgumentParser()
    parser.add_argument("--logdir", required=True)
    parser.add_argument("--options", default="")
    args = parser.parse_args()

    # The protocol owns fds 0 and 1; anything a library prints goes to stderr instead.
    requests = os.fdopen(os.dup(0), "rb", buffering=0)
    responses = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    marks = _Marks()
    hello = pb.Response()
    try:
        options = text_format.Parse(args.options, pb.Options())
        writer = adapter_class(args.logdir, options)
    except Exception as exc:  # noqa: BLE001 - every failure is answered, never raised.
        hello.error.error_number = _errno_of(exc, adapter_class)
        hello.error.message = "create writer: %s: %s" % (type(exc).__name__, exc)
        _write_frame(responses, hello)
        return 1
    hello.ok.SetInParent()
    hello.file = writer.file or ""
    hello.text_tag_suffix = writer.text_tag_suffix
    hello.writer = writer.name
    _write_frame(responses, hello)

    while True:
        frame = _read_frame(requests)
        if frame is None:
            os._exit(0)
        resp = pb.Response()
        request = pb.Request()
        kind = None
        try:
            request.ParseFromString(frame)
            kind = request.WhichOneof("kind")
            if kind in ("scalar", "histogram", "image", "text"):
                getattr(writer, kind)(getattr(request, kind))
                marks.accepted += 1
            elif kind == "exit":
                pass  # nothing is called: the program just ends (below).
            elif kind in ("flush", "sync", "close"):
                getattr(writer, "close" if kind == "close" else "flush")()
                marks.written = marks.flushed = marks.accepted
                if writer.fsyncs_on_flush:
                    marks.synced = marks.accepted
                    resp.fsynced = True
            else:
                raise Refused("unknown request kind %r" % kind)
            resp.ok.SetInParent()
        except Exception as exc:  # noqa: BLE001
            resp.error.error_number = _errno_of(exc, writer)
            resp.error.message = "%s: %s: %s" % (kind or "request", type(exc).__name__, exc)
        marks.fill(resp)
        _write_frame(responses, resp)
        if kind == "exit":
            _kept = writer
            sys.stderr.flush()
            return 0
        if kind == "close":
            # Exit without atexit handlers: a writer that failed to close would retry (and could
            # hang) in them; one that closed has nothing left to do.
            sys.stderr.flush()
            os._exit(0)
