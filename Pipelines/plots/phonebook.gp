# Figure 1: phone-book accuracy vs number of phone numbers asked for, one line per cell.
# gnuplot -e "input='phonebook.tsv'; output='phonebook.png'; cells='c1 c2'; colors='1 2'; dashes='1 2'" phonebook.gp
# input: the long table from tables.sh (cell, queried, number_accuracy, book_accuracy, books);
# colour = model, dash = procedure.
set terminal pngcairo size 1100,650 font ",11"
set output output
set datafile separator "\t"
set title "Figure 1: phone-book accuracy vs phone numbers per query (after fine-tuning)"
set xlabel "phone numbers asked for"
set ylabel "accuracy (share of asked numbers right)"
set yrange [0:1.02]
set xtics 1
set grid
set key outside right top noenhanced
plot for [i=1:words(cells)] input skip 1 \
     using 2:(strcol(1) eq word(cells, i) ? $3 : NaN) with linespoints \
     lc int(word(colors, i)) dt int(word(dashes, i)) pt int(word(dashes, i)) + 4 lw 2 title word(cells, i)
