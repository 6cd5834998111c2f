"""Adapter for Keras's tf.keras.callbacks.TensorBoard driving a tiny model's fit() (protocol:
adapter.proto, loop: adapter_common.py): the writer as most TensorFlow users meet it.

Usage: python keras_adapter.py --logdir RUN_DIR

How the ledger maps to what Keras logs:
- run: the callback writes its training run to <log_dir>/train, and the harness wants the values
  in RUN_DIR, whatever it is named (the logdir itself in most scenarios). So log_dir is a private
  temporary directory whose `train` is a symlink to RUN_DIR (made first, as TF would make it):
  every file operation of Keras's train writer lands in RUN_DIR, through the faultfs mount, and
  Keras is used through its documented log_dir alone. The directory goes at close. No validation
  data: no validation/ run; nothing else is written into log_dir (write_graph, embeddings and the
  profiler off). A SIGKILLed adapter leaves that directory (one symlink, its pid in the name)
  behind in $TMPDIR; the next adapter to start removes those whose process is gone.
- values: each request is a custom batch-level summary, the way Keras documents them: called from
  a callback inside fit() while the TensorBoard callback (update_freq=1) has made its train writer
  the default, with the request's tag and step (tf.summary.scalar/histogram/image/text, as the
  tensorflow adapter maps them). One training batch per harness step: requests of one step are
  written in one batch, a new step starts the next batch.
- Keras's own series would be values the harness never logged (phantoms): the model trains for
  real (a gradient step a batch) and reports its loss, but a callback ahead of TensorBoard in the
  list empties the batch and epoch logs, so the callback logs no batch_*/epoch_* scalars (it
  logs nothing for empty logs); write_graph, histogram_freq and profile_batch are off.
- flush: Keras has no flush a user calls; the callback flushes its writer when it leaves the
  writer's scope at the start of every batch. A flush request ends the batch and is answered when
  the next one has begun (that flush returned). close: training stops, on_train_end closes the
  writers, fit() returns.
- errors: an error of TF's writer raises out of fit(): training is over, as for a Keras user.
  That error answers the request in flight and every later one.
Acknowledgements as in tensorflow_adapter.py (TF never fsyncs: `synced` stays 0).
"""

import os
import queue
import shutil
import sys
import tempfile
import threading

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

import adapter_common  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow_adapter import Summaries, event_file, tf_errno  # noqa: E402

keras = tf.keras

_STOP = object()


class TinyModel(keras.Model):
    """A few dense units, trained by a plain gradient step."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(4, activation="relu")
        self.out = keras.layers.Dense(1)

    def call(self, x):
        return self.out(self.hidden(x))

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(self(x, training=True) - y))
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(grads, self.trainable_variables)
        return {"loss": loss}


class _Quiet(keras.callbacks.Callback):
    """First in the list: empties the logs, so TensorBoard logs none of its own series."""

    def on_train_batch_end(self, batch, logs=None):
        if logs:
            logs.clear()

    def on_epoch_end(self, epoch, logs=None):
        if logs:
            logs.clear()


class _Bridge(keras.callbacks.Callback):
    """Runs the adapter's requests inside fit(), after the TensorBoard callback in the list."""

    def __init__(self, requests, write, ready):
        super().__init__()
        self._ready = ready  # set once fit() runs, its writer made.
        self._requests = requests  # (kind, request, reply queue), or _STOP.
        self._write = write
        self._held = None  # an add of the next step, or a flush, waiting for the next batch.
        self._flush_reply = None

    def abandon(self, exc):
        """fit() has ended: answers the requests it will never run (held, flushing or queued)."""
        replies = [self._held[2]] if self._held not in (None, _STOP) else []
        if self._flush_reply is not None:
            replies.append(self._flush_reply)
        self._held = self._flush_reply = None
        while True:
            try:
                item = self._requests.get_nowait()
            except queue.Empty:
                break
            if item is not _STOP:
                replies.append(item[2])
        for reply in replies:
            reply.put(exc)

    def on_train_batch_begin(self, batch, logs=None):
        if self._flush_reply is not None:  # the callback flushed its writer as this batch began.
            self._flush_reply.put(None)
            self._flush_reply = None

    def on_train_batch_end(self, batch, logs=None):
        self._ready.set()
        step = None
        while True:
            item = self._held or self._requests.get()
            self._held = None
            if item is _STOP:
                self.model.stop_training = True
                return
            kind, request, reply = item
            if kind == "flush":
                self._flush_reply = reply
                return
            if step is not None and request.step != step:
                self._held = item
                return
            step = request.step
            try:
                self._write(kind, request)
                reply.put(None)
            except Exception as exc:  # noqa: BLE001 - the caller gets it.
                reply.put(exc)
                raise


def _remove_stale_log_dirs():
    """Private log_dirs of adapters killed before close (a crash scenario): their pid is gone."""
    for name in os.listdir(tempfile.gettempdir()):
        parts = name.split("-")
        if len(parts) < 4 or parts[:2] != ["tbfault", "keras"] or not parts[2].isdigit():
            continue
        try:
            os.kill(int(parts[2]), 0)
        except ProcessLookupError:
            shutil.rmtree(os.path.join(tempfile.gettempdir(), name), ignore_errors=True)
        except OSError:
            pass  # alive (another user's): leave it.


class KerasAdapter:
    fsyncs_on_flush = False
    text_tag_suffix = ""
    name = "keras %s TensorBoard callback (tensorflow %s)" % (keras.__version__, tf.__version__)
    errno_of = staticmethod(tf_errno)

    def __init__(self, logdir, options):
        adapter_common.refuse_options(options)
        logdir = os.path.abspath(logdir)
        os.makedirs(logdir, exist_ok=True)
        _remove_stale_log_dirs()
        self._log_dir = tempfile.mkdtemp(prefix="tbfault-keras-%d-" % os.getpid())
        os.symlink(logdir, os.path.join(self._log_dir, "train"))
        self._requests = queue.Queue()
        self._failure = None
        tb = keras.callbacks.TensorBoard(self._log_dir, update_freq=1, write_graph=False,
                                         histogram_freq=0, profile_batch=0)
        model = TinyModel(name="tiny")
        model.compile(optimizer="sgd")
        summaries = Summaries()  # the tensorflow adapter's mapping of requests to tf.summary ops.
        self._ready = threading.Event()
        bridge = _Bridge(self._requests, lambda kind, r: getattr(summaries, kind)(r), self._ready)
        rng = np.random.default_rng(0)
        x = rng.normal(size=(8, 3)).astype(np.float32)
        y = x.sum(axis=1, keepdims=True)

        def batches():
            while True:
                yield x, y

        def train():
            try:
                model.fit(batches(), steps_per_epoch=1 << 40, epochs=1, verbose=0, shuffle=False,
                          callbacks=[_Quiet(), tb, bridge])
            except Exception as exc:  # noqa: BLE001 - reported to every later request.
                self._failure = exc
            finally:
                self._done.set()
                self._ready.set()
                bridge.abandon(self._failure or RuntimeError("fit() has ended"))

        self._done = threading.Event()
        self._thread = threading.Thread(target=train, name="keras-fit", daemon=True)
        self._thread.start()
        self._ready.wait()  # the writer exists, or fit() failed before its first batch.
        if self._failure is not None:
            shutil.rmtree(self._log_dir, ignore_errors=True)
            raise self._failure
        self._logdir = logdir
        self.file = event_file(logdir)

    def _call(self, kind, request):
        if self._failure is not None or self._done.is_set():
            raise self._failure or RuntimeError("fit() has ended")
        reply = queue.Queue()
        self._requests.put((kind, request, reply))
        while True:
            try:
                result = reply.get(timeout=0.1)
                break
            except queue.Empty:  # only a request put as fit() ended: abandon() answers the rest.
                if self._done.is_set() and reply.empty():
                    raise self._failure or RuntimeError("fit() ended before the request ran")
        if result is not None:
            raise result

    def scalar(self, r):
        self._call("scalar", r)

    def histogram(self, r):
        self._call("histogram", r)

    def image(self, r):
        self._call("image", r)

    def text(self, r):
        self._call("text", r)

    def flush(self):
        self._call("flush", None)

    def close(self):
        if not self._done.is_set():
            self._requests.put(_STOP)
            self._done.wait()
        shutil.rmtree(self._log_dir, ignore_errors=True)  # the symlink; RUN_DIR stays.
        if self._failure is not None:
            raise self._failure


if __name__ == "__main__":
    sys.exit(adapter_common.serve(KerasAdapter))
