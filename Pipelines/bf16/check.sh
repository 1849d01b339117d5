#!/usr/bin/env bash
# The bf16 accuracy check (docs/PERFORMANCE.md): the same run, same seed, in fp32 and in bf16, at
# the research scale's size (d 64 x 2, here with the 4096-token vocabulary), the ablation size
# (d 128 x 4) and the small preset (d 256 x 6) of gated-ssm-plus, and the transformer at d 128 x 4
# (its attention tiles are bf16 products too), on the real corpus (ul2 mixture,
# rows packed online); held-out loss every 25 steps. Writes OUT/<size>-<precision>.tsv (train's
# metrics), OUT/summary.tsv (final held-out loss and its difference from fp32; speed is measured
# by `make bench-train-precision`, on a quiet machine) and OUT/heldout.png. Runs already finished are kept, so an interrupted check resumes.
# Usage: Pipelines/bf16/check.sh OUT [STEPS]   (BIN: the tools, default .build/release; needs data/corpus)
set -euo pipefail
out=$1; steps=${2:-300}
bin=${BIN:-.build/release}
mkdir -p "$out" .build/bf16
[ -f .build/bf16/train.tok ] || {
  "$bin/tokenize" train --vocab-size 4096 -q -o .build/bf16/tok.model data/corpus/train.jsonl
  "$bin/tokenize" encode -m .build/bf16/tok.model -q -o .build/bf16/train.tok data/corpus/train.jsonl; }
common=(--corpus .build/bf16/train.tok --procedure ul2 --batch 8 --length 512 --steps "$steps"
        --lr 2e-3 --eval-every 25 --eval-batches 8 --threads 2 --seed 1 --progress never -q)
# A run whose metrics already reach the last step is kept (the check resumes where it stopped).
finished() { [ -f "$1" ] && awk -F'\t' -v s="$steps" 'NR > 1 && $1 == s { found = 1 } END { exit !found }' "$1"; }
final_loss() { awk -F'\t' 'NR > 1 && $4 != "nan" && $4 != "" { l = $4 } END { print l }' "$1"; }
printf "size\tprecision\tfinal_eval_loss\trelative_to_fp32\n" > "$out/summary.tsv"
for size in d64x2 d128x4 small transformer-d128x4; do
  case $size in
    d64x2) shape=(--model gated-ssm-plus --preset tiny --d-model 64 --layers 2) ;;
    d128x4) shape=(--model gated-ssm-plus --preset small --d-model 128 --layers 4) ;;
    small) shape=(--model gated-ssm-plus --preset small) ;;
    transformer-d128x4) shape=(--model transformer --preset small --d-model 128 --layers 4) ;;
  esac
  for p in fp32 bf16; do
    finished "$out/$size-$p.tsv" || "$bin/train" "${common[@]}" "${shape[@]}" --precision "$p" --metrics "$out/$size-$p.tsv"
  done
  reference=$(final_loss "$out/$size-fp32.tsv")
  for p in fp32 bf16; do
    loss=$(final_loss "$out/$size-$p.tsv")
    printf "%s\t%s\t%s\t%s\n" "$size" "$p" "$loss" "$(awk -v a="$loss" -v b="$reference" 'BEGIN { printf "%+.2f%%", 100 * (a / b - 1) }')" \
      >> "$out/summary.tsv"
  done
done
gnuplot -e "dir='$out'" Pipelines/plots/bf16.gp
column -t "$out/summary.tsv"
