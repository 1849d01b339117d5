# When copying appears (docs/SCALE.md, make copying-onset): held-out loss and token accuracy of a
# model pre-trained on one copying objective alone, against training tokens, one line per length.
# gnuplot -e "dir='results/d64/onset'; runs='copying-8-16 copying-32-64'; model='gated-ssm'; output='onset.png'; note='...'" onset.gp
set terminal pngcairo size 1400,560 font ",11"
set output output
set datafile separator "\t"
set multiplot layout 1,2 title "Pre-training on one copying objective alone: ".model." (".note.")" noenhanced
set xlabel "training tokens (millions)"
set grid
set key top right noenhanced
evals(f) = "< awk -F'\\t' 'NR > 1 && $8 != \"nan\"' ".f
set title "held-out loss (nats per target token)"
set ylabel "loss"
plot for [i=1:words(runs)] evals(dir."/".word(runs, i)."/".model."/train.tsv") using ($2 / 1e6):4 with linespoints lw 2 pt i + 4 lc i title word(runs, i)
set title "held-out token accuracy of the targets"
set ylabel "token accuracy"
set yrange [0:1]
set key top left
plot for [i=1:words(runs)] evals(dir."/".word(runs, i)."/".model."/train.tsv") using ($2 / 1e6):8 with linespoints lw 2 pt i + 4 lc i title word(runs, i)
unset multiplot
