# Figure 1 on the ladder (docs/SCALE.md, "The ladder"): phone-book retrieval after fine-tuning against
# the rung (entries per book, one number asked), one panel per model, one line per procedure, bars:
# 95% bootstrap intervals over test books (within rung) and seeds; the model's capacity ceiling dashed.
# gnuplot -e "input='phonebook-rungs-ci.tsv'; ceilings='ceilings.tsv'; measure='exact'; output='phonebook-rungs.png'" phonebook-rungs.gp
# input: claims.py's phonebook-rungs-ci.tsv (cell model procedure seeds rung books exact exact_lo exact_hi
# digit_accuracy digit_lo digit_hi ...); ceilings (optional): its ceilings.tsv (model rung books exact
# digit_accuracy ...). measure: exact (share of books answered exactly) or digits (teacher-forced).
set terminal pngcairo size 1400,1000 font ",11"
set output output
set datafile separator "\t"
set datafile missing "NA"
models = system("printf %s \"$ALL_MODELS\"")   # from the Makefile
procedures = system("printf %s \"$ALL_PROCEDURES\"")
colors = "black #1f77b4 #2ca02c #ff7f0e #d62728"
if (!exists("ceilings")) ceilings = ""
# The models with a ceiling (ceilings.tsv may be absent or hold only its header).
ceiling_models = (ceilings eq "") ? "" : system("awk -F'\t' 'NR > 1 { print $1 }' '".ceilings."' 2>/dev/null | sort -u | tr '\n' ' '")
has_ceiling(m) = strstrt(" ".ceiling_models, " ".m." ") > 0
has_ceilings = words(ceiling_models) > 0
if (measure eq "exact") {
  col = 7; ceiling_col = 4
  what = "share of books answered exactly (greedy)"
  ylabel = "exact share"
} else {
  col = 10; ceiling_col = 5
  what = "digit accuracy (teacher-forced; chance about 0.1)"
  ylabel = "digit accuracy"
}
# The exact share of small runs is low: scale to the data (at least 0 to 0.1) so it stays visible.
stats input skip 1 using col + 2 nooutput
top = STATS_max
if (has_ceilings) { stats ceilings skip 1 using ceiling_col nooutput; top = (STATS_max > top ? STATS_max : top) }
ymax = top > 0.087 ? (1.1 * top > 1.02 ? 1.02 : 1.1 * top) : 0.1
# Procedures side by side at each rung (a small shift on the log axis), so the bars do not overlap.
shift(p) = 2 ** (0.045 * (p - 3))

set multiplot title "Figure 1 on the ladder: phone-book retrieval after fine-tuning, by rung: ".what."\nbars: 95% CI over test books and seeds" noenhanced
# The key: one row for the four panels, under the title (no corner of a panel is free for every run).
set origin 0, 0.86
set size 1, 0.06
unset border; unset tics; unset xlabel; unset ylabel
set xrange [0:1]; set yrange [0:1]
set key center center horizontal maxcols 8 maxrows 1 noenhanced font ",10" samplen 3 width -1
plot for [p=1:words(procedures)] '+' using (5):(5):(5):(5) with yerrorlines lc rgb word(colors, p) pt p + 4 lw 2 title word(procedures, p), \
     (has_ceilings ? 5 : NaN) with linespoints dt 2 lw 2 lc rgb "#777777" pt 1 title (has_ceilings ? "capacity ceiling" : ""), \
     5 with lines dt 3 lw 1.5 lc rgb "#9467bd" title "informative (0.5)"
unset key
set border; set tics; set xtics nomirror; set ytics mirror
set xlabel "entries per book (rung)"
set ylabel ylabel
set logscale x 2
set xtics ("1" 1, "2" 2, "4" 4, "8" 8)
set xrange [0.8:10]
set yrange [0:ymax]
set grid
set size 0.5, 0.43
do for [m=1:words(models)] {
  model = word(models, m)
  set origin ((m - 1) % 2) * 0.5, 0.43 - ((m - 1) / 2) * 0.43
  set title model.(has_ceiling(model) ? "" : " (no capacity ceiling: make ceilings)") noenhanced
  # Two plot commands: a model without a ceiling reads no ceiling file (gnuplot would warn).
  if (has_ceiling(model)) {
    plot for [p=1:words(procedures)] input skip 1 \
         using ($5 * shift(p)):((strcol(2) eq model && strcol(3) eq word(procedures, p)) ? column(col) : NaN):(column(col + 1)):(column(col + 2)) \
         with yerrorlines lc rgb word(colors, p) pt p + 4 lw 2, \
         ceilings skip 1 using 2:(strcol(1) eq model ? column(ceiling_col) : NaN) with linespoints dt 2 lw 2 lc rgb "#777777" pt 1, \
         0.5 with lines dt 3 lw 1.5 lc rgb "#9467bd"
  } else {
    plot for [p=1:words(procedures)] input skip 1 \
         using ($5 * shift(p)):((strcol(2) eq model && strcol(3) eq word(procedures, p)) ? column(col) : NaN):(column(col + 1)):(column(col + 2)) \
         with yerrorlines lc rgb word(colors, p) pt p + 4 lw 2, \
         0.5 with lines dt 3 lw 1.5 lc rgb "#9467bd"
  }
}
unset multiplot
