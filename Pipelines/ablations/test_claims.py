"""Tests of claims.py's verdict rule (docs/SCALE.md) on synthetic runs: python3 -m unittest
discover -s Pipelines/ablations (part of `make test`)."""
import csv
import json
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
    env.pop("CLAIMS_RULE", None)   # the earlier rule, whatever make exports
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


# --- the ladder rule (CLAIMS_RULE=ladder; docs/SCALE.md, "The ladder (2026-12-07)") ------------------

sys.path.insert(0, HERE)
import ladder  # noqa: E402

RUNGS = [1, 2, 4, 8]
LADDER_BOOKS = 120   # per rung; the rule's 300 would only make the tests slower
LADDER_HEADER = ("item\tentries\tqueried\tcorrect_numbers\tall_correct\tgenerated_tokens\tprompt_tokens\ttarget\t"
                 "prediction\tanswer_nll\tdigit_accuracy\n")


def per_rung(x):
    return x if isinstance(x, dict) else {r: x for r in RUNGS}


def write_ladder_books(path, exact, digits, rng, books=LADDER_BOOKS):
    """Books on the rungs in turn (book i on rung i mod 4), one number asked: answered exactly with
    probability exact[rung]; digit accuracy digits[rung] on average (whole tenths, as ten digits give)."""
    exact, digits = per_rung(exact), per_rung(digits)
    with open(path, "w") as f:
        f.write(LADDER_HEADER)
        for i in range(books * len(RUNGS)):
            r = RUNGS[i % len(RUNGS)]
            right = int(rng.random() < exact[r])
            d = 1.0 if right else sum(rng.random() < digits[r] for _ in range(10)) / 10
            f.write(f"{i}\t{r}\t1\t{right}\t{right}\t13\t{20 + 18 * r}\t1\t1\t{3 * (1 - d):.6f}\t{d:.6f}\n")


def write_ladder_run(root, run, exact, digits, seed, steps=(10, 20)):
    """A run (or ceiling/<model>) at the end, and a curve rising to it over `steps`."""
    rng = random.Random(seed)
    os.makedirs(os.path.join(root, run, "curve"), exist_ok=True)
    write_ladder_books(os.path.join(root, run, "phonebook.tsv"), exact, digits, rng)
    for k, step in enumerate(steps, 1):
        f = k / len(steps)
        write_ladder_books(os.path.join(root, run, "curve", f"step-{step}.tsv"),
                           {r: per_rung(exact)[r] * f for r in RUNGS}, {r: per_rung(digits)[r] * f for r in RUNGS},
                           rng, books=20)


def ladder_matrix(cells, ceilings, seeds=3):
    """cells: {cell: (exact, digits)}; ceilings: {model: (exact, digits)}. Returns (root, runs)."""
    root = tempfile.mkdtemp(prefix="ladder-")
    runs = []
    for cell, (exact, digits) in cells.items():
        for s in range(1, seeds + 1):
            run = cell if s == 1 else f"{cell}.seed{s}"
            write_ladder_run(root, run, exact, digits, seed=sum(map(ord, run)))
            runs.append(run)
    for model, (exact, digits) in ceilings.items():
        write_ladder_run(root, f"ceiling/{model}", exact, digits, seed=sum(map(ord, model)), steps=(10, 20, 30, 40))
    return root, runs


def ladder_claims(root, runs, ft_steps="20"):
    out = os.path.join(root, "tables")
    env = dict(os.environ, CLAIMS_RULE="ladder", CLAIMS_RESAMPLES="200", FT_STEPS=ft_steps)
    subprocess.run([sys.executable, os.path.join(HERE, "claims.py"), root, out] + runs, check=True, capture_output=True, env=env)
    with open(os.path.join(out, "claims.tsv")) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return {(r["claim"], r["comparison"]): r for r in rows}, out


def read_rows(path):
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


# A ceiling that answers rung 1 exactly (0.9), not rung 2 (0.3), with digit accuracy 0.5 or more on
# rungs 1 and 2 only.
RUNG1_EXACT_RUNGS12_GRADED = ({1: 0.9, 2: 0.3, 4: 0.0, 8: 0.0}, {1: 0.9, 2: 0.8, 4: 0.2, 8: 0.1})


class LadderRule(unittest.TestCase):
    def test_informative_rungs_come_from_the_ceiling(self):
        root, runs = ladder_matrix({"gated-ssm-clm": (0.0, 0.2)}, {"gated-ssm": RUNG1_EXACT_RUNGS12_GRADED}, seeds=1)
        _, out = ladder_claims(root, runs)
        rows = {r["rung"]: r for r in read_rows(os.path.join(out, "ceilings.tsv")) if r["model"] == "gated-ssm"}
        self.assertEqual([r for r in RUNGS if rows[str(r)]["exact_informative"] == "yes"], [1])
        self.assertEqual([r for r in RUNGS if rows[str(r)]["graded_informative"] == "yes"], [1, 2])
        with open(os.path.join(out, "claims.md")) as f:
            self.assertIn("gated-ssm: exact-informative rungs 1; graded-informative rungs 1,2", f.read())

    def test_at_the_exact_floor_the_graded_measure_decides(self):
        root, runs = ladder_matrix({"gated-ssm-birdie": (0.0, 0.6), "gated-ssm-clm": (0.0, 0.3)},
                                   {"gated-ssm": RUNG1_EXACT_RUNGS12_GRADED})
        table, _ = ladder_claims(root, runs)
        c1a = table[("C1a", "birdie - clm")]
        self.assertEqual(c1a["decided_by"], "graded")
        self.assertEqual(c1a["graded_rungs"], "1,2")
        self.assertEqual(c1a["exact_rungs"], "1")
        self.assertIn("floor", c1a["note"])
        self.assertEqual(c1a["verdict"], "reproduced")
        self.assertGreater(float(c1a["graded_lo"]), 0)
        self.assertAlmostEqual(float(c1a["graded_effect"]), 0.3, delta=0.05)
        self.assertEqual(table[("C1a", "claim")]["verdict"], "reproduced")

    def test_above_the_floor_the_exact_measure_decides(self):
        root, runs = ladder_matrix({"gated-ssm-birdie": (0.5, 0.6), "gated-ssm-clm": (0.1, 0.6)},
                                   {"gated-ssm": RUNG1_EXACT_RUNGS12_GRADED})
        table, _ = ladder_claims(root, runs)
        c1a = table[("C1a", "birdie - clm")]
        self.assertEqual(c1a["decided_by"], "exact")
        self.assertEqual(c1a["verdict"], c1a["exact_verdict"])
        self.assertEqual(c1a["verdict"], "reproduced")

    def test_a_model_without_a_ceiling_is_not_testable(self):
        root, runs = ladder_matrix({"gated-ssm-plus-birdie": (0.5, 0.9), "gated-ssm-plus-clm": (0.0, 0.1)},
                                   {"gated-ssm": RUNG1_EXACT_RUNGS12_GRADED}, seeds=1)
        table, _ = ladder_claims(root, runs)
        self.assertEqual(table[("C1b", "birdie - clm")]["verdict"], ladder.NO_CEILING)
        self.assertEqual(table[("C1b", "claim")]["verdict"], ladder.NO_CEILING)
        self.assertEqual(table[("C1a", "birdie - clm")]["verdict"], "not run")

    def test_c4_needs_two_informative_rungs(self):
        cells = {"gated-ssm-birdie": (0.0, {1: 0.7, 2: 0.6, 4: 0.5, 8: 0.4}), "gated-ssm-clm": (0.0, {1: 0.7, 2: 0.3, 4: 0.2, 8: 0.1})}
        # Graded-informative on rung 1 only: one rung, not testable.
        root, runs = ladder_matrix(cells, {"gated-ssm": (0.0, {1: 0.9, 2: 0.4, 4: 0.2, 8: 0.1})}, seeds=1)
        table, _ = ladder_claims(root, runs)
        for comparison in ("clm(r_lo) - clm(r_hi)", "[birdie(r_hi) - birdie(r_lo)] - [clm(r_hi) - clm(r_lo)]"):
            self.assertTrue(table[("C4", comparison)]["verdict"].startswith("not testable"), comparison)
        self.assertTrue(table[("C4", "claim")]["verdict"].startswith("not testable"))
        # Rungs 1 and 2 (the exact measure at its floor): r_lo 1, r_hi 2; CLM falls by 0.4.
        root, runs = ladder_matrix(cells, {"gated-ssm": RUNG1_EXACT_RUNGS12_GRADED}, seeds=1)
        table, _ = ladder_claims(root, runs)
        falls = table[("C4", "clm(r_lo) - clm(r_hi)")]
        self.assertEqual((falls["decided_by"], falls["graded_rungs"], falls["verdict"]), ("graded", "1,2", "reproduced"))
        self.assertAlmostEqual(float(falls["graded_effect"]), 0.4, delta=0.06)

    def test_the_claims_tables_and_their_columns(self):
        root, runs = ladder_matrix({"gated-ssm-birdie": (0.2, 0.6), "gated-ssm-clm": (0.1, 0.4), "transformer-clm": (0.6, 0.8)},
                                   {"gated-ssm": RUNG1_EXACT_RUNGS12_GRADED, "transformer": (0.9, 0.95)}, seeds=2)
        table, out = ladder_claims(root, runs)
        self.assertEqual(table[("C5", "transformer-clm - gated-ssm-clm")]["exact_rungs"], "1")   # both models' rungs
        by_rung = read_rows(os.path.join(out, "claims-by-rung.tsv"))
        self.assertEqual([r["rung"] for r in by_rung if r["claim"] == "C1a"], ["1", "2", "4", "8"])
        self.assertEqual([r["rung"] for r in by_rung if r["comparison"] == "clm(r_lo) - clm(r_hi)"],
                         ["1-2", "1-4", "1-8", "2-4", "2-8", "4-8"])
        cis = read_rows(os.path.join(out, "phonebook-rungs-ci.tsv"))
        self.assertEqual(len(cis), 3 * len(RUNGS))
        row = next(r for r in cis if r["cell"] == "transformer-clm" and r["rung"] == "1")
        self.assertEqual((row["seeds"], row["books"]), ("2", str(LADDER_BOOKS)))
        self.assertLessEqual(float(row["exact_lo"]), float(row["exact"]))
        self.assertLessEqual(float(row["exact"]), float(row["exact_hi"]))
        ceilings = read_rows(os.path.join(out, "ceilings.tsv"))
        self.assertEqual(sorted({r["model"] for r in ceilings}), ["gated-ssm", "transformer"])
        # The fine-tuning length is 20: the ceiling's curve (10, 20, 30, 40) at step 20.
        self.assertEqual({r["ft_step"] for r in ceilings}, {"20"})
        self.assertTrue(all(r["transformer_clm_exact"] != "NA" for r in ceilings))
        curves = read_rows(os.path.join(out, "curves-rungs.tsv"))
        self.assertEqual(sorted({r["run"] for r in curves if r["procedure"] == "ceiling"}), ["ceiling-gated-ssm", "ceiling-transformer"])
        self.assertEqual({r["step"] for r in curves if r["run"] == "gated-ssm-clm.seed2"}, {"10", "20"})

    def test_same_inputs_give_the_same_bytes(self):
        root, runs = ladder_matrix({"gated-ssm-birdie": (0.2, 0.5), "gated-ssm-clm": (0.1, 0.4)},
                                   {"gated-ssm": RUNG1_EXACT_RUNGS12_GRADED}, seeds=2)

        def tables():
            _, out = ladder_claims(root, runs)
            names = ("claims.tsv", "claims.md", "claims-by-rung.tsv", "phonebook-rungs-ci.tsv", "ceilings.tsv", "curves-rungs.tsv")
            return [open(os.path.join(out, n)).read() for n in names]
        self.assertEqual(tables(), tables())


class LadderBootstrap(unittest.TestCase):
    def test_books_are_resampled_within_their_rung(self):
        rungs = [1] * 5 + [2] * 7 + [4] * 3
        random.Random(3).shuffle(rungs)
        positions = {}
        for i, r in enumerate(rungs):
            positions.setdefault(r, []).append(i)
        for draw in ladder.resampled_books(positions, 50):
            self.assertEqual(sorted(draw), [1, 2, 4])
            for r, books in draw.items():
                self.assertEqual(len(books), len(positions[r]))
                self.assertTrue(all(rungs[i] == r for i in books))

    def test_the_pooled_measure_weighs_rungs_equally(self):
        # Rung 1: 10 books, all right; rung 2: 90 books, none: pooled 0.5 (not 10/100).
        root = tempfile.mkdtemp(prefix="ladder-")
        path = os.path.join(root, "phonebook.tsv")
        with open(path, "w") as f:
            f.write(LADDER_HEADER)
            for i in range(100):
                right = int(i < 10)
                f.write(f"{i}\t{1 if i < 10 else 2}\t1\t{right}\t{right}\t13\t40\t1\t1\t0.5\t{right:.6f}\n")
        scores = ladder.Scores(path)
        cell = ladder.Cell("gated-ssm-clm")
        cell.add("gated-ssm-clm", scores, {})
        measured = ladder.Measured({"gated-ssm-clm": cell}, scores.positions(), resamples=20)
        for measure in ladder.MEASURES:
            est, lo, hi = measured.interval(measure, lambda v: v("gated-ssm-clm", [1, 2]))
            self.assertEqual((est, lo, hi), (0.5, 0.5, 0.5))

    def test_a_claim_combines_in_the_rules_order(self):
        nt = "not testable (no graded-informative rung)"
        self.assertEqual(ladder.combine(["reproduced", "reproduced"]), "reproduced")
        self.assertEqual(ladder.combine(["reproduced", "contradicted"]), "contradicted")
        self.assertEqual(ladder.combine([nt, "contradicted"]), "contradicted")
        self.assertEqual(ladder.combine(["reproduced", nt]), nt)
        self.assertEqual(ladder.combine(["inconclusive", nt]), nt)
        self.assertEqual(ladder.combine(["reproduced", "inconclusive"]), "inconclusive")


class Seeds(unittest.TestCase):
    def seeds(self, root):
        env = dict(os.environ, CLAIMS_RESAMPLES="200")
        done = subprocess.run([sys.executable, os.path.join(HERE, "seeds.py"), root, "--json"],
                              capture_output=True, text=True, env=env)
        return done.returncode, json.loads(done.stdout)

    def test_the_rule_of_thumb(self):
        self.assertEqual(ladder.seeds_needed(0.0, 0.0001), (3, True))
        n, enough = ladder.seeds_needed(1.0, 0.0)
        self.assertEqual((n, enough), (8, False))
        # 2.8 sqrt(2 s^2 / n) <= 0.05 first at n = 7 for s = 0.033 (6 needs s <= 0.0309).
        self.assertEqual(ladder.seeds_needed(0.033, 0.0)[0], 7)
        self.assertAlmostEqual(ladder.detectable_effect(0.033, 0.0, 7), 2.8 * (2 * 0.033 ** 2 / 7) ** 0.5)
        self.assertAlmostEqual(ladder.detectable_effect(0.0, 0.01, 4), 2.8 * (0.01 / 4) ** 0.5)   # u averages down too

    def test_seeds_that_agree_need_three(self):
        # Every seed scores the same books alike (s = 0); digit accuracy nearly constant (v small).
        root = tempfile.mkdtemp(prefix="seeds-")
        for run in ("gated-ssm-clm", "gated-ssm-clm.seed2", "gated-ssm-clm.seed3"):
            write_ladder_run(root, run, 0.0, {1: 0.99, 2: 0.99, 4: 0.99, 8: 0.99}, seed=1)
        write_ladder_run(root, "ceiling/gated-ssm", 0.0, 0.9, seed=2)
        code, plan = self.seeds(root)
        self.assertEqual(code, 0)
        self.assertEqual((plan["measure"], plan["rungs"], plan["s"], plan["n"], plan["enough"]), ("graded", RUNGS, 0.0, 3, True))
        self.assertLessEqual(plan["detectable"], ladder.DELTA)

    def test_seeds_far_apart_need_the_most_and_say_what_they_detect(self):
        root = tempfile.mkdtemp(prefix="seeds-")
        for run, level in (("gated-ssm-clm", 0.1), ("gated-ssm-clm.seed2", 0.5), ("gated-ssm-clm.seed3", 0.9)):
            write_ladder_run(root, run, 0.0, level, seed=1)
        write_ladder_run(root, "ceiling/gated-ssm", 0.0, 0.9, seed=2)
        code, plan = self.seeds(root)
        self.assertEqual((code, plan["n"], plan["enough"]), (0, 8, False))
        self.assertGreater(plan["s"], 0.3)
        self.assertAlmostEqual(plan["detectable"], ladder.detectable_effect(plan["s"], plan["u"], 8))
        self.assertGreater(plan["detectable"], ladder.DELTA)

    def test_no_plan_without_a_ceiling(self):
        root = tempfile.mkdtemp(prefix="seeds-")
        code, plan = self.seeds(root)
        self.assertEqual(code, 1)
        self.assertIsNone(plan["plan"])


if __name__ == "__main__":
    unittest.main()
