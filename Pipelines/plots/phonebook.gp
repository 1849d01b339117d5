# Figure 1: phone-book accuracy after fine-tuning by phone numbers asked for, one panel per model,
# one line per procedure, with 95% bootstrap intervals over test books and seeds (docs/SCALE.md).
# gnuplot -e "input='phonebook-ci.tsv'; output='phonebook.png'" phonebook.gp
# input: claims.py's phonebook-ci.tsv (cell, model, procedure, seeds, queried, number_accuracy, lo, hi).
set terminal pngcairo size 1400,1000 font ",11"
set output output
set datafile separator "\t"
models = system("printf %s \"$ALL_MODELS\"")   # from the Makefile
procedures = system("printf %s \"$ALL_PROCEDURES\"")
colors = "black #1f77b4 #2ca02c #ff7f0e #d62728"
set multiplot layout 2,2 title "Figure 1: phone-book retrieval after fine-tuning (share of asked numbers exactly right; bars: 95% CI)"
set xlabel "phone numbers asked for"
set ylabel "number accuracy"
set xtics 1
set xrange [0.6:4.4]
set grid
set key top right noenhanced font ",9"
# Small runs get few numbers right: scale to the data (at least 0 to 0.1) so they stay visible.
stats input skip 1 using (strcol(5) eq "all" ? NaN : $8) nooutput
set yrange [0:(STATS_max > 0.087 ? 1.1 * STATS_max : 0.1)]
do for [m=1:words(models)] {
  set title word(models, m) noenhanced
  plot for [p=1:words(procedures)] input skip 1 \
       using ($5 + 0.06 * (p - 3)):((strcol(2) eq word(models, m) && strcol(3) eq word(procedures, p) && strcol(5) ne "all") ? $6 : NaN):7:8 \
       with yerrorlines lc rgb word(colors, p) pt p + 4 lw 2 title word(procedures, p)
}
unset multiplot
