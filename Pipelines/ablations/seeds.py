#!/usr/bin/env python3
"""seeds.py RESULTS_DIR [--json]: how many seeds each compared cell needs, by the ladder rule's
"How many seeds" (docs/SCALE.md): from gated-ssm-clm's seeds 1-3 (RESULTS_DIR/gated-ssm-clm,
.seed2, .seed3) on the measure and rungs that decide for gated-ssm (from its capacity ceiling,
RESULTS_DIR/ceiling/gated-ssm), s = the standard deviation between seeds of the pooled measure and
u = the bootstrap variance over test books of the paired difference of seeds 1 and 2; n = the
smallest n in 3..8 with 2.8 x sqrt((2 s^2 + u) / n) <= 0.05. Prints s, u, n and the smallest effect n seeds can detect;
--json prints one machine-readable line instead. CLAIMS_RESAMPLES sets the bootstrap's resamples.
Exit 1 when there is no plan (the line says why).
"""
import json
import os
import sys

import ladder


def main(argv):
    args = [a for a in argv if a != "--json"]
    if len(args) != 1:
        sys.stderr.write("usage: seeds.py RESULTS_DIR [--json]\n")
        return 64
    results = args[0]
    runs = [r for r in ("gated-ssm-clm", "gated-ssm-clm.seed2", "gated-ssm-clm.seed3")
            if os.path.isfile(os.path.join(results, r, "phonebook.tsv"))]
    cell = ladder.read_cells(results, runs).get("gated-ssm-clm")
    plan = ladder.seed_plan(cell, ladder.read_ceilings(results)["gated-ssm"])
    if isinstance(plan, str):
        print(json.dumps({"plan": None, "why": plan}, sort_keys=True) if "--json" in argv else f"seeds: no plan: {plan}")
        return 1
    if "--json" in argv:
        print(json.dumps(dict(plan, delta=ladder.DELTA, max_seeds=ladder.MAX_SEEDS), sort_keys=True))
    else:
        print(f"seeds: gated-ssm-clm seeds 1-3, {plan['measure']} measure on rungs {ladder.rung_list(plan['rungs'])}")
        print(f"s (between seeds) = {plan['s']:.4f}, u (over books, seeds 1 - 2 paired) = {plan['u']:.6f}")
        verdict = "" if plan["enough"] else f" ({ladder.MAX_SEEDS} is the most; it cannot detect {ladder.DELTA:g})"
        print(f"n = {plan['n']}{verdict}; smallest detectable effect at n: {plan['detectable']:.4f} "
              f"(minimum of interest {ladder.DELTA:g})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
