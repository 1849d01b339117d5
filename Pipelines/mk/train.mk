##@ Training engine
BENCH_TRAIN_FLAGS := --vocab-size 512 --d-model 256 --layers 4 --state 256 --mlp gelu --mlp-hidden 1024 \
  --form causal --task random-tokens --batch 8 --length 512 --threads 2 --eval-batches 0 --progress never
BENCH_TRAIN_STEPS ?= 10
# OpenBLAS's AVX-512 kernels where the CPU has them (this machine's environment forces Haswell;
# PyTorch's own BLAS uses AVX-512 regardless). Override with BENCH_BLAS_CORE=.
BENCH_BLAS_CORE ?= $(if $(shell grep -qw avx512f /proc/cpuinfo 2>/dev/null && echo y),SKYLAKEX,$(OPENBLAS_CORETYPE))

.PHONY: bench-train bench-train-models
bench-train: build ## gated-ssm-plus training tokens/s in fp32 and bf16, side by side with the PyTorch reference (fp32, autocast bf16; loop and parallel scans; BENCH_TORCH_COMPILE=1 adds torch.compile)
	@echo "bench-train: vocab 512, d_model 256, state 256, 4 x [gated SSM+ with conv, MLP 4x GeLU], batch 8 x 512, AdamW, 2 threads"
	@# --profile measures the products at the model's own shapes in the same run: the ceilings and the ratio.
	@for p in fp32 bf16; do \
	  OPENBLAS_CORETYPE=$(BENCH_BLAS_CORE) $(BIN)/train --model gated-ssm-plus $(BENCH_TRAIN_FLAGS) --steps $(BENCH_TRAIN_STEPS) \
	    --precision $$p --metrics .build/bench-train-$$p.tsv --profile 2>&1 | grep -E '^train: (ceiling|model)'; \
	  awk -F'\t' 'NR > 3 { print $$7 }' .build/bench-train-$$p.tsv | sort -g | \
	    awk -v p=$$p '{ v[NR] = $$1 } END { m = v[int((NR + 1) / 2)]; \
	      printf "birdie (%s): %.0f tokens/s (median of %d steps), %.1f model GFLOP/s (6 x 3547392 params x tokens/s)\n", \
	      p, m, NR, 6 * 3547392 * m / 1e9 }'; done
	@if python3 -c 'import torch' 2>/dev/null; then \
	  for scan in loop parallel; do for p in fp32 bf16; do \
	    python3 benchmarks/gated_ssm_plus_torch.py --steps $(BENCH_TRAIN_STEPS) --threads 2 --scan $$scan --precision $$p; \
	    if [ -n "$(BENCH_TORCH_COMPILE)" ]; then \
	      python3 benchmarks/gated_ssm_plus_torch.py --steps $(BENCH_TRAIN_STEPS) --threads 2 --scan $$scan --precision $$p --compile; fi; \
	  done; done; \
	else echo "bench-train: PyTorch not installed, skipping the reference (make python-deps installs it)"; fi

bench-train-models: build ## tokens/s and peak memory of all four models at the small preset (batch 8 x 512)
	@for m in $(ALL_MODELS); do \
	  OPENBLAS_CORETYPE=$(BENCH_BLAS_CORE) $(BIN)/train --model $$m --preset small --task random-tokens --vocab-size 8192 --batch 8 --length 512 \
	    --steps 6 --threads 2 --eval-batches 0 --progress never 2>&1 | tail -1 | sed "s/^train/$$m/"; done

# The copying task (train --task copying): [COPY, x1..xk] in the prefix, x1..xk as the target, k in
# 4-12 of 16 symbols, packed. A sample counts as right when every target token's argmax is right,
# which under teacher forcing is exactly what greedy decoding reproduces.
LEARN_COPYING_FLAGS := --preset tiny --d-model 64 --task copying --steps 1500 --batch 8 --length 256 \
  --lr 3e-3 --eval-every 100 --eval-batches 4 --threads 1 --seed 1 --progress never
.PHONY: learn-copying
# In bf16 (PRECISION=bf16, or auto on a CPU with AVX512-BF16): .build/learn-copying-bf16, results/learning/copying-bf16.png.
COPYING_RUNS = .build/learn-copying$(if $(filter bf16,$(PRECISION_RUN)),-bf16)
learn-copying: build ## every model and form learns the copying task from scratch (d 64 x 2, 1500 steps, ~1-2 min each); held-out accuracy, results/learning/copying.png (in bf16: copying-bf16.png)
	@mkdir -p $(COPYING_RUNS)
	@for form in causal bidirectional; do for m in $(ALL_MODELS); do \
	  $(BIN)/train --model $$m --form $$form $(LEARN_COPYING_FLAGS) --precision $(PRECISION_RUN) --metrics $(COPYING_RUNS)/$$m-$$form.tsv \
	    2>&1 | tail -n 1 | sed "s/^train:/$$m $$form:/"; done; done
	@mkdir -p results/learning
	gnuplot -e "dir='$(COPYING_RUNS)'; precision='$(PRECISION_RUN)'; output='results/learning/$(notdir $(subst .build/learn-,,$(COPYING_RUNS))).png'" Pipelines/plots/copying.gp

.PHONY: check-bf16
check-bf16: build $(CORPUS_STAMP) ## fp32 against bf16 products, same seed: held-out loss at d 64 x 2, d 128 x 4 and the small preset (~27 min); results/bf16
	BIN=$(BIN) Pipelines/bf16/check.sh results/bf16 $(or $(BF16_STEPS),300)

.PHONY: bench-train-precision
BENCH_PRECISION_RUNS ?= 3
bench-train-precision: build ## fp32 against bf16 training tokens/s at d 128 x 4 and the small preset, alternating runs (~3 min)
	@BIN=$(BIN) OPENBLAS_CORETYPE=$(BENCH_BLAS_CORE) Pipelines/bf16/bench.sh $(BENCH_PRECISION_RUNS)

# Data-parallel training (docs/CLUSTER.md): the all-reduce by message size over MPI_RANKS ranks here.
MPI_RANKS ?= 2
MPIRUN ?= mpirun --oversubscribe $(if $(filter 0,$(shell id -u)),--allow-run-as-root) -np $(MPI_RANKS)
.PHONY: bench-allreduce
bench-allreduce: build ## the gradient all-reduce (our deterministic ring and MPI_Allreduce) by message size, 4 KiB-256 MiB, over MPI_RANKS (2) ranks here
	$(MPIRUN) $(BIN)/train --bench-allreduce
