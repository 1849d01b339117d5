# Capacity ceilings (docs/SCALE.md): each model trained from scratch on the phone books alone; left,
# held-out token accuracy of the answers against training tokens; right, the share of asked numbers
# exactly right on the curve's test books.
# gnuplot -e "dir='results/d64/ceiling'; models='gated-ssm hawk'; output='ceilings.png'; note='...'" ceilings.gp
# (title='...' replaces the heading when the runs are other fine-tunings, e.g. from other checkpoints)
set terminal pngcairo size 1400,560 font ",11"
set output output
set datafile separator "\t"
if (!exists("title")) title = "Capacity ceilings: phone books alone, from scratch"
set multiplot layout 1,2 title title." (".note.")" noenhanced
set xlabel "training step"
set grid
set key top left noenhanced
set title "held-out token accuracy of the answers (digits at chance: about 0.35)"
set ylabel "token accuracy"
set yrange [0:1]
# Only the rows with a held-out evaluation (the others say nan), so the lines join.
evals(f) = "< awk -F'\t' 'NR > 1 && $8 != \"nan\"' ".f
plot for [i=1:words(models)] evals(dir."/".word(models, i)."/finetune.tsv") \
     using 1:8 with linespoints lw 2 pt i + 4 lc i title word(models, i)
set title "share of asked numbers exactly right"
set ylabel "number accuracy"
set yrange [0:1]
plot for [i=1:words(models)] dir."/".word(models, i)."/curve.tsv" skip 1 \
     using 1:2 with linespoints lw 2 pt i + 4 lc i title word(models, i)
unset multiplot
