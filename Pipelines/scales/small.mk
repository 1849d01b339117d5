# SCALE=small: the first default (d 128 x 4), before docs/SCALE.md chose d64; its reference run is results/reference/small.
#
# Two cells at once with one thread each (JOBS 2, THREADS 1): on 2 cores that trains ~25% more
# tokens/s in total than one cell with 2 threads (7,300-8,700 tokens/s each, against 11,800-12,900
# for one 2-thread run; `make bench-ablations THREADS=1` and THREADS=2, quiet machine).
# Measured: the whole matrix took 82.6 min from a fresh clone (results/reference/small/make.log).
#
# Model: the small preset narrowed to d 128 x 4 layers (1.3-2M parameters with a 4,096-token
# vocabulary); preset small itself (d 256 x 6) runs 2-3x slower, which would leave too few tokens.
# Budget per cell: pre-training 360 steps x 8 x 512 = 1.47M tokens (~205 s at 7,200 tokens/s),
# fine-tuning 450 steps x 16 x 256 = 1.84M tokens (~245 s), scoring ~20 s; the 8 Birdie cells add
# ~100 s of controller evaluations each. 20 x 470 s + 800 s = 10,200 s of commands, two at a
# time: ~85 min, plus ~5 min for the build and the shared steps.
PRESET := small
D_MODEL := 128
LAYERS := 4
VOCAB := 4096
LENGTH := 512
BATCH := 8
STEPS := 360
LR := 2e-3
EVAL_EVERY := 40
CHECKPOINT_EVERY := 40
GRID := light
JOBS := 2
THREADS := 1
# Phone books (docs/ABLATIONS.md, "Choosing the phone books"). The paper fine-tunes 1.4B models,
# pre-trained on 2B+ tokens, for 250 steps at lr 5e-5. Models this small and this briefly trained
# have not learned to retrieve: with books of 2-16 or 2-6 entries every cell tried scored 0 numbers
# right (digit accuracy at chance) even after 400 fine-tuning steps. Books of 1-4 entries (one
# entry: a number to copy; four: four names to find) and a longer fine-tuning at a larger rate
# give transformer-clm a few per cent, so Figure 1's 1-4 queried numbers are neither trivial nor
# hopeless. Books are ~70-180 tokens, so fine-tuning rows are 256 tokens (2-3 books a row).
FT_LENGTH := 256
FT_STEPS := 450
FT_BATCH := 16
FT_LR := 2e-3
FT_CHECKPOINT_EVERY := 50
PB_ENTRIES := 1-4
PB_QUERIES := 1-4
PB_TRAIN_COUNT := 12000
PB_TEST_COUNT := 400
SQUAD_COUNT := 200
INFILL_COUNT_TEST := 200
PROBE_COUNT := 100
