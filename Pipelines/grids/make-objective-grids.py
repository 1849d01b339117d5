#!/usr/bin/env python3
"""Writes the built-in grids and named mixtures of the Objectives library (Resources/grids/*.json,
Resources/mixtures/*.json). The grids are data; this script only records how they were derived.

The Birdie pool (paper App. A.2, 104 configurations in 7 classes):
- span corruption: rate {5, 15, 50}% x mean span {3, 8, 32} x length {128-256, 256-512, 512-1024,
  1024-2048}, keeping the 26 combinations the authors' grid keeps: max length >= floor(span/rate/2),
  max - floor(span/rate/2) >= (max - min) // 4, and mean span 3 only with lengths up to 256;
- full span corruption with and without deshuffling: rate x span x length {192-384, 384-768,
  768-1536}: 54;
- selective copying: spans {1..4} x query {before, after} x context {384-768, 768-1536}: 16;
- copying {64-256, 256-1024}: 2; deshuffling fraction {50, 100}% x {128-256, 512-1024}: 4;
- next-token and prefix LM, one each, over a whole row (2047 text tokens at row length 2048).
Each configuration carries its class, taken from the objective registry (`corrupt --list-objectives`,
Libraries/Objectives/Objective.swift), for readers that cannot link the Objectives library (critic).
Usage: BIN=.build/release python3 Pipelines/grids/make-objective-grids.py Libraries/Objectives/Resources
"""
import json, math, os, subprocess, sys

ROW = 2048
out = sys.argv[1]
corrupt = os.path.join(os.environ.get("BIN", ".build/release"), "corrupt")
listing = subprocess.run([corrupt, "--list-objectives"], check=True, capture_output=True, text=True).stdout
CLASS = {row[0]: row[1] for row in (line.split("\t") for line in listing.splitlines()[1:])}

def pct(r): return f"{round(r * 100)}"

clm = {"name": "next-token", "objective": "next-token", "length": [ROW - 1, ROW - 1]}
plm = {"name": "prefix-lm", "objective": "prefix-lm", "length": [ROW - 1, ROW - 1]}
pool = [clm, plm]
for r in [0.05, 0.15, 0.5]:
    for m in [3, 8, 32]:
        for lo, hi in [(128, 256), (256, 512), (512, 1024), (1024, 2048)]:
            floor_min = math.floor(m / r / 2)
            if hi < floor_min or hi - floor_min < (hi - lo) // 4 or (m <= 3 and hi > 256):
                continue
            pool.append({"name": f"sc-r{pct(r)}-m{m}-l{lo}-{hi}", "objective": "span-corruption",
                         "rate": r, "mean_span": m, "length": [lo, hi]})
for shuffle in [False, True]:
    for r in [0.05, 0.15, 0.5]:
        for m in [3, 8, 32]:
            for lo, hi in [(192, 384), (384, 768), (768, 1536)]:
                pool.append({"name": f"{'fscd' if shuffle else 'fsc'}-r{pct(r)}-m{m}-l{lo}-{hi}",
                             "objective": "full-span-corruption", "rate": r, "mean_span": m,
                             "deshuffle": shuffle, "length": [lo, hi]})
for lo, hi in [(128, 256), (512, 1024)]:
    for f in [0.5, 1.0]:
        pool.append({"name": f"deshuffle-f{pct(f)}-l{lo}-{hi}", "objective": "deshuffling",
                     "fraction": f, "length": [lo, hi]})
for lo, hi in [(64, 256), (256, 1024)]:
    pool.append({"name": f"copy-l{lo}-{hi}", "objective": "copying", "length": [lo, hi]})
for lo, hi in [(384, 768), (768, 1536)]:
    for spans in [1, 2, 3, 4]:
        for query in ["before", "after"]:
            pool.append({"name": f"selcopy-s{spans}-{query}-l{lo}-{hi}", "objective": "selective-copying",
                         "spans": spans, "span_length": [4, 32], "delimiter_length": [1, 8],
                         "query": query, "length": [lo, hi]})
assert len(pool) == 104, len(pool)

light_names = ["next-token", "prefix-lm",
               "sc-r15-m3-l128-256", "sc-r15-m8-l512-1024", "sc-r50-m32-l1024-2048",
               "fsc-r15-m3-l192-384", "fsc-r50-m32-l768-1536",
               "fscd-r15-m8-l384-768", "fscd-r50-m8-l768-1536",
               "deshuffle-f50-l128-256", "deshuffle-f100-l512-1024",
               "copy-l64-256", "copy-l256-1024",
               "selcopy-s1-before-l384-768", "selcopy-s4-after-l768-1536"]
by_name = {c["name"]: c for c in pool}
light = [by_name[n] for n in light_names]

def sc(name, r, m, paradigm):
    return {"name": name, "objective": "span-corruption", "rate": r, "mean_span": m,
            "paradigm": paradigm, "length": [ROW // 2, ROW - 1]}
ul2 = [sc("ul2-r-sc-r15-m3", 0.15, 3, "[R]"), sc("ul2-r-sc-r15-m8", 0.15, 8, "[R]"),
       dict(plm, name="ul2-s-prefix-lm", paradigm="[S]"),
       sc("ul2-x-sc-r50-m3", 0.5, 3, "[X]"), sc("ul2-x-sc-r50-m8", 0.5, 8, "[X]"),
       sc("ul2-x-sc-r15-m64", 0.15, 64, "[X]"), sc("ul2-x-sc-r50-m64", 0.5, 64, "[X]")]
ul2_weights = [0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1]

def starting(configs):
    classes = [CLASS[c["objective"]] for c in configs]
    return {c["name"]: 1 / len(set(classes)) / classes.count(k) for c, k in zip(configs, classes)}

def with_class(c):
    """The entry with its objective's class after the objective."""
    entry = {}
    for key, value in c.items():
        entry[key] = value
        if key == "objective":
            entry["class"] = CLASS[value]
    return entry

def write(path, obj):
    """One configuration (or one mixture entry) per line, so diffs stay readable."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    lines = []
    for key, value in obj.items():
        if isinstance(value, list):
            items = ",\n".join("  " + json.dumps(v) for v in value)
            lines.append(f" {json.dumps(key)}: [\n{items}\n ]")
        elif isinstance(value, dict):
            items = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in value.items())
            lines.append(f" {json.dumps(key)}: {{\n{items}\n }}")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value)}")
    with open(path, "w") as f:
        f.write("{\n" + ",\n".join(lines) + "\n}\n")

for name, configs, description in [
        ("birdie", pool, "The Birdie pool: 104 configurations in 7 classes (paper App. A.2)."),
        ("light", light, "A light subset of the Birdie pool, two configurations or so per class, for small runs."),
        ("ul2", ul2, "UL2 (Tay et al. 2023): R = SC(3, 15%), SC(8, 15%); S = prefix LM; X = SC(3, 50%), SC(8, 50%), SC(64, 15%), SC(64, 50%)."),
        ("clm", [clm], "Next-token prediction only.")]:
    write(f"{out}/grids/{name}.json", {"grid": name, "description": description,
                                       "reference_row_length": ROW, "configurations": [with_class(c) for c in configs]})
write(f"{out}/mixtures/clm.json", {"grid": "clm", "mixture": {"next-token": 1.0}})
write(f"{out}/mixtures/ul2.json", {"grid": "ul2", "mixture": {c["name"]: w for c, w in zip(ul2, ul2_weights)}})
write(f"{out}/mixtures/bfr.json", {"grid": "birdie", "mixture": starting(pool)})
write(f"{out}/mixtures/birdie.json", {"grid": "birdie", "mixture": starting(pool)})
write(f"{out}/mixtures/light.json", {"grid": "light", "mixture": starting(light)})
