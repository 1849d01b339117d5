# Attention kernels (Libraries/Kernels/Attention*.swift, Rotary.swift).
# OpenBLAS 0.3.21 detects this AMD EPYC (AVX-512) as Haswell and uses its AVX2 sgemm; on CPUs with
# AVX-512 the benchmark also runs with OPENBLAS_CORETYPE=SKYLAKEX (AVX-512 kernels) to show the gap.
ATTENTION_BENCH = BIRDIE_BENCH_ATTENTION=1 $(SWIFT) test $(SWIFT_FLAGS) --skip-build --filter 'AttentionTests/benchmark' 2>&1 \
	  | grep -E '^attention|✘|error'

##@ Benchmarks
.PHONY: bench-attention
bench-attention: deps ## GFLOP/s of attention forward+backward at batch 8, time 512, d 256, 4 heads (1 and 2 threads)
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	@echo "OpenBLAS default core type:"
	@$(ATTENTION_BENCH)
	@if grep -qw avx512bw /proc/cpuinfo 2>/dev/null; then \
	  echo "OPENBLAS_CORETYPE=SKYLAKEX:"; OPENBLAS_CORETYPE=SKYLAKEX $(ATTENTION_BENCH); fi
