#!/usr/bin/env bash
# fp32 against bf16 training speed at the ablation size (d 128 x 4) and the small preset (d 256 x 6):
# gated-ssm-plus, vocabulary 4096, batch 8 x 512, random tokens, 2 threads, 20 steps. fp32 and bf16
# runs alternate (fp32 bf16 fp32 bf16 ...), so a drift in the machine's speed hits both; each run's
# tokens/s is the median of its steps after the third, and the line gives the median over RUNS.
# Usage: Pipelines/bf16/bench.sh [RUNS]   (BIN: the tools, default .build/release)
set -euo pipefail
runs=${1:-3}
bin=${BIN:-.build/release}
dir=.build/bench-precision
mkdir -p "$dir"
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for size in d128x4 small; do
  shape=(--preset small); [ "$size" = d128x4 ] && shape=(--preset small --d-model 128 --layers 4)
  for i in $(seq "$runs"); do for p in fp32 bf16; do
    "$bin/train" --model gated-ssm-plus "${shape[@]}" --task random-tokens --vocab-size 4096 --batch 8 --length 512 \
      --threads 2 --eval-batches 0 --steps 20 --progress never -q --precision "$p" --metrics "$dir/$size-$p-$i.tsv"
    awk -F'\t' 'NR > 4 { print $7 }' "$dir/$size-$p-$i.tsv" | median > "$dir/$size-$p-$i.rate"
  done; done
  fp32=$(cat "$dir"/$size-fp32-*.rate | median); bf16=$(cat "$dir"/$size-bf16-*.rate | median)
  echo "$size: fp32 $fp32 tokens/s, bf16 $bf16 tokens/s (runs: fp32 $(cat "$dir"/$size-fp32-*.rate | tr '\n' ' ')bf16 $(cat "$dir"/$size-bf16-*.rate | tr '\n' ' ')); bf16/fp32 $(awk -v a="$bf16" -v b="$fp32" 'BEGIN { printf "%.2f", a / b }')"
done
