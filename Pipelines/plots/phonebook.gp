# Figure 1: phone-book accuracy vs number of phone numbers asked for, one line per cell; beside it
# the graded digit accuracy (the share of asked digits in place), informative when no number is right.
# gnuplot -e "input='phonebook.tsv'; output='phonebook.png'; cells='c1 c2'; colors='1 2'; dashes='1 2'" phonebook.gp
# input: the long table from tables.sh (cell, queried, number_accuracy, book_accuracy, digit_accuracy,
# books); colour = model, dash = procedure.
set terminal pngcairo size 1500,600 font ",11"
set output output
set datafile separator "\t"
set multiplot layout 1,2 title "Figure 1: phone-book retrieval after fine-tuning, by phone numbers asked for"
set xlabel "phone numbers asked for"
set yrange [0:1.02]
set xtics 1
set grid
set key top right noenhanced font ",9"
set title "accuracy (share of asked numbers exactly right)"
set ylabel "number accuracy"
# Small runs get few numbers right: scale to the data (at least 0 to 0.1) so they stay visible.
stats input skip 1 using 3 nooutput
set yrange [0:(STATS_max > 0.087 ? 1.15 * STATS_max : 0.1)]
plot for [i=1:words(cells)] input skip 1 \
     using 2:(strcol(1) eq word(cells, i) ? $3 : NaN) with linespoints \
     lc int(word(colors, i)) dt int(word(dashes, i)) pt int(word(dashes, i)) + 4 lw 2 title word(cells, i)
set yrange [0:1.02]
set title "digit accuracy (share of asked digits in place; chance 0.1)"
set ylabel "digit accuracy"
plot for [i=1:words(cells)] input skip 1 \
     using 2:(strcol(1) eq word(cells, i) ? $5 : NaN) with linespoints \
     lc int(word(colors, i)) dt int(word(dashes, i)) pt int(word(dashes, i)) + 4 lw 2 title word(cells, i), \
     0.1 with lines dt 2 lc "gray40" title "chance"
unset multiplot
