# Objectives, corrupt and pack: benchmarks and grid regeneration.
BENCH_CORRUPT_DIR := .build/bench-corrupt
BENCH_CORRUPT_DOCS := 2000

##@ Objectives
.PHONY: bench-corrupt grids-objectives
bench-corrupt: build ## tokens/s per objective class (one core, row 2048) beside the authors' figures; corrupt | pack end to end
	$(BIN)/corrupt bench --length 2048 --repetitions 3
	@mkdir -p $(BENCH_CORRUPT_DIR)
	@$(BIN)/corrupt bench --emit-documents $(BENCH_CORRUPT_DIR)/docs.tok --documents $(BENCH_CORRUPT_DOCS)
	@echo "corrupt --mixture birdie --length 2048 | pack, $(BENCH_CORRUPT_DOCS) synthetic documents of 8,192 tokens:"
	@for i in 1 2 3; do \
	  start=$$(date +%s.%N); \
	  $(BIN)/corrupt -q --mixture birdie --length 2048 < $(BENCH_CORRUPT_DIR)/docs.tok \
	    | $(BIN)/pack > $(BENCH_CORRUPT_DIR)/rows.pack 2> $(BENCH_CORRUPT_DIR)/pack.log || exit 1; \
	  end=$$(date +%s.%N); \
	  rows=$$(sed -n 's/.* in \([0-9]*\) rows of.*/\1/p' $(BENCH_CORRUPT_DIR)/pack.log); \
	  awk -v s=$$start -v e=$$end -v n=$$(( $(BENCH_CORRUPT_DOCS) * 8192 )) -v r=$$rows -v msg="$$(grep "samples in" $(BENCH_CORRUPT_DIR)/pack.log)" \
	    'BEGIN { printf "  run %d: %.2f s, %.1fM document tokens/s, %.1fM row positions/s (%s)\n", '"$$i"', e - s, n / (e - s) / 1e6, r * 2048 / (e - s) / 1e6, msg }'; \
	done
	@rm -f $(BENCH_CORRUPT_DIR)/docs.tok $(BENCH_CORRUPT_DIR)/rows.pack

grids-objectives: build ## regenerate the built-in grids and named mixtures (Libraries/Objectives/Resources; classes from corrupt --list-objectives)
	BIN=$(BIN) python3 Pipelines/grids/make-objective-grids.py Libraries/Objectives/Resources
