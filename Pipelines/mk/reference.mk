##@ Build and test
# The independent PyTorch reference (docs/METHOD.md; Pipelines/python/torch_reference.py): for every
# model in both forms, a tiny model (d 32 x 2) trained 5 steps on real packed rows (this repository's
# docs, tokenized, corrupted and packed by the tools: CLM rows for the causal form, Birdie-pool rows
# with prefixes for the bidirectional one; several samples and padding per row), then the loss and
# every gradient on 4 rows, from `train --dump-gradients` against PyTorch's autograd. Then every
# deliberately broken formula of the reference (`torch_reference.py --list-breaks`) must fail.
TORCH_REFERENCE_DIR := .build/torch-reference
TORCH_REFERENCE_TRAIN := --preset tiny --steps 5 --batch 4 --lr 3e-3 --eval-batches 0 --threads 1 --precision fp32 --progress never -q
.PHONY: test-torch-reference
test-torch-reference: build ## all 4 models x causal/bidirectional against an independent PyTorch reference (loss 1e-5, gradients 1e-4 relative); broken formulas must fail (~10 s)
	@set -eo pipefail; d=$(TORCH_REFERENCE_DIR); rm -rf $$d; mkdir -p $$d; \
	awk 'NF { print; print "" }' docs/METHOD.md docs/ARCHITECTURE.md > $$d/text.txt; \
	$(BIN)/tokenize train --vocab-size 512 -q -o $$d/tok.model $$d/text.txt; \
	$(BIN)/tokenize encode -q -m $$d/tok.model $$d/text.txt -o $$d/docs.tok; \
	for mix in clm birdie; do $(BIN)/corrupt -q --mixture $$mix --length 256 $$d/docs.tok | $(BIN)/pack -q -o $$d/$$mix.pack; done; \
	cases=""; for m in $(ALL_MODELS); do for f in causal bidirectional; do \
	  rows=$$d/$$([ $$f = causal ] && echo clm || echo birdie).pack; c=$$d/$$m-$$f; \
	  $(BIN)/train --model $$m --form $$f --data $$rows $(TORCH_REFERENCE_TRAIN) -o $$c.ckpt; \
	  $(BIN)/train --dump-gradients $$c.grad --checkpoint $$c.ckpt --data $$rows --batch 4 --threads 1 --precision fp32 -q; \
	  cases="$$cases --case $$c.ckpt $$rows $$c.grad"; done; done; \
	python3 Pipelines/python/torch_reference.py $$cases --require-packed --self-check --quiet
