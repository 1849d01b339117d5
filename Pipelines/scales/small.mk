# SCALE=small (the default): all 20 cells on this 2-core machine in about 4 hours with `make -j1`
# (each train/finetune/score uses both cores with --threads 2, so -j2 gains nothing here).
#
# Model: the small preset narrowed to d 128 x 4 layers (1.3-2M parameters with a 4,096-token
# vocabulary); preset small itself (d 256 x 6) runs 2-3x slower, which would leave too few tokens.
# Training throughput, `make bench-ablations` (batch 8 x 512, 2 threads, median step of 3 runs, on
# this machine while ~5 other jobs compiled, load average ~15):
#   gated-ssm 2,516 tokens/s, gated-ssm-plus 2,988, hawk 1,481, transformer 1,450.
# Every cell gets the same tokens (fair comparison), so one token of every cell costs
#   5 procedures x (1/2516 + 1/2988 + 1/1481 + 1/1450) s = 5 x 2.097 ms = 10.5 ms.
# Budget, 4 h = 14,400 s:
#   pre-training  180 steps x 8 x 512 = 737k tokens x 10.5 ms = 7,740 s
#   fine-tuning    60 steps x 8 x 512 = 246k tokens x 10.5 ms = 2,580 s
#   scoring (measured for transformer-clm: 33 s a cell)  ~40 s x 20 =   800 s
#   evaluations: train's every 25 steps (small), and in the 8 Birdie cells 32 controller evaluations
#   (critic training ~0.7 s + 15 configurations x 2 rows of forward pass) ~135 s each =  1,100 s
#   total ~12,200 s = 3.4 h. Check: the transformer-clm cell took 11.6 min (pre-training 8 min 47 s,
#   fine-tuning 2 min 13 s, scoring 33 s); scaled by the rates above, 5 procedures x (11.6 + 11.4 +
#   6.7 + 5.6) min + 18 min of Birdie evaluations = 3.3 h. On a quiet machine it takes about half.
PRESET := small
D_MODEL := 128
LAYERS := 4
VOCAB := 4096
LENGTH := 512
BATCH := 8
STEPS := 180
LR := 2e-3
EVAL_EVERY := 25
CHECKPOINT_EVERY := 25
GRID := light
# Fine-tuning on phone books: the paper uses 250 steps at lr 5e-5, batch 32 on 1.4B models trained
# on 2B+ tokens; a model this small and briefly trained needs a larger rate to learn the format.
FT_STEPS := 60
FT_BATCH := 8
FT_LR := 1e-3
# Phone books (docs/ABLATIONS.md, "Choosing the phone books"): a "First Last: ddd-ddd-dddd" line is
# ~28 tokens with a 4,096 BPE, so a 512-token row holds 16 entries (books: 106-503 tokens). 2-16
# entries span near-trivial books (2-4 entries, one number asked: a copy from a handful of lines)
# to books where a model must find 4 names among 16; Figure 1's x-axis is the 1-4 numbers asked.
# Measured: transformer-clm gets 0 numbers right at this budget (also with 2-8 entries and 150
# fine-tuning steps); the task needs more pre-training or fine-tuning tokens (docs/ABLATIONS.md).
PB_ENTRIES := 2-16
PB_QUERIES := 1-4
PB_TRAIN_COUNT := 1000
PB_TEST_COUNT := 200
SQUAD_COUNT := 200
INFILL_COUNT_TEST := 200
PROBE_COUNT := 100
