#!/usr/bin/env python3
"""Compares two series JSONs (ours, then real TensorBoard's); exit 0 when equal.

Usage: compare.py OURS.json REAL.json [--label NAME]

The schema is tb_series.py's. Every disagreement is printed, one per line:
a run or tag present on one side only, a different kind, and per tag the
steps seen by one side only and every step whose value differs (both
answers). Numbers are equal when they are the same float32 bit pattern, so
that our float32 scalars printed in shortest form ("0.1") equal TensorBoard's
widened doubles (0.10000000149011612); a number that is not float32-exact
(a DT_DOUBLE value) must be the same double. NaN/Inf are compared as the
strings "nan", "inf", "-inf". Exit 0 equal, 1 different, 2 bad input.
"""

import argparse
import json
import math
import struct
import sys


def load(path):
    try:
        with open(path) as f:
            doc = json.load(f)
        if not isinstance(doc.get("runs"), dict):
            raise ValueError("no \"runs\" object")
        return doc
    except (OSError, ValueError) as e:
        print("compare: %s: %s" % (path, e), file=sys.stderr)
        sys.exit(2)


def f32(x):
    try:
        return struct.pack("<f", x)
    except OverflowError:
        return None


def same(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        a, b = float(a), float(b)
        if a == b and math.copysign(1, a) == math.copysign(1, b):
            return True
        fa, fb = f32(a), f32(b)
        exact = lambda x, fx: fx is not None and struct.unpack("<f", fx)[0] == x
        return fa is not None and fa == fb and (exact(a, fa) or exact(b, fb))
    return a == b


def show(v):
    return json.dumps(v)


def diff_points(ours, real):
    """Yields one line per difference between two point lists."""
    if len(ours) == len(real) and all(o[0] == r[0] for o, r in zip(ours, real)):
        for o, r in zip(ours, real):
            if not same(o[1], r[1]):
                yield "step %d: ours %s, real %s" % (o[0], show(o[1]), show(r[1]))
        return
    # Different step sequences: say which steps each side alone has, then the
    # two sequences in full (short ones) so that order and duplicates show.
    def counts(pts):
        c = {}
        for s, _ in pts:
            c[s] = c.get(s, 0) + 1
        return c
    co, cr = counts(ours), counts(real)
    only_o = sorted(s for s in co if co[s] > cr.get(s, 0))
    only_r = sorted(s for s in cr if cr[s] > co.get(s, 0))
    if only_o:
        yield "steps in ours, not (as often) in real: %s" % only_o
    if only_r:
        yield "steps in real, not (as often) in ours: %s" % only_r
    if not only_o and not only_r:
        yield "same steps in a different order"
    shared = sorted(set(co) & set(cr))
    vo, vr = {}, {}
    for s, v in ours:
        vo.setdefault(s, []).append(v)
    for s, v in real:
        vr.setdefault(s, []).append(v)
    for s in shared:
        a, b = vo[s], vr[s]
        if len(a) != len(b) or not all(same(x, y) for x, y in zip(a, b)):
            yield "step %d: ours %s, real %s" % (s, show(a), show(b))
    if len(ours) + len(real) <= 40:
        yield "ours: %s" % show(ours)
        yield "real: %s" % show(real)


def compare(ours, real):
    """Returns the list of disagreement lines."""
    out = []
    ro, rr = ours["runs"], real["runs"]
    for run in sorted(set(ro) | set(rr)):
        if run not in rr:
            out.append("run %s: only in ours (tags %s)" % (run, sorted(ro[run])))
            continue
        if run not in ro:
            out.append("run %s: only in real (tags %s)" % (run, sorted(rr[run])))
            continue
        to, tr = ro[run], rr[run]
        for tag in sorted(set(to) | set(tr)):
            where = "run %s tag %s" % (run, tag)
            if tag not in tr:
                out.append("%s: only in ours (%s, %d points)" % (
                    where, to[tag]["kind"], len(to[tag]["points"])))
                continue
            if tag not in to:
                out.append("%s: only in real (%s, %d points)" % (
                    where, tr[tag]["kind"], len(tr[tag]["points"])))
                continue
            if to[tag]["kind"] != tr[tag]["kind"]:
                out.append("%s: kind ours %s, real %s" % (where, to[tag]["kind"],
                                                         tr[tag]["kind"]))
            for line in diff_points(to[tag]["points"], tr[tag]["points"]):
                out.append("%s: %s" % (where, line))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ours")
    ap.add_argument("real")
    ap.add_argument("--label", default="", help="prefix for every line")
    a = ap.parse_args()
    ours, real = load(a.ours), load(a.real)
    lines = compare(ours, real)
    prefix = a.label + ": " if a.label else ""
    if ours.get("profile") != real.get("profile"):
        lines.insert(0, "profile ours %s, real %s" % (ours.get("profile"),
                                                     real.get("profile")))
    for line in lines:
        print(prefix + line)
    if lines:
        print("%s%d disagreement(s)" % (prefix, len(lines)))
        sys.exit(1)
    print("%sequal" % prefix)


if __name__ == "__main__":
    main()
