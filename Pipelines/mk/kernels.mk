##@ Kernels
.PHONY: bench-kernels
bench-kernels: deps ## print per-kernel throughput (elementwise, scans, conv, RG-LRU, loss, AdamW, sgemm)
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	@# As the tools set them for themselves (Engine.prepareProcess): neither oneDNN's OpenMP threads nor OpenBLAS's may spin between products.
	OMP_WAIT_POLICY=passive OPENBLAS_THREAD_TIMEOUT=10 BIRDIE_BENCH=1 $(SWIFT) test $(SWIFT_FLAGS) --skip-build --filter KernelBenchmarks 2>&1 | grep -v -e '^\s*$$' -e '^Test Suite' -e '^Test Case' -e 'Executed'
