# SCALE=d96-13m: tier-1 candidate of docs/SCALE.md re-budgeted for the bf16 engine (2026-12-05, AMD
# Zen 4; fp32 by PRECISION=auto on a CPU without AVX512-BF16): d96's
# model and books in bf16, with the tokens its measured speed allows in the same 2.5 hours.
# gated-ssm, two runs at once, one thread each: about 32,700 training tokens/s, so 410 s of training
# per run buys 13.4M tokens. Per cell: pre-training 1,600 steps x 8 x 512 = 6.6M tokens, fine-tuning
# 1,600 steps x 16 x 256 = 6.6M tokens. d96.mk keeps the budget of the first pass.
include Pipelines/scales/d96.mk
STEPS := 1600
FT_STEPS := 1600
EVAL_EVERY := 160
CHECKPOINT_EVERY := 160
FT_CHECKPOINT_EVERY := 160
# The ceiling run's 3,200 steps x 16 rows never repeat a book.
PB_TRAIN_COUNT := 80000
