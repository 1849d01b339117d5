# Figures 2 and 3: SQuAD 2.0 (answerable questions) "answer contains label" and F1 by context length.
# gnuplot -e "input='squad.tsv'; output='squad.png'; cells='...'; colors='...'; dashes='...'" squad.gp
# input: cell, context_tokens (bucket start), contains_label, f1, questions.
set terminal pngcairo size 1500,600 font ",11"
set output output
set datafile separator "\t"
set multiplot layout 1,2 title "SQuAD 2.0 dev, answerable questions, greedy decoding (pre-trained models)"
set xlabel "context length (tokens, bucket start)"
set yrange [0:1.02]
set grid
set key top right noenhanced font ",9"
set title "answer contains label"
set ylabel "share of questions"
plot for [i=1:words(cells)] input skip 1 using 2:(strcol(1) eq word(cells, i) ? $3 : NaN) with linespoints \
     lc int(word(colors, i)) dt int(word(dashes, i)) pt int(word(dashes, i)) + 4 lw 2 title word(cells, i)
set title "SQuAD F1"
set ylabel "F1"
plot for [i=1:words(cells)] input skip 1 using 2:(strcol(1) eq word(cells, i) ? $4 : NaN) with linespoints \
     lc int(word(colors, i)) dt int(word(dashes, i)) pt int(word(dashes, i)) + 4 lw 2 title word(cells, i)
unset multiplot
