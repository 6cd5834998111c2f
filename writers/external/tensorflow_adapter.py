"""Adapter for TensorFlow 2's tf.summary (protocol: adapter.proto, loop: adapter_common.py).

Usage: python tensorflow_adapter.py --logdir DIR [--options TEXT]

The writer is tf.summary.create_file_writer(logdir, max_queue, flush_millis) (TF's defaults 10 and
120000 unless the options say otherwise), entered once as the default writer the way training code
does (`with writer.as_default():` around the loop) and left at close (which flushes), then closed.
Requests map to tf.summary.scalar, tf.summary.histogram (raw values, TF's 30 buckets), ready
buckets through tf.summary.write with the histogram plugin's metadata (TF's own histogram does
that last step), tf.summary.image and tf.summary.text (TF2 keeps a text's tag as given).

Acknowledgements are what TF's API promises: an op that returned is `accepted` (whatever bool it
returned: TF says nothing else to a caller who does not test it); writer.flush() or close() that
returned makes everything accepted `written` and `flushed`. TF never fsyncs (its POSIX file's
Sync() is an fflush; strace shows no fsync on flush or close), so `synced` stays 0. TF's errors
reach the harness with their text; TF keeps only a canonical code (RESOURCE_EXHAUSTED for ENOSPC
and EDQUOT alike), so the errno is that code's usual errno (errno_of).

Misuse (Options.misuse, scenarios/misuse/tf-*): OUTSIDE_SCOPE never enters as_default (the ops
return False and write nothing), NO_STEP passes no step (and none is set: TF raises ValueError,
answered EINVAL), RECORD_IF_FALSE wraps everything in tf.summary.record_if(False) (False again).

TF_CPP_MIN_LOG_LEVEL defaults to 1 here: TF's INFO lines go, its warnings and errors stay on
stderr (the harness quotes the end of it when the adapter dies).
"""

import errno
import glob
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

import adapter_common  # noqa: E402
import adapter_pb2 as pb  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorboard.plugins.histogram import metadata as histogram_metadata  # noqa: E402

# TF's canonical error codes -> the errno TF made them from most often (tsl ErrnoToCode).
_ERRNO_OF_CODE = {
    tf.errors.RESOURCE_EXHAUSTED: errno.ENOSPC,
    tf.errors.PERMISSION_DENIED: errno.EACCES,
    tf.errors.NOT_FOUND: errno.ENOENT,
    tf.errors.ALREADY_EXISTS: errno.EEXIST,
    tf.errors.INVALID_ARGUMENT: errno.EINVAL,
    tf.errors.DEADLINE_EXCEEDED: errno.ETIMEDOUT,
    tf.errors.OUT_OF_RANGE: errno.EFBIG,
    tf.errors.UNIMPLEMENTED: errno.ENOSYS,
    tf.errors.UNAVAILABLE: errno.EAGAIN,
    tf.errors.CANCELLED: errno.ECANCELED,
}


def tf_errno(exc):
    """The errno for a TensorFlow exception, or None for others."""
    if isinstance(exc, tf.errors.OpError):
        return _ERRNO_OF_CODE.get(exc.error_code, errno.EIO)
    if isinstance(exc, (ValueError, TypeError)):
        return errno.EINVAL
    return None


def event_file(logdir):
    """The event file this process created in logdir (TF names it ...<pid>.<n>.v2), or ""."""
    files = glob.glob(os.path.join(glob.escape(logdir), "*tfevents*.%d.*" % os.getpid()))
    return max(files, key=os.path.getmtime) if files else ""


class Summaries:
    """The requests as tf.summary ops on the current default writer (None for no step: NO_STEP)."""

    def __init__(self, misuse=pb.MISUSE_NONE):
        self._misuse = misuse

    def _step(self, r):
        return None if self._misuse == pb.NO_STEP else r.step

    def scalar(self, r):
        tf.summary.scalar(r.tag, r.value, step=self._step(r))

    def histogram(self, r):
        if r.buckets:
            tensor = tf.constant([[b.left, b.right, b.count] for b in r.buckets], tf.float64)
            meta = histogram_metadata.create_summary_metadata(display_name=r.tag, description="")
            tf.summary.write(r.tag, tensor, step=self._step(r), metadata=meta.SerializeToString())
        else:
            if not r.values:
                raise adapter_common.Refused("histogram without values or buckets")
            tf.summary.histogram(r.tag, np.array(r.values, dtype=np.float64), step=self._step(r))

    def image(self, r):
        pixels = adapter_common.pixels_array(r)
        tf.summary.image(r.tag, pixels[np.newaxis], step=self._step(r), max_outputs=1)

    def text(self, r):
        tf.summary.text(r.tag, adapter_common.utf8(r.text, "text"), step=self._step(r))


class TensorflowAdapter(Summaries):
    fsyncs_on_flush = False
    text_tag_suffix = ""
    name = "tensorflow %s tf.summary" % tf.__version__
    errno_of = staticmethod(tf_errno)

    def __init__(self, logdir, options):
        adapter_common.refuse_options(options, ("max_queue", "flush_millis", "misuse"))
        super().__init__(options.misuse)
        self._w = tf.summary.create_file_writer(
            logdir, max_queue=options.max_queue or 10, flush_millis=options.flush_millis or 120000)
        self._scopes = []
        if self._misuse != pb.OUTSIDE_SCOPE:
            self._enter(self._w.as_default())
        if self._misuse == pb.RECORD_IF_FALSE:
            self._enter(tf.summary.record_if(False))
        self.file = event_file(logdir)

    def _enter(self, scope):
        scope.__enter__()
        self._scopes.append(scope)

    def flush(self):
        self._w.flush()

    def close(self):
        try:
            while self._scopes:  # leaving as_default flushes, as in training code.
                self._scopes.pop().__exit__(None, None, None)
        finally:
            self._w.close()


if __name__ == "__main__":
    sys.exit(adapter_common.serve(TensorflowAdapter))
