"""The paper's claims C1-C5 under the ladder rule of docs/SCALE.md ("The ladder (2026-12-07): the
rule, written before any ladder cell is trained"). claims.py runs main() when CLAIMS_RULE=ladder;
seeds.py uses seed_plan() for the rule's "How many seeds".

Test books sit on rungs (entries per book: 1, 2, 4, 8), one number asked per book. Two measures per
book: exact (the asked number right by greedy decoding) and graded (score's teacher-forced
digit_accuracy). A cell's value on a set of rungs is the mean of its per-rung means. Which rungs
count for a model comes from its capacity ceiling (RESULTS_DIR/ceiling/<model>/phonebook.tsv).
Intervals: percentile bootstrap, books drawn with replacement within each rung once for all cells
(paired by book), each cell's seeds drawn with replacement; seeded, so the same inputs give the same
bytes.

Writes, in TABLES_DIR: claims.tsv, claims.md, claims-by-rung.tsv, phonebook-rungs-ci.tsv (and .md),
ceilings.tsv, ceilings.md, curves-rungs.tsv. Environment: CLAIMS_RESAMPLES (default 2,000),
FT_STEPS (the fine-tuning length, for the ceilings' value at it).
Standard library only.
"""
import math
import os
import random
import statistics
import sys

from claims import FLOOR, MARGIN, RESAMPLES, SEED, cell_of, fmt, percentile, read_tsv, scored_runs, split_cell, verdict

INFORMATIVE = 0.5   # a ceiling at or above this on a rung makes the rung informative for its model
DELTA = 0.05        # the minimum effect of interest, for the number of seeds
MIN_SEEDS = 3
MAX_SEEDS = 8
POWER = 2.8         # z of a two-sided 5% test (1.96) plus z of 80% power (0.84)
MODELS = ["gated-ssm", "gated-ssm-plus", "hawk", "transformer"]   # the models with a capacity ceiling
MEASURES = ["exact", "graded"]
RULE = 'docs/SCALE.md, "The ladder (2026-12-07): the rule, written before any ladder cell is trained"'
NO_CEILING = "not testable (no capacity ceiling: make ceilings)"


# --- reading ----------------------------------------------------------------------------------------

class Scores:
    """One run's per-book scores (score --task phonebook's TSV): the book's rung (its entries) and,
    per measure, one value per book in file order."""

    def __init__(self, path):
        rows = read_tsv(path)
        if rows and "digit_accuracy" not in rows[0]:
            raise SystemExit(f"claims: {path}: no digit_accuracy column; score it again with today's "
                             "`score --task phonebook` (docs/SCORING.md)")
        self.path = path
        self.item = [int(r["item"]) for r in rows]
        self.rung = [int(r["entries"]) for r in rows]
        # Exact: the share of the book's asked numbers right (the ladder asks one, so 0 or 1).
        self.values = {
            "exact": [int(r["correct_numbers"]) / int(r["queried"]) for r in rows],
            "graded": [float(r["digit_accuracy"]) for r in rows],
            "nll": [float(r["answer_nll"]) for r in rows],
        }
        by_rung = {}
        for i, r in enumerate(self.rung):
            by_rung.setdefault(r, []).append(i)
        self._positions = dict(sorted(by_rung.items()))
        self._means = {m: {r: mean(v[i] for i in pos) for r, pos in self._positions.items()}
                       for m, v in self.values.items()}

    def positions(self):
        """{rung: the positions of its books}, rungs ascending."""
        return self._positions

    def rung_means(self, measure):
        """{rung: the mean of the measure over the rung's books}."""
        return self._means[measure]


def mean(xs):
    xs = list(xs)
    return sum(xs) / len(xs) if xs else float("nan")


def pooled(per_rung, rungs):
    """The pooled measure: each rung weighs the same, whatever its number of books."""
    return mean(per_rung[r] for r in rungs)


def read_curve(folder):
    """{step: Scores} of a run's fine-tuning curve (<run>/curve/step-N.tsv), or {}."""
    curve = os.path.join(folder, "curve")
    if not os.path.isdir(curve):
        return {}
    steps = {}
    for f in os.listdir(curve):
        if f.startswith("step-") and f.endswith(".tsv"):
            steps[int(f[5:-4])] = Scores(os.path.join(curve, f))
    return dict(sorted(steps.items()))


class Cell:
    """A cell's runs: (seed, Scores at the end, curve) in seed order."""

    def __init__(self, name):
        self.name = name
        self.model, self.procedure = split_cell(name)
        self.runs = []

    def add(self, run, scores, curve):
        seed = int(run.split(".seed")[1]) if ".seed" in run else 1
        self.runs.append((seed, run, scores, curve))
        self.runs.sort(key=lambda x: x[0])

    @property
    def scores(self):
        return [s for _, _, s, _ in self.runs]


class Ceiling:
    """A model's capacity ceiling: per-rung values at the end, the rungs it makes informative, and its
    learning curve."""

    def __init__(self, model, scores, curve):
        self.model, self.scores, self.curve = model, scores, curve
        self.end = {m: scores.rung_means(m) for m in MEASURES}
        self.informative = {m: [r for r, v in self.end[m].items() if v >= INFORMATIVE] for m in MEASURES}

    def at_step(self, ft_steps):
        """(step, {measure: {rung: value}}) at the curve's largest step <= ft_steps, or None."""
        if ft_steps is None:
            return None
        steps = [s for s in self.curve if s <= ft_steps]
        if not steps:
            return None
        at = self.curve[max(steps)]
        return max(steps), {m: at.rung_means(m) for m in MEASURES}


def read_ceilings(results):
    ceilings = {}
    for m in MODELS:
        folder = os.path.join(results, "ceiling", m)
        path = os.path.join(folder, "phonebook.tsv")
        ceilings[m] = Ceiling(m, Scores(path), read_curve(folder)) if os.path.isfile(path) else None
    return ceilings


def read_cells(results, runs):
    cells = {}
    for run, path in scored_runs(results, runs):
        name = cell_of(run)
        cells.setdefault(name, Cell(name)).add(run, Scores(path), read_curve(os.path.join(results, run)))
    return cells


def same_books(all_scores):
    """Every run and ceiling must be scored on the same test books (paired by book)."""
    first = all_scores[0]
    for s in all_scores[1:]:
        if s.item != first.item or s.rung != first.rung:
            raise SystemExit(f"claims: {s.path} is scored on other test books than {first.path}; "
                             "re-score both on the same file")


# --- the bootstrap ----------------------------------------------------------------------------------

def resampled_books(positions, resamples, seed=SEED):
    """Per resample, {rung: book positions drawn with replacement within the rung}: every rung keeps
    its number of books, and the draws are the same for every cell (cells are paired by book)."""
    rng = random.Random(seed)
    for _ in range(resamples):
        yield {r: rng.choices(pos, k=len(pos)) for r, pos in positions.items()}


def resampled_rung_means(scores_list, positions, resamples):
    """For each Scores, {measure: {rung: [its mean on the rung's resampled books, per resample]}}."""
    out = [{m: {r: [] for r in positions} for m in MEASURES} for _ in scores_list]
    for draw in resampled_books(positions, resamples):
        for scores, means in zip(scores_list, out):
            for m in MEASURES:
                v = scores.values[m].__getitem__
                for r, books in draw.items():
                    means[m][r].append(sum(map(v, books)) / len(books))
    return out


def resampled_seeds(cell, seeds, resamples):
    """Per resample, the cell's seeds (indices) drawn with replacement; a stream of its own per cell,
    so a cell's draws do not depend on which other cells are in the table."""
    rng = random.Random(f"{SEED}/{cell}")
    return [[rng.randrange(seeds) for _ in range(seeds)] for _ in range(resamples)]


class Measured:
    """Every cell's per-rung means, as measured (mean over its seeds) and at each bootstrap resample."""

    def __init__(self, cells, positions, resamples=RESAMPLES):
        self.resamples = resamples
        self.rungs = list(positions)
        self.seeds = {name: len(cell.runs) for name, cell in cells.items()}
        self.point, self.draws = {}, {}
        for name, cell in cells.items():
            per_run = resampled_rung_means(cell.scores, positions, resamples)
            picks = resampled_seeds(name, len(per_run), resamples)
            self.point[name] = {m: {r: mean(s.rung_means(m)[r] for s in cell.scores) for r in positions} for m in MEASURES}
            self.draws[name] = {m: {r: [mean(per_run[k][m][r][b] for k in picks[b]) for b in range(resamples)]
                                    for r in positions} for m in MEASURES}

    def interval(self, measure, statistic):
        """statistic(value), value(cell, rungs) -> the cell's pooled measure; returns the estimate on
        the data as measured and the 95% percentile interval."""
        estimate = statistic(lambda c, rungs: pooled(self.point[c][measure], rungs))
        draws = [statistic(lambda c, rungs, b=b: mean(self.draws[c][measure][r][b] for r in rungs))
                 for b in range(self.resamples)]
        return estimate, percentile(draws, 0.025), percentile(draws, 0.975)


# --- the claims -------------------------------------------------------------------------------------

class Comparison:
    """One comparison of a claim. statistic(value, rungs) is the effect, positive in the paper's
    direction; `models` are the models whose informative rungs it is judged on (all of them);
    `across_rungs` marks C4's, which read a cell at the smallest and the largest rung."""

    def __init__(self, claim, label, models, cells, statistic, equivalence=False, across_rungs=False, deciding=True):
        self.claim, self.label, self.models, self.cells = claim, label, models, cells
        self.statistic, self.equivalence, self.across_rungs, self.deciding = statistic, equivalence, across_rungs, deciding

    def rungs_read(self, rungs):
        """The rungs the statistic reads: C4's smallest and largest, the others all of them."""
        return [min(rungs), max(rungs)] if self.across_rungs and len(rungs) >= 2 else rungs

    def per_rung_sets(self, ladder):
        """The rung sets of the per-rung report: each rung, or for C4 each pair of rungs."""
        if self.across_rungs:
            return [[lo, hi] for i, lo in enumerate(ladder) for hi in ladder[i + 1:]]
        return [[r] for r in ladder]


def difference(a, b):
    return lambda v, rungs: v(a, rungs) - v(b, rungs)


STATEMENTS = {
    "C1a": "Gated SSM: Birdie beats CLM",
    "C1b": "Gated SSM+: Birdie beats CLM",
    "C2": "Birdie-Causal is close to CLM (within 0.05)",
    "C2 (beside)": "the bidirectional prefix matters (reported, not deciding)",
    "C3": "UL2 and BFR fall short of Birdie",
    "C4": "CLM SSM falls with book length; Birdie holds up better",
    "C5": "Transformers beat SSMs under CLM; Birdie narrows the gap",
}


def comparisons():
    g, gp, t = "gated-ssm-", "gated-ssm-plus-", "transformer-"

    def clm_falls(v, rungs):
        lo, hi = min(rungs), max(rungs)
        return v(g + "clm", [lo]) - v(g + "clm", [hi])

    def birdie_holds_up(v, rungs):
        lo, hi = min(rungs), max(rungs)
        return (v(g + "birdie", [hi]) - v(g + "birdie", [lo])) - (v(g + "clm", [hi]) - v(g + "clm", [lo]))

    def gap_narrows(v, rungs):
        return (v(t + "clm", rungs) - v(g + "clm", rungs)) - (v(t + "birdie", rungs) - v(g + "birdie", rungs))

    return [
        Comparison("C1a", "birdie - clm", ["gated-ssm"], [g + "birdie", g + "clm"], difference(g + "birdie", g + "clm")),
        Comparison("C1b", "birdie - clm", ["gated-ssm-plus"], [gp + "birdie", gp + "clm"], difference(gp + "birdie", gp + "clm")),
        Comparison("C2", "birdie-causal - clm", ["gated-ssm"], [g + "birdie-causal", g + "clm"],
                   difference(g + "birdie-causal", g + "clm"), equivalence=True),
        Comparison("C2 (beside)", "birdie - birdie-causal", ["gated-ssm"], [g + "birdie", g + "birdie-causal"],
                   difference(g + "birdie", g + "birdie-causal"), deciding=False),
        Comparison("C3", "birdie - ul2", ["gated-ssm"], [g + "birdie", g + "ul2"], difference(g + "birdie", g + "ul2")),
        Comparison("C3", "birdie - bfr", ["gated-ssm"], [g + "birdie", g + "bfr"], difference(g + "birdie", g + "bfr")),
        Comparison("C4", "clm(r_lo) - clm(r_hi)", ["gated-ssm"], [g + "clm"], clm_falls, across_rungs=True),
        Comparison("C4", "[birdie(r_hi) - birdie(r_lo)] - [clm(r_hi) - clm(r_lo)]", ["gated-ssm"],
                   [g + "birdie", g + "clm"], birdie_holds_up, across_rungs=True),
        Comparison("C5", "transformer-clm - gated-ssm-clm", ["transformer", "gated-ssm"], [t + "clm", g + "clm"],
                   difference(t + "clm", g + "clm")),
        Comparison("C5", "gap(clm) - gap(birdie)", ["transformer", "gated-ssm"],
                   [t + "clm", g + "clm", t + "birdie", g + "birdie"], gap_narrows),
    ]


def informative_for(models, ceilings, measure):
    """The rungs informative for every one of `models` on `measure` (None: a ceiling is missing)."""
    if any(ceilings.get(m) is None for m in models):
        return None
    sets = [set(ceilings[m].informative[measure]) for m in models]
    return sorted(set.intersection(*sets))


def exact_at_floor(measured, cells, rungs):
    """Every cell the comparison reads answers under FLOOR of those rungs' books (its mean over seeds)."""
    return all(pooled(measured.point[c]["exact"], rungs) < FLOOR for c in cells)


def judge_measure(comp, measured, measure, rungs):
    """Effect, interval and verdict of one measure on its informative rungs."""
    need = 2 if comp.across_rungs else 1
    result = dict(rungs=comp.rungs_read(rungs), effect=float("nan"), lo=float("nan"), hi=float("nan"))
    if len(rungs) < need:
        result["verdict"] = (f"not testable (fewer than two {measure}-informative rungs)" if comp.across_rungs
                             else f"not testable (no {measure}-informative rung)")
        return result
    est, lo, hi = measured.interval(measure, lambda v: comp.statistic(v, rungs))
    result.update(effect=est, lo=lo, hi=hi, verdict=verdict(lo, hi, comp.equivalence))
    return result


def judge(comp, measured, ceilings):
    """Both measures of a comparison, which one decides, and its verdict (docs/SCALE.md)."""
    blank = dict(rungs=[], effect=float("nan"), lo=float("nan"), hi=float("nan"), verdict="")
    missing = [c for c in comp.cells if c not in measured.point]
    if missing:
        return dict(exact=blank, graded=blank, decided_by="none", verdict="not run", note="missing " + ", ".join(missing))
    rungs = {m: informative_for(comp.models, ceilings, m) for m in MEASURES}
    if rungs["exact"] is None:
        absent = ", ".join(m for m in comp.models if ceilings.get(m) is None)
        return dict(exact=blank, graded=blank, decided_by="none", verdict=NO_CEILING, note=f"no ceiling for {absent}")
    result = {m: judge_measure(comp, measured, m, rungs[m]) for m in MEASURES}
    seeds = "seeds: " + ", ".join(f"{c} {measured.seeds[c]}" for c in comp.cells)
    if not rungs["graded"]:
        return dict(**result, decided_by="none", verdict="not testable (no graded-informative rung)", note=seeds)
    if not rungs["exact"]:
        why = "no exact-informative rung"
    elif exact_at_floor(measured, comp.cells, rungs["exact"]):
        why = f"exact at its floor: every cell under {FLOOR:g} on rungs {rung_list(rungs['exact'])}"
    else:
        return dict(**result, decided_by="exact", verdict=result["exact"]["verdict"], note=seeds)
    return dict(**result, decided_by="graded", verdict=result["graded"]["verdict"], note=f"{why}; {seeds}")


def combine(verdicts):
    """A claim of several comparisons, in the order of docs/SCALE.md: reproduced only when each is,
    contradicted when any is, not testable when any is, inconclusive otherwise (a comparison whose
    cells have not run makes the claim "not run" unless another contradicts it)."""
    if verdicts and all(v == "reproduced" for v in verdicts):
        return "reproduced"
    if "contradicted" in verdicts:
        return "contradicted"
    for prefix in ("not run", "not testable"):
        for v in verdicts:
            if v.startswith(prefix):
                return v
    return "inconclusive"


def rung_list(rungs):
    return ",".join(str(r) for r in rungs) if rungs else "none"


# --- seeds ------------------------------------------------------------------------------------------

def detectable_effect(s, u, n):
    """The smallest effect a two-sided 5% test finds with 80% power between two cells of n seeds:
    s, the spread between seeds; u, the variance over test books of two seeds' paired difference
    (what pairing by book leaves; it averages down with the seeds too)."""
    return POWER * math.sqrt((2 * s * s + u) / n)


def seeds_needed(s, u):
    """(n, enough): the smallest n in MIN_SEEDS..MAX_SEEDS that detects DELTA; MAX_SEEDS, False when
    none does."""
    for n in range(MIN_SEEDS, MAX_SEEDS + 1):
        if detectable_effect(s, u, n) <= DELTA:
            return n, True
    return MAX_SEEDS, False


def seed_plan(cell, ceiling, resamples=RESAMPLES):
    """The rule's "How many seeds" from gated-ssm-clm's seeds 1-3: a dict (measure, rungs, s, u, n,
    enough, detectable), or a string saying why it cannot be made."""
    if ceiling is None:
        return "no capacity ceiling for gated-ssm (make ceilings)"
    if cell is None or [seed for seed, *_ in cell.runs][:3] != [1, 2, 3]:
        return "needs gated-ssm-clm seeds 1-3"
    scores = cell.scores[:3]
    exact, graded = ceiling.informative["exact"], ceiling.informative["graded"]
    if not graded:
        return "gated-ssm has no graded-informative rung: its claims are not testable"
    at_floor = exact and mean(pooled(s.rung_means("exact"), exact) for s in scores) < FLOOR
    measure, rungs = ("exact", exact) if exact and not at_floor else ("graded", graded)
    values = [pooled(s.rung_means(measure), rungs) for s in scores]
    s = statistics.stdev(values)
    # Seeds 1 and 2 on the same resampled books: the variance of their paired difference.
    one, two = (d[measure] for d in resampled_rung_means(scores[:2], scores[0].positions(), resamples))
    u = statistics.variance([mean(one[r][b] - two[r][b] for r in rungs) for b in range(resamples)])
    n, enough = seeds_needed(s, u)
    return dict(measure=measure, rungs=rungs, s=s, u=u, n=n, enough=enough, detectable=detectable_effect(s, u, n))


# --- the tables -------------------------------------------------------------------------------------

def write_tsv(path, header, rows):
    """A TSV written whole (temp + rename), numbers as claims.fmt gives them."""
    def cell(x):
        return fmt(x) if isinstance(x, float) else str(x)
    with open(path + ".tmp", "w") as f:
        f.write("\t".join(header) + "\n")
        for r in rows:
            f.write("\t".join(cell(x) for x in r) + "\n")
    os.replace(path + ".tmp", path)


def write_text(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def interval_text(r):
    return "NA" if r["effect"] != r["effect"] else f"{fmt(r['effect'])} [{fmt(r['lo'])}, {fmt(r['hi'])}]"


CLAIMS_HEADER = ["claim", "statement", "comparison", "model", "exact_rungs", "exact_effect", "exact_lo", "exact_hi",
                 "exact_verdict", "graded_rungs", "graded_effect", "graded_lo", "graded_hi", "graded_verdict",
                 "decided_by", "verdict", "note"]


def claim_rows(judged):
    """The comparisons in order, each claim's own row after its last comparison: (row, is_claim)."""
    rows, order = [], []
    for comp, j in judged:
        if comp.claim not in order:
            order.append(comp.claim)
    for claim in order:
        parts = [(c, j) for c, j in judged if c.claim == claim]
        for comp, j in parts:
            rows.append(([comp.claim, STATEMENTS[comp.claim], comp.label, ",".join(comp.models),
                          rung_list(j["exact"]["rungs"]), j["exact"]["effect"], j["exact"]["lo"], j["exact"]["hi"],
                          j["exact"]["verdict"], rung_list(j["graded"]["rungs"]), j["graded"]["effect"],
                          j["graded"]["lo"], j["graded"]["hi"], j["graded"]["verdict"], j["decided_by"],
                          j["verdict"], j["note"]], j))
        if parts[0][0].deciding:
            v = combine([j["verdict"] for _, j in parts])
            rows.append(([claim, STATEMENTS[claim], "claim", ",".join(parts[0][0].models)] + [""] * 10
                         + ["", v, f"{len(parts)} comparison" + ("s" if len(parts) > 1 else "")], None))
    return rows


def informative_lines(ceilings):
    lines = []
    for m in MODELS:
        c = ceilings.get(m)
        if c is None:
            lines.append(f"- {m}: no capacity ceiling (make ceilings): its claims are not testable")
        else:
            lines.append(f"- {m}: exact-informative rungs {rung_list(c.informative['exact'])}; "
                         f"graded-informative rungs {rung_list(c.informative['graded'])}")
    return lines


def seeds_line(plan, cells):
    if isinstance(plan, str):
        return f"Seeds (docs/SCALE.md, \"How many seeds\"): no plan yet: {plan}."
    have = len(cells["gated-ssm-clm"].runs)
    at_have = detectable_effect(plan["s"], plan["u"], have)
    need = f"{plan['n']} seeds" + ("" if plan["enough"] else f" (the most; {MAX_SEEDS} cannot detect {DELTA:g})")
    text = (f"Seeds (docs/SCALE.md, \"How many seeds\"): from gated-ssm-clm seeds 1-3 on the {plan['measure']} measure, "
            f"rungs {rung_list(plan['rungs'])}: s = {plan['s']:.4f} between seeds, u = {plan['u']:.6f} over books (paired); "
            f"the rule asks for {need} per compared cell. This matrix has {have} seeds of gated-ssm-clm, "
            f"so the smallest effect it can detect is {at_have:.3f} (minimum of interest {DELTA:g})")
    return text + (": its intervals are wider than planned." if at_have > DELTA else ".")


def write_claims(out, judged, ceilings, plan, cells, resamples):
    rows = claim_rows(judged)
    write_tsv(os.path.join(out, "claims.tsv"), CLAIMS_HEADER, [r for r, _ in rows])
    head = [
        "# The paper's claims on the phone-book ladder",
        "",
        f"Rule: {RULE}. Per test book, from the final fine-tuned checkpoint: *exact*, the asked number "
        "right by greedy decoding; *graded*, the teacher-forced share of its digits right (digit_accuracy, "
        "chance about 0.1). A cell's value on a set of rungs is the mean of its per-rung means. Effects: "
        f"95% percentile bootstrap, {resamples} resamples, test books drawn within each rung once for all "
        "cells, each cell's seeds drawn with replacement. The exact measure decides, on the model's "
        f"exact-informative rungs, unless every cell it reads is under {FLOOR:g} there or the model has none; "
        "then the graded measure, on its graded-informative rungs; no graded-informative rung: not testable. "
        f"C2 is an equivalence test with margin {MARGIN:g}. C4 reads gated-ssm's smallest and largest "
        "informative rung (r_lo, r_hi). Per-rung effects: claims-by-rung.tsv (reported, not deciding).",
        "",
        f"Informative rungs (the capacity ceiling at the end of its run, at least {INFORMATIVE:g}):",
        *informative_lines(ceilings),
        "",
        seeds_line(plan, cells),
        "",
        "| claim | comparison | model | exact rungs | exact effect [95% CI] | exact verdict | graded rungs | "
        "graded effect [95% CI] | graded verdict | decided by | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    body = []
    for row, j in rows:
        claim, statement, label, models = row[:4]
        if j is None:
            body.append(f"| **{claim}** | **{statement}** | {models} | | | | | | | | **{row[15]}** |")
        else:
            e, g = j["exact"], j["graded"]
            body.append(f"| {claim} | {label} | {models} | {rung_list(e['rungs'])} | {interval_text(e)} | {e['verdict']} | "
                        f"{rung_list(g['rungs'])} | {interval_text(g)} | {g['verdict']} | {j['decided_by']} | {j['verdict']} |")
    notes = [f"- {row[0]} {row[2]}: {row[16]}" for row, j in rows if j is not None and row[16]]
    write_text(os.path.join(out, "claims.md"), "\n".join(head + body + ["", "Notes:"] + notes) + "\n")


def informative_label(comp, ceilings, rungs):
    labels = []
    for m in MEASURES:
        sets = informative_for(comp.models, ceilings, m)
        if sets is not None and all(r in sets for r in rungs):
            labels.append(m)
    return "+".join(labels) if labels else "none"


def write_claims_by_rung(out, judged, measured, ceilings):
    rows = []
    for comp, j in judged:
        if any(c not in measured.point for c in comp.cells):
            continue
        for rungs in comp.per_rung_sets(measured.rungs):
            results = [measured.interval(m, lambda v, rungs=rungs: comp.statistic(v, rungs)) for m in MEASURES]
            rows.append([comp.claim, comp.label, ",".join(comp.models), "-".join(map(str, rungs)),
                         informative_label(comp, ceilings, rungs)] + [x for r in results for x in r])
    write_tsv(os.path.join(out, "claims-by-rung.tsv"),
              ["claim", "comparison", "model", "rung", "informative", "exact_effect", "exact_lo", "exact_hi",
               "graded_effect", "graded_lo", "graded_hi"], rows)


def curve_auc(cell, measure, rung):
    """The area under the cell's fine-tuning curve on a rung: the mean over its kept checkpoints (and
    seeds) of the rung's mean; reported, never deciding."""
    values = [c[s].rung_means(measure).get(rung, float("nan")) for _, _, _, c in cell.runs for s in c]
    return mean(values)


def write_phonebook_rungs(out, cells, measured, positions):
    rows = []
    for name, cell in cells.items():
        for r in positions:
            exact = measured.interval("exact", lambda v: v(name, [r]))
            graded = measured.interval("graded", lambda v: v(name, [r]))
            nll = mean(s.rung_means("nll")[r] for s in cell.scores)
            rows.append([name, cell.model, cell.procedure, len(cell.runs), r, len(positions[r]), *exact, *graded, nll,
                         curve_auc(cell, "exact", r), curve_auc(cell, "graded", r)])
    header = ["cell", "model", "procedure", "seeds", "rung", "books", "exact", "exact_lo", "exact_hi",
              "digit_accuracy", "digit_lo", "digit_hi", "answer_nll", "auc_exact", "auc_digit"]
    write_tsv(os.path.join(out, "phonebook-rungs-ci.tsv"), header, rows)
    # The same as a cell x rung grid, one per measure.
    lines = ["# Phone books per rung (entries per book), after fine-tuning", "",
             "Mean over seeds and test books, 95% bootstrap interval over books (within rung) and seeds; "
             "exact: the asked number right (greedy); digits: teacher-forced digit_accuracy.", ""]
    for label, k in (("exact", 6), ("digit accuracy", 9)):
        lines += [f"## {label}", "", "| cell | seeds | " + " | ".join(f"rung {r}" for r in positions) + " |",
                  "|---|---|" + "---|" * len(positions)]
        for name, cell in cells.items():
            mine = [row for row in rows if row[0] == name]
            lines.append(f"| {name} | {len(cell.runs)} | "
                         + " | ".join(f"{fmt(x[k])} [{fmt(x[k + 1])}, {fmt(x[k + 2])}]" for x in mine) + " |")
        lines.append("")
    write_text(os.path.join(out, "phonebook-rungs-ci.md"), "\n".join(lines))


def write_ceilings(out, ceilings, cells, rungs, ft_steps):
    reference = cells.get("transformer-clm")
    ref = {m: {r: mean(s.rung_means(m)[r] for s in reference.scores) for r in rungs} for m in MEASURES} if reference else None
    rows = []
    for m in MODELS:
        c = ceilings.get(m)
        if c is None:
            continue
        at = c.at_step(ft_steps)
        for r in rungs:
            rows.append([m, r, len(c.scores.positions()[r]), c.end["exact"][r], c.end["graded"][r],
                         "yes" if r in c.informative["exact"] else "no", "yes" if r in c.informative["graded"] else "no",
                         at[0] if at else "NA", at[1]["exact"].get(r, float("nan")) if at else float("nan"),
                         at[1]["graded"].get(r, float("nan")) if at else float("nan"),
                         ref["exact"][r] if ref else float("nan"), ref["graded"][r] if ref else float("nan")])
    header = ["model", "rung", "books", "exact", "digit_accuracy", "exact_informative", "graded_informative",
              "ft_step", "exact_at_ft", "digit_at_ft", "transformer_clm_exact", "transformer_clm_digit"]
    write_tsv(os.path.join(out, "ceilings.tsv"), header, rows)
    lines = ["# Capacity ceilings per rung", "",
             "Each model trained from scratch on the ladder's fine-tuning books alone for a cell's whole budget "
             f"({RULE}). A rung is exact-informative when the ceiling answers at least {INFORMATIVE:g} of its books "
             f"exactly at the end, graded-informative when its digit accuracy is at least {INFORMATIVE:g}. "
             "\"At FT\": the ceiling's curve at the largest step within the fine-tuning length "
             f"(FT_STEPS={ft_steps if ft_steps is not None else 'unset'}; reported, not deciding). transformer-clm: "
             "pre-training plus fine-tuning, reported, does not gate a rung.", ""]
    lines += [f"- {m}: no capacity ceiling (make ceilings)" for m in MODELS if ceilings.get(m) is None]
    lines += ["", "| model | rung | books | exact | digits | exact-informative | graded-informative | step at FT | "
              "exact at FT | digits at FT | transformer-clm exact | transformer-clm digits |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(fmt(x) if isinstance(x, float) else str(x) for x in row) + " |" for row in rows]
    write_text(os.path.join(out, "ceilings.md"), "\n".join(lines) + "\n")


def write_curves(out, cells, ceilings):
    rows = []

    def add(run, cell, model, procedure, curve):
        # Ordered by rung, then step: each (run, rung) is one block of rows, one line in a figure.
        rungs = sorted({r for scores in curve.values() for r in scores.positions()})
        for r in rungs:
            for step, scores in curve.items():
                if r in scores.positions():
                    means = {m: scores.rung_means(m)[r] for m in MEASURES + ["nll"]}
                    rows.append([run, cell, model, procedure, step, r, len(scores.positions()[r]),
                                 means["exact"], means["graded"], means["nll"]])

    for name, cell in cells.items():
        for _, run, _, curve in cell.runs:
            add(run, name, cell.model, cell.procedure, curve)
    for m in MODELS:
        if ceilings.get(m) is not None:
            add(f"ceiling-{m}", f"ceiling-{m}", m, "ceiling", ceilings[m].curve)
    write_tsv(os.path.join(out, "curves-rungs.tsv"),
              ["run", "cell", "model", "procedure", "step", "rung", "books", "exact", "digit_accuracy", "answer_nll"], rows)


def ft_steps_from_env():
    value = os.environ.get("FT_STEPS", "")
    return int(value) if value.strip() else None


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: CLAIMS_RULE=ladder claims.py RESULTS_DIR TABLES_DIR RUN...\n")
        sys.exit(64)
    results, out, runs = argv[0], argv[1], argv[2:]
    ceilings = read_ceilings(results)
    cells = read_cells(results, runs)
    everything = [s for c in cells.values() for s in c.scores] + [c.scores for c in ceilings.values() if c]
    if not everything:
        sys.stderr.write("claims: no finished cells or ceilings; no tables written\n")
        return
    same_books(everything)
    os.makedirs(out, exist_ok=True)
    positions = everything[0].positions()
    measured = Measured(cells, positions)
    judged = [(comp, judge(comp, measured, ceilings)) for comp in comparisons()]
    plan = seed_plan(cells.get("gated-ssm-clm"), ceilings.get("gated-ssm"))
    write_claims(out, judged, ceilings, plan, cells, measured.resamples)
    write_claims_by_rung(out, judged, measured, ceilings)
    write_phonebook_rungs(out, cells, measured, positions)
    write_ceilings(out, ceilings, cells, list(positions), ft_steps_from_env())
    write_curves(out, cells, ceilings)
    sys.stderr.write(f"claims: ladder rule, {len(cells)} cells, {sum(len(c.runs) for c in cells.values())} runs, "
                     f"{sum(1 for c in ceilings.values() if c)} ceilings; {out}/claims.md\n")
