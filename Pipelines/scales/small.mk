# SCALE=small (the default): all 20 cells on one 2-core machine in about 4 hours with `make -j1`
# (each train/finetune/score uses both cores through --threads 2; -j2 gains nothing here).
#
# Budget. 4 h = 14,400 s for 20 cells = 720 s a cell, split as ~540 s pre-training, ~60 s
# fine-tuning and ~120 s scoring. Measured training throughput at preset small (d 256, 6 layers,
# vocab 8192), batch 8 x 512, 2 threads, OPENBLAS_CORETYPE=SKYLAKEX, machine shared with other jobs
# (`make bench-ablations`, median of 3 short runs; see docs/ABLATIONS.md):
#   gated-ssm ~T1 tokens/s, gated-ssm-plus ~T2, hawk ~T3, transformer ~T4 (see the table there).
# The slowest model sets the step count so every cell gets the same tokens (a fair comparison):
#   STEPS = 540 s * slowest tokens/s / (BATCH * LENGTH).
# The bidirectional procedures cost the same per token (BIRDIE.md 5); Birdie adds its controller's
# evaluations (a few seconds each at EVAL_EVERY below).
PRESET := small
D_MODEL := 128
LAYERS := 4
VOCAB := 4096
LENGTH := 512
BATCH := 8
STEPS := 600
LR := 1e-3
EVAL_EVERY := 50
CHECKPOINT_EVERY := 50
# Fine-tuning on phone books: the paper uses 250 steps at lr 5e-5, batch 32 from a 1.4B model; a
# model this small pre-trained this briefly needs a larger rate to learn the format at all.
FT_STEPS := 100
FT_BATCH := 8
FT_LR := 3e-4
# Phone books (how they were chosen: docs/ABLATIONS.md). A "First Last: ddd-ddd-dddd" line is
# ~9 tokens with an 8192 BPE, so 512-token rows hold the question and about 40 entries.
PB_ENTRIES := 8-40
PB_QUERIES := 1-8
PB_TRAIN_COUNT := 2000
PB_TEST_COUNT := 200
SQUAD_COUNT := 200
INFILL_ITEMS := 300
PROBE_COUNT := 200
