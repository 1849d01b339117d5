#!/usr/bin/env bash
# plots.sh RESULTS_DIR TABLES_DIR PLOTS_DIR CELL...: the ablation figures (PNG) from tables.sh's
# tables and the per-cell logs, with the gnuplot scripts in Pipelines/plots. A figure whose table
# has no rows yet is skipped with a note on stderr (check.sh is the strict check).
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: plots.sh RESULTS_DIR TABLES_DIR PLOTS_DIR CELL..." >&2; exit 64; }
results=$1 tables=$2 out=$3; shift 3
gp=Pipelines/plots
mkdir -p "$out"

# Colour by model, dash type and point by procedure, the same in every figure.
models=${ALL_MODELS:?run through make, which sets ALL_MODELS} procedures=${ALL_PROCEDURES:?run through make}
index_of() { local i=1 w; for w in $2; do [ "$w" = "$1" ] && { echo $i; return; }; i=$((i + 1)); done; echo 9; }
colors="" dashes="" cells=""
for c in "$@"; do   # a run: <cell> or <cell>.seed<N>
  base=${c%.seed*} p=""; for q in $procedures; do case $base in *-"$q") p=$q;; esac; done
  cells+="$c " colors+="$(index_of "${base%-"$p"}" "$models") " dashes+="$(index_of "$p" "$procedures") "
done
style="cells='$cells'; colors='$colors'; dashes='$dashes'"

rows() { [ -f "$1" ] && [ "$(wc -l < "$1")" -gt 1 ]; }
plot() {  # SCRIPT OUTPUT TABLE [EXTRA]; a gnuplot error stops the script (set -e)
  if ! rows "$3"; then echo "plots: no rows in $3 yet; $(basename "$2") skipped" >&2; return; fi
  gnuplot -e "input='$3'; output='$2.tmp'; $style; ${4:-}" "$gp/$1"
  mv "$2.tmp" "$2" && echo "plots: $2" >&2
}
if [ "${CLAIMS_RULE:-}" = ladder ]; then
  # The ladder (docs/SCALE.md): Figure 1 and the learning curves by rung, and the capacity ceilings,
  # from claims.py's ladder tables; FT_STEPS (make) marks the fine-tuning length.
  ft=${FT_STEPS:+ft=$FT_STEPS;}
  plot phonebook-rungs.gp "$out/phonebook-rungs.png" "$tables/phonebook-rungs-ci.tsv" "ceilings='$tables/ceilings.tsv'; measure='exact'"
  plot phonebook-rungs.gp "$out/phonebook-rungs-digits.png" "$tables/phonebook-rungs-ci.tsv" "ceilings='$tables/ceilings.tsv'; measure='digits'"
  plot curves-rungs.gp "$out/curves-rungs.png" "$tables/curves-rungs.tsv" "$ft measure='digits'"
  plot curves-rungs.gp "$out/curves-rungs-exact.png" "$tables/curves-rungs.tsv" "$ft measure='exact'"
  if awk -F'\t' '$4 == "ceiling" { found = 1; exit } END { exit !found }' "$tables/curves-rungs.tsv" 2>/dev/null; then
    plot ceilings-rungs.gp "$out/ceilings-rungs.png" "$tables/curves-rungs.tsv" "$ft note='${CEILING_NOTE:-${PLOT_NOTE:-}}'"
  else
    echo "plots: no capacity ceilings yet (make ceilings); ceilings-rungs.png skipped" >&2
  fi
else
  plot phonebook.gp "$out/phonebook.png" "$tables/phonebook-ci.tsv"
  plot curves.gp "$out/curves.png" "$tables/curves.tsv"
fi
plot squad.gp "$out/squad.png" "$tables/squad.tsv"
plot throughput.gp "$out/throughput.png" "$tables/throughput.tsv" \
  "subtitle='median over the pre-training steps of its cells; ${PLOT_NOTE:-}'"
plot training.gp "$out/training.png" "$tables/loss.tsv"

# Figure 5 per Birdie cell, with the birdie branch's mixture.gp.
for c in "$@"; do
  rows "$tables/mixture-$c.tsv" || continue
  gnuplot -e "data='$tables/mixture-$c.tsv'; out='$out/figure5-$c.png.tmp'; title='Figure 5: the Birdie controller in $c'" \
    "$gp/mixture.gp"
  mv "$out/figure5-$c.png.tmp" "$out/figure5-$c.png" && echo "plots: $out/figure5-$c.png" >&2
done
