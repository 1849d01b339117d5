# SCALE=d64-33m: tier-1 candidate of docs/SCALE.md re-budgeted for the bf16 engine (2026-12-05, AMD
# Zen 4; PRECISION=auto runs it in fp32, and slower, on a CPU without AVX512-BF16): d64's
# model and books in bf16 (make check-bf16: held-out loss within 0.006% of fp32 at d 64 x 2), with
# the tokens its measured speed allows in the same 2.5 hours. gated-ssm, two runs at once, one
# thread each: about 78,000 training tokens/s, so 410 s of training per run buys 32M tokens. Per
# cell: pre-training 4,000 steps x 8 x 512 = 16.4M tokens, fine-tuning 4,000 steps x 16 x 256 =
# 16.4M tokens. d64.mk keeps the budget of the fp32 engine of 2026-12-04 and its reference run.
include Pipelines/scales/d64.mk
STEPS := 4000
FT_STEPS := 4000
EVAL_EVERY := 400
CHECKPOINT_EVERY := 400
FT_CHECKPOINT_EVERY := 400
# The ceiling run's 8,000 steps x 16 rows never repeat a book.
PB_TRAIN_COUNT := 160000
