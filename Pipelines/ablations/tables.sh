#!/usr/bin/env bash
# tables.sh RESULTS_DIR TABLES_DIR CELL...: the ablation tables (TSV and Markdown) from the per-cell
# files under RESULTS_DIR/<cell>/. A cell or step not yet run is left out with a note on stderr, so
# the tables can be made from a partial matrix; check.sh is the strict check.
#
# Inputs per cell (columns found by header name, so column order does not matter):
#   train.tsv       train --metrics: step tokens loss eval_loss lr grad_norm tokens_per_s eval_token_acc eval_sample_acc
#   phonebook.tsv   score --task phonebook, per book: queried, correct_numbers, all_correct
#   squad.tsv       score --task squad, per question: context_tokens, contains_label, f1
#   infill.tsv      score --task mc, per item: correct (0/1); infill.json: accuracy, chance, items
#   objectives.tsv  score --task objectives, per sample: class, target_tokens, correct_tokens, exact
# (docs/SCORING.md).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: tables.sh RESULTS_DIR TABLES_DIR CELL..." >&2; exit 64; }
results=$1 out=$2; shift 2
cells=()   # the runs that have started (a run is <cell> or <cell>.seed<N>)
for c in "$@"; do if [ -d "$results/$c" ]; then cells+=("$c"); else echo "tables: $c: not run yet; left out" >&2; fi; done
SQUAD_BUCKET=${SQUAD_BUCKET:-64}   # context-length bucket width in tokens
procedures=${ALL_PROCEDURES:?run through make, which sets ALL_PROCEDURES}
mkdir -p "$out"

# A run is <cell> or <cell>.seed<N> (Pipelines/mk/ablations.mk); model and procedure are the cell's.
model_of() { local c=${1%.seed*} p; for p in $procedures; do case $c in *-"$p") echo "${c%-"$p"}";; esac; done | tail -n1; }
procedure_of() { local c=${1%.seed*}; echo "${c#"$(model_of "$c")"-}"; }

# group_mean FILE GROUP_COLUMN VALUE_COLUMN [PER_COLUMN] [BUCKET]: "group<TAB>mean<TAB>rows" per
# group: the sum of VALUE over the sum of PER (default: over the rows). Groups in numeric order;
# BUCKET > 0 rounds numeric groups down to its multiples.
group_mean() {
  awk -F'\t' -v g="$2" -v v="$3" -v d="${4:-}" -v b="${5:-0}" -v f="$1" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i
              split(g " " v " " d, need, " ")
              for (i in need) if (!(need[i] in col)) { print f ": no column " need[i] " in the header (" $0 ")" > "/dev/stderr"; bad = 1; exit 65 }
              next }
    { k = $col[g]; if (b > 0) k = int(k / b) * b; s[k] += $col[v]; n[k] += d == "" ? 1 : $col[d]; rows[k]++ }
    END { if (bad) exit 65; for (k in s) printf "%s\t%.4f\t%d\n", k, n[k] ? s[k] / n[k] : 0, rows[k] }' "$1" | sort -k1,1g
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

# Two measures per group, side by side: FILE GROUP HEADER VALUE1 PER1 VALUE2 PER2 [BUCKET].
two_measures() {
  printf 'cell\t%s\n' "$3"
  for c in "${cells[@]}"; do
    have "$c" "$1" || continue
    # Same file, same groups, same order: the two columns line up.
    paste <(group_mean "$results/$c/$1" "$2" "$4" "$5" "${8:-0}" | cut -f1,2) \
          <(group_mean "$results/$c/$1" "$2" "$6" "$7" "${8:-0}" | cut -f2,3) | sed "s|^|$c\t|"
  done
}
# Phone book (Figure 1): share of asked numbers right, share of books with every number right, and
# a graded measure for small runs where no number is right: digits_in_place, the share of the asked
# digits that the greedy answer has at the same place of the same number (chance: 0.1). Not score's
# digit_accuracy, which is teacher-forced (docs/SCORING.md).
digits_in_place() {  # phonebook.tsv -> the same TSV plus columns digits, correct_digits
  awk -F'\t' -v OFS='\t' '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; print $0, "digits", "correct_digits"; next }
    { nt = split($col["target"], t, ", *"); split($col["prediction"], p, ", *"); d = 0; r = 0
      for (n = 1; n <= nt; n++) for (k = 1; k <= length(t[n]); k++) {
        c = substr(t[n], k, 1); if (c !~ /[0-9]/) continue
        d++; if (substr(p[n], k, 1) == c) r++ }
      print $0, d, r }' "$1"
}
{
  printf 'cell\tqueried\tnumber_accuracy\tbook_accuracy\tdigits_in_place\tbooks\n'
  for c in "${cells[@]}"; do
    have "$c" phonebook.tsv || continue
    f=$results/$c/phonebook.tsv
    paste <(group_mean "$f" queried correct_numbers queried | cut -f1,2) \
          <(group_mean "$f" queried all_correct | cut -f2) \
          <(group_mean <(digits_in_place "$f") queried correct_digits digits | cut -f2,3) | sed "s|^|$c\t|"
  done
} > "$out/phonebook.tsv"
# The ladder (CLAIMS_RULE=ladder; docs/SCALE.md): per run and rung (entries per book, one number
# asked), the exact share, score's teacher-forced digit_accuracy and answer_nll, and the greedy
# digits_in_place. Means over seeds with 95% intervals: claims.py's phonebook-rungs-ci.tsv and .md.
if [ "${CLAIMS_RULE:-}" = ladder ]; then
  {
    printf 'run\trung\tbooks\texact\tdigit_accuracy\tanswer_nll\tdigits_in_place\n'
    for c in "${cells[@]}"; do
      have "$c" phonebook.tsv || continue
      f=$results/$c/phonebook.tsv
      paste <(group_mean "$f" entries correct_numbers queried | awk -F'\t' -v OFS='\t' '{ print $1, $3, $2 }') \
            <(group_mean "$f" entries digit_accuracy | cut -f2) \
            <(group_mean "$f" entries answer_nll | cut -f2) \
            <(group_mean <(digits_in_place "$f") entries correct_digits digits | cut -f2) | sed "s|^|$c\t|"
    done
  } > "$out/phonebook-rungs.tsv"
fi
# Objective probes: share of target tokens right (teacher-forced argmax), share of samples exact.
two_measures objectives.tsv class $'class\ttoken_accuracy\texact\tsamples' \
  correct_tokens target_tokens exact "" > "$out/objectives.tsv"
# SQuAD (Figures 2 and 3): both metrics by context-length bucket.
two_measures squad.tsv context_tokens $'context_tokens\tcontains_label\tf1\tquestions' \
  contains_label "" f1 "" "$SQUAD_BUCKET" > "$out/squad.tsv"

# One row per cell: the headline numbers (infilling is Table 3/8).
overall() {  # CELL FILE VALUE [PER]: sum of VALUE over sum of PER (default: rows)
  [ -s "$results/$1/$2" ] && awk -F'\t' -v c="$3" -v d="${4:-}" 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == c) k = i; if ($i == d) j = i }; next }
    k { s += $k; n += j ? $j : 1 } END { if (n) printf "%.4f", s / n; else printf "NA" }' "$results/$1/$2" || echo NA
}
phonebook_digits() {  # CELL: the share of asked digits in place over all books (greedy)
  [ -s "$results/$1/phonebook.tsv" ] && digits_in_place "$results/$1/phonebook.tsv" \
    | awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next } { d += $col["digits"]; r += $col["correct_digits"] }
                 END { if (d) printf "%.4f", r / d; else printf "NA" }' || echo NA
}
{
  printf 'cell\tmodel\tprocedure\teval_loss\tphonebook\tphonebook_digits\tsquad_contains\tsquad_f1\tinfilling\tobjectives\n'
  for c in "${cells[@]}"; do
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$(model_of "$c")" "$(procedure_of "$c")" \
      "$( [ -s "$results/$c/train.tsv" ] && last_value "$results/$c/train.tsv" eval_loss || echo NA)" \
      "$(overall "$c" phonebook.tsv correct_numbers queried)" "$(phonebook_digits "$c")" \
      "$(overall "$c" squad.tsv contains_label)" "$(overall "$c" squad.tsv f1)" \
      "$(overall "$c" infill.tsv correct)" "$(overall "$c" objectives.tsv correct_tokens target_tokens)"
  done
} > "$out/summary.tsv"
# The headline numbers again as model x procedure grids (matrix.md), of each cell's seed-1 run; the
# means over seeds with intervals are claims.py's phonebook-ci.tsv.
awk -F'\t' -v procs="$procedures" '
  NR == 1 { for (i = 4; i <= NF; i++) metric[i] = $i; last = NF; next }
  $1 ~ /\.seed/ { next }
  { if (!($2 in seen)) { seen[$2] = 1; models[++m] = $2 }; for (i = 4; i <= last; i++) v[$2, $3, i] = $i }
  END {
    np = split(procs, p, " ")
    for (i = 4; i <= last; i++) {
      printf "%s### %s\n\n| model |", (i > 4 ? "\n" : ""), metric[i]
      for (j = 1; j <= np; j++) printf " %s |", p[j]
      printf "\n|---|"; for (j = 1; j <= np; j++) printf "---|"; print ""
      for (k = 1; k <= m; k++) {
        printf "| %s |", models[k]
        for (j = 1; j <= np; j++) printf " %s |", ((models[k], p[j], i) in v ? v[models[k], p[j], i] : "")
        print ""
      }
    }
  }' "$out/summary.tsv" > "$out/matrix.md"
# Infilling (Table 3/8) beside chance (the mean of 1 / choices, from score's summary).
{
  printf 'cell\tmodel\tprocedure\taccuracy\tchance\titems\n'
  for c in "${cells[@]}"; do
    have "$c" infill.json || continue
    printf '%s\t%s\t%s\t%s\n' "$c" "$(model_of "$c")" "$(procedure_of "$c")" \
      "$(jq -r '[.accuracy, .chance, .items] | map(tostring) | join("\t")' "$results/$c/infill.json")"
  done
} > "$out/infilling.tsv"

# Figure 5 per Birdie cell: per evaluation, the mixture and validation loss per objective class
# (the birdie branch's Pipelines/plots/mixture-tsv.py, for its mixture.gp).
for c in "${cells[@]}"; do
  [ -s "$results/$c/controller.jsonl" ] || continue
  python3 Pipelines/plots/mixture-tsv.py "$results/$c/controller.jsonl" "$out/mixture-$c.tsv.tmp"
  mv "$out/mixture-$c.tsv.tmp" "$out/mixture-$c.tsv"
done

# Markdown beside every TSV (not the per-evaluation controller series).
for t in "$out"/*.tsv; do
  # claims.py's ladder tables: it writes their Markdown itself, or none (claims-by-rung, curves-rungs).
  case $(basename "$t") in mixture-*|claims-by-rung.tsv|curves-rungs.tsv|phonebook-rungs-ci.tsv|ceilings.tsv) continue;; esac
  awk -F'\t' '{ printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; print ""
               if (NR == 1) { printf "|"; for (i = 1; i <= NF; i++) printf "---|"; print "" } }' "$t" > "${t%.tsv}.md"
done
echo "tables: $(ls "$out"/*.tsv | wc -l) tables in $out (TSV and Markdown)" >&2
