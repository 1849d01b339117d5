# Attention kernels (Libraries/Kernels/Attention*.swift, Rotary.swift).

##@ Benchmarks
.PHONY: bench-attention
bench-attention: deps ## GFLOP/s of attention forward+backward at batch 8, time 512, d 256, 4 heads (1 and 2 threads)
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	BIRDIE_BENCH_ATTENTION=1 $(SWIFT) test $(SWIFT_FLAGS) --skip-build --filter 'AttentionTests/benchmark' 2>&1 \
	  | grep -E '^attention|✘|error'
