##@ Build and test
FUZZ_WORK := .build/fuzz
FUZZ_EXECUTIONS ?= 100000
.PHONY: fuzz
fuzz: build ## feed mutated files to every reader (FUZZ_EXECUTIONS per reader, default 100,000: about 15 min, and about 10 more for the grid and mixture readers); each must exit 0 or 65
	BIN=$(BIN) Pipelines/fuzz/seeds.sh $(FUZZ_WORK)/seeds
	$(BIN)/fuzz --seeds $(FUZZ_WORK)/seeds --work $(FUZZ_WORK) --executions $(FUZZ_EXECUTIONS) --reasons $(FUZZ_WORK)/reasons.tsv

# The short run in `make test`: no crash, and the mutations reach the checks behind the checksums
# and the bounds of grid files.
.PHONY: fuzz-short
fuzz-short: build
	$(MAKE) --no-print-directory fuzz FUZZ_EXECUTIONS=1000
	grep -q "outside the vocabulary" $(FUZZ_WORK)/reasons.tsv
	grep -q "<= low <= high <=" $(FUZZ_WORK)/reasons.tsv   # the grid files' bounds are reached
	grep -q "payload size does not match its header" $(FUZZ_WORK)/reasons.tsv
