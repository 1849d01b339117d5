#!/usr/bin/env python3
"""The Hugging Face `tokenizers` side of `make bench-tokenize`.

Trains a byte-level BPE (GPT-2 pre-tokeniser, the same vocabulary size, the same number of reserved
special tokens, min_frequency 2) on the documents of a JSONL file (field "text"), then times
single-threaded batch encoding (RAYON_NUM_THREADS=1, set before import) of the same documents.
Prints one JSON line: train seconds, encode seconds (median of --repeat), MB/s, tokens.
"""
import argparse
import json
import os
import statistics
import sys
import time

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
try:
    from tokenizers import ByteLevelBPETokenizer
except ImportError:
    print(json.dumps({"error": "tokenizers is not installed"}))
    sys.exit(3)

RESERVED = 160  # birdie's special ids 0..159 (Libraries/Vocabulary)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("jsonl")
    ap.add_argument("--vocab-size", type=int, required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-train-timing", action="store_true")
    a = ap.parse_args()
    with open(a.jsonl, encoding="utf-8") as f:
        docs = [json.loads(line)["text"] for line in f if line.strip()]
    nbytes = sum(len(d.encode("utf-8")) for d in docs)

    tok = ByteLevelBPETokenizer(add_prefix_space=False)
    t0 = time.perf_counter()
    tok.train_from_iterator(docs, vocab_size=a.vocab_size, min_frequency=2, show_progress=False,
                            special_tokens=[f"<reserved_{i}>" for i in range(RESERVED)])
    train = time.perf_counter() - t0

    # encode_batch_fast (tokenizers >= 0.20) skips character offsets: the fairest figure.
    fast = getattr(tok._tokenizer, "encode_batch_fast", None)
    encode = fast if fast is not None else tok.encode_batch
    times, ntokens = [], 0
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        enc = encode(docs)
        times.append(time.perf_counter() - t0)
        ntokens = sum(len(e.ids) for e in enc)
    med = statistics.median(times)
    print(json.dumps({"vocab_size": tok.get_vocab_size(), "documents": len(docs), "bytes": nbytes,
                      "train_seconds": round(train, 3), "encode_seconds": round(med, 4),
                      "encode_mb_s": round(nbytes / 1e6 / med, 2), "tokens": ntokens, "method": "encode_batch_fast" if fast is not None else "encode_batch",
                      "tokenizers_version": __import__("tokenizers").__version__}))


if __name__ == "__main__":
    main()
