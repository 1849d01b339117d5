#!/usr/bin/env python3
"""The bad-input cases of issue #13, run against the built tools: one markdown row per case with the
exit code and the first stderr line. Needs the fuzz seeds (make fuzz, or Pipelines/fuzz/seeds.sh).
Usage: Pipelines/fuzz/bad-input-table.py [SEEDS_DIR] (BIN: the tools' folder, default .build/release)"""
import json, os, shutil, struct, subprocess, sys, tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "python"))
from birdie_streams import crc32c  # noqa: E402

repo = Path(__file__).resolve().parents[2]
seeds = Path(sys.argv[1] if len(sys.argv) > 1 else repo / ".build/fuzz/seeds").resolve()
bin_dir = Path(os.environ.get("BIN", repo / ".build/release")).resolve()
work = Path(tempfile.mkdtemp(prefix="bad-inputs-"))
for f in seeds.iterdir():
    shutil.copy(f, work / f.name)


def run(tool, *args, stdin=None):
    r = subprocess.run([str(bin_dir / tool), *args], cwd=work, input=stdin, capture_output=True, timeout=120)
    lines = r.stderr.decode(errors="replace").strip().splitlines()
    errors = [l for l in lines if "error" in l] or lines[-1:] or [""]
    return r.returncode, errors[0], len([l for l in lines if "error" in l])


def fix_stream_checksums(b):
    """Recomputes the header, chunk and end-frame CRCs of an uncompressed record stream."""
    b = bytearray(b)
    at = 17
    for _ in range(b[16]):
        at += 3 + b[at + 2]
    (p,) = struct.unpack_from("<I", b, at)
    at += 4 + p
    struct.pack_into("<I", b, at, crc32c(bytes(b[:at])))
    at += 4
    while b[at:at + 4] == b"CHNK":
        stored = struct.unpack_from("<I", b, at + 12)[0]
        struct.pack_into("<I", b, at + 16, crc32c(bytes(b[at + 24:at + 24 + stored])))
        struct.pack_into("<I", b, at + 20, crc32c(bytes(b[at:at + 20])))
        at += 24 + stored
    (c,) = struct.unpack_from("<I", b, at + 20)
    struct.pack_into("<I", b, at + 24 + c, crc32c(bytes(b[at:at + 24 + c])))
    return bytes(b)


def first_label_offset(b):
    """Byte offset of the first label of the first row (fields: tokens u16, labels i32, ...)."""
    at = 17
    for _ in range(b[16]):
        at += 3 + b[at + 2]
    at += 4 + struct.unpack_from("<I", b, at)[0] + 4 + 24
    n = struct.unpack_from("<I", b, at)[0]
    at += 4 + 2 * n + 4                       # past the tokens, to the labels' values
    for i in range(n):
        if struct.unpack_from("<i", b, at + 4 * i)[0] >= 0:
            return at + 4 * i
    raise SystemExit("no labelled position")


def safetensors(path, edit):
    b = (work / path).read_bytes()
    (n,) = struct.unpack_from("<Q", b, 0)
    header = json.loads(b[8:8 + n])
    edit(header)
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + b[8 + n:]


rows = (work / "rows.pack").read_bytes()
bad = bytearray(rows)
struct.pack_into("<i", bad, first_label_offset(rows), 450)
(work / "label.pack").write_bytes(fix_stream_checksums(bad))
def huge_shape(h):
    next(v for k, v in h.items() if k != "__metadata__")["shape"] = [99999999999, 99999999999]
(work / "huge.ckpt").write_bytes(safetensors("ssm.ckpt", huge_shape))
def negative_step(h):
    state = json.loads(h["__metadata__"]["birdie.state"]); state["step"] = -5
    h["__metadata__"]["birdie.state"] = json.dumps(state)
shutil.copy(work / "ssm.ckpt", work / "neg.ckpt")
(work / "neg.ckpt.state").write_bytes(safetensors("ssm.ckpt.state", negative_step))
shutil.copy(work / "ssm.ckpt", work / "shift.ckpt")
s = (work / "ssm.ckpt.state").read_bytes()
(work / "shift.ckpt.state").write_bytes(struct.pack("<Q", struct.unpack_from("<Q", s)[0] + 1) + s[8:])
c = (work / "critic.state").read_bytes()
(n,) = struct.unpack_from("<Q", c, 8)
header = json.loads(c[16:16 + n]); header["settings"]["layers"] = -3
h = json.dumps(header).encode()
(work / "neg-layers.state").write_bytes(c[:8] + struct.pack("<Q", len(h)) + h + c[16 + n:])
(work / "garbage.json").write_text("garbage")
(work / "folder").mkdir()
(work / "inf.jsonl").write_text(json.dumps({"step": 7, "losses": [1e999 if i == 0 else 3.0 for i in range(15)],
                                            "action": [1 / 15] * 15}).replace("Infinity", "1e999") + "\n")
subprocess.run([str(bin_dir / "train"), "--init-only", "--model", "gated-ssm", "--preset", "tiny", "--d-model", "16", "--layers", "1",
                "--vocab-size", "460", "-q", "-o", "v460.ckpt"], cwd=work, check=True)
whole = (work / "samples.smp").read_bytes()
(work / "cut.smp").write_bytes(whole[:-8])

tiny = ["--model", "gated-ssm", "--preset", "tiny", "--d-model", "16", "--layers", "1", "-q"]
cases = [
    ("packed row label = vocabulary (checksums valid)", "exit 134 (CrossEntropy precondition)",
     lambda: run("train", *tiny, "--data", "label.pack", "--steps", "1")),
    ("checkpoint shape 99999999999 x 99999999999: score", "crash (overflow or allocation)",
     lambda: run("score", "--task", "phonebook", "--checkpoint", "huge.ckpt", "-m", "tok.model", "books.jsonl")),
    ("the same: finetune", "crash", lambda: run("finetune", "--checkpoint", "huge.ckpt", "-m", "tok.model", "books.jsonl", "-o", "x.ckpt")),
    (".state with step -5: train --resume", "precondition trap", lambda: run("train", *tiny, "--data", "rows.pack", "--steps", "4", "--batch", "2", "--eval-batches", "0", "--resume", "neg.ckpt")),
    (".state header length off by one", "exit 1 \"training diverged ... lower --lr\"", lambda: run("train", *tiny, "--data", "rows.pack", "--steps", "4", "--resume", "shift.ckpt")),
    ("critic state with layers -3", "crash", lambda: run("critic", "--state", "neg-layers.state", "evaluations.jsonl")),
    ("pack --length 99999999999999999", "abort on allocation", lambda: run("pack", "--length", "99999999999999999", "samples.smp")),
    ("train --batch 4000000000", "abort on allocation", lambda: run("train", "--batch", "4000000000", "--task", "copying")),
    ("train --d-model 100000000", "abort on allocation", lambda: run("train", "--d-model", "100000000", "--task", "copying")),
    ("train --length 4000000000", "hang", lambda: run("train", "--length", "4000000000", "--task", "copying")),
    ("critic --candidates 99999999999", "abort on allocation", lambda: run("critic", "--candidates", "99999999999", "--configurations", "grid.json", "evaluations.jsonl")),
    ("corrupt --length 99999999999", "writes a stream pack dies on", lambda: run("corrupt", "--length", "99999999999", "docs.tok")),
    ("train --resume with --model hawk (run was gated-ssm)", "exit 0, kept gated-ssm", lambda: run("train", "--model", "hawk", "--preset", "tiny", "--d-model", "16", "--layers", "1", "-q", "--data", "rows.pack", "--steps", "4", "--batch", "2", "--eval-batches", "0", "--resume", "ssm.ckpt")),
    ("train --resume --steps 1 (below the saved step 2)", "exit 0, does nothing", lambda: run("train", *tiny, "--data", "rows.pack", "--steps", "1", "--batch", "2", "--eval-batches", "0", "--resume", "ssm.ckpt")),
    ("train --lr=-1", "trains", lambda: run("train", "--lr=-1", "--task", "copying")),
    ("train --lr nan", "exit 1 \"diverged\"", lambda: run("train", "--lr", "nan", "--task", "copying")),
    ("train --checkpoint-every=-1", "accepted", lambda: run("train", "--checkpoint-every=-1", "--task", "copying")),
    ("train --eval-batches 0 --eval-every 1", "accepted", lambda: run("train", *tiny, "--task", "copying", "--eval-batches", "0", "--eval-every", "1", "--steps", "1", "--length", "64")),
    ("phonebook-gen --count 0", "exit 0, writes nothing", lambda: run("phonebook-gen", "--count", "0")),
    ("train -o EXISTING_FOLDER", "fails after the whole run", lambda: run("train", *tiny, "--task", "copying", "--steps", "1", "--length", "64", "-o", "folder")),
    ("tokenize encode -m t.model -o t.model", "overwrote the model", lambda: run("tokenize", "encode", "-m", "tok.model", "-o", "tok.model", "text.txt")),
    ("a usage error (train --steps 0)", "3-4 lines starting Error:", lambda: run("train", "--steps", "0", "--task", "copying")),
    ("critic --configurations garbage", "path printed twice", lambda: run("critic", "--configurations", "garbage.json", "evaluations.jsonl")),
    ("critic: a loss of 1e999", "exit 65 \"not valid JSON\"", lambda: run("critic", "--configurations", "grid.json", "inf.jsonl")),
    ("corrupt --mixture nosuch", "exit 65 \"cannot read the file\"", lambda: run("corrupt", "--mixture", "nosuch", "docs.tok")),
    ("score --task objectives: samples of vocabulary 450, model of 460", "not compared", lambda: run("score", "--task", "objectives", "--checkpoint", "v460.ckpt", "samples.smp", "--limit", "2")),
    ("score --task objectives --limit 2, stream without end frame", "accepted", lambda: run("score", "--task", "objectives", "--checkpoint", "ssm.ckpt", "cut.smp", "--limit", "2")),
]
print("| case | before (issue #13) | after: exit | after: message (first error line) |")
print("|---|---|---|---|")
for name, before, case in cases:
    code, line, count = case()
    more = f" (+{count - 1} more error lines)" if count > 1 else ""
    print(f"| {name} | {before} | {code} | `{line[:150]}`{more} |")
shutil.rmtree(work)
