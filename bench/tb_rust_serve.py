"""Times real TensorBoard's Rust data server serving a logdir (profile_bench's BM_TbRustServer).

Usage: tb_rust_serve.py LOGDIR EXPECTED PLUGIN TAG TAG_COUNT [--timeout S]

Starts `tensorboard --load_fast=true` (the venv's, beside this Python) on 127.0.0.1 and a free
port, keeping every sample (--samples_per_plugin), and polls its HTTP API: PLUGIN's TAG (the tag
of the logdir's last record) until it serves TAG_COUNT values, then every tag of the scalars,
histograms and images plugins until EXPECTED values in all are served. Prints
"<seconds> <values> <ready>": seconds from the start of tensorboard to the poll that first saw the
last record's tag complete with every value served (the final check is not counted), the values
served, and the seconds until its HTTP API first answered (start-up, included in <seconds>).
The histograms route serves at most 51 histograms a tag (histograms_plugin.SAMPLE_SIZE, whatever
--samples_per_plugin says), so EXPECTED counts at most 51 for each histogram tag. Exits 1 with a message on stderr if tensorboard fails or the values never all arrive.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

PLUGINS = {"scalars": "scalars", "histograms": "histograms", "images": "images"}


def fail(msg):
    sys.stderr.write("tb_rust_serve: %s\n" % msg)
    sys.exit(1)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    args = sys.argv[1:]
    timeout = 600.0
    if "--timeout" in args:
        i = args.index("--timeout")
        timeout = float(args[i + 1])
        del args[i:i + 2]
    if len(args) != 5:
        fail("usage: tb_rust_serve.py LOGDIR EXPECTED PLUGIN TAG TAG_COUNT [--timeout S]")
    logdir, expected, probe_plugin, probe_tag, probe_count = args
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so that tensorboard is stopped.
    expected, probe_count = int(expected), int(probe_count)
    exe = os.path.join(os.path.dirname(sys.executable), "tensorboard")
    if not os.path.exists(exe):
        fail("no tensorboard beside " + sys.executable)
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    keep = ",".join("%s=%d" % (p, max(expected, 1)) for p in PLUGINS)
    log = tempfile.TemporaryFile()
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [exe, "--logdir", logdir, "--load_fast=true", "--host", "127.0.0.1", "--port", str(port),
         "--samples_per_plugin", keep, "--reload_interval", "1"],
        stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)

    def get(path):
        with urllib.request.urlopen(base + path, timeout=120) as r:
            return json.loads(r.read())

    def count(plugin, run, tag):
        q = urllib.parse.urlencode({"run": run, "tag": tag} |
                                   ({"sample": 0} if plugin == "images" else {}))
        return len(get("/data/plugin/%s/%s?%s" % (plugin, PLUGINS[plugin], q)))

    try:
        deadline = t0 + timeout
        ready = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                log.seek(0)
                fail("tensorboard exited with %d: %s" % (
                    proc.returncode, log.read().decode("utf-8", "replace")[-300:]))
            try:
                runs = get("/data/plugin/%s/tags" % probe_plugin)
                ready = ready if ready is not None else time.monotonic() - t0
                done = any(probe_tag in tags and count(probe_plugin, run, probe_tag) >= probe_count
                           for run, tags in runs.items())
            except Exception:  # pylint: disable=broad-except  (not up yet)
                done = False
            if done:
                seen = time.monotonic() - t0
                served = 0
                for plugin in PLUGINS:
                    for run, tags in get("/data/plugin/%s/tags" % plugin).items():
                        served += sum(count(plugin, run, tag) for tag in tags)
                if served >= expected:
                    print("%.3f %d %.3f" % (seen, served, ready))
                    return
            time.sleep(0.1)
        fail("not every value served within %ss" % timeout)
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
                proc.wait(10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass


if __name__ == "__main__":
    main()
