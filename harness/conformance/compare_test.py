#!/usr/bin/env python3
"""Tests of compare.py's rules, run on the documents themselves (no TensorBoard)."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compare  # noqa: E402


def doc(points, kind="scalar", run="r", tag="t", profile="tb-rust"):
    return {"profile": profile, "runs": {run: {tag: {"kind": kind, "points": points}}}}


class SameTest(unittest.TestCase):
    def test_float32_shortest_form_equals_widened_double(self):
        self.assertTrue(compare.same(0.1, 0.10000000149011612))
        self.assertTrue(compare.same(0.10000000149011612, 0.1))

    def test_different_float32_values_differ(self):
        self.assertFalse(compare.same(0.1, 0.10000001))
        self.assertFalse(compare.same(2.5, 1234.5))

    def test_double_that_is_not_float32_exact_must_match_exactly(self):
        # 0.1 (double) and 0.1000000000000001 round to the same float32,
        # but neither is float32-exact: a DT_DOUBLE value, compared as double.
        self.assertFalse(compare.same(0.1, 0.1000000000000001))

    def test_signed_zero_and_specials(self):
        self.assertFalse(compare.same(0.0, -0.0))
        self.assertTrue(compare.same("nan", "nan"))
        self.assertFalse(compare.same("inf", "-inf"))
        self.assertFalse(compare.same("nan", 1.0))

    def test_counts_int_or_float(self):
        self.assertTrue(compare.same(3, 3.0))
        self.assertTrue(compare.same("4x3", "4x3"))
        self.assertFalse(compare.same("4x3", "3x4"))


class CompareTest(unittest.TestCase):
    def test_equal(self):
        d = doc([[0, 0.5], [1, 1.5]])
        self.assertEqual(compare.compare(d, d), [])

    def test_missing_run_and_tag(self):
        a = doc([[0, 0.5]])
        b = doc([[0, 0.5]], run="other")
        lines = compare.compare(a, b)
        self.assertEqual(len(lines), 2)
        self.assertIn("run other: only in real", lines[0])  # runs sorted
        self.assertIn("run r: only in ours", lines[1])
        c = doc([[0, 0.5]], tag="u")
        self.assertTrue(any("tag u: only in real" in x for x in compare.compare(a, c)))

    def test_value_differs_names_step_and_both_answers(self):
        lines = compare.compare(doc([[0, 0.5], [2, 2.5]]), doc([[0, 0.5], [2, 1234.5]]))
        self.assertEqual(lines, ["run r tag t: step 2: ours 2.5, real 1234.5"])

    def test_duplicates_and_order_matter(self):
        ours = doc([[0, 0.5], [3, 3.5], [3, 103.5]])
        real = doc([[0, 0.5], [3, 103.5]])
        lines = compare.compare(ours, real)
        self.assertIn("run r tag t: steps in ours, not (as often) in real: [3]", lines)
        swapped = doc([[3, 103.5], [0, 0.5]])
        self.assertTrue(any("different order" in x
                            for x in compare.compare(real, swapped)))

    def test_kind_differs(self):
        lines = compare.compare(doc([[0, 3]], kind="histogram"), doc([[0, 3]]))
        self.assertEqual(lines, ["run r tag t: kind ours histogram, real scalar"])

    def test_exit_codes(self):
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for name, d in (("a", doc([[0, 0.1]])), ("b", doc([[0, 0.10000000149011612]])),
                            ("c", doc([[0, 0.2]]))):
                paths.append(os.path.join(tmp, name + ".json"))
                with open(paths[-1], "w") as f:
                    json.dump(d, f)
            bad = os.path.join(tmp, "bad.json")
            with open(bad, "w") as f:
                f.write("{")
            run = lambda *args: subprocess.run(
                [sys.executable, os.path.join(HERE, "compare.py"), *args],
                capture_output=True, text=True)
            self.assertEqual(run(paths[0], paths[1]).returncode, 0)
            r = run(paths[0], paths[2])
            self.assertEqual(r.returncode, 1)
            self.assertIn("step 0: ours 0.1, real 0.2", r.stdout)
            r = run(paths[0], bad)
            self.assertEqual(r.returncode, 2)
            self.assertIn("bad.json", r.stderr)


if __name__ == "__main__":
    unittest.main()
