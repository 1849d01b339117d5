# SCALE=d96: tier-1 candidate of docs/SCALE.md (d 96 x 3 layers, vocabulary 1,024). Every cell of
# the matrix with the default seeds (34 runs) must fit 2.5 hours on this 2-core machine, two runs at
# a time. Budget from the measured speed as for d64 (about 10,000 tokens/s per run at d 96): per
# cell, pre-training 500 steps x 8 x 512 = 2.05M tokens, fine-tuning 500 steps x 16 x 256 = 2.05M
# tokens on books of 1-4 entries (the same books for every candidate).
PRESET := tiny
D_MODEL := 96
LAYERS := 3
VOCAB := 1024
LENGTH := 512
BATCH := 8
STEPS := 500
LR := 2e-3
EVAL_EVERY := 50
CHECKPOINT_EVERY := 50
GRID := light
JOBS := 2
THREADS := 1
FT_LENGTH := 256
FT_STEPS := 500
FT_BATCH := 16
FT_LR := 2e-3
FT_CHECKPOINT_EVERY := 50
PB_ENTRIES := 1-4
PB_QUERIES := 1-4
PB_TRAIN_COUNT := 40000
PB_TEST_COUNT := 800
SQUAD_COUNT := 200
INFILL_COUNT_TEST := 200
PROBE_COUNT := 100
