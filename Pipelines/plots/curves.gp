# Fine-tuning learning curves: phone-book accuracy at each kept checkpoint of the fine-tuning, one
# panel per model, one line per procedure, band: 95% bootstrap interval over the curve's books and seeds.
# gnuplot -e "input='curves.tsv'; output='curves.png'" curves.gp
# input: claims.py's curves.tsv (cell, model, procedure, seeds, step, number_accuracy, lo, hi).
set terminal pngcairo size 1400,1000 font ",11"
set output output
set datafile separator "\t"
models = system("printf %s \"$ALL_MODELS\"")   # from the Makefile
procedures = system("printf %s \"$ALL_PROCEDURES\"")
colors = "black #1f77b4 #2ca02c #ff7f0e #d62728"
set multiplot layout 2,2 title "Phone-book accuracy during fine-tuning (share of asked numbers exactly right; bands: 95% CI)"
set xlabel "fine-tuning step"
set ylabel "number accuracy"
set grid
set key top left noenhanced font ",9"
stats input skip 1 using 8 nooutput
set yrange [0:(STATS_max > 0.087 ? 1.1 * STATS_max : 0.1)]
set style fill transparent solid 0.15 noborder
sel(m, p, col) = (strcol(2) eq word(models, m) && strcol(3) eq word(procedures, p)) ? column(col) : NaN
do for [m=1:words(models)] {
  set title word(models, m) noenhanced
  plot for [p=1:words(procedures)] input skip 1 using 5:(sel(m, p, 7)):(sel(m, p, 8)) with filledcurves lc rgb word(colors, p) notitle, \
       for [p=1:words(procedures)] input skip 1 using 5:(sel(m, p, 6)) with linespoints lc rgb word(colors, p) pt p + 4 lw 2 title word(procedures, p)
}
unset multiplot
