"""Keeps the CI examples honest (registered with ctest by harness/cli/CMakeLists.txt).

Usage: ci_examples_test.py TBFAULT_BIN CI_EXAMPLES_DIR

Each YAML file must parse (PyYAML) and have the shape its comment promises: GitHub Actions, a
matrix of shards whose size the run's --shard-total matches, a merge job after it that merges and
gates; GitLab, a `parallel:` job and a merge job in a later stage that merges and gates;
Kubernetes, an Indexed Job whose --shard-total is its completions and a merge Job. Every
tbfault command line in them and in check-writer.sh must name a command `tbfault --help` lists and
only flags that command's --help lists; every repository file they name must exist.
"""

import os
import re
import shlex
import subprocess
import sys

try:
    import yaml
except ImportError:
    print("SKIP: this python has no yaml module (Debian: apt-get install python3-yaml)")
    sys.exit(77)

TBFAULT, DIR = sys.argv[1], sys.argv[2]
SOURCE = os.path.dirname(os.path.abspath(DIR))
failures = []


def fail(msg):
    failures.append(msg)


def help_text(*args):
    r = subprocess.run([TBFAULT, *args, "--help"], capture_output=True, text=True)
    if r.returncode != 0:
        fail("tbfault %s --help: exit %d" % (" ".join(args), r.returncode))
    return r.stdout


COMMANDS = help_text()


def tbfault_invocations(script):
    """(command, [flags]) for every tbfault invocation in a shell script text."""
    script = script.replace("\\\n", " ")
    out = []
    for line in script.splitlines():
        try:
            tokens = shlex.split(line, comments=True)
        except ValueError as exc:
            fail("cannot split shell line %r: %s" % (line, exc))
            continue
        for i, tok in enumerate(tokens):
            if not re.fullmatch(r".*/tbfault|\$\{?tbfault\}?|\$\{?TBFAULT[^}]*\}?", tok):
                continue
            if i + 1 >= len(tokens) or not re.fullmatch(r"[a-z][a-z-]*", tokens[i + 1]):
                continue  # not an invocation (chmod +x build/bin/tbfault build/bin/faultfs).
            flags = []
            for t in tokens[i + 2:]:
                if t in ("||", "&&", ";", "|") or t.startswith(("||", "&&")):
                    break
                if t.startswith("--"):
                    flags.append(t.split("=", 1)[0])
            out.append((tokens[i + 1], flags))
    return out


def check_script(where, script):
    calls = tbfault_invocations(script)
    for command, flags in calls:
        if not re.search(r"^\s+%s\s" % re.escape(command), COMMANDS, re.M):
            fail("%s: 'tbfault %s' is not a tbfault command" % (where, command))
            continue
        text = help_text(command)
        for flag in flags:
            if not re.search(r"(^|\s)%s(\s|=|,|$)" % re.escape(flag), text, re.M):
                fail("%s: 'tbfault %s %s': no such flag in 'tbfault %s --help'"
                     % (where, command, flag, command))
    for path in re.findall(r"\b((?:reports|scenarios|ci-examples|tools)/[\w./-]+)", script):
        if not os.path.exists(os.path.join(SOURCE, path.rstrip("/"))):
            fail("%s: names %s, which is not in the repository" % (where, path))
    return calls


def commands_of(calls):
    return [c for c, _ in calls]


def load(name):
    path = os.path.join(DIR, name)
    try:
        with open(path) as f:
            return yaml.safe_load(f)
    except yaml.YAMLError as exc:
        fail("%s: not valid YAML: %s" % (path, str(exc).replace("\n", " ")))
        return None


# GitHub Actions: a matrix of shards, a merge job that merges and gates.
gh = load("github-actions.yml")
if gh is not None:
    jobs = gh.get("jobs", {})
    shards = str(gh.get("env", {}).get("SHARDS", ""))
    calls = {}
    for name, job in jobs.items():
        script = "\n".join(s.get("run", "") for s in job.get("steps", []))
        calls[name] = check_script("github-actions.yml: jobs.%s" % name, script)
    suite = jobs.get("suite", {})
    matrix = suite.get("strategy", {}).get("matrix", {}).get("shard", [])
    if matrix != list(range(len(matrix))) or str(len(matrix)) != shards or len(matrix) < 2:
        fail("github-actions.yml: matrix.shard %r is not 0..SHARDS-1 (SHARDS=%s)" % (matrix, shards))
    run = "\n".join(s.get("run", "") for s in suite.get("steps", []))
    if "--shard-index ${{ matrix.shard }}" not in run or "--shard-total $SHARDS" not in run:
        fail("github-actions.yml: the suite job does not run its matrix shard")
    merge = jobs.get("merge", {})
    if "suite" not in merge.get("needs", []):
        fail("github-actions.yml: the merge job does not wait for the suite")
    if not {"merge", "gate"} <= set(commands_of(calls.get("merge", []))):
        fail("github-actions.yml: the merge job does not merge and gate")
    uploads = [s for s in suite.get("steps", []) if "upload-artifact" in s.get("uses", "")]
    if not uploads or "always()" not in str(uploads[0].get("if", "")):
        fail("github-actions.yml: a failing shard's results are not uploaded")

# GitLab: parallel: N, merge and gate in a later stage.
gl = load("gitlab-ci.yml")
if gl is not None:
    stages = gl.get("stages", [])
    calls = {}
    for name, job in gl.items():
        if not isinstance(job, dict) or "script" not in job:
            continue
        calls[name] = check_script("gitlab-ci.yml: %s" % name, "\n".join(job["script"]))
    suite = gl.get("suite", {})
    if not isinstance(suite.get("parallel"), int) or suite["parallel"] < 2:
        fail("gitlab-ci.yml: the suite job has no parallel: N")
    if "run" not in commands_of(calls.get("suite", [])):
        fail("gitlab-ci.yml: the suite job does not run tbfault run")
    if "$CI_NODE_INDEX" not in "\n".join(suite.get("script", [])):
        fail("gitlab-ci.yml: the shards do not write to their own directories")
    merge = gl.get("merge", {})
    if not {"merge", "gate"} <= set(commands_of(calls.get("merge", []))):
        fail("gitlab-ci.yml: the merge job does not merge and gate")
    if stages.index(merge.get("stage", stages[0])) <= stages.index(suite.get("stage", stages[0])):
        fail("gitlab-ci.yml: the merge job is not in a stage after the suite")

# Kubernetes: an Indexed Job whose --shard-total is its completions, and a merge Job.
k8s = []
for name in ("kubernetes-indexed-job.yml", "kubernetes-merge-job.yml"):
    try:
        with open(os.path.join(DIR, name)) as f:
            k8s += list(yaml.safe_load_all(f))
    except yaml.YAMLError as exc:
        fail("%s: not valid YAML: %s" % (name, str(exc).replace("\n", " ")))
k8s_jobs = {d["metadata"]["name"]: d for d in k8s if d and d.get("kind") == "Job"}
k8s_calls = {}
for name, job in k8s_jobs.items():
    container = job["spec"]["template"]["spec"]["containers"][0]
    script = "\n".join(container.get("command", [])[2:] + container.get("args", []))
    k8s_calls[name] = check_script("kubernetes-indexed-job.yml: %s" % name, script)
suite = k8s_jobs.get("tbfault-suite", {}).get("spec", {})
args = " ".join(suite.get("template", {}).get("spec", {}).get("containers", [{}])[0].get("args", []))
if suite.get("completionMode") != "Indexed" or "--shard-total %s " % suite.get("completions") not in args:
    fail("kubernetes-indexed-job.yml: not an Indexed Job whose --shard-total is its completions")
if not {"merge", "gate"} <= set(commands_of(k8s_calls.get("tbfault-merge", []))):
    fail("kubernetes-merge-job.yml: the merge Job does not merge and gate")

# A writer's own CI: builds tbfault and the adapter, runs check-writer.sh on an external: spec.
ghw = load("github-actions-writer.yml")
if ghw is not None:
    steps = ghw.get("jobs", {}).get("tbfault", {}).get("steps", [])
    script = "\n".join(s.get("run", "") for s in steps)
    check_script("github-actions-writer.yml", script)
    if not re.search(r"ci-examples/check-writer\.sh\s+\"external:", script.replace("\\\n", " ")):
        fail("github-actions-writer.yml: does not run check-writer.sh on an external: spec")
    if "--target tbfault faultfs minimal_adapter" not in script:
        fail("github-actions-writer.yml: does not build tbfault, faultfs and the adapter")

# The writer maintainer's script: its tbfault lines.
with open(os.path.join(DIR, "check-writer.sh")) as f:
    calls = check_script("check-writer.sh", f.read())
if set(commands_of(calls)) != {"run", "survival", "gate"}:
    fail("check-writer.sh: runs %s, want run, survival and gate" % sorted(set(commands_of(calls))))

for f in failures:
    print("FAIL: " + f)
if failures:
    sys.exit(1)
print("ok: the CI examples are valid YAML and use commands and flags tbfault has")
