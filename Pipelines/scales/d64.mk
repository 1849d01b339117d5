# SCALE=d64: tier-1 candidate of docs/SCALE.md (d 64 x 2 layers, vocabulary 1,024). Every cell of
# the matrix with the default seeds (34 runs) must fit 2.5 hours on this 2-core machine, two runs at
# a time. Budget from the measured speed (docs/SCALE.md, "Budgets"): about 20,000 training tokens/s
# per run at d 64 with two runs at once, 410 s of training per run after scoring, the shared steps
# and a 15% margin. Per cell: pre-training 1,000 steps x 8 x 512 = 4.1M tokens, fine-tuning 1,000
# steps x 16 x 256 = 4.1M tokens on books of 1-4 entries (the same books for every candidate).
PRESET := tiny
D_MODEL := 64
LAYERS := 2
VOCAB := 1024
LENGTH := 512
BATCH := 8
STEPS := 1000
LR := 3e-3
EVAL_EVERY := 100
CHECKPOINT_EVERY := 100
GRID := light
JOBS := 2
THREADS := 1
FT_LENGTH := 256
FT_STEPS := 1000
FT_BATCH := 16
FT_LR := 3e-3
FT_CHECKPOINT_EVERY := 100
PB_ENTRIES := 1-4
PB_QUERIES := 1-4
PB_TRAIN_COUNT := 80000
PB_TEST_COUNT := 800
SQUAD_COUNT := 200
INFILL_COUNT_TEST := 200
PROBE_COUNT := 100
