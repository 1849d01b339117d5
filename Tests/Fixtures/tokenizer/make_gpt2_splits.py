#!/usr/bin/env python3
"""Writes gpt2_splits.jsonl: random texts and how GPT-2's pattern (with the `regex` module)
splits them. The Swift pre-tokeniser must split every text the same way (TokenizerTests)."""
import json
import random

import regex

PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
ALPHABET = list("aZq09 '  srtvelmd.,!?-\"\n\r\t") + [
    "é", "Ж", "中", "ß", "٣", "Ⅻ", "½", "\u00a0", "\u2003", "\u3000", "\u0085", "🎉", "👩🏽", "\u0301",
    "\u200d", "\x00", "\x1c", "'s", "'ll", "'re", "'ve", "  ", "\r\n", "\n\n"]

rng = random.Random(20241124)
cases = ["", "Hello world's  test\n\nx", "I'm here, aren't you?  ", "   leading", "a  \n  b", "x=3.14;\ty",
         "don't", "'S 'LL", "  'll", "🎉🎉 🎉", "\u00a0\u00a0a", "tab\t\tend\t"]
for _ in range(400):
    cases.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 30))))
with open("gpt2_splits.jsonl", "w", encoding="utf-8") as f:
    for text in cases:
        f.write(json.dumps({"text": text, "pieces": PATTERN.findall(text)}, ensure_ascii=True) + "\n")
