# Table 4 as a figure: training throughput per model (median tokens/s over its cells' runs).
# gnuplot -e "input='throughput.tsv'; output='throughput.png'; subtitle='...'" throughput.gp
set terminal pngcairo size 800,500 font ",11"
set output output
set datafile separator "\t"
set title "Training throughput per model\n{/*0.8 ".subtitle."}"
set ylabel "tokens per second"
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
set style fill solid 0.6 border -1
set boxwidth 0.6
set grid ytics
unset key
plot input skip 1 using 0:2:xtic(1) with boxes lc 3, \
     '' skip 1 using 0:2:(sprintf("%.0f", $2)) with labels offset 0,0.8
