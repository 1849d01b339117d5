##@ Controller
.PHONY: bench-critic critic-simulate

bench-critic: build ## time one controller decision: history 40, 104 configurations, 2048 candidates, 200 critic steps (median of 3)
	$(BIN)/critic bench --history 40 --configurations 104 --repeats 3

critic-simulate: build ## the controller against a synthetic 12-armed bandit (3 fast arms) -> results/critic-simulate.tsv
	@mkdir -p results
	$(BIN)/critic simulate --configurations 12 --fast 3 --seed 1 -o results/critic-simulate.tsv
