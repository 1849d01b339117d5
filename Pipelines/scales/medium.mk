# SCALE=medium: a workstation or one cluster node per cell (`make -j 20 ablations RUN="srun -N1 -c 16"`).
# About 12x the tokens of small and a 4x larger model (preset base: d 512, 8 layers) at 1024-token rows.
PRESET := base
VOCAB := 16384
LENGTH := 1024
BATCH := 16
STEPS := 4000
LR := 6e-4
EVAL_EVERY := 200
CHECKPOINT_EVERY := 200
FT_STEPS := 250
FT_BATCH := 16
FT_LR := 1e-4
PB_ENTRIES := 8-80
PB_QUERIES := 1-16
PB_TRAIN_COUNT := 8000
PB_TEST_COUNT := 500
SQUAD_COUNT := 1000
INFILL_COUNT_TEST := 1000
PROBE_COUNT := 500
THREADS := 16
GRID := light
