# SCALE=d64-12h: the tier-2 candidate of docs/SCALE.md: d64's model with 4.8 times its tokens per
# cell (pre-training 4,800 steps x 8 x 512 = 19.7M tokens, fine-tuning 4,800 steps x 16 x 256 =
# 19.7M tokens), for a matrix of at most about 12 hours here, run in parts with CELLS=...
include Pipelines/scales/d64.mk
STEPS := 4800
FT_STEPS := 4800
EVAL_EVERY := 400
CHECKPOINT_EVERY := 400
FT_CHECKPOINT_EVERY := 400
PB_TRAIN_COUNT := 320000
