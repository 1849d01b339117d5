# Fine-tuning learning curves on the ladder (docs/SCALE.md, "The ladder"): one panel per rung (entries
# per book), one line per cell (its seed-1 run), the capacity ceilings' curves over the same steps as
# wide grey reference lines (reported, not deciding: how far training on the task alone gets by then).
# gnuplot -e "input='curves-rungs.tsv'; measure='digits'; ft=4000; output='curves-rungs.png'" curves-rungs.gp
# input: claims.py's curves-rungs.tsv (run cell model procedure step rung books exact digit_accuracy
# answer_nll; rows of one run and rung together); measure: exact or digits; ft (optional): the
# fine-tuning length in steps, the x range (default: the cells' last step).
set terminal pngcairo size 1600,1200 font ",11"
set output output
set datafile separator "\t"
set datafile missing "NA"
models = system("printf %s \"$ALL_MODELS\"")   # from the Makefile
procedures = system("printf %s \"$ALL_PROCEDURES\"")
# Colour by procedure (as in Figure 1), dash and point by model.
colors = "black #1f77b4 #2ca02c #ff7f0e #d62728"
dash(m) = m == 1 ? 1 : m == 2 ? 2 : m == 3 ? 3 : 4
np = words(procedures)
rungs = system("awk -F'\t' 'NR > 1 { print $6 }' '".input."' | sort -un | tr '\n' ' '")
ceiling_models = system("awk -F'\t' 'NR > 1 && $4 == \"ceiling\" { print $3 }' '".input."' | sort -u | tr '\n' ' '")
has_ceiling(m) = strstrt(" ".ceiling_models, " ".m." ") > 0
if (measure eq "exact") {
  col = 8; what = "share of books answered exactly (greedy)"; ylabel = "exact share"
} else {
  col = 9; what = "digit accuracy (teacher-forced; chance about 0.1)"; ylabel = "digit accuracy"
}
if (!exists("ft")) {
  stats input skip 1 using (strcol(4) eq "ceiling" ? NaN : $5) nooutput
  ft = STATS_max
}
stats input skip 1 using ($5 <= ft ? column(col) : NaN) nooutput
ymax = measure eq "exact" ? (STATS_max > 0.087 ? (1.1 * STATS_max > 1.02 ? 1.02 : 1.1 * STATS_max) : 0.1) : 1.02
cell_line(m, p) = word(models, m)."-".word(procedures, p)

set multiplot title "Phone-book learning curves during fine-tuning, per rung: ".what."\nseed 1 of each cell; wide grey: the capacity ceilings (trained on the task alone) over the same steps" noenhanced
# The key: a column per model (its cells, then its ceiling), above the panels.
set origin 0, 0.815
set size 1, 0.125
unset border; unset tics; unset xlabel; unset ylabel
set xrange [0:1]; set yrange [0:1]
set key center center vertical maxrows np + 1 noenhanced font ",9" samplen 4 width 1
plot for [i=1:words(models) * (np + 1)] '+' using (5):(5) \
     with linespoints lw (i % (np + 1) == 0 ? 5 : 2) \
     lc rgb (i % (np + 1) == 0 ? (has_ceiling(word(models, i / (np + 1))) ? "#60888888" : "#ff888888") : word(colors, (i - 1) % (np + 1) + 1)) \
     dt dash((i - 1) / (np + 1) + 1) pt (i % (np + 1) == 0 ? -1 : dash((i - 1) / (np + 1) + 1) + 3) \
     title (i % (np + 1) == 0 ? (has_ceiling(word(models, i / (np + 1))) ? "ceiling ".word(models, i / (np + 1)) : word(models, i / (np + 1)).": no ceiling") \
            : cell_line((i - 1) / (np + 1) + 1, (i - 1) % (np + 1) + 1))
unset key
set border; set tics; set xtics nomirror; set ytics mirror
set xlabel "fine-tuning step"
set ylabel ylabel
set xrange [0:ft]
set yrange [0:ymax]
set grid
set size 0.5, 0.4
do for [k=1:words(rungs)] {
  r = word(rungs, k) + 0
  set origin ((k - 1) % 2) * 0.5, 0.4 - ((k - 1) / 2) * 0.4
  set title sprintf("rung %d: %d entr%s per book", r, r, r == 1 ? "y" : "ies")
  plot for [m=1:words(models)] input skip 1 \
         using 5:((strcol(4) eq "ceiling" && strcol(3) eq word(models, m) && $6 == r) ? column(col) : NaN) \
         with lines lw 5 lc rgb "#60888888" dt dash(m), \
       for [i=1:words(models) * np] input skip 1 \
         using 5:((strcol(1) eq cell_line((i - 1) / np + 1, (i - 1) % np + 1) && $6 == r) ? column(col) : NaN) \
         with linespoints lw 2 lc rgb word(colors, (i - 1) % np + 1) dt dash((i - 1) / np + 1) pt dash((i - 1) / np + 1) + 3 ps 0.8
}
unset multiplot
