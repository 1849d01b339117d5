# Capacity ceilings on the ladder (docs/SCALE.md, "The ladder"): each model trained from scratch on the
# ladder's fine-tuning books alone for a cell's whole budget; one panel per model, per rung its digit
# accuracy (solid) and exact share (dashed) against the training step. The dotted line at 0.5 is the
# informative threshold (read at the end); the vertical line is the cells' fine-tuning length.
# gnuplot -e "input='curves-rungs.tsv'; ft=4000; output='ceilings-rungs.png'; note='...'" ceilings-rungs.gp
# input: claims.py's curves-rungs.tsv (run cell model procedure step rung books exact digit_accuracy
# answer_nll; the ceilings are its rows with procedure "ceiling"); ft, note: optional.
set terminal pngcairo size 1400,1000 font ",11"
set output output
set datafile separator "\t"
set datafile missing "NA"
models = system("printf %s \"$ALL_MODELS\"")   # from the Makefile
if (!exists("note")) note = ""
rungs = system("awk -F'\t' 'NR > 1 && $4 == \"ceiling\" { print $6 }' '".input."' | sort -un | tr '\n' ' '")
ceiling_models = system("awk -F'\t' 'NR > 1 && $4 == \"ceiling\" { print $3 }' '".input."' | sort -u | tr '\n' ' '")
has_ceiling(m) = strstrt(" ".ceiling_models, " ".m." ") > 0
rung_colors = "#1f77b4 #2ca02c #ff7f0e #d62728 #9467bd #8c564b"
stats input skip 1 using (strcol(4) eq "ceiling" ? $5 : NaN) nooutput
last = STATS_max

set multiplot title "Capacity ceilings on the ladder: phone books alone, from scratch, per rung (entries per book)".(note eq "" ? "" : "\n".note) noenhanced
# The key: one row above the panels.
set origin 0, 0.86
set size 1, 0.06
unset border; unset tics; unset xlabel; unset ylabel
set xrange [0:1]; set yrange [0:1]
set key center center horizontal maxcols 12 maxrows 1 noenhanced font ",10" samplen 3 width -1
plot for [k=1:words(rungs)] '+' using (5):(5) with lines lw 3 lc rgb word(rung_colors, k) title "rung ".word(rungs, k), \
     5 with linespoints lw 2 pt 7 lc rgb "black" title "digit accuracy", \
     5 with linespoints lw 2 dt 2 pt 6 lc rgb "black" title "exact share", \
     5 with lines dt 3 lw 1.5 lc rgb "#9467bd" title "informative (0.5)", \
     (exists("ft") ? 5 : NaN) with lines lw 1.5 lc rgb "#555555" title (exists("ft") ? "fine-tuning length" : "")
unset key
set border; set tics; set xtics nomirror; set ytics mirror
set xlabel "training step"
set ylabel "digit accuracy (solid), exact share (dashed)"
set xrange [0:(last > 0 ? last : 1)]
set yrange [0:1.02]
set grid
set size 0.5, 0.43
do for [m=1:words(models)] {
  model = word(models, m)
  set origin ((m - 1) % 2) * 0.5, 0.43 - ((m - 1) / 2) * 0.43
  set title model.(has_ceiling(model) ? "" : ": no capacity ceiling (make ceilings)") noenhanced
  if (exists("ft") && has_ceiling(model)) { set arrow 1 from ft, graph 0 to ft, graph 1 nohead lw 1.5 lc rgb "#555555" } else { unset arrow 1 }
  plot for [k=1:words(rungs)] input skip 1 \
         using 5:((strcol(1) eq "ceiling-".model && $6 == word(rungs, k) + 0) ? $9 : NaN) \
         with linespoints lw 2 pt 7 ps 0.6 lc rgb word(rung_colors, k), \
       for [k=1:words(rungs)] input skip 1 \
         using 5:((strcol(1) eq "ceiling-".model && $6 == word(rungs, k) + 0) ? $8 : NaN) \
         with linespoints lw 2 dt 2 pt 6 ps 0.6 lc rgb word(rung_colors, k), \
       0.5 with lines dt 3 lw 1.5 lc rgb "#9467bd"
}
unset multiplot
