#!/usr/bin/env python3
"""claims.py RESULTS_DIR TABLES_DIR RUN...: phone-book accuracy per cell with 95% intervals, the
fine-tuning learning curves, and the verdict on each of the paper's claims C1-C5, by the rules of
docs/SCALE.md ("The rule for judging a claim").

A run is <cell> (seed 1) or <cell>.seed<N>; every run is scored on the same test books, so cells are
paired by book. Intervals: percentile bootstrap, 2,000 resamples, seeded (the same inputs give the
same tables). Each resample draws the test books with replacement once for all cells, and each
cell's seeds with replacement.

Writes TABLES_DIR/phonebook-ci.tsv (by numbers asked, and "all"), length-ci.tsv (short/long books),
curves.tsv (accuracy at each fine-tuning checkpoint), claims.tsv and claims.md.
Standard library only, so a fresh machine needs nothing but python3.

CLAIMS_RULE=ladder (set by make from the scale file) judges the claims by the ladder's rule instead
(docs/SCALE.md, "The ladder (2026-12-07)"): ladder.py, with its own tables. Unset, the rule above.
"""
import csv
import os
import random
import sys
from operator import mul

RESAMPLES = int(os.environ.get("CLAIMS_RESAMPLES", "2000"))   # the tests use fewer
SEED = 1
FLOOR = 0.02      # below this share of asked numbers right, a cell has no retrieval to compare
MARGIN = 0.05     # equivalence margin of "close to" claims (C2)
PROCEDURES = ["clm", "ul2", "bfr", "birdie-causal", "birdie"]
# make passes the one list (Makefile, ALL_PROCEDURES); this copy only lets the module run alone.
if os.environ.get("ALL_PROCEDURES", " ".join(PROCEDURES)).split() != PROCEDURES:
    sys.exit("claims.py: ALL_PROCEDURES differs from this script's list; update PROCEDURES here")


def cell_of(run):
    return run.split(".seed")[0]


def split_cell(cell):
    for p in sorted(PROCEDURES, key=len, reverse=True):
        if cell.endswith("-" + p):
            return cell[: -len(p) - 1], p
    raise SystemExit(f"claims: {cell}: not <model>-<procedure>")


def scored_runs(results, runs):
    """(run, its phonebook.tsv) for every run that has been scored; the others are named on stderr."""
    for run in runs:
        path = os.path.join(results, run, "phonebook.tsv")
        if os.path.isfile(path):
            yield run, path
        else:
            sys.stderr.write(f"claims: {run}: no phonebook.tsv yet; left out\n")


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


class Books:
    """Per-book scores of one run: correct numbers and numbers asked, indexed by test book."""

    def __init__(self, path):
        rows = read_tsv(path)
        self.item = [int(r["item"]) for r in rows]
        self.correct = [int(r["correct_numbers"]) for r in rows]
        self.asked = [int(r["queried"]) for r in rows]
        self.tokens = [int(r["prompt_tokens"]) if "prompt_tokens" in r else 0 for r in rows]


def weighted(counts, books, keep=None):
    """Share of asked numbers right, each book counted `counts[i]` times (only books in `keep`)."""
    c = books.correct if keep is None else [x if k else 0 for x, k in zip(books.correct, keep)]
    a = books.asked if keep is None else [x if k else 0 for x, k in zip(books.asked, keep)]
    right, asked = sum(map(mul, counts, c)), sum(map(mul, counts, a))
    return right / asked if asked else float("nan")


class Cell:
    def __init__(self, name, runs):
        self.name = name
        self.runs = runs          # [Books] per seed, final checkpoint
        self.curves = {}          # step -> [Books] per seed


def percentile(xs, q):
    xs = sorted(x for x in xs if x == x)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def bootstrap(cells, statistic, books_of):
    """statistic(acc) with acc(cell, keep=None) -> share; returns (estimate, lo, hi).
    books_of(cell) gives the per-seed Books lists the statistic reads."""
    n = len(books_of(cells[0])[0].correct)
    ones = [1] * n

    def acc_with(counts, seeds_of):
        def acc(cell, keep=None):
            values = [weighted(counts, b, keep) for b in seeds_of(cell)]
            values = [v for v in values if v == v]
            return sum(values) / len(values) if values else float("nan")
        return acc

    estimate = statistic(acc_with(ones, books_of))
    rng = random.Random(SEED)
    draws = []
    for counts in book_resamples(n):
        chosen = {c.name: [rng.choice(books_of(c)) for _ in books_of(c)] for c in cells}
        draws.append(statistic(acc_with(counts, lambda c: chosen[c.name])))
    return estimate, percentile(draws, 0.025), percentile(draws, 0.975)


_resamples = {}


def book_resamples(n):
    """The RESAMPLES draws of n test books with replacement, as counts per book; the same draws for
    every statistic over n books (so cells and claims are paired by book)."""
    if n not in _resamples:
        rng = random.Random(SEED * 1000003 + n)
        draws = []
        for _ in range(RESAMPLES):
            counts = [0] * n
            for _ in range(n):
                counts[rng.randrange(n)] += 1
            draws.append(counts)
        _resamples[n] = draws
    return _resamples[n]


def verdict(lo, hi, equivalence=False):
    if lo != lo or hi != hi:
        return "inconclusive"
    if equivalence:
        if -MARGIN <= lo and hi <= MARGIN:
            return "reproduced"
        if lo > MARGIN or hi < -MARGIN:
            return "contradicted"
        return "inconclusive"
    if lo > 0:
        return "reproduced"
    if hi < 0:
        return "contradicted"
    return "inconclusive"


def combine(verdicts):
    if "contradicted" in verdicts:
        return "contradicted"
    if all(v == "reproduced" for v in verdicts):
        return "reproduced"
    return "inconclusive"


def fmt(x):
    return "NA" if x != x else f"{x:.3f}"


def main():
    rule = os.environ.get("CLAIMS_RULE", "")
    if rule == "ladder":
        import ladder
        ladder.main(sys.argv[1:])
        return
    if rule:
        sys.exit(f"claims.py: CLAIMS_RULE={rule}: unknown rule (ladder, or unset for the earlier rule)")
    if len(sys.argv) < 4:
        sys.stderr.write("usage: claims.py RESULTS_DIR TABLES_DIR RUN...\n")
        sys.exit(64)
    results, out, runs = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(out, exist_ok=True)
    cells = {}
    for run, path in scored_runs(results, runs):
        cell = cells.setdefault(cell_of(run), Cell(cell_of(run), []))
        cell.runs.append(Books(path))
        curve_dir = os.path.join(results, run, "curve")
        if os.path.isdir(curve_dir):
            for f in os.listdir(curve_dir):
                if f.startswith("step-") and f.endswith(".tsv"):
                    cell.curves.setdefault(int(f[5:-4]), []).append(Books(os.path.join(curve_dir, f)))
    if not cells:
        sys.stderr.write("claims: no finished cells; no tables written\n")
        return
    first = next(iter(cells.values())).runs[0]
    for c in cells.values():
        for b in c.runs:
            if b.item != first.item:
                raise SystemExit(f"claims: {c.name}: scored on other test books than {next(iter(cells))}; re-score both on the same file")
    final = lambda c: c.runs

    # Per cell, by numbers asked and overall.
    asked_values = sorted(set(first.asked))
    with open(os.path.join(out, "phonebook-ci.tsv"), "w") as f:
        f.write("cell\tmodel\tprocedure\tseeds\tqueried\tnumber_accuracy\tlo\thi\n")
        for c in cells.values():
            model, procedure = split_cell(c.name)
            for q in asked_values + ["all"]:
                keep = None if q == "all" else [a == q for a in first.asked]
                est, lo, hi = bootstrap([c], lambda acc, c=c, keep=keep: acc(c, keep), final)
                f.write(f"{c.name}\t{model}\t{procedure}\t{len(c.runs)}\t{q}\t{fmt(est)}\t{fmt(lo)}\t{fmt(hi)}\n")

    # Short and long books: split at the median prompt length of the test books.
    tokens = sorted(first.tokens)
    median = tokens[(len(tokens) - 1) // 2]
    short = [t <= median for t in first.tokens]
    long_ = [t > median for t in first.tokens]
    with open(os.path.join(out, "length-ci.tsv"), "w") as f:
        f.write(f"cell\tbooks\tprompt_tokens\tnumber_accuracy\tlo\thi\n")
        for c in cells.values():
            for label, keep, span in (("short", short, f"<={median}"), ("long", long_, f">{median}")):
                est, lo, hi = bootstrap([c], lambda acc, c=c, keep=keep: acc(c, keep), final)
                f.write(f"{c.name}\t{label}\t{span}\t{fmt(est)}\t{fmt(lo)}\t{fmt(hi)}\n")

    # Learning curves: accuracy on the curve books at each kept checkpoint.
    with open(os.path.join(out, "curves.tsv"), "w") as f:
        f.write("cell\tmodel\tprocedure\tseeds\tstep\tnumber_accuracy\tlo\thi\n")
        for c in cells.values():
            model, procedure = split_cell(c.name)
            for step in sorted(c.curves):
                books = c.curves[step]
                est, lo, hi = bootstrap([c], lambda acc, c=c: acc(c), lambda _c, b=books: b)
                f.write(f"{c.name}\t{model}\t{procedure}\t{len(books)}\t{step}\t{fmt(est)}\t{fmt(lo)}\t{fmt(hi)}\n")

    def auc_interval(names, statistic):
        """The same statistic on the area under the learning curve (mean accuracy over the kept
        checkpoints, on the curve's books); reported, never deciding."""
        group = [cells[n] for n in names]
        steps = sorted(set.intersection(*(set(c.curves) for c in group))) if all(c.curves for c in group) else []
        if not steps or any(len(c.curves[s]) != len(c.runs) for c in group for s in steps):
            return "NA", "NA", "NA"
        n = len(group[0].curves[steps[0]][0].correct)

        def acc_with(counts, seeds):
            def acc(name, keep=None):
                c = cells[name]
                return sum(weighted(counts, c.curves[s][k]) for k in seeds[name] for s in steps) / (len(steps) * len(seeds[name]))
            return acc

        everyone = {c.name: list(range(len(c.runs))) for c in group}
        estimate = statistic(acc_with([1] * n, everyone))
        rng = random.Random(SEED)
        draws = []
        for counts in book_resamples(n):
            chosen = {c.name: [rng.randrange(len(c.runs)) for _ in c.runs] for c in group}
            draws.append(statistic(acc_with(counts, chosen)))
        return fmt(estimate), fmt(percentile(draws, 0.025)), fmt(percentile(draws, 0.975))

    # The claims.
    def comparison(label, names, statistic, equivalence=False, by_length=False):
        if any(n not in cells for n in names):
            missing = ", ".join(n for n in names if n not in cells)
            return dict(comparison=label, effect="NA", lo="NA", hi="NA", verdict="not run", note=f"missing {missing}",
                        auc=("NA", "NA", "NA"))
        group = [cells[n] for n in names]
        est, lo, hi = bootstrap(group, lambda acc: statistic(lambda n, keep=None: acc(cells[n], keep)), final)
        means = [weighted([1] * len(first.item), b) for c in group for b in c.runs]
        if max(means) < FLOOR:
            v = "not testable"
        else:
            v = verdict(lo, hi, equivalence)
        seeds = ", ".join(f"{c.name} {len(c.runs)}" for c in group)
        # By-length comparisons have no curve counterpart (the curve's books are a sample of the test books).
        auc = ("NA", "NA", "NA") if by_length else auc_interval(names, statistic)
        return dict(comparison=label, effect=fmt(est), lo=fmt(lo), hi=fmt(hi), verdict=v, note=f"seeds: {seeds}", auc=auc)

    g, gp, t = "gated-ssm-", "gated-ssm-plus-", "transformer-"
    claims = [
        ("C1a", "Gated SSM: Birdie beats CLM", [
            comparison("birdie - clm", [g + "birdie", g + "clm"], lambda a: a(g + "birdie") - a(g + "clm"))]),
        ("C1b", "Gated SSM+: Birdie beats CLM", [
            comparison("birdie - clm", [gp + "birdie", gp + "clm"], lambda a: a(gp + "birdie") - a(gp + "clm"))]),
        ("C2", "Birdie-Causal is close to CLM (within 0.05)", [
            comparison("birdie-causal - clm", [g + "birdie-causal", g + "clm"],
                       lambda a: a(g + "birdie-causal") - a(g + "clm"), equivalence=True)]),
        ("C3", "UL2 and BFR fall short of Birdie", [
            comparison("birdie - ul2", [g + "birdie", g + "ul2"], lambda a: a(g + "birdie") - a(g + "ul2")),
            comparison("birdie - bfr", [g + "birdie", g + "bfr"], lambda a: a(g + "birdie") - a(g + "bfr"))]),
        ("C4", "CLM SSM falls with book length; Birdie holds up better", [
            comparison("clm(short) - clm(long)", [g + "clm"], lambda a: a(g + "clm", short) - a(g + "clm", long_), by_length=True),
            comparison("[birdie(long)-birdie(short)] - [clm(long)-clm(short)]", [g + "birdie", g + "clm"],
                       lambda a: (a(g + "birdie", long_) - a(g + "birdie", short)) - (a(g + "clm", long_) - a(g + "clm", short)),
                       by_length=True)]),
        ("C5", "Transformers beat SSMs under CLM; Birdie narrows the gap", [
            comparison("transformer-clm - gated-ssm-clm", [t + "clm", g + "clm"], lambda a: a(t + "clm") - a(g + "clm")),
            comparison("gap(clm) - gap(birdie)", [t + "clm", g + "clm", t + "birdie", g + "birdie"],
                       lambda a: (a(t + "clm") - a(g + "clm")) - (a(t + "birdie") - a(g + "birdie")))]),
    ]
    # Reported beside C2, not deciding: does the bidirectional prefix matter?
    beside = comparison("birdie - birdie-causal", [g + "birdie", g + "birdie-causal"],
                        lambda a: a(g + "birdie") - a(g + "birdie-causal"))

    def overall(parts):
        vs = [p["verdict"] for p in parts]
        if "not run" in vs:
            return "not run"
        if any(v == "not testable" for v in vs):
            return "not testable"
        return combine(vs)

    with open(os.path.join(out, "claims.tsv"), "w") as f:
        f.write("claim\tstatement\tcomparison\teffect\tlo\thi\tverdict\tclaim_verdict\tauc_effect\tauc_lo\tauc_hi\tnote\n")
        for claim, statement, parts in claims + [("C2 (beside)", "the bidirectional prefix matters", [beside])]:
            cv = "(not deciding)" if parts == [beside] else overall(parts)
            for p in parts:
                f.write(f"{claim}\t{statement}\t{p['comparison']}\t{p['effect']}\t{p['lo']}\t{p['hi']}\t{p['verdict']}\t{cv}\t"
                        + "\t".join(p["auc"]) + f"\t{p['note']}\n")
    with open(os.path.join(out, "claims.md"), "w") as f:
        f.write("Effect: difference in the share of asked phone numbers right (gated-ssm unless named); "
                f"95% bootstrap interval over test books and seeds ({RESAMPLES} resamples); verdict rule in docs/SCALE.md.\n\n")
        f.write("| claim | statement | comparison | effect | 95% CI | verdict | claim verdict | area under the curve: effect [95% CI] |\n"
                "|---|---|---|---|---|---|---|---|\n")
        for claim, statement, parts in claims + [("C2 (beside)", "the bidirectional prefix matters", [beside])]:
            cv = "(not deciding)" if parts == [beside] else overall(parts)
            for p in parts:
                e, lo, hi = p["auc"]
                f.write(f"| {claim} | {statement} | {p['comparison']} | {p['effect']} | [{p['lo']}, {p['hi']}] | {p['verdict']} | {cv} | "
                        + (f"{e} [{lo}, {hi}]" if e != "NA" else "NA") + " |\n")
    sys.stderr.write(f"claims: {len(cells)} cells, {sum(len(c.runs) for c in cells.values())} runs; {out}/claims.md\n")


if __name__ == "__main__":
    main()
