# The Birdie controller at work (the paper's Figure 5): the sampling probability of each objective
# class over training (top) and each class's validation loss (bottom), from the TSV that
# mixture-tsv.py makes of a `train --procedure birdie` controller log.
#   gnuplot -e "data='mixture.tsv'; out='mixture.png'; title='...'" Pipelines/plots/mixture.gp
# Columns: step, 7 class probabilities, 7 class losses (classes named in the header).
if (!exists("data")) data = 'mixture.tsv'
if (!exists("out")) out = 'mixture.png'
if (!exists("title")) title = 'Birdie controller'
set terminal pngcairo size 1000,900 font "sans,10"
set output out
set datafile separator "\t"
set key autotitle columnhead outside right top
stats data using 1 nooutput
classes = (STATS_columns - 1) / 2
set xrange [0:STATS_max]
set multiplot layout 2,1 title title
set ylabel "sampling probability"
set yrange [0:*]
set grid
set format x ""
set tmargin 2
plot for [i=2:1+classes] data using 1:i with linespoints pointsize 0.6 lw 2 \
     title sprintf("%s", substr(columnhead(i), 3, 100)), \
     1.0 / classes with lines dashtype 2 lc "gray40" title "starting share"
set format x "%g"
set xlabel "training step"
set ylabel "validation loss (mean over the class)"
set yrange [*:*]
plot for [i=2+classes:1+2*classes] data using 1:i with linespoints pointsize 0.6 lw 2 \
     title sprintf("%s", substr(columnhead(i), 6, 100))
unset multiplot
