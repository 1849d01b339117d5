# SCALE=d96: tier-1 candidate of docs/SCALE.md (d 96 x 3 layers, vocabulary 1,024): d64's settings
# with a wider, deeper model and the tokens its measured speed allows in the same 2.5 hours (about
# 10,000 tokens/s per run): per cell, pre-training 500 steps x 8 x 512 = 2.05M tokens, fine-tuning
# 500 steps x 16 x 256 = 2.05M tokens on the same books.
include Pipelines/scales/d64.mk
D_MODEL := 96
LAYERS := 3
STEPS := 500
LR := 2e-3
EVAL_EVERY := 50
CHECKPOINT_EVERY := 50
FT_STEPS := 500
FT_LR := 2e-3
FT_CHECKPOINT_EVERY := 50
PB_TRAIN_COUNT := 40000
