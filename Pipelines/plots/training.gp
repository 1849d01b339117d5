# Held-out loss over pre-training, one line per cell.
# gnuplot -e "input='loss.tsv'; output='training.png'; cells='...'; colors='...'; dashes='...'" training.gp
# input: the long table from tables.sh (cell, tokens, eval_loss).
set terminal pngcairo size 1100,650 font ",11"
set output output
set datafile separator "\t"
set title "Held-out loss during pre-training"
set xlabel "training tokens"
set ylabel "held-out loss (nats per token)"
set format x "%.1s%c"
set grid
set key outside right top noenhanced
plot for [i=1:words(cells)] input skip 1 using 2:(strcol(1) eq word(cells, i) ? $3 : NaN) with linespoints \
     lc int(word(colors, i)) dt int(word(dashes, i)) pt int(word(dashes, i)) + 4 lw 2 title word(cells, i)
