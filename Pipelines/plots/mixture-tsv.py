#!/usr/bin/env python3
"""Birdie controller log (JSON lines from `train --procedure birdie`) -> TSV for mixture.gp.

One row per evaluation: step, then the sampling probability of each objective class (the
mixture chosen at that evaluation), then each class's validation loss (mean over its
configurations; empty when the evaluation was skipped for a non-finite loss). Classes in the
order of the log's class_mixture object.
"""
import json
import sys


def main(path_in, path_out):
    rows, classes = [], None
    with open(path_in, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                mixture, losses = entry["class_mixture"], entry["class_loss"]
            except (ValueError, KeyError) as e:
                sys.exit(f"{path_in}: line {number} is not a birdie controller log line ({e}); "
                         "use the --controller-log of `train --procedure birdie`")
            classes = classes or list(mixture)
            rows.append([str(entry["step"])]
                        + [repr(mixture[c]) for c in classes]
                        + ["" if losses.get(c) is None else repr(losses[c]) for c in classes])
    if not rows:
        sys.exit(f"{path_in}: no evaluations in the log")
    with open(path_out, "w", encoding="utf-8") as out:
        out.write("\t".join(["step"] + [f"p:{c}" for c in classes] + [f"loss:{c}" for c in classes]) + "\n")
        for r in rows:
            out.write("\t".join(r) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: mixture-tsv.py CONTROLLER_LOG.jsonl OUT.tsv")
    main(sys.argv[1], sys.argv[2])
