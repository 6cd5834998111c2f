#!/usr/bin/env python3
"""Prints what real TensorBoard shows for a logdir, as series JSON.

Usage: tb_series.py --mode tb-python|tb-rust LOGDIR [--timeout S]

Schema (the same as `tbfault series --profile P --json LOGDIR`):
  {"profile": P, "runs": {RUN: {TAG: {"kind": K, "points": [[step, value], ...]}}}}
RUN is the run path relative to LOGDIR ("." for LOGDIR itself). value: scalar ->
number (NaN/Inf as "nan"/"inf"/"-inf"); histogram -> total count; image ->
"WxH" read from the PNG header; text -> the string. Runs and tags sorted;
points in the order TensorBoard returns them.

tb-python: TensorBoard's own Python loading path (what `--load_fast=false`
serves): plugin_event_multiplexer.EventMultiplexer with every reservoir set to
keep all samples, reloaded once, read through MultiplexerDataProvider exactly
as the scalars/histograms/images/text plugins do.

tb-rust: starts the real `tensorboard --load_fast=true` on 127.0.0.1 and a free
port (its Rust data server `tensorboard-data-server` does the loading), waits
until the HTTP data API is stable, reads every run and tag, then stops the
server and its data-server child.

Exit 0 with JSON on stdout; 2 with a one-line error on stderr.
"""

import argparse
import html
import json
import math
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

# Keep-all for every plugin. The data server's reservoir and the plugins'
# downsampling take the same number; 0 would mean "return none" to the
# plugins' read calls, so a count larger than any scenario logs is used.
KEEP = 1000000
PLUGINS = ("scalars", "histograms", "images", "text")


def fail(msg):
    print("tb_series: " + msg, file=sys.stderr)
    sys.exit(2)


def scalar_value(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def png_size(data):
    if len(data) >= 24 and data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        w, h = struct.unpack(">II", data[16:24])
        return "%dx%d" % (w, h)
    return "?x?"


def text_value(arr):
    # A rank-0 string tensor is what the text plugin shows as one string;
    # anything else is shown as a table: report the flattened strings.
    def dec(b):
        return b.decode("utf-8", "replace") if isinstance(b, bytes) else str(b)

    if not arr.shape:
        return dec(arr.item())
    return [dec(b) for b in arr.reshape(-1)]


def sorted_doc(profile, runs):
    out = {"profile": profile, "runs": {}}
    for run in sorted(runs):
        tags = runs[run]
        if tags:
            out["runs"][run] = {t: tags[t] for t in sorted(tags)}
    return out


# ---------------------------------------------------------------- tb-python


def python_loader(logdir):
    """TensorBoard's Python multiplexer over LOGDIR, keeping every sample."""
    import logging

    from tensorboard.backend.event_processing import plugin_event_multiplexer
    from tensorboard.backend.event_processing import tag_types

    logging.getLogger("tensorboard").setLevel(logging.ERROR)
    mux = plugin_event_multiplexer.EventMultiplexer(
        size_guidance={tag_types.TENSORS: 0},
        tensor_size_guidance={p: 0 for p in PLUGINS},
        purge_orphaned_data=True,  # TensorBoard's default
    )
    return mux


def python_reload(mux, logdir, errors):
    """One reload cycle, as TensorBoard's reload thread does it."""
    mux.AddRunsFromDirectory(logdir)
    # TensorBoard reloads every run in one thread; an exception other than
    # OSError escaping a run's Reload (an invalid proto raises DecodeError)
    # ends TensorBoard's reload thread for good. Here each run is reloaded on
    # its own so one bad run cannot hide the others; the error is reported.
    for name in sorted(mux.Runs()):
        if name in errors:
            continue
        try:
            mux.GetAccumulator(name).Reload()
        except Exception as e:  # pylint: disable=broad-except
            errors[name] = "%s: %s" % (type(e).__name__, e)
            print("tb_series: tb-python: run %s: reload raised %s" % (name, errors[name]),
                  file=sys.stderr)


def python_read(mux, logdir):
    """What the plugins read through MultiplexerDataProvider."""
    from tensorboard.backend.event_processing import data_provider
    from tensorboard import context as tb_context

    prov = data_provider.MultiplexerDataProvider(mux, logdir)
    ctx = tb_context.RequestContext()
    runs = {r.run_name: {} for r in prov.list_runs(ctx, experiment_id="")}

    scalars = prov.read_scalars(ctx, experiment_id="", plugin_name="scalars",
                                downsample=KEEP)
    for run, tags in scalars.items():
        for tag, data in tags.items():
            runs[run][tag] = {"kind": "scalar", "points": [
                [d.step, scalar_value(d.value)] for d in data]}
    hists = prov.read_tensors(ctx, experiment_id="", plugin_name="histograms",
                              downsample=KEEP)
    for run, tags in hists.items():
        for tag, data in tags.items():
            pts = []
            for d in data:
                a = d.numpy
                total = float(a[:, 2].sum()) if a.ndim == 2 and a.shape[0] else 0.0
                pts.append([d.step, scalar_value(total)])
            runs[run][tag] = {"kind": "histogram", "points": pts}
    texts = prov.read_tensors(ctx, experiment_id="", plugin_name="text",
                              downsample=KEEP)
    for run, tags in texts.items():
        for tag, data in tags.items():
            runs[run][tag] = {"kind": "text", "points": [
                [d.step, text_value(d.numpy)] for d in data]}
    images = prov.read_blob_sequences(ctx, experiment_id="", plugin_name="images",
                                      downsample=KEEP)
    for run, tags in images.items():
        for tag, data in tags.items():
            pts = []
            for d in data:
                if len(d.values) < 3:  # the plugin shows sample 0 only if present
                    continue
                blob = prov.read_blob(ctx, blob_key=d.values[2].blob_key)
                pts.append([d.step, png_size(blob)])
            runs[run][tag] = {"kind": "image", "points": pts}
    return sorted_doc("tb-python", runs)


def series_python(logdir):
    mux = python_loader(logdir)
    errors = {}
    for _ in range(2):  # a second cycle must add nothing: the files are static
        python_reload(mux, logdir, errors)
    return python_read(mux, logdir)


# ------------------------------------------------------------------ tb-rust


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """samples: the --samples_per_plugin value; None keeps every point, "" is
    TensorBoard's defaults (no flag)."""

    def __init__(self, logdir, timeout, load_fast="true", samples=None):
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        exe = os.path.join(os.path.dirname(sys.executable), "tensorboard")
        if not os.path.exists(exe):
            fail("no tensorboard executable beside %s" % sys.executable)
        if samples is None:
            samples = ",".join("%s=%d" % (p, KEEP) for p in PLUGINS)
        self.args = [exe, "--logdir", logdir, "--load_fast=" + load_fast,
                     "--host", "127.0.0.1", "--port", str(self.port), "--reload_interval", "1"]
        if samples:
            self.args += ["--samples_per_plugin", samples]
        # tensorboard's log goes to a file (a pipe nobody reads could fill and
        # stall it); TB_SERIES_LOG=PATH keeps it.
        self.logpath = os.environ.get("TB_SERIES_LOG")
        self.log = open(self.logpath, "w+b") if self.logpath else tempfile.TemporaryFile()
        # Own process group so that the data-server child is stopped with it.
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=self.log,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.timeout = timeout

    def get(self, path, raw=False):
        with urllib.request.urlopen(self.base + path, timeout=30) as r:
            body = r.read()
        return body if raw else json.loads(body)

    def wait_ready(self):
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                err = self.log.read().decode("utf-8", "replace").strip()
                fail("tensorboard exited with %d: %s" % (self.proc.returncode,
                                                         err.splitlines()[-1:] or ""))
            try:
                self.get("/data/runs")
                return
            except Exception:  # pylint: disable=broad-except
                time.sleep(0.2)
        fail("tensorboard did not answer within %ss" % self.timeout)

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        # The data server dies when its stdin (a pipe from tensorboard) closes;
        # make sure nothing of the group is left.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def q(**kw):
    return urllib.parse.urlencode(kw)


def snapshot(srv):
    """Everything the HTTP API shows now."""
    runs = {r: {} for r in srv.get("/data/runs")}
    for run, tags in srv.get("/data/plugin/scalars/tags").items():
        for tag in tags:
            data = srv.get("/data/plugin/scalars/scalars?" + q(run=run, tag=tag))
            runs.setdefault(run, {})[tag] = {"kind": "scalar", "points": [
                [d[1], scalar_value(d[2])] for d in data]}
    for run, tags in srv.get("/data/plugin/histograms/tags").items():
        for tag in tags:
            data = srv.get("/data/plugin/histograms/histograms?" + q(run=run, tag=tag))
            runs.setdefault(run, {})[tag] = {"kind": "histogram", "points": [
                [d[1], scalar_value(sum(b[2] for b in d[2]))] for d in data]}
    for run, tags in srv.get("/data/plugin/images/tags").items():
        for tag in tags:
            data = srv.get("/data/plugin/images/images?" + q(run=run, tag=tag, sample=0))
            pts = []
            for d in data:
                blob = srv.get("/data/plugin/images/individualImage?" + d["query"], raw=True)
                pts.append([d["step"], png_size(blob)])
            runs.setdefault(run, {})[tag] = {"kind": "image", "points": pts}
    for run, tags in srv.get("/data/plugin/text/tags").items():
        for tag in tags:
            data = srv.get("/data/plugin/text/text?" + q(run=run, tag=tag, markdown="false"))
            pts = []
            for d in data:
                # markdown=false: the string is HTML-escaped (a table for
                # non-scalar tensors); unescape to compare with the logged text.
                pts.append([d["step"], html.unescape(d["text"])])
            runs.setdefault(run, {})[tag] = {"kind": "text", "points": pts}
    return sorted_doc("tb-rust", runs)


def settled(srv, timeout, settle, profile):
    """Polls the HTTP API until its answer stays the same for SETTLE seconds."""
    deadline = time.time() + timeout
    last, stable_since = None, None
    while True:
        doc = snapshot(srv)
        now = time.time()
        if doc != last:
            last, stable_since = doc, now
        elif now - stable_since >= settle:
            doc["profile"] = profile
            return doc
        if now > deadline:
            fail("%s: series still changing after %ss" % (profile, timeout))
        time.sleep(0.5)


def series_http(logdir, timeout, settle, profile):
    srv = Server(logdir, timeout, "true" if profile == "tb-rust" else "false")
    try:
        srv.wait_ready()
        return settled(srv, timeout, settle, profile)
    finally:
        srv.stop()


def dumps(doc):
    """JSON with one line per tag, so that two outputs diff line by line."""
    lines = ['{"profile": %s, "runs": {' % json.dumps(doc["profile"])]
    runs = list(doc["runs"].items())
    for i, (run, tags) in enumerate(runs):
        lines.append(" %s: {" % json.dumps(run))
        items = list(tags.items())
        for j, (tag, s) in enumerate(items):
            lines.append("  %s: %s%s" % (json.dumps(tag), json.dumps(s),
                                         "," if j + 1 < len(items) else ""))
        lines.append(" }" + ("," if i + 1 < len(runs) else ""))
    lines.append("}}")
    return "\n".join(lines) + "\n"


def main():
    # A SIGTERM/SIGINT/SIGHUP (a ctest timeout, ^C) unwinds through the
    # finally blocks so that the tensorboard server is stopped, never left.
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", required=True,
                    choices=["tb-python", "tb-rust", "tb-python-http"],
                    help="tb-python-http: the real server with --load_fast=false, "
                    "through HTTP (a cross-check of tb-python)")
    ap.add_argument("--timeout", type=float, default=180.0)
    ap.add_argument("--settle", type=float, default=3.0,
                    help="tb-rust: seconds the answer must stay the same")
    ap.add_argument("logdir")
    a = ap.parse_args()
    if not os.path.isdir(a.logdir):
        fail("%s: not a directory" % a.logdir)
    logdir = os.path.abspath(a.logdir)
    if a.mode == "tb-python":
        doc = series_python(logdir)
    else:
        doc = series_http(logdir, a.timeout, a.settle, a.mode)
    sys.stdout.write(dumps(doc))


if __name__ == "__main__":
    main()
