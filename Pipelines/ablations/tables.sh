#!/usr/bin/env bash
# tables.sh RESULTS_DIR TABLES_DIR CELL...: the ablation tables (TSV and Markdown) from the per-cell
# files under RESULTS_DIR/<cell>/. A cell or step not yet run is left out with a note on stderr, so
# the tables can be made from a partial matrix; check.sh is the strict check.
#
# Inputs per cell (columns found by header name, so column order does not matter):
#   train.tsv       train --metrics: step tokens loss eval_loss lr grad_norm tokens_per_s
#   phonebook.tsv   score --task phonebook, one row per book: queries, accuracy (share of its numbers right)
#   squad.tsv       score --task squad, one row per question: context_tokens, contains, f1
#   infill.tsv      score --task mc, one row per item: correct (0/1)
#   objectives.tsv  score --task objectives, one row per sample: class, accuracy
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: tables.sh RESULTS_DIR TABLES_DIR CELL..." >&2; exit 64; }
results=$1 out=$2; shift 2
cells=("$@")
SQUAD_BUCKET=${SQUAD_BUCKET:-128}   # context-length bucket width in tokens
procedures="clm ul2 bfr birdie-causal birdie"
mkdir -p "$out"

model_of() { local c=$1 p; for p in $procedures; do case $c in *-"$p") echo "${c%-"$p"}";; esac; done | tail -n1; }
procedure_of() { local c=$1; echo "${c#"$(model_of "$c")"-}"; }

# group_mean FILE GROUP_COLUMN VALUE_COLUMN [BUCKET]: "group<TAB>mean<TAB>n" per group, groups in
# numeric order (string order for names); BUCKET > 0 rounds numeric groups down to its multiples.
group_mean() {
  awk -F'\t' -v g="$2" -v v="$3" -v b="${4:-0}" -v f="$1" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i
              if (!(g in col) || !(v in col)) { print f ": no column " (g in col ? v : g) " in the header (" $0 ")" > "/dev/stderr"; bad = 1; exit 65 }
              next }
    { k = $col[g]; if (b > 0) k = int(k / b) * b; s[k] += $col[v]; n[k]++ }
    END { if (bad) exit 65; for (k in s) printf "%s\t%.4f\t%d\n", k, s[k] / n[k], n[k] }' "$1" | sort -k1,1g
}

# Column of the last row where it is not empty, from a TSV with a header.
last_value() {
  awk -F'\t' -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } k && $k != "" && $k != "nan" { x = $k } END { print (x == "" ? "NA" : x) }' "$1"
}
# Median of a column over the rows after the first 10% (warm-up and compile effects).
median_value() {
  awk -F'\t' -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } k && $k != "" { print $k }' "$1" \
    | awk '{ x[NR] = $1 } END { s = int(NR / 10) + 1; if (NR < s) { print "NA"; exit } for (i = s; i <= NR; i++) print x[i] }' \
    | sort -g | awk '{ x[NR] = $1 } END { print (NR ? (NR % 2 ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2) : "NA") }'
}

have() { [ -s "$results/$1/$2" ] || { echo "tables: $1: no $2 yet; left out" >&2; return 1; }; }

# Training: one row per cell.
{
  printf 'cell\tmodel\tprocedure\tsteps\ttokens\tloss\teval_loss\ttokens_per_s\n'
  for c in "${cells[@]}"; do
    have "$c" train.tsv || continue
    f=$results/$c/train.tsv
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$(model_of "$c")" "$(procedure_of "$c")" "$(last_value "$f" step)" \
      "$(last_value "$f" tokens)" "$(last_value "$f" loss)" "$(last_value "$f" eval_loss)" "$(median_value "$f" tokens_per_s)"
  done
} > "$out/training.tsv"

# Held-out loss over training, one row per evaluation.
{
  printf 'cell\ttokens\teval_loss\n'
  for c in "${cells[@]}"; do
    [ -s "$results/$c/train.tsv" ] || continue
    awk -F'\t' -v c="$c" 'NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next }
                          $k["eval_loss"] != "" && $k["eval_loss"] != "nan" { print c "\t" $k["tokens"] "\t" $k["eval_loss"] }' "$results/$c/train.tsv"
  done
} > "$out/loss.tsv"

# Throughput per model: the median over its cells' medians (Table 4).
{
  printf 'model\ttokens_per_s\tcells\n'
  awk -F'\t' 'NR > 1 && $8 != "NA" { print $2 "\t" $8 }' "$out/training.tsv" | sort -k1,1 -k2,2g \
    | awk -F'\t' '{ v[$1, ++n[$1]] = $2 } END { for (m in n) { k = n[m]; med = k % 2 ? v[m, (k + 1) / 2] : (v[m, k / 2] + v[m, k / 2 + 1]) / 2; printf "%s\t%.0f\t%d\n", m, med, k } }' \
    | sort
} > "$out/throughput.tsv"

# Long tables: cell, group, mean, n.
long_table() {  # FILE_NAME GROUP VALUE HEADER [BUCKET]
  printf 'cell\t%s\n' "$4"
  for c in "${cells[@]}"; do
    have "$c" "$1" || continue
    group_mean "$results/$c/$1" "$2" "$3" "${5:-0}" | sed "s|^|$c\t|"
  done
}
long_table phonebook.tsv queries accuracy $'queries\taccuracy\tbooks' > "$out/phonebook.tsv"
long_table objectives.tsv class accuracy $'class\taccuracy\tsamples' > "$out/objectives.tsv"
# SQuAD: both metrics by context-length bucket (Figures 2 and 3).
{
  printf 'cell\tcontext_tokens\tcontains\tf1\tquestions\n'
  for c in "${cells[@]}"; do
    have "$c" squad.tsv || continue
    # Same file, same buckets, same order: the two columns line up.
    paste <(group_mean "$results/$c/squad.tsv" context_tokens contains "$SQUAD_BUCKET" | cut -f1,2) \
          <(group_mean "$results/$c/squad.tsv" context_tokens f1 "$SQUAD_BUCKET" | cut -f2,3) | sed "s|^|$c\t|"
  done
} > "$out/squad.tsv"

# One row per cell: the headline numbers (infilling is Table 3/8).
overall() { [ -s "$results/$1/$2" ] && awk -F'\t' -v c="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } k { s += $k; n++ } END { printf (n ? "%.4f" : "NA"), s / n }' "$results/$1/$2" || echo NA; }
{
  printf 'cell\tmodel\tprocedure\teval_loss\tphonebook\tsquad_contains\tsquad_f1\tinfilling\tobjectives\n'
  for c in "${cells[@]}"; do
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$(model_of "$c")" "$(procedure_of "$c")" \
      "$( [ -s "$results/$c/train.tsv" ] && last_value "$results/$c/train.tsv" eval_loss || echo NA)" \
      "$(overall "$c" phonebook.tsv accuracy)" "$(overall "$c" squad.tsv contains)" "$(overall "$c" squad.tsv f1)" \
      "$(overall "$c" infill.tsv correct)" "$(overall "$c" objectives.tsv accuracy)"
  done
} > "$out/summary.tsv"
cut -f1-3,8 "$out/summary.tsv" > "$out/infilling.tsv"

# Markdown beside every TSV.
for t in "$out"/*.tsv; do
  awk -F'\t' '{ printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; print ""
               if (NR == 1) { printf "|"; for (i = 1; i <= NF; i++) printf "---|"; print "" } }' "$t" > "${t%.tsv}.md"
done
echo "tables: $(ls "$out"/*.tsv | wc -l) tables in $out (TSV and Markdown)" >&2
