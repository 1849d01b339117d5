# SCALE=ladder: the phone-book difficulty ladder of docs/SCALE.md ("The ladder", its rule written
# before any ladder cell): d64's model on books of exactly 1, 2, 4 and 8 entries, one number asked,
# 300 test books per rung. A cell's token slots T come from gated-ssm's measured speed (410 s of
# training per run; STEPS below), three quarters pre-training, one quarter fine-tuning; the capacity
# ceilings train on the books for all of T.
include Pipelines/scales/d64.mk
CLAIMS_RULE := ladder
PB_RUNGS := 1,2,4,8
PB_QUERIES := 1-1
PB_TRAIN_COUNT := 160000
PB_TEST_COUNT := 1200
# Budget (2026-12-07, AMD EPYC Zen 3 without AVX-512, fp32 by PRECISION=auto): gated-ssm at this
# size, `train --task random-tokens --batch 8 --length 512 --threads 1`, two runs at once, median
# step: 34,293 and 35,495 tokens/s, so R = 34,900 and T = 410 R = 14.3M token slots, 13.9M when
# rounded down to 3,400 steps of 4,096: pre-training 2,550 steps of 8 x 512, fine-tuning 680 of
# 16 x 320 (rung-8 books are up to 293 tokens), the ceilings 2,720 of 16 x 320.
STEPS := 2550
FT_STEPS := 680
FT_LENGTH := 320
EVAL_EVERY := 255
CHECKPOINT_EVERY := 255
FT_CHECKPOINT_EVERY := 68
