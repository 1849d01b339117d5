#!/usr/bin/env bash
# check.sh RESULTS_DIR RUN...: fails (exit 1, naming what is missing) unless every step of every
# cell finished and every table and figure has rows or pixels. Used by `make test-ablations-tiny`.
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: check.sh RESULTS_DIR CELL..." >&2; exit 64; }
results=$1; shift
problems=0
fail() { echo "check: $*" >&2; problems=$((problems + 1)); }
nonempty() { [ -s "$1" ] || fail "$1 missing or empty"; }

for c in "$@"; do
  for f in pretrain.done finetune.done cell.done model.ckpt finetuned.ckpt train.tsv curve.tsv \
           phonebook.tsv phonebook.json squad.tsv squad.json infill.tsv infill.json objectives.tsv objectives.json; do
    [ -e "$results/$c/$f" ] || fail "$results/$c/$f missing"
  done
  [ "$(wc -l < "$results/$c/curve.tsv" 2>/dev/null || echo 0)" -gt 2 ] || fail "$results/$c/curve.tsv has fewer than 2 points"
  case ${c%.seed*} in *-birdie|*-birdie-causal) nonempty "$results/$c/controller.jsonl";; esac
  # Every table has a row for the cell (infilling is one row per cell).
  for t in training phonebook squad infilling objectives summary; do
    grep -q "^$c"$'\t' "$results/tables/$t.tsv" 2>/dev/null || fail "$results/tables/$t.tsv has no row for $c"
  done
  grep "^$c"$'\t' "$results/tables/summary.tsv" 2>/dev/null | grep -qw NA && fail "$results/tables/summary.tsv: $c has NA entries"
done
for t in throughput training phonebook squad infilling objectives summary claims; do nonempty "$results/tables/$t.md"; done
[ "$(grep -c $'^C[1-5]' "$results/tables/claims.tsv" 2>/dev/null)" -ge 9 ] || fail "$results/tables/claims.tsv lacks rows for C1-C5"
png() { [ "$(head -c 8 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$1 is not a PNG"; }
has_row() {  # TABLE NAME: the table has a row whose first column is NAME
  grep -q "^$2"$'\t' "$1" 2>/dev/null || fail "$1 has no row for $2"
}
if [ "${CLAIMS_RULE:-}" = ladder ]; then
  # The ladder's tables and figures (claims.py, tables.sh and plots.sh with CLAIMS_RULE=ladder).
  for t in claims-by-rung ceilings phonebook-rungs-ci curves-rungs phonebook-rungs; do
    [ -f "$results/tables/$t.tsv" ] || fail "$results/tables/$t.tsv missing"
  done
  for t in ceilings phonebook-rungs-ci phonebook-rungs; do nonempty "$results/tables/$t.md"; done
  for c in "$@"; do
    has_row "$results/tables/phonebook-rungs-ci.tsv" "${c%.seed*}"
    has_row "$results/tables/phonebook-rungs.tsv" "$c"
    has_row "$results/tables/curves-rungs.tsv" "$c"
  done
  [ "$(awk -F'\t' '$3 == "claim"' "$results/tables/claims.tsv" 2>/dev/null | wc -l)" -eq 6 ] \
    || fail "$results/tables/claims.tsv lacks a verdict row for each of C1a, C1b, C2, C3, C4, C5"
  for p in phonebook-rungs phonebook-rungs-digits curves-rungs curves-rungs-exact squad throughput training; do png "$results/plots/$p.png"; done
  if ls "$results"/ceiling/*/phonebook.tsv > /dev/null 2>&1; then png "$results/plots/ceilings-rungs.png"; fi
else
  for c in "$@"; do has_row "$results/tables/phonebook-ci.tsv" "${c%.seed*}"; done
  for p in phonebook curves squad throughput training; do png "$results/plots/$p.png"; done
fi
for c in "$@"; do case ${c%.seed*} in *-birdie|*-birdie-causal) nonempty "$results/plots/figure5-$c.png";; esac; done
[ $problems -eq 0 ] || { echo "check: $problems problems in $results" >&2; exit 1; }
echo "check: $results: $# cells, every step, table and figure present" >&2
