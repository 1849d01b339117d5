#!/usr/bin/env python3
"""The data-parallel cost model of docs/CLUSTER.md: projected efficiency of `train` on N nodes.

Weak scaling: every node keeps the scale's batch (b rows of L tokens), the global batch is N*b.
One step on N nodes:
    T(N)  = T_fb + N * T_data + T_ar(N)
    T_fb  = 6 * P * b * L / F            forward and backward of the node's rows at F FLOP/s
    T_data = b * L / D                   every rank builds the whole global batch (N*b rows) at D tokens/s
    T_ar  = 2 (N-1)/N * 4P / BW + 2 (N-1) * alpha    ring all-reduce of the fp32 gradients
The last column drops the N in N * T_data: what a source that builds only the rank's rows would give.
Efficiency E(N) = T(1) / T(N): throughput per node against one node alone (no overlap of the
all-reduce with the backward pass).
Usage: projection.py [PARAMS_TSV]  (scale, model, parameters, ...: the table of docs/CLUSTER.md)
"""
import sys

# Parameters (gated-ssm; the other three models are within 1%) and batch rows x length per scale.
SCALES = [("d64", 173584, 8, 512), ("small", 1386432, 8, 512), ("medium", 35601280, 16, 1024), ("large", 117359808, 16, 4096)]
NETWORKS = [("25 GbE", 25e9 / 8 * 0.9, 30e-6), ("100 Gb/s InfiniBand", 100e9 / 8 * 0.9, 2e-6)]
NODES = [8, 32, 128]
# F: achieved training FLOP/s of one node: this 2-core machine (measured, --profile) and a 32-core node.
NODE_SPEEDS = [("here (2 cores)", 4e9), ("32-core node", 64e9)]
D = 13e6   # tokens/s of one rank building rows (ul2 corruption and packing, --profile, measured here)


def efficiency(P, b, L, F, BW, alpha, N, replicated=True):
    fb = 6 * P * b * L / F
    data = b * L / D
    ar = 2 * (N - 1) / N * 4 * P / BW + 2 * (N - 1) * alpha if N > 1 else 0.0
    return (fb + data) / (fb + (N if replicated else 1) * data + ar), ar


def main():
    print("| scale (MB all-reduced) | network | node | " + " | ".join(f"N={n}" for n in NODES) + " | all-reduce at N=128 | N=128, rows built per rank |")
    print("|---|---|---|" + "---|" * len(NODES) + "---|---|")
    for scale, P, b, L in SCALES:
        for net, BW, alpha in NETWORKS:
            for node, F in NODE_SPEEDS:
                cells, ar128 = [], 0.0
                for n in NODES:
                    e, ar = efficiency(P, b, L, F, BW, alpha, n)
                    cells.append(f"{100 * e:.1f}%")
                    ar128 = ar
                step = 6 * P * b * L / F
                split = efficiency(P, b, L, F, BW, alpha, NODES[-1], replicated=False)[0]
                print(f"| {scale} ({4 * P / 1e6:.2f}) | {net} | {node} (step {step:.3g} s) | " + " | ".join(cells)
                      + f" | {1e3 * ar128:.3g} ms | {100 * split:.1f}% |")


if __name__ == "__main__":
    main()
