# The ablation matrix MODELS x PROCEDURES at SCALE (docs/ABLATIONS.md): shared steps once under
# $(ABL)/shared, then per cell $(ABL)/<model>-<procedure>/: pre-train, fine-tune on phone books,
# score phone book, SQuAD, infilling and the objective probes; then tables and plots.
# Every step is a rule whose target is written last (tools write temp+rename, stamps are touched
# after the command), so `make -j N` is safe and an interrupted run redoes only unfinished steps;
# an interrupted pre-training resumes from its last checkpoint (train --resume).
#
# Variables: SCALE (a file in Pipelines/scales/), MODELS, PROCEDURES, CELLS (default: every
# model-procedure pair), SEEDS (runs of each cell in SEEDED_CELLS; docs/SCALE.md), RESULTS (default
# results), RUN (a prefix for the heavy commands, e.g. RUN="srun -N1 -c 16"), TRAIN_RUN (the prefix
# of train and finetune alone, default RUN: a launcher of N data-parallel ranks, e.g. TRAIN_RUN="srun
# -N 4 --ntasks-per-node=1 --mpi=pmix", docs/CLUSTER.md; score and tokenize would run N copies),
# THREADS (threads per command), JOBS (cells at once), PRECISION (auto, fp32 or bf16 matrix
# products; the Makefile).

SCALE ?= ladder
RESULTS ?= results
# The matrix products of every train, finetune and score of the matrix (docs/PERFORMANCE.md):
# PRECISION (the Makefile: auto, the default, is bf16 where the CPU has AVX512-BF16, fp32 elsewhere;
# bf16 was 1.4-1.6x faster than fp32 at d 64 and d 128 on AMD Zen 4, held-out loss within 0.4% of
# fp32: make check-bf16). The folder names what ran: results/<scale>-fp32 or results/<scale>-bf16.
ABL = $(RESULTS)/$(SCALE)-$(PRECISION_RUN)
SHARED = $(ABL)/shared
RUN ?=
TRAIN_RUN ?= $(RUN)

ifeq ($(wildcard Pipelines/scales/$(SCALE).mk),)
$(error SCALE=$(SCALE): no Pipelines/scales/$(SCALE).mk; choose one of $(basename $(notdir $(wildcard Pipelines/scales/*.mk))))
endif
include Pipelines/scales/$(SCALE).mk
# Defaults for what a scale file may leave out.
THREADS ?= 2
# Commands `make ablations` runs at once (make -j); a scale may trade threads per command for jobs.
# Unset, the matrix takes make's own -j (`make -j 64 ablations`).
JOBS ?=
# Fine-tuning rows (phone books) may be shorter than pre-training rows.
FT_LENGTH ?= $(LENGTH)
D_MODEL ?=
LAYERS ?=
CORPUS_DOCS ?=
FT_CHECKPOINT_EVERY ?= 20
# The Birdie pool of bfr, birdie and birdie-causal: light (15 configurations) or birdie (the paper's 104).
GRID ?= light
# Extra train flags of the Birdie procedures (e.g. a smaller critic for smoke runs).
CRITIC_FLAGS ?=
MODELS ?= $(ALL_MODELS)
PROCEDURES ?= $(ALL_PROCEDURES)
CELLS ?= $(foreach m,$(MODELS),$(foreach p,$(PROCEDURES),$(m)-$(p)))
# Seeds: the cells the claims C1-C3 compare run SEEDS times, the others once (docs/SCALE.md). A run's
# folder is <cell> for seed 1 and <cell>.seed<N> for seed N.
SEEDS ?= 3
SEEDED_CELLS ?= $(addprefix gated-ssm-,$(ALL_PROCEDURES)) gated-ssm-plus-clm gated-ssm-plus-birdie
seed_runs = $(1) $(if $(filter $(1),$(SEEDED_CELLS)),$(addprefix $(1).seed,$(wordlist 2,$(SEEDS),1 2 3 4 5 6 7 8 9 10)))
RUNS = $(foreach c,$(CELLS),$(call seed_runs,$(c)))
RUN_DIRS = $(addprefix $(ABL)/,$(RUNS))
run_cell = $(firstword $(subst .seed, ,$(1)))
run_seed = $(or $(word 2,$(subst .seed, ,$(1))),1)

# A cell name is <model>-<procedure>; both may contain dashes, so match the procedure at the end.
# Both take a run name too (the seed suffix is dropped).
cell_procedure = $(lastword $(foreach p,$(ALL_PROCEDURES),$(if $(filter %-$(p),$(call run_cell,$(1))),$(p))))
cell_model = $(patsubst %-$(call cell_procedure,$(1)),%,$(call run_cell,$(1)))
is_birdie = $(filter birdie birdie-causal,$(call cell_procedure,$(1)))

# Shared inputs of every cell. The corpus, names and SQuAD come from data.mk (defined after this
# file is read, hence second expansion: $$(VAR) in prerequisites).
.SECONDEXPANSION:
TRAIN_TEXT = $(if $(CORPUS_DOCS),$(SHARED)/train.jsonl,$(CORPUS_TRAIN))
# What the training text is made by: the corpus stamp (written after train.jsonl), or the subset.
TRAIN_TEXT_DEPS = $(CORPUS_STAMP) $(if $(CORPUS_DOCS),$(SHARED)/train.jsonl)
TOKENIZER = $(SHARED)/tok.model
TRAIN_TOKENS = $(SHARED)/train.tok
HELDOUT_TOKENS = $(SHARED)/heldout.tok
PROBES = $(SHARED)/probes.smp
PHONEBOOK_TRAIN = $(SHARED)/phonebook-train.jsonl
PHONEBOOK_TEST = $(SHARED)/phonebook-test.jsonl
INFILL_TEST = $(SHARED)/infill.jsonl
SHARED_FILES = $(TOKENIZER) $(TRAIN_TOKENS) $(PROBES) $(PHONEBOOK_TRAIN) $(PHONEBOOK_TEST) $(INFILL_TEST)
# Phone books leave room for the tokens a row adds around prompt and target (start, paradigm, eos).
PB_MAX_TOKENS = $(shell echo $$(( $(FT_LENGTH) - 8 )))

# The command lines of each step, in one place (docs/SCORING.md for finetune and score).
MODEL_SIZE = --preset $(PRESET) $(if $(D_MODEL),--d-model $(D_MODEL)) $(if $(LAYERS),--layers $(LAYERS))
TRAIN_FLAGS = --model $(call cell_model,$*) $(MODEL_SIZE) --corpus $(TRAIN_TOKENS) \
	--procedure $(call cell_procedure,$*) --steps $(STEPS) --batch $(BATCH) --length $(LENGTH) --lr $(LR) \
	--eval-every $(EVAL_EVERY) --checkpoint-every $(CHECKPOINT_EVERY) --threads $(THREADS) --seed $(call run_seed,$*) \
	--precision $(PRECISION_RUN) --progress never -o $(@D)/model.ckpt --metrics $(@D)/train.tsv \
	$(if $(filter bfr birdie birdie-causal,$(call cell_procedure,$*)),--grid $(GRID)) \
	$(if $(call is_birdie,$*),--controller-log $(@D)/controller.jsonl $(CRITIC_FLAGS))
FINETUNE_STEPS = $(FT_STEPS)
FINETUNE_FLAGS = -m $(TOKENIZER) $(PHONEBOOK_TRAIN) --steps $(FINETUNE_STEPS) --batch $(FT_BATCH) --length $(FT_LENGTH) \
	--lr $(FT_LR) --checkpoint-every $(FT_CHECKPOINT_EVERY) --threads $(THREADS) --seed $(call run_seed,$*) --progress never \
	--precision $(PRECISION_RUN) --metrics $(@D)/finetune.tsv --snapshots
SCORE = $(RUN) $(BIN)/score -m $(TOKENIZER) --threads $(THREADS) --precision $(PRECISION_RUN) --progress never

##@ Ablations
.PHONY: ablations ablations-shared ablations-pretrain ablations-cells tables plots test-ablations-tiny bench-ablations
ablations: ## the whole matrix at SCALE (default ladder; d64-33m, d64, d96, d96-13m, d64-12h, tiny, small, medium, large): train, fine-tune, score, tables, claims, plots
	$(MAKE) --no-print-directory $(if $(JOBS),-j$(JOBS)) ablations-cells
	$(MAKE_TABLES)
	$(MAKE_PLOTS)

ablations-shared: $$(SHARED_FILES) ## the steps every cell shares: tokenizer, encoded corpus, phone books, infilling items
ablations-pretrain: $(addsuffix /pretrain.done,$(RUN_DIRS)) ## pre-train every cell only (no fine-tuning or scoring)
ablations-cells: $(addsuffix /cell.done,$(RUN_DIRS))

# --- shared steps -------------------------------------------------------------------------------
$(SHARED)/train.jsonl: $$(CORPUS_STAMP)
	@mkdir -p $(@D)
	head -n $(CORPUS_DOCS) $(CORPUS_TRAIN) > $@.tmp && mv $@.tmp $@

$(TOKENIZER): $$(TRAIN_TEXT_DEPS) | build
	@mkdir -p $(@D)
	$(RUN) $(BIN)/tokenize train --vocab-size $(VOCAB) -q -o $@ $(TRAIN_TEXT)

$(TRAIN_TOKENS): $(TOKENIZER) $$(TRAIN_TEXT_DEPS)
	$(BIN)/tokenize encode -q -m $(TOKENIZER) -o $@ $(TRAIN_TEXT)

$(HELDOUT_TOKENS): $(TOKENIZER) $$(CORPUS_STAMP)
	$(BIN)/tokenize encode -q -m $(TOKENIZER) -o $@ $(CORPUS_HELDOUT)

# Objective probes: held-out samples of the Birdie pool (GRID's mixture) that fit a row.
$(PROBES): $(HELDOUT_TOKENS)
	$(BIN)/corrupt -q --mixture $(GRID) --length $(LENGTH) --seed 3 -o $@ $(HELDOUT_TOKENS)

# Fine-tuning and test books differ by seed; both fit a row of the cell's length. A scale with
# PB_RUNGS makes them on that ladder of exact entry counts, in equal shares (docs/SCALE.md).
PB_RUNGS ?=
$(SHARED)/phonebook-%.jsonl: $(TOKENIZER) $$(NAMES_STAMP)
	$(BIN)/phonebook-gen -q $(if $(PB_RUNGS),--rungs $(PB_RUNGS),--entries $(PB_ENTRIES)) --queries $(PB_QUERIES) \
	  --count $(if $(filter train,$*),$(PB_TRAIN_COUNT),$(PB_TEST_COUNT)) --seed $(if $(filter train,$*),1,2) \
	  --names $(NAMES_DIR) --max-tokens $(PB_MAX_TOKENS) -m $(TOKENIZER) -o $@

$(INFILL_TEST): $$(CORPUS_STAMP) | build
	@mkdir -p $(@D)
	$(BIN)/infill-gen -q $(CORPUS_HELDOUT) --train $(CORPUS_TRAIN) --count $(INFILL_COUNT_TEST) --seed 1 -o $@

# --- per cell -----------------------------------------------------------------------------------
# A training step ($1 pretrain|finetune, command $2, checkpoint $3, flags $4 of a fresh start):
# resumes from the checkpoint an interrupted run left (its .state file), appends stderr to $1.log
# (shown when the step fails), touches the stamp last.
define logged_step
@mkdir -p $(@D)
@start="$4"; if [ -f $(@D)/$3.state ]; then start="--resume $(@D)/$3"; \
  echo "ablations: $*: $1, resuming from $(@D)/$3"; else echo "ablations: $*: $1"; fi; \
echo "# $$(date -u +%FT%TZ) $2 $$start" >> $(@D)/$1.log; \
$2 $$start 2>> $(@D)/$1.log || { status=$$?; tail -n 15 $(@D)/$1.log >&2; \
  echo "ablations: $*: $1 failed (exit $$status); log in $(@D)/$1.log" >&2; exit $$status; }
@tail -n 1 $(@D)/$1.log | sed 's|^|ablations: $*: |'
@touch $@
endef

$(ABL)/%/pretrain.done: $(TRAIN_TOKENS) | build
	$(call logged_step,pretrain,$(TRAIN_RUN) $(BIN)/train $(TRAIN_FLAGS),model.ckpt,)

$(ABL)/%/finetune.done: $(ABL)/%/pretrain.done $(PHONEBOOK_TRAIN)
	$(call logged_step,finetune,$(TRAIN_RUN) $(BIN)/finetune $(FINETUNE_FLAGS),finetuned.ckpt,--checkpoint $(@D)/model.ckpt -o $(@D)/finetuned.ckpt)

# Scores: per-item TSV (-o) and a JSON summary (--summary, the target, written last). Phone books
# with the fine-tuned model; SQuAD, infilling and the objective probes with the pre-trained one.
$(ABL)/%/phonebook.json: $(ABL)/%/finetune.done $(PHONEBOOK_TEST)
	$(SCORE) --task phonebook --checkpoint $(@D)/finetuned.ckpt $(PHONEBOOK_TEST) -o $(@D)/phonebook.tsv --summary $@

# SQuAD and infilling read the pre-trained model, so each prompt starts with the paradigm token its
# procedure trained on: next-token for clm (which never saw prefix-LM), prefix-LM for the others.
PARADIGM = --paradigm $(if $(filter clm,$(call cell_procedure,$*)),next-token,prefix-lm)
$(ABL)/%/squad.json: $(ABL)/%/pretrain.done $$(SQUAD_DEV)
	$(SCORE) --task squad $(PARADIGM) --checkpoint $(@D)/model.ckpt $(SQUAD_DEV) $(if $(filter-out 0,$(SQUAD_COUNT)),--limit $(SQUAD_COUNT)) \
	  -o $(@D)/squad.tsv --summary $@

$(ABL)/%/infill.json: $(ABL)/%/pretrain.done $(INFILL_TEST)
	$(SCORE) --task mc $(PARADIGM) --checkpoint $(@D)/model.ckpt $(INFILL_TEST) -o $(@D)/infill.tsv --summary $@

$(ABL)/%/objectives.json: $(ABL)/%/pretrain.done $(PROBES)
	$(SCORE) --task objectives --checkpoint $(@D)/model.ckpt $(PROBES) --limit $(PROBE_COUNT) \
	  -o $(@D)/objectives.tsv --summary $@

# The fine-tuning learning curve: every checkpoint kept by `finetune --snapshots`, scored on
# CURVE_BOOKS test books (the same books at every point, drawn by `score --limit`); per-book
# scores in <run>/curve/step-N.tsv. digit_accuracy and answer_nll are score's teacher-forced
# measures (docs/SCORING.md).
CURVE_BOOKS ?= 200
$(ABL)/%/curve.tsv: $(ABL)/%/finetune.done $(PHONEBOOK_TEST)
	@mkdir -p $(@D)/curve && printf 'step\tnumber_accuracy\tnumbers\tbooks\tdigit_accuracy\tanswer_nll\n' > $@.tmp
	@for step in $$(ls $(@D) | sed -n 's/^finetuned\.ckpt\.step-//p' | sort -n); do \
	  $(SCORE) -q --task phonebook --checkpoint $(@D)/finetuned.ckpt.step-$$step $(PHONEBOOK_TEST) --limit $(CURVE_BOOKS) \
	    -o $(@D)/curve/step-$$step.tsv --summary $(@D)/curve/step-$$step.json || exit 1; \
	  jq -r '[.step, .number_accuracy, .numbers, .items, .digit_accuracy, .answer_nll] | map(tostring) | join("\t")' \
	    $(@D)/curve/step-$$step.json >> $@.tmp || exit 1; \
	done; mv $@.tmp $@

$(ABL)/%/cell.done: $(addprefix $(ABL)/%/,phonebook.json curve.tsv squad.json infill.json objectives.json)
	@touch $@

# Keep every step's output even when make only reached it through a pattern (a rerun must not redo
# it). Safe on interrupt: the tools write temp+rename and stamps are touched last.
.PRECIOUS: $(addprefix $(ABL)/%/,pretrain.done finetune.done phonebook.json curve.tsv squad.json infill.json objectives.json)

# --- capacity ceilings (docs/SCALE.md) ----------------------------------------------------------
# Each model, bidirectional form, trained from scratch on the fine-tuning books alone for one cell's
# whole token budget (pre-training plus fine-tuning tokens), then scored on the test books, and on
# CURVE_BOOKS of them at every checkpoint (curve.tsv: accuracy against training tokens).
CEILING_STEPS = $(shell echo $$(( ($(STEPS) * $(BATCH) * $(LENGTH)) / ($(FT_BATCH) * $(FT_LENGTH)) + $(FT_STEPS) )))
CEILINGS = $(foreach m,$(MODELS),$(ABL)/ceiling/$(m)/phonebook.json $(ABL)/ceiling/$(m)/curve.tsv)
.PHONY: ceilings
ceilings: $(CEILINGS) ## capacity ceilings at SCALE: each model trained on phone books alone for a cell's budget (docs/SCALE.md)
	gnuplot -e "dir='$(ABL)/ceiling'; models='$(MODELS)'; output='$(ABL)/ceiling/ceilings.png'; note='SCALE=$(SCALE): $(strip $(MODEL_SIZE)), $(CEILING_STEPS) steps of $(FT_BATCH) x $(FT_LENGTH), lr $(FT_LR)'" Pipelines/plots/ceilings.gp
	@for m in $(MODELS); do jq -r --arg m $$m '"ceilings: \($$m): one-number books right \(.by_queried[] | select(.queried == 1) | .query_accuracy), all numbers \(.number_accuracy); by entries: \([.by_entries[] | "\(.entries): \(.number_accuracy) (digits \(.digit_accuracy * 1000 | round / 1000))"] | join(", "))"' $(ABL)/ceiling/$$m/phonebook.json; done

$(ABL)/ceiling/%/init.ckpt: | build
	@mkdir -p $(@D)
	$(BIN)/train --init-only --model $* $(MODEL_SIZE) --form bidirectional --vocab-size $(VOCAB) --seed 1 -o $@

$(ABL)/ceiling/%/finetune.done: FINETUNE_STEPS = $(CEILING_STEPS)
$(ABL)/ceiling/%/finetune.done: $(ABL)/ceiling/%/init.ckpt $(PHONEBOOK_TRAIN)
	$(call logged_step,finetune,$(TRAIN_RUN) $(BIN)/finetune $(FINETUNE_FLAGS),finetuned.ckpt,--checkpoint $(@D)/init.ckpt -o $(@D)/finetuned.ckpt)

# Kept, like the matrix's steps: a rerun must not redo them.
.PRECIOUS: $(ABL)/ceiling/%/init.ckpt $(ABL)/ceiling/%/finetune.done

$(ABL)/ceiling/%/phonebook.json: $(ABL)/ceiling/%/finetune.done $(PHONEBOOK_TEST)
	$(SCORE) --task phonebook --checkpoint $(@D)/finetuned.ckpt $(PHONEBOOK_TEST) -o $(@D)/phonebook.tsv --summary $@

# --- when copying appears (docs/SCALE.md) --------------------------------------------------------
# The model of each ONSET_MODELS pre-trained on one objective alone, at one length (tokens of text
# in a LENGTH-token row), for a cell's pre-training budget: its held-out loss and token accuracy
# against tokens (onset/<objective>-<length>/<model>/train.tsv). copying: a text and its copy;
# selective-copying: one span of 4-32 tokens between delimiters, asked for after the text.
ONSET_MODELS ?= gated-ssm
ONSET_RUNS ?= copying-8-16 copying-32-64 copying-128-256 selective-copying-32-64 selective-copying-128-256
ONSET = $(ABL)/onset
.PRECIOUS: $(ONSET)/%/grid.json $(ONSET)/%/pretrain.done $(ONSET)/%/finetune.done
.PHONY: copying-onset
copying-onset: $(foreach r,$(ONSET_RUNS),$(foreach m,$(ONSET_MODELS),$(ONSET)/$(r)/$(m)/pretrain.done)) ## pre-training on copying alone, by length: when does it start to copy? (docs/SCALE.md)
	@for m in $(ONSET_MODELS); do gnuplot -e "dir='$(ONSET)'; runs='$(ONSET_RUNS)'; model='$$m'; output='$(ONSET)/onset-$$m.png'; \
	  note='SCALE=$(SCALE), $(STEPS) steps of $(BATCH) x $(LENGTH)'" Pipelines/plots/onset.gp; done
	@for f in $^; do d=$$(dirname $$f); awk -F'\t' -v d="$$d" 'NR > 1 && $$4 != "nan" { l = $$0 } END { split(l, x, "\t"); printf "copying-onset: %s: %s tokens, held-out loss %s, token accuracy %s\n", d, x[2], x[4], x[8] }' $$d/train.tsv; done

# A grid of one configuration (lengths as written: reference_row_length is the row length). A
# static pattern, so make knows these files can be made before it looks for a pretrain.done rule.
ONSET_GRIDS = $(foreach r,$(ONSET_RUNS),$(ONSET)/$(r)/grid.json)
$(ONSET_GRIDS): $(ONSET)/%/grid.json:
	@mkdir -p $(@D)
	@objective=$$(echo $* | sed 's/-[0-9]*-[0-9]*$$//'); lo=$$(echo $* | awk -F- '{print $$(NF-1)}'); hi=$$(echo $* | awk -F- '{print $$NF}'); \
	if [ $$objective = copying ]; then config='{"name": "'$*'", "objective": "copying", "length": ['$$lo', '$$hi']}'; \
	else config='{"name": "'$*'", "objective": "selective-copying", "spans": 1, "span_length": [4, 32], "delimiter_length": [1, 8], "query": "after", "length": ['$$lo', '$$hi']}'; fi; \
	echo '{"grid": "'$*'", "description": "one configuration (make copying-onset)", "reference_row_length": $(LENGTH), "configurations": ['"$$config"']}' > $@

# The run's grid: the first part of the stem <objective>-<lengths>/<model> (no % here: make would
# put the stem in its place).
$(ONSET)/%/pretrain.done: $(TRAIN_TOKENS) $$(ONSET)/$$(firstword $$(subst /, ,$$*))/grid.json | build
	$(call logged_step,pretrain,$(TRAIN_RUN) $(BIN)/train --model $(notdir $*) $(MODEL_SIZE) --corpus $(TRAIN_TOKENS) --procedure bfr \
	  --grid $(ONSET)/$(firstword $(subst /, ,$*))/grid.json --form bidirectional --steps $(STEPS) --batch $(BATCH) --length $(LENGTH) \
	  --lr $(LR) --eval-every $(EVAL_EVERY) --checkpoint-every $(CHECKPOINT_EVERY) --threads $(THREADS) --seed 1 --progress never \
	  --precision $(PRECISION_RUN) -o $(@D)/model.ckpt --metrics $(@D)/train.tsv,model.ckpt,)

# Fine-tuning on phone books from a copy-pre-trained checkpoint, with its learning curve (compare
# the clm cell's curve.tsv from the same budget).
$(ONSET)/%/finetune.done: $(ONSET)/%/pretrain.done $(PHONEBOOK_TRAIN)
	$(call logged_step,finetune,$(TRAIN_RUN) $(BIN)/finetune $(FINETUNE_FLAGS),finetuned.ckpt,--checkpoint $(@D)/model.ckpt -o $(@D)/finetuned.ckpt)

# --- tables and plots ---------------------------------------------------------------------------
TABLES = $(ABL)/tables
PLOTS = $(ABL)/plots
# The claims rule of the scale (CLAIMS_RULE=ladder: docs/SCALE.md's ladder rule; unset: the earlier
# one) and the fine-tuning length its ceilings table reads the curves at.
CLAIMS_RULE ?=
export CLAIMS_RULE FT_STEPS
MAKE_TABLES = Pipelines/ablations/tables.sh $(ABL) $(TABLES) $(RUNS) && \
	python3 Pipelines/ablations/claims.py $(ABL) $(TABLES) $(RUNS)
MAKE_PLOTS = PLOT_NOTE="$(strip $(MODEL_SIZE)), batch $(BATCH) x $(LENGTH), $(PRECISION_RUN), threads per command: $(THREADS)" \
	  CEILING_NOTE="$(strip $(MODEL_SIZE)), $(CEILING_STEPS) steps of $(FT_BATCH) x $(FT_LENGTH), lr $(FT_LR), $(PRECISION_RUN)" \
	  Pipelines/ablations/plots.sh $(ABL) $(TABLES) $(PLOTS) $(RUNS)
tables: ## TSV and Markdown tables from whatever cells have finished at SCALE (results/SCALE/tables)
	$(MAKE_TABLES)

plots: ## gnuplot PNGs (Figure 1, SQuAD, throughput, loss, Birdie mixture) at SCALE (results/SCALE/plots)
	$(MAKE_TABLES)
	$(MAKE_PLOTS)

# --- test and benchmark -------------------------------------------------------------------------
TEST_ABLATIONS := .build/test-ablations
test-ablations-tiny: build $$(CORPUS_STAMP) $$(NAMES_STAMP) $$(SQUAD_DEV) ## the whole pipeline for two tiny cells from scratch, then checks every table and figure
	rm -rf $(TEST_ABLATIONS)
	$(MAKE) --no-print-directory ablations SCALE=tiny RESULTS=$(TEST_ABLATIONS)
	Pipelines/ablations/check.sh $(TEST_ABLATIONS)/tiny-$(PRECISION_RUN) gated-ssm-birdie gated-ssm-birdie.seed2 transformer-clm

BENCH_ABLATIONS_STEPS ?= 8
bench-ablations: build ## training tokens/s of each model at SCALE's size, batch and length (median step of 3 runs; sets the step budget)
	@for m in $(ALL_MODELS); do for r in 1 2 3; do \
	  $(BIN)/train --model $$m $(MODEL_SIZE) --task random-tokens --vocab-size $(VOCAB) --steps $(BENCH_ABLATIONS_STEPS) \
	    --batch $(BATCH) --length $(LENGTH) --eval-batches 0 --threads $(THREADS) --precision $(PRECISION_RUN) --progress never -q \
	    --metrics .build/bench-ablations.tsv || exit 1; \
	  awk -F'\t' 'NR > 3 { print $$7 }' .build/bench-ablations.tsv; \
	done | sort -g | awk -v m=$$m '{ v[NR] = $$1 } END { printf "%s\t%.0f tokens/s\n", m, v[int((NR + 1) / 2)] }'; done
	@echo "bench-ablations: $(MODEL_SIZE), vocab $(VOCAB), batch $(BATCH) x $(LENGTH), $(THREADS) threads, $(PRECISION_RUN), load $$(cut -d' ' -f1-3 /proc/loadavg)"
