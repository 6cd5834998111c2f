"""Adapter for tensorboardX.SummaryWriter (protocol: adapter.proto, loop: adapter_common.py).

Usage: python tensorboardx_adapter.py --logdir DIR

Requests map to add_scalar, add_histogram (raw values, TensorFlow-style default bins) or
add_histogram_raw (ready buckets), add_image(dataformats='HWC'), add_text, flush and close.
tensorboardX's flush fsyncs what its thread has written but does not drain its queue; the
adapter still claims `flushed` and `synced` for everything accepted, as the API promises, so
that the harness can catch the difference.
"""

import sys

import adapter_common
import numpy as np
import tensorboardX


class TensorboardXAdapter:
    fsyncs_on_flush = True
    text_tag_suffix = "/text_summary"
    name = "tensorboardX " + tensorboardX.__version__

    def __init__(self, logdir, options):
        adapter_common.refuse_options(options)
        self._w = tensorboardX.SummaryWriter(logdir=logdir)
        try:
            self.file = self._w.file_writer.event_writer._ev_writer._file_name
        except AttributeError:  # a private path; only informative.
            self.file = ""

    def scalar(self, r):
        self._w.add_scalar(r.tag, r.value, r.step)

    def histogram(self, r):
        if r.buckets:
            lo, hi, num, total, squares, limits, counts = adapter_common.bucket_stats(r.buckets)
            self._w.add_histogram_raw(r.tag, lo, hi, num, total, squares, limits, counts, r.step)
        else:
            if not r.values:
                raise adapter_common.Refused("histogram without values or buckets")
            self._w.add_histogram(r.tag, np.array(r.values, dtype=np.float64), r.step)

    def image(self, r):
        self._w.add_image(r.tag, adapter_common.pixels_array(r), r.step, dataformats="HWC")

    def text(self, r):
        self._w.add_text(r.tag, adapter_common.utf8(r.text, "text"), r.step)

    def flush(self):
        self._w.flush()

    def close(self):
        self._w.close()


if __name__ == "__main__":
    sys.exit(adapter_common.serve(TensorboardXAdapter))
