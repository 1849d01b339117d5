# Scoring: the decode benchmark (`make bench-decode`). Each model runs in its own process so that
# its resident memory is its own; the context is built by decoding token by token.
BENCH_DECODE_MODELS ?= gated-ssm-plus transformer
BENCH_DECODE_CONTEXTS ?= 512 1024 2048 4096 8192
BENCH_DECODE_PRESET ?= small
BENCH_DECODE_DIR := .build/bench-decode

##@ Scoring
.PHONY: bench-decode
bench-decode: build ## greedy decode tokens/s and memory vs context length (512-8192): recurrent model beside the transformer
	@mkdir -p $(BENCH_DECODE_DIR)
	@for m in $(BENCH_DECODE_MODELS); do \
	  $(BIN)/score bench --models $$m --preset $(BENCH_DECODE_PRESET) --contexts $(BENCH_DECODE_CONTEXTS) --threads 1 \
	    > $(BENCH_DECODE_DIR)/$$m.tsv || exit 1; done
	@echo "bench-decode: $(BENCH_DECODE_PRESET) preset, vocabulary 8192, one thread; tokens/s = 1 / median step of 32 at that context;"
	@echo "  MB = resident memory grown since the first step (the recurrent state, or the transformer's keys and values)"
	@first=1; for m in $(BENCH_DECODE_MODELS); do \
	  if [ $$first = 1 ]; then cp $(BENCH_DECODE_DIR)/$$m.tsv $(BENCH_DECODE_DIR)/table.tsv; first=0; \
	  else cut -f2- $(BENCH_DECODE_DIR)/$$m.tsv | paste $(BENCH_DECODE_DIR)/table.tsv - > $(BENCH_DECODE_DIR)/table.tmp \
	    && mv $(BENCH_DECODE_DIR)/table.tmp $(BENCH_DECODE_DIR)/table.tsv; fi; done
	@column -t -s "$$(printf '\t')" $(BENCH_DECODE_DIR)/table.tsv
