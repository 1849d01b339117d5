# SCALE=tiny: a smoke run of the whole pipeline (two cells, a few minutes; `make test-ablations-tiny`).
# The numbers mean nothing; the point is that every step runs and every table and figure is made.
# With MODELS or PROCEDURES on the command line the full cross product runs instead of the two cells.
ifeq ($(origin MODELS)$(origin PROCEDURES),undefinedundefined)
CELLS ?= gated-ssm-birdie transformer-clm
endif
# Two seeds of gated-ssm-birdie, so the seed runs, intervals and the claims table are exercised.
SEEDS := 2
CORPUS_DOCS := 400
VOCAB := 1024
PRESET := tiny
LENGTH := 256
BATCH := 4
STEPS := 40
LR := 3e-3
EVAL_EVERY := 10
CHECKPOINT_EVERY := 10
FT_STEPS := 10
FT_CHECKPOINT_EVERY := 5
FT_BATCH := 4
FT_LR := 1e-3
PB_ENTRIES := 4-8
PB_QUERIES := 1-4
PB_TRAIN_COUNT := 40
PB_TEST_COUNT := 20
SQUAD_COUNT := 10
INFILL_COUNT_TEST := 10
PROBE_COUNT := 10
GRID := light
# The paper's critic (width 256, 4 layers, 200 steps per evaluation) would dominate a 40-step run.
CRITIC_FLAGS := --critic-width 32 --critic-layers 2 --critic-training-steps 20
