#!/usr/bin/env bash
# `make bench-tokenize`: birdie's tokenize against Hugging Face `tokenizers`, single-threaded, on
# the same JSONL corpus with the same vocabulary sizes. Prints medians of REPEAT runs.
# Usage: bench_tokenize.sh TOKENIZE_BINARY CORPUS.jsonl [VOCAB_SIZES...]
set -euo pipefail
bin=$1; corpus=$2; shift 2
vocabs=${*:-4096 8192}
repeat=${REPEAT:-3}
python=${PYTHON:-python3}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
here=$(cd "$(dirname "$0")" && pwd)

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }

hf=yes
if ! $python -c 'import tokenizers' 2>/dev/null; then
  echo "bench-tokenize: installing tokenizers with pip" >&2
  $python -m pip install --quiet tokenizers >&2 || { hf=no; echo "bench-tokenize: tokenizers unavailable; skipping that column" >&2; }
fi

bytes=$(wc -c <"$corpus")
echo "corpus: $corpus ($(awk -v b="$bytes" 'BEGIN {printf "%.1f MB", b/1e6}'), $(wc -l <"$corpus") documents); medians of $repeat runs; one thread"
printf '%-6s | %-28s | %-28s | %s\n' vocab "birdie train s / encode MB/s" "tokenizers train s / MB/s" "encode speed ratio"
for v in $vocabs; do
  trains=(); encs=(); walls=()
  for _ in $(seq "$repeat"); do
    t0=$(now); "$bin" train --vocab-size "$v" -o "$work/m" "$corpus" -q; t1=$(now)
    trains+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')")
    line=$("$bin" encode -m "$work/m" -o "$work/s" "$corpus" --progress never 2>&1 | tail -1)
    encs+=("$(sed -E 's/.*encoder alone ([0-9.]+) MB\/s.*/\1/' <<<"$line")")
    walls+=("$(sed -E 's/.*\), ([0-9.]+) MB\/s \(encoder.*/\1/' <<<"$line")")
  done
  train=$(printf '%s\n' "${trains[@]}" | median); enc=$(printf '%s\n' "${encs[@]}" | median)
  wall=$(printf '%s\n' "${walls[@]}" | median)
  tokens=$("$bin" encode -m "$work/m" -o "$work/s" "$corpus" --progress never 2>&1 | tail -1 | sed -E 's/.*bytes, ([0-9.kMG]+) tokens.*/\1/')
  hfcol="skipped"; ratio="-"
  if [ "$hf" = yes ]; then
    js=$(RAYON_NUM_THREADS=1 $python "$here/hf_tokenizers_bench.py" "$corpus" --vocab-size "$v" --repeat "$repeat")
    hftrain=$($python -c 'import json,sys; print(json.loads(sys.argv[1])["train_seconds"])' "$js")
    hfenc=$($python -c 'import json,sys; print(json.loads(sys.argv[1])["encode_mb_s"])' "$js")
    hftok=$($python -c 'import json,sys; print(json.loads(sys.argv[1])["tokens"])' "$js")
    hfcol=$(printf '%.2f s / %.1f MB/s (%s tok)' "$hftrain" "$hfenc" "$hftok")
    ratio=$(awk -v a="$enc" -v w="$wall" -v b="$hfenc" 'BEGIN {printf "%.1fx encoder, %.1fx whole tool", a/b, w/b}')
  fi
  printf '%-6s | %-28s | %-28s | %s\n' "$v" "$(printf '%.2f s / %.1f MB/s (%s tok)' "$train" "$enc" "$tokens")" "$hfcol" "$ratio"
  echo "         birdie whole tool (read JSONL, encode, write stream): $wall MB/s"
done
