"""Adapter for TensorFlow 1's tf.compat.v1.summary.FileWriter (protocol: adapter.proto, loop:
adapter_common.py), still common in older code.

Usage: python tensorflow_v1_adapter.py --logdir DIR [--options TEXT]

FileWriter(logdir, max_queue, flush_secs) (defaults 10 and 120 s; Options.flush_millis is rounded
to seconds, at least 1) is made inside a tf.Graph context, as TF requires outside eager mode. Each
request becomes a tf.compat.v1.Summary proto handed to add_summary(summary, step): scalars as
legacy simple_value, histograms as HistogramProto (raw values bucketed with TF's default edges,
ready buckets as they are), images as Summary.Image PNGs encoded by tf.io.encode_png, texts as
the text plugin's rank-0 DT_STRING tensor under the tag as given.

FileWriter queues events for a daemon thread (EventFileWriter, a bounded queue: add blocks when
full); the thread's error is re-raised by the next add or flush, after which the writer is closed
and further adds and flushes return quietly doing nothing (TF's own code). Acknowledgements are
what the API promises: an add that returned is `accepted`, a flush() or close() that returned
makes everything accepted `written` and `flushed`; FileWriter never fsyncs, so `synced` stays 0.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

import adapter_common  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorboard.plugins.text import metadata as text_metadata  # noqa: E402
from tensorflow_adapter import tf_errno  # noqa: E402

Summary = tf.compat.v1.Summary


def _default_edges():
    # TF's histogram buckets (tensorflow/core/lib/histogram/histogram.cc), as the v1 ops use.
    v, pos = 1e-12, []
    while v < 1e20:
        pos.append(v)
        v *= 1.1
    return [-x for x in reversed(pos)] + [0.0] + pos + [sys.float_info.max]


class TensorflowV1Adapter:
    fsyncs_on_flush = False
    text_tag_suffix = ""
    name = "tensorflow %s compat.v1 FileWriter" % tf.__version__
    errno_of = staticmethod(tf_errno)

    def __init__(self, logdir, options):
        adapter_common.refuse_options(options, ("max_queue", "flush_millis"))
        flush_secs = max(1, round(options.flush_millis / 1000)) if options.flush_millis else 120
        with tf.Graph().as_default():
            self._w = tf.compat.v1.summary.FileWriter(
                logdir, max_queue=options.max_queue or 10, flush_secs=flush_secs)
        self._edges = np.array(_default_edges())
        try:
            name = self._w.event_writer._ev_writer.FileName()
            self.file = name.decode() if isinstance(name, bytes) else name
        except AttributeError:  # a private path; only informative.
            self.file = ""

    def _add(self, step, value):
        self._w.add_summary(Summary(value=[value]), step)

    def scalar(self, r):
        self._add(r.step, Summary.Value(tag=r.tag, simple_value=r.value))

    def histogram(self, r):
        if r.buckets:
            lo, hi, num, total, squares, limits, counts = adapter_common.bucket_stats(r.buckets)
        else:
            if not r.values:
                raise adapter_common.Refused("histogram without values or buckets")
            values = np.array(r.values, dtype=np.float64)
            counts, _ = np.histogram(values, bins=np.concatenate([[-np.inf], self._edges]))
            keep = counts > 0
            limits, counts = self._edges[keep].tolist(), counts[keep].tolist()
            lo, hi, num = values.min(), values.max(), len(values)
            total, squares = values.sum(), values.dot(values)
        histo = tf.compat.v1.HistogramProto(min=lo, max=hi, num=num, sum=total,
                                            sum_squares=squares, bucket_limit=limits,
                                            bucket=counts)
        self._add(r.step, Summary.Value(tag=r.tag, histo=histo))

    def image(self, r):
        png = tf.io.encode_png(adapter_common.pixels_array(r)).numpy()
        image = Summary.Image(height=r.height, width=r.width, colorspace=r.channels,
                              encoded_image_string=png)
        self._add(r.step, Summary.Value(tag=r.tag, image=image))

    def text(self, r):
        text = adapter_common.utf8(r.text, "text")
        meta = tf.compat.v1.SummaryMetadata.FromString(
            text_metadata.create_summary_metadata(r.tag, "").SerializeToString())
        # A scalar string, what tf.compat.v1.summary.text is given in practice.
        tensor = tf.make_tensor_proto(text.encode("utf-8"))
        self._add(r.step, Summary.Value(tag=r.tag, metadata=meta, tensor=tensor))

    def flush(self):
        self._w.flush()

    def close(self):
        self._w.close()


if __name__ == "__main__":
    sys.exit(adapter_common.serve(TensorflowV1Adapter))
