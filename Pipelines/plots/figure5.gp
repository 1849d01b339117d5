# Figure 5 for one Birdie cell: the controller's sampling probability per objective class (top) and
# the held-out loss per class (bottom) at each evaluation, from tables.sh's per-cell series.
# gnuplot -e "mixture='mixture-C.tsv'; loss='class-loss-C.tsv'; output='figure5-C.png'; cell='C'" figure5.gp
set terminal pngcairo size 1100,900 font ",11"
set output output
set datafile separator "\t"
set key autotitle columnhead outside right top noenhanced
set grid
set multiplot layout 2,1 title "Figure 5: the Birdie controller at work (".cell.")" noenhanced
classes = system("head -n1 '".mixture."' | awk -F'\t' '{print NF}'")
set title "sampling probability per objective class"
set ylabel "share of the mixture"
set yrange [0:*]
plot for [k=2:classes] mixture using 1:k with linespoints lw 2 pt 7 ps 0.6
set title "held-out loss per objective class (mean over its configurations)"
set ylabel "loss (nats per token)"
set xlabel "training step"
set yrange [*:*]
plot for [k=2:classes] loss using 1:k with linespoints lw 2 pt 7 ps 0.6
unset multiplot
