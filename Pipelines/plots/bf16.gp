# fp32 against bf16 products, same run and seed (Pipelines/bf16/check.sh): held-out loss by step.
# gnuplot -e "dir='results/bf16'" bf16.gp   (dir holds <size>-<precision>.tsv, train's metrics)
set terminal pngcairo size 2400,520 font ",11"
set output dir."/heldout.png"
set datafile separator "\t"
set datafile missing "nan"
set multiplot layout 1,4 title "Held-out loss, fp32 and bf16 matrix products (ul2, batch 8 x 512, seed 1)"
set xlabel "step"
set ylabel "held-out loss (nats per target token)"
set grid
set key top right noenhanced
do for [size in "d64x2 d128x4 small transformer-d128x4"] {
  set title size eq "small" ? "gated-ssm-plus, small preset (d 256 x 6)" : size eq "d64x2" ? "gated-ssm-plus, research scale's size (d 64 x 2)" : \
    size eq "d128x4" ? "gated-ssm-plus, ablation size (d 128 x 4)" : "transformer, ablation size (d 128 x 4), bf16 attention tiles"
  plot dir."/".size."-fp32.tsv" skip 1 using 1:4 with linespoints pt 7 ps 0.6 lw 2 lc 1 title "fp32", \
       dir."/".size."-bf16.tsv" skip 1 using 1:4 with linespoints pt 6 ps 0.8 lw 2 lc 2 dt 2 title "bf16"
}
unset multiplot
