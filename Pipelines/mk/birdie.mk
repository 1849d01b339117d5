##@ Birdie training
.PHONY: plot-mixture
LOG ?= results/birdie-demo/controller.jsonl
OUT ?= $(basename $(LOG)).png

plot-mixture: deps ## draw the mixture per objective class and the per-class validation loss of a birdie run: make plot-mixture LOG=run.controller.jsonl OUT=mixture.png
	@test -f "$(LOG)" || { echo "plot-mixture: no controller log $(LOG); give LOG=PATH (train --procedure birdie --controller-log PATH)" >&2; exit 65; }
	python3 Pipelines/plots/mixture-tsv.py $(LOG) $(OUT).tsv.tmp
	gnuplot -e "data='$(OUT).tsv.tmp'; out='$(OUT).tmp'; title='Birdie controller: $(notdir $(LOG))'" Pipelines/plots/mixture.gp
	@mv $(OUT).tmp $(OUT) && rm -f $(OUT).tsv.tmp && echo "plot-mixture: $(OUT)"
