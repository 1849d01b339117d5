# Copying task (make learn-copying): held-out loss and share of samples all right, per model and form.
# gnuplot -e "dir='.build/learn-copying'; output='copying.png'" copying.gp
# dir holds <model>-<form>.tsv, train's metrics (columns: 1 step, 4 eval_loss, 9 eval_sample_acc).
set terminal pngcairo size 1300,520 font ",11"
set output output
set datafile separator "\t"
set datafile missing "nan"
models = system("printf %s \"$ALL_MODELS\"")   # from the Makefile
forms = "causal bidirectional"
# Run i (1..8): model by colour, form by dash.
m(i) = word(models, (i - 1) % 4 + 1)
f(i) = word(forms, (i - 1) / 4 + 1)
file(i) = sprintf("%s/%s-%s.tsv", dir, m(i), f(i))
if (!exists("precision")) precision = "fp32"
set multiplot layout 1,2 title "Copying task from scratch (d 64 x 2 layers, batch 8 x 256, 16 symbols, 4-12 per sample; ".precision." products)"
set xlabel "step"
set grid
set key bottom left noenhanced
set logscale y
set format y "%g"
set ylabel "held-out loss (nats per target token)"
plot for [i=1:8] file(i) skip 1 using 1:4 with linespoints lc int((i - 1) % 4 + 1) dt int((i - 1) / 4 + 1) \
     pt 7 ps 0.5 lw 2 title m(i)." ".f(i)
unset logscale y
set key bottom right
set ylabel "held-out samples with every token right"
set yrange [0:1]
plot for [i=1:8] file(i) skip 1 using 1:9 with linespoints lc int((i - 1) % 4 + 1) dt int((i - 1) / 4 + 1) \
     pt 7 ps 0.5 lw 2 title m(i)." ".f(i)
unset multiplot
