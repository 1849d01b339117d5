# Evaluation task files that do not depend on a model. Phone books depend on each cell's tokenizer
# and row length, so the ablation cells generate their own with phonebook-gen -m ... --max-tokens.
TASKS_DIR := $(DATA)/tasks
INFILL_ITEMS := $(TASKS_DIR)/infill.jsonl
INFILL_COUNT ?= 1000

##@ Tasks
.PHONY: tasks
tasks: $(INFILL_ITEMS) ## story-infilling items from the held-out corpus into data/tasks/infill.jsonl

$(INFILL_ITEMS): $(CORPUS_STAMP) | build
	@mkdir -p $(TASKS_DIR)
	$(BIN)/infill-gen $(CORPUS_HELDOUT) --train $(CORPUS_TRAIN) --count $(INFILL_COUNT) --seed 1 -o $@
