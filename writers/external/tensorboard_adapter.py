"""Adapter for TensorBoard's own EventFileWriter (tensorboard.summary.writer.event_file_writer),
the writer PyTorch's torch.utils.tensorboard.SummaryWriter uses (protocol: adapter.proto, loop:
adapter_common.py).

Usage: python tensorboard_adapter.py --logdir DIR

Summaries are built with TensorBoard's compat protos the way PyTorch's SummaryWriter builds them
(torch/utils/tensorboard/summary.py): scalars as simple_value, histograms as HistogramProto with
TensorFlow-style default bins, images as PNG Summary.Image, texts as a DT_STRING tensor of the
text plugin under `<tag>/text_summary`. EventFileWriter never fsyncs: `sync` is a flush that
leaves `synced` where it was.
"""

import io
import sys
import time

import adapter_common
import numpy as np
import tensorboard
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData
from tensorboard.summary.writer.event_file_writer import EventFileWriter


def _default_bins():
    # PyTorch's SummaryWriter.default_bins (TensorFlow's histogram buckets).
    v, buckets, neg = 1e-12, [], []
    while v < 1e20:
        buckets.append(v)
        neg.append(-v)
        v *= 1.1
    return neg[::-1] + [0] + buckets


def _make_histogram(values, bins):
    # PyTorch's summary.make_histogram (without max_bins).
    counts, limits = np.histogram(values, bins=bins)
    cum_counts = np.cumsum(np.greater(counts, 0))
    start, end = np.searchsorted(cum_counts, [0, cum_counts[-1] - 1], side="right")
    start, end = int(start), int(end) + 1
    counts = counts[start - 1 : end] if start > 0 else np.concatenate([[0], counts[:end]])
    limits = limits[start : end + 1]
    return HistogramProto(
        min=values.min(),
        max=values.max(),
        num=len(values),
        sum=values.sum(),
        sum_squares=values.dot(values),
        bucket_limit=limits.tolist(),
        bucket=counts.tolist(),
    )


class TensorboardAdapter:
    fsyncs_on_flush = False
    text_tag_suffix = "/text_summary"
    name = "tensorboard %s EventFileWriter" % tensorboard.__version__

    def __init__(self, logdir, options):
        adapter_common.refuse_options(options)
        self._w = EventFileWriter(logdir)
        self._bins = _default_bins()
        self.file = getattr(self._w, "_file_name", "")

    def _add(self, step, value):
        self._w.add_event(event_pb2.Event(wall_time=time.time(), step=step,
                                          summary=Summary(value=[value])))

    def scalar(self, r):
        self._add(r.step, Summary.Value(tag=r.tag, simple_value=r.value))

    def histogram(self, r):
        if r.buckets:
            lo, hi, num, total, squares, limits, counts = adapter_common.bucket_stats(r.buckets)
            histo = HistogramProto(min=lo, max=hi, num=num, sum=total, sum_squares=squares,
                                   bucket_limit=limits, bucket=counts)
        else:
            if not r.values:
                raise adapter_common.Refused("histogram without values or buckets")
            histo = _make_histogram(np.array(r.values, dtype=np.float64), self._bins)
        self._add(r.step, Summary.Value(tag=r.tag, histo=histo))

    def image(self, r):
        from PIL import Image

        pixels = adapter_common.pixels_array(r)
        if pixels.shape[2] == 1:  # PyTorch's convert_to_HWC makes gray images RGB.
            pixels = np.concatenate([pixels, pixels, pixels], 2)
        out = io.BytesIO()
        Image.fromarray(pixels).save(out, format="PNG")
        image = Summary.Image(height=r.height, width=r.width, colorspace=pixels.shape[2],
                              encoded_image_string=out.getvalue())
        self._add(r.step, Summary.Value(tag=r.tag, image=image))

    def text(self, r):
        text = adapter_common.utf8(r.text, "text")
        plugin = SummaryMetadata.PluginData(
            plugin_name="text", content=TextPluginData(version=0).SerializeToString())
        tensor = TensorProto(dtype="DT_STRING", string_val=[text.encode("utf_8")],
                             tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))
        self._add(r.step, Summary.Value(tag=r.tag + self.text_tag_suffix,
                                        metadata=SummaryMetadata(plugin_data=plugin),
                                        tensor=tensor))

    def flush(self):
        self._w.flush()

    def close(self):
        self._w.close()


if __name__ == "__main__":
    sys.exit(adapter_common.serve(TensorboardAdapter))
