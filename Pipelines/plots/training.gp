# Held-out loss over pre-training, one line per cell (train --metrics TSV, columns by name).
# gnuplot -e "dir='results/small'; output='training.png'; cells='...'; colors='...'; dashes='...'" training.gp
set terminal pngcairo size 1100,650 font ",11"
set output output
set datafile separator "\t"
set title "Held-out loss during pre-training"
set xlabel "training tokens"
set ylabel "held-out loss (nats per token)"
set format x "%.1s%c"
set grid
set key outside right top noenhanced
plot for [i=1:words(cells)] dir."/".word(cells, i)."/train.tsv" using "tokens":"eval_loss" with linespoints \
     lc word(colors, i) + 0 dt word(dashes, i) + 0 pt word(dashes, i) + 4 lw 2 title word(cells, i)
