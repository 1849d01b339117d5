#!/usr/bin/env bash
# Seed files for the fuzz harness (Tools/fuzz): one small valid file of every kind its readers
# take, made with the tools themselves from a generated text. About 10 seconds.
# Usage: Pipelines/fuzz/seeds.sh OUT_DIR   (BIN names the tools' folder, default .build/release)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 64; }
repo=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "${BIN:-$repo/.build/release}" && pwd)
mkdir -p "$1" && cd "$1"
export PATH="$bin:$PATH"

# 60 documents of 3-8 sentences (a fixed generator, so the seeds are the same on every machine).
python3 - <<'PY'
import json, random
rng = random.Random(7)
words = ("the a river town old new small keeper lamp bridge market winter morning boat letter garden "
         "walked found opened carried painted counted under over before after quietly slowly").split()
docs = [" ".join(" ".join(rng.choice(words) for _ in range(rng.randint(6, 14))).capitalize() + "."
                 for _ in range(rng.randint(3, 8))).replace(". ", ".\n\n", rng.randint(0, 1)) for _ in range(60)]
open("text.txt", "w").write("\n\n".join(docs) + "\n")
with open("corpus.jsonl", "w") as f:
    for d in docs: f.write(json.dumps({"text": d.replace(".\n\n", ". ").replace(". ", ".\n\n")}) + "\n")
with open("books.jsonl", "w") as f:
    for i in range(12):
        names = [("Ann Lee", "555-0101"), ("Bo Chan", "555-2201"), ("Cy Diaz", "555-3301")][: 1 + i % 3]
        book = "".join(f"{n}: {p}\n" for n, p in names)
        f.write(json.dumps({"prompt": book + f"What is {names[-1][0]}'s number?", "target": names[-1][1],
                            "entries": len(names), "queries": 1, "tokens": 40 + i}) + "\n")
PY
tokenize train --vocab-size 450 -q -o tok.model text.txt
tokenize encode -m tok.model --input-format txt -q -o docs.tok text.txt
tokenize encode -m tok.model --input-format txt --compress zstd -q -o docs-zstd.tok text.txt
corrupt --mixture ul2 --length 256 -q -o samples.smp docs.tok
pack -q -o rows.pack samples.smp
small=(--preset tiny --d-model 16 --layers 1 -q)
train --model gated-ssm "${small[@]}" --data rows.pack --steps 2 --batch 2 --eval-batches 0 -o ssm.ckpt
train --init-only --model transformer "${small[@]}" --vocab-size 450 -o transformer.ckpt
train --model gated-ssm "${small[@]}" --corpus docs.tok --procedure birdie --grid light --steps 6 --batch 2 --critic-width 16 --critic-layers 1 -o birdie.ckpt
cp birdie.ckpt.controller.jsonl evaluations.jsonl
cp "$repo/Libraries/Objectives/Resources/grids/light.json" grid.json
# A grid with every objective and every field (grid and mixture readers), and mixtures over the light grid.
cat > grid-wide.json <<'JSON'
{"grid": "wide", "reference_row_length": 512, "configurations": [
 {"name": "clm", "objective": "next-token", "class": "next-token", "length": [64, 512]},
 {"name": "plm", "objective": "prefix-lm", "class": "prefix-lm", "length": [64, 512], "paradigm": "[S]"},
 {"name": "sc", "objective": "span-corruption", "class": "span-corruption", "length": [32, 256], "rate": 0.15, "mean_span": 3},
 {"name": "fsc", "objective": "full-span-corruption", "class": "autoencoding", "length": [32, 256], "rate": 0.5, "mean_span": 8, "deshuffle": true},
 {"name": "ds", "objective": "deshuffling", "class": "deshuffling", "length": [16, 128], "fraction": 0.5},
 {"name": "cp", "objective": "copying", "class": "copying", "length": [16, 128]},
 {"name": "sel", "objective": "selective-copying", "class": "selective-copying", "length": [128, 256], "spans": 3, "span_length": [2, 8], "delimiter_length": [1, 4], "query": "after"}
]}
JSON
printf '%s\n' '{"grid": "light", "mixture": {"next-token": 0.25, "prefix-lm": 0.25, "copy-l64-256": 0.5}}' > mixture.json
cp birdie.ckpt.controller.jsonl mixture-log.jsonl
rm -f critic.state
critic --configurations grid.json --state critic.state --critic-width 16 --critic-layers 1 -q evaluations.jsonl > /dev/null
infill-gen corpus.jsonl --count 20 -q -o infill.jsonl
echo "fuzz seeds: $(ls | wc -l) files in $PWD"
