##@ Build and test
FUZZ_WORK := .build/fuzz
FUZZ_EXECUTIONS ?= 100000
.PHONY: fuzz
fuzz: build ## feed mutated files to every reader (FUZZ_EXECUTIONS per reader, default 100,000: about 15 min); each must exit 0 or 65
	BIN=$(BIN) Pipelines/fuzz/seeds.sh $(FUZZ_WORK)/seeds
	$(BIN)/fuzz --seeds $(FUZZ_WORK)/seeds --work $(FUZZ_WORK) --executions $(FUZZ_EXECUTIONS) --reasons $(FUZZ_WORK)/reasons.tsv

# The short run in `make test`: no crash, and the mutations reach the checks behind the checksums.
.PHONY: fuzz-short
fuzz-short: build
	$(MAKE) --no-print-directory fuzz FUZZ_EXECUTIONS=1000
	grep -q "outside the vocabulary" $(FUZZ_WORK)/reasons.tsv
	grep -q "payload size does not match its header" $(FUZZ_WORK)/reasons.tsv
