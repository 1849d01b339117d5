#!/usr/bin/env bash
# The bf16 accuracy check (docs/PERFORMANCE.md): the same run, same seed, in fp32 and in bf16, at
# the ablation size (d 128 x 4) and the small preset (d 256 x 6), on the real corpus (ul2 mixture,
# rows packed online); held-out loss every 25 steps. Writes OUT/<size>-<precision>.tsv (train's
# metrics), OUT/summary.tsv (final held-out loss, relative difference, tokens/s) and OUT/heldout.png.
# Usage: Pipelines/bf16/check.sh OUT [STEPS]   (BIN: the tools, default .build/release; needs data/corpus)
set -euo pipefail
out=$1; steps=${2:-300}
bin=${BIN:-.build/release}
mkdir -p "$out" .build/bf16
[ -f .build/bf16/train.tok ] || {
  "$bin/tokenize" train --vocab-size 4096 -q -o .build/bf16/tok.model data/corpus/train.jsonl
  "$bin/tokenize" encode -m .build/bf16/tok.model -q -o .build/bf16/train.tok data/corpus/train.jsonl; }
common=(--model gated-ssm-plus --corpus .build/bf16/train.tok --procedure ul2 --batch 8 --length 512 --steps "$steps"
        --lr 2e-3 --eval-every 25 --eval-batches 8 --threads 2 --seed 1 --progress never -q)
printf "size\tprecision\tfinal_eval_loss\trelative_to_fp32\ttokens_per_s\n" > "$out/summary.tsv"
for size in d128x4 small; do
  shape=(--preset small); [ "$size" = d128x4 ] && shape=(--preset small --d-model 128 --layers 4)
  for p in fp32 bf16; do
    "$bin/train" "${common[@]}" "${shape[@]}" --precision "$p" --metrics "$out/$size-$p.tsv"
  done
  # Final held-out loss (column 4) and the median tokens/s of the steps (column 7, after the first 3).
  awk -F'\t' -v size="$size" '
    FNR == 1 { file++; next }
    { if ($4 != "nan" && $4 != "") last[file] = $4; if (FNR > 4) rate[file, ++n[file]] = $7 }
    END { for (f = 1; f <= 2; f++) { k = n[f]; for (i = 1; i <= k; i++) v[i] = rate[f, i]; asort(v)
            med = v[int((k + 1) / 2)]; delete v
            printf "%s\t%s\t%.4f\t%+.2f%%\t%.0f\n", size, f == 1 ? "fp32" : "bf16", last[f], 100 * (last[f] / last[1] - 1), med } }
  ' "$out/$size-fp32.tsv" "$out/$size-bf16.tsv" >> "$out/summary.tsv"
done
gnuplot -e "dir='$out'" Pipelines/plots/bf16.gp
column -t "$out/summary.tsv"
