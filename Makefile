# birdie: build, test, data, the ablation matrix, plots. `make help` lists the targets.
SHELL := /bin/bash
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help

SWIFT ?= swift
# One release configuration for tools, tests and benchmarks. SWIFT_TARGET_CPU is the CPU the Swift
# code is vectorised for: native (the machine that builds; measured in docs/ARCHITECTURE.md), or a
# named CPU for binaries that run elsewhere: haswell (AVX2), x86-64 (SSE2 only), each built in its
# own .build-NAME (make test-portable). Code for a CPU extension checks the CPU at run time either way.
SWIFT_TARGET_CPU ?= native
SCRATCH := $(if $(filter native,$(SWIFT_TARGET_CPU)),.build,.build-$(SWIFT_TARGET_CPU))
SWIFT_FLAGS ?= -c release -Xswiftc -enable-testing -Xswiftc -target-cpu -Xswiftc $(SWIFT_TARGET_CPU) --scratch-path $(SCRATCH)
# The tools; the tests and scripts read it from the environment.
export BIN := $(SCRATCH)/release
TOOLS := tokenize corrupt pack train critic finetune phonebook-gen infill-gen score
# OpenBLAS 0.3.21 takes this AVX-512 EPYC for a Haswell and uses AVX2 kernels; its SkylakeX kernels
# are about 1.4x faster here (docs/PERFORMANCE.md). Only where the CPU has AVX-512.
ifneq ($(shell grep -qw avx512bw /proc/cpuinfo 2>/dev/null && echo yes),)
export OPENBLAS_CORETYPE ?= SKYLAKEX
endif
# The matrix products' precision of every tool make runs: auto (the default), fp32 or bf16. auto
# is bf16 exactly where the CPU has AVX512-BF16, the rule of the tools' `--precision auto`
# (Libraries/Kernels/Precision.swift; a test checks the two agree); PRECISION_RUN is what runs.
PRECISION ?= auto
$(if $(filter-out auto fp32 bf16,$(PRECISION)),$(error PRECISION=$(PRECISION): give auto, fp32 or bf16))
CPU_PRECISION := $(if $(shell grep -qw avx512_bf16 /proc/cpuinfo 2>/dev/null && echo yes),bf16,fp32)
PRECISION_RUN = $(if $(filter auto,$(PRECISION)),$(CPU_PRECISION),$(PRECISION))
DEBIAN_PACKAGES := libopenblas-dev libzstd-dev libdnnl-dev libgnuplot-iostream-dev jq openmpi-bin libopenmpi-dev
DEPS_STAMP := .build/deps.stamp
# Python packages the Python readers' tests (Pipelines/python: PyTorch loads a checkpoint) and the
# PyTorch reference of bench-train use, installed with pip (torch: the CPU-only wheel, ~200 MB).
PYTHON_PACKAGES := safetensors zstandard torch==2.13.0+cpu

##@ Setup
.PHONY: deps
deps: $(DEPS_STAMP) ## install the Debian packages a fresh machine lacks (OpenBLAS, zstd, gnuplot, Open MPI)
$(DEPS_STAMP):
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing with apt-get"; \
	  SUDO=$$( [ $$(id -u) -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	else echo "deps: $(DEBIAN_PACKAGES) already installed"; fi
	@mkdir -p $(dir $@) && touch $@

.PHONY: python-deps
python-deps: ## install the Python packages the tests and the PyTorch reference need (safetensors, zstandard, torch CPU) with pip
	@missing=""; for p in $(PYTHON_PACKAGES); do python3 -c "import $${p%%=*}" 2>/dev/null || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "python-deps: installing$$missing with pip"; python3 -m pip install --quiet $$missing; fi

##@ Build and test
.PHONY: build test
build: deps ## build all tools (release, vectorised for this CPU) into .build/release
	$(SWIFT) build $(SWIFT_FLAGS)

PREFIX ?= $(HOME)/.local
.PHONY: install
install: build ## copy the tools and their resource bundle to PREFIX/bin (default ~/.local/bin): make install PREFIX=/usr/local
	mkdir -p $(PREFIX)/bin
	cp $(addprefix $(BIN)/,$(TOOLS)) $(PREFIX)/bin/
	rm -rf $(PREFIX)/bin/birdie_Objectives.resources && cp -r $(BIN)/birdie_Objectives.resources $(PREFIX)/bin/

test: deps python-deps ## build and run every test (unit, property, gradient checks, tools, the PyTorch reference) and the tiny ablation matrix
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	# Serial: some kernels set OpenBLAS's process-wide thread count, which would make bitwise
	# comparisons in tests running alongside flaky.
	$(SWIFT) test $(SWIFT_FLAGS) --skip-build --no-parallel
	python3 -m unittest discover -s Pipelines/ablations
	python3 -m unittest discover -s Pipelines/python
	$(MAKE) --no-print-directory test-torch-reference
	$(MAKE) --no-print-directory fuzz-short
	$(MAKE) --no-print-directory test-ablations-tiny
	$(MAKE) --no-print-directory check-readme

# Each build is its own scratch folder (about 4 minutes to build, 8 to test, on 2 cores).
PORTABLE_CPUS := haswell x86-64
.PHONY: test-portable
test-portable: ## make test with the release build for haswell (AVX2) and for x86-64 (SSE2 only), one after the other
	@for cpu in $(PORTABLE_CPUS); do echo "test-portable: SWIFT_TARGET_CPU=$$cpu"; \
	  $(MAKE) --no-print-directory test SWIFT_TARGET_CPU=$$cpu || exit 1; done
	@echo "test-portable: make test passed for $(PORTABLE_CPUS)"

.PHONY: print-precision
print-precision: ## what PRECISION (default auto) runs on this machine: fp32 or bf16
	@echo $(PRECISION_RUN)

.PHONY: check-readme
check-readme: ## run every command block of README.md as written, from the repository's root (writes run/)
	Pipelines/readme/check-readme.sh

# The one list of models and procedures for the pipelines, scripts and figures (exported to them).
# The Swift registries are ModelKind (Libraries/Models) and train's Procedure; a test checks the two
# agree (Tests/ToolTests/NewcomerTests.swift).
export ALL_MODELS := gated-ssm gated-ssm-plus hawk transformer
export ALL_PROCEDURES := clm ul2 bfr birdie-causal birdie

-include $(sort $(wildcard Pipelines/mk/*.mk))

##@ Help
.PHONY: help
help: ## list the targets
	@# One heading per group even when several files add to it, in first-seen order.
	@awk 'BEGIN {FS = ":.*## "} /^##@/ {g = substr($$0, 5); if (!(g in seen)) {seen[g]; order[++n] = g}} \
	  /^[a-zA-Z0-9_.-]+:.*## / {lines[g] = lines[g] sprintf("  %-20s %s\n", $$1, $$2)} \
	  END {for (i = 1; i <= n; i++) printf "\n%s\n%s", order[i], lines[order[i]]}' $(MAKEFILE_LIST)
