# birdie: build, test, data, the ablation matrix, plots. `make help` lists the targets.
SHELL := /bin/bash
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help

SWIFT ?= swift
# One release configuration for tools, tests and benchmarks. The flags enable the vector units of
# the machine that builds (measured in docs/ARCHITECTURE.md); override SWIFT_FLAGS to change them.
SWIFT_FLAGS ?= -c release -Xswiftc -enable-testing -Xswiftc -target-cpu -Xswiftc native
BIN := .build/release
# OpenBLAS 0.3.21 takes this AVX-512 EPYC for a Haswell and uses AVX2 kernels; its SkylakeX kernels
# are about 1.4x faster here (docs/PERFORMANCE.md). Only where the CPU has AVX-512.
ifneq ($(shell grep -qw avx512bw /proc/cpuinfo 2>/dev/null && echo yes),)
export OPENBLAS_CORETYPE ?= SKYLAKEX
endif
DEBIAN_PACKAGES := libopenblas-dev libzstd-dev libgnuplot-iostream-dev jq
DEPS_STAMP := .build/deps.stamp

##@ Setup
.PHONY: deps
deps: $(DEPS_STAMP) ## install the Debian packages a fresh machine lacks (OpenBLAS, zstd, gnuplot)
$(DEPS_STAMP):
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing with apt-get"; \
	  SUDO=$$( [ $$(id -u) -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	else echo "deps: $(DEBIAN_PACKAGES) already installed"; fi
	@mkdir -p $(dir $@) && touch $@

##@ Build and test
.PHONY: build test
build: deps ## build all tools (release, vectorised for this CPU) into .build/release
	$(SWIFT) build $(SWIFT_FLAGS)

test: deps ## build and run every test (unit, property, gradient checks, tools) and the tiny ablation matrix
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	# Serial: some kernels set OpenBLAS's process-wide thread count, which would make bitwise
	# comparisons in tests running alongside flaky.
	$(SWIFT) test $(SWIFT_FLAGS) --skip-build --no-parallel
	python3 -m unittest discover -s Pipelines/ablations
	$(MAKE) --no-print-directory test-ablations-tiny

-include $(sort $(wildcard Pipelines/mk/*.mk))

##@ Help
.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^##@/ {printf "\n%s\n", substr($$0, 5)} \
	  /^[a-zA-Z0-9_.-]+:.*## / {printf "  %-20s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
