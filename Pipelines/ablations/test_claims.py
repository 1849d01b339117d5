"""Tests of claims.py's verdict rule (docs/SCALE.md) on synthetic runs: python3 -m unittest
discover -s Pipelines/ablations (part of `make test`)."""
import csv
import os
import random
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BOOKS = 300


def write_books(path, accuracy, rng, books=BOOKS):
    with open(path, "w") as f:
        f.write("item\tentries\tqueried\tcorrect_numbers\tall_correct\tgenerated_tokens\tprompt_tokens\ttarget\tprediction\n")
        for i in range(books):
            right = int(rng.random() < accuracy)
            f.write(f"{i}\t1\t1\t{right}\t{right}\t13\t{60 + i % 100}\t1\t1\n")


def write_run(root, run, accuracy, seed):
    """A run whose books are answered right with probability `accuracy` (long books as often as short),
    with a learning curve of three checkpoints rising to it."""
    rng = random.Random(seed)
    os.makedirs(os.path.join(root, run, "curve"), exist_ok=True)
    write_books(os.path.join(root, run, "phonebook.tsv"), accuracy, rng)
    for step, share in ((10, 0.2), (20, 0.6), (30, 1.0)):
        write_books(os.path.join(root, run, "curve", f"step-{step}.tsv"), accuracy * share, rng, books=100)


def claims(root, runs):
    out = os.path.join(root, "tables")
    env = dict(os.environ, CLAIMS_RESAMPLES="500")
    subprocess.run([sys.executable, os.path.join(HERE, "claims.py"), root, out] + runs, check=True, capture_output=True, env=env)
    with open(os.path.join(out, "claims.tsv")) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return {(r["claim"], r["comparison"]): r for r in rows}, out


class VerdictRule(unittest.TestCase):
    def matrix(self, accuracy):
        root = tempfile.mkdtemp(prefix="claims-")
        runs = []
        for cell, acc in accuracy.items():
            for s in (1, 2, 3):
                run = cell if s == 1 else f"{cell}.seed{s}"
                write_run(root, run, acc, seed=sum(map(ord, cell)) * 10 + s)
                runs.append(run)
        return root, runs

    def test_a_clear_gain_is_reproduced_and_a_clear_loss_contradicted(self):
        root, runs = self.matrix({"gated-ssm-birdie": 0.6, "gated-ssm-clm": 0.2, "gated-ssm-plus-birdie": 0.1, "gated-ssm-plus-clm": 0.5})
        table, _ = claims(root, runs)
        c1a = table[("C1a", "birdie - clm")]
        self.assertEqual(c1a["verdict"], "reproduced")
        self.assertLess(float(c1a["lo"]), float(c1a["effect"]))
        self.assertLess(float(c1a["effect"]), float(c1a["hi"]))
        self.assertEqual(table[("C1b", "birdie - clm")]["verdict"], "contradicted")
        # The area under the learning curve is reported beside (mean over 3 checkpoints: 0.6 x the gain).
        self.assertGreater(float(c1a["auc_lo"]), 0)
        self.assertAlmostEqual(float(c1a["auc_effect"]), 0.6 * 0.4, delta=0.08)
        self.assertEqual(table[("C3", "birdie - ul2")]["verdict"], "not run")

    def test_equal_cells_are_inconclusive_and_close_by_equivalence(self):
        root, runs = self.matrix({"gated-ssm-birdie": 0.4, "gated-ssm-clm": 0.4, "gated-ssm-birdie-causal": 0.4})
        table, _ = claims(root, runs)
        self.assertEqual(table[("C1a", "birdie - clm")]["verdict"], "inconclusive")
        # 3 x 300 books at 0.4: the interval is about +-0.05 wide, so equivalence within 0.05 may or may not hold,
        # but it can never be contradicted.
        self.assertIn(table[("C2", "birdie-causal - clm")]["verdict"], ("reproduced", "inconclusive"))

    def test_cells_at_the_floor_are_not_testable(self):
        root, runs = self.matrix({"gated-ssm-birdie": 0.0, "gated-ssm-clm": 0.005})
        table, _ = claims(root, runs)
        self.assertEqual(table[("C1a", "birdie - clm")]["verdict"], "not testable")

    def test_same_inputs_give_the_same_tables(self):
        root, runs = self.matrix({"gated-ssm-birdie": 0.3, "gated-ssm-clm": 0.25})
        def tables():
            _, out = claims(root, runs)
            text = ""
            for name in ("claims.tsv", "phonebook-ci.tsv"):
                with open(os.path.join(out, name)) as f:
                    text += f.read()
            return text
        self.assertEqual(tables(), tables())


if __name__ == "__main__":
    unittest.main()
