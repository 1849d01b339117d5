# fp32 against bf16 products, same run and seed (Pipelines/bf16/check.sh): held-out loss by step.
# gnuplot -e "dir='results/bf16'" bf16.gp   (dir holds <size>-<precision>.tsv, train's metrics)
set terminal pngcairo size 1800,520 font ",11"
set output dir."/heldout.png"
set datafile separator "\t"
set datafile missing "nan"
set multiplot layout 1,3 title "Held-out loss, fp32 and bf16 matrix products (gated-ssm-plus, ul2, batch 8 x 512, seed 1)"
set xlabel "step"
set ylabel "held-out loss (nats per target token)"
set grid
set key top right noenhanced
do for [size in "d64x2 d128x4 small"] {
  set title size eq "small" ? "small preset (d 256 x 6)" : size eq "d64x2" ? "research scale's size (d 64 x 2)" : "ablation size (d 128 x 4)"
  plot dir."/".size."-fp32.tsv" skip 1 using 1:4 with linespoints pt 7 ps 0.6 lw 2 lc 1 title "fp32", \
       dir."/".size."-bf16.tsv" skip 1 using 1:4 with linespoints pt 6 ps 0.8 lw 2 lc 2 dt 2 title "bf16"
}
unset multiplot
