"""Tests of birdie_streams.py against the tools' own view of the same files.

    BIN=.build/release python3 -m unittest discover -s Pipelines/python -v

The tools come from $BIN (default .build/release under the repository root); every test skips
with a message when they are not built, the zstd tests when the zstandard module is missing and the
checkpoint tests when safetensors is missing. Inputs are tiny: the whole file runs in a few seconds.
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

import birdie_streams as bs

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BIN = Path(os.environ.get("BIN", ".build/release"))
BIN = BIN if BIN.is_absolute() else ROOT / BIN
TOOLS = ["tokenize", "corrupt", "pack", "train"]
MISSING_TOOLS = [t for t in TOOLS if not os.access(BIN / t, os.X_OK)]


def have(module):
    try:
        __import__(module)
        return True
    except ImportError:
        return False


HAVE_ZSTD, HAVE_SAFETENSORS, HAVE_TORCH = have("zstandard"), have("safetensors"), have("torch")
TEXTS = [
    "The quick brown fox jumps over the lazy dog. " * 6,
    "Pack my box with five dozen liquor jugs; how vexingly quick daft zebras jump! " * 5,
    "Zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich. 东京 " * 4,
    "",
    "Sphinx of black quartz, judge my vow.\nTabs\tand \"quotes\" and \\ backslashes. " * 8,
    "1234567890 numbers 42 and 3.14159 " * 10,
]
START, PAD = 1, 0


def run(*arguments, stdin=None, ok=True):
    """Runs a tool of $BIN in the test folder; returns (exit status, stdout bytes, stderr text)."""
    r = subprocess.run([str(BIN / arguments[0]), *arguments[1:]], cwd=Tools.folder, input=stdin,
                       capture_output=True, timeout=60)
    if ok and r.returncode != 0:
        raise AssertionError(f"{' '.join(arguments)}: exit {r.returncode}: {r.stderr.decode()}")
    return r.returncode, r.stdout, r.stderr.decode()


class Tools(unittest.TestCase):
    """Builds the files once: corpus -> tokenizer -> documents -> samples -> rows (plain and zstd)."""
    folder = None

    @classmethod
    def setUpClass(cls):
        if MISSING_TOOLS:
            raise unittest.SkipTest(f"tools {MISSING_TOOLS} not built in BIN={BIN} (make build, or set BIN)")
        if Tools.folder is None:
            Tools.folder = Path(tempfile.mkdtemp(prefix="birdie-streams-"))
            cls.make_files()

    @staticmethod
    def make_files():
        with open(Tools.folder / "corpus.jsonl", "w", encoding="utf-8") as f:
            for t in TEXTS:
                f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
        run("tokenize", "train", "--vocab-size", "500", "-o", "tok.model", "corpus.jsonl", "-q")
        Tools.log = {}
        for suffix, compress in (("", "none"), ("z", "zstd")):
            run("tokenize", "encode", "-m", "tok.model", "corpus.jsonl", "-o", f"docs{suffix}.tok", "--compress", compress, "-q")
            _, _, Tools.log["corrupt" + suffix] = run("corrupt", "--mixture", "ul2", "--length", "128", "docs.tok",
                                                     "-o", f"s{suffix}.smpl", "--compress", compress)
            _, _, Tools.log["pack" + suffix] = run("pack", "s.smpl", "-o", f"rows{suffix}.pack", "--compress", compress)

    def path(self, name):
        return str(Tools.folder / name)


def tearDownModule():
    if Tools.folder is not None:
        shutil.rmtree(Tools.folder, ignore_errors=True)


def bpe_decoder(model_path):
    """Token id -> bytes, from the model file alone (docs/FORMATS.md: byte b is id 160 + b, merge k is id 416 + k)."""
    with open(model_path, encoding="utf-8") as f:
        model = json.load(f)
    pieces = {model["byteBase"] + b: bytes([b]) for b in range(256)}
    for k, (left, right) in enumerate(model["merges"]):
        pieces[model["byteBase"] + 256 + k] = pieces[left] + pieces[right]
    return lambda ids: b"".join(pieces[int(i)] for i in ids)


class CRC32CTests(unittest.TestCase):
    def test_known_value_and_vectorised_path(self):
        self.assertEqual(bs.crc32c(b"123456789"), 0xE3069283)   # the CRC-32C check value
        self.assertEqual(bs.crc32c(b""), 0)
        rng = np.random.default_rng(1)
        for n in (1, 4095, 4096, 70001):
            data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
            slow = bs._crc_bytes(0xFFFFFFFF, data) ^ 0xFFFFFFFF
            self.assertEqual(bs.crc32c(data), slow, n)
            self.assertEqual(bs.crc32c(data[n // 3:], bs.crc32c(data[:n // 3])), slow, n)


class TokenDocumentTests(Tools):
    def test_documents_decode_to_the_corpus_and_to_tokenize_decode(self):
        docs = bs.read_token_documents(self.path("docs.tok"))
        self.assertEqual(len(docs), len(TEXTS))
        decode = bpe_decoder(self.path("tok.model"))
        _, out, _ = run("tokenize", "decode", "-m", "tok.model", "docs.tok", "--format", "jsonl", "-q")
        tool_texts = [json.loads(line)["text"] for line in out.decode().splitlines()]
        self.assertEqual(tool_texts, TEXTS)
        for doc, text in zip(docs, TEXTS):
            self.assertEqual(doc.dtype, np.int64)
            self.assertEqual(decode(doc).decode("utf-8"), text)
            self.assertTrue(all(160 <= i < 500 for i in doc.tolist()), "text never encodes to special ids")

    def test_tokens_equal_encoding_the_same_text_alone(self):
        docs = bs.read_token_documents(self.path("docs.tok"))
        for i in (0, 2):
            _, out, _ = run("tokenize", "encode", "-m", "tok.model", "--input-format", "raw", "-", "-q",
                            stdin=TEXTS[i].encode())
            (Tools.folder / "one.tok").write_bytes(out)
            (alone,) = bs.read_token_documents(self.path("one.tok"))
            self.assertEqual(alone.tolist(), docs[i].tolist())

    def test_header_provenance_and_closing(self):
        with bs.open_stream(self.path("docs.tok")) as s:
            self.assertEqual((s.kind, s.version, s.compressed, s.vocabulary_size), ("documents", 1, False, 500))
            self.assertEqual([(n, d.str, t) for n, d, t in s.fields], [("tokens", "<u2", True)])
            self.assertEqual(s.provenance["tool"], "tokenize encode")
            self.assertIsNone(s.closing)
            records = s.read_all()
            self.assertEqual(len(records), s.records_read)
            self.assertEqual(s.closing["inputs"][0]["path"], "corpus.jsonl")
            self.assertEqual(s.closing["inputs"][0]["crc32c"],
                             f"{bs.crc32c((Tools.folder / 'corpus.jsonl').read_bytes()):08x}")
            self.assertEqual(s.provenance["extra"]["model-crc32c"],
                             f"{bs.crc32c((Tools.folder / 'tok.model').read_bytes()):08x}")


class SampleAndRowTests(Tools):
    def test_samples_match_corrupt(self):
        s = bs.read_samples(self.path("s.smpl"))
        n = len(s["configuration"])
        self.assertIn(f"{n} samples from {len(TEXTS)} documents", Tools.log["corrupt"])
        self.assertEqual(str(n), s["closing"]["extra"]["samples"])
        self.assertEqual(s["row_length"], 128)
        _, out, _ = run("corrupt", "--mixture", "ul2", "--length", "128", "--list-configurations")
        names = [line.split("\t")[1] for line in out.decode().splitlines()[1:]]
        self.assertEqual(s["names"], names)
        for c, x, y in zip(s["configuration"], s["input"], s["target"]):
            self.assertTrue(0 <= c < len(names))
            self.assertLess(x[0], 160, "the paradigm token comes first (--paradigm-placement prepend)")
            self.assertGreater(len(y), 0)
            self.assertLessEqual(len(x) + len(y), 128)
            self.assertLess(max(x.max(), y.max()), 500)

    def test_rows_hold_exactly_the_samples(self):
        rows, s = bs.read_packed_rows(self.path("rows.pack")), bs.read_samples(self.path("s.smpl"))
        count = len(rows["tokens"])
        self.assertIn(f"{len(s['configuration'])} samples in {count} rows of 128", Tools.log["pack"])
        self.assertEqual(rows["closing"]["extra"]["rows"], str(count))
        self.assertEqual(rows["tokens"].shape, (count, 128))
        self.assertEqual(rows["names"], s["names"])
        expected = sorted((int(c), x.tolist() + [START] + y[:-1].tolist(), [-1] * len(x) + y.tolist())
                          for c, x, y in zip(s["configuration"], s["input"], s["target"]))
        found = []
        for i in range(count):
            tokens, labels, segments, regions = (rows[k][i] for k in ("tokens", "labels", "segments", "regions"))
            self.assertEqual(segments.max(), len(rows["configurations"][i]))
            pad = segments == 0
            self.assertTrue((tokens[pad] == PAD).all() and (labels[pad] == -1).all() and (regions[pad] == 0).all())
            for k, c in enumerate(rows["configurations"][i], start=1):
                at = segments == k
                found.append((int(c), tokens[at].tolist(), labels[at].tolist()))
                self.assertEqual(regions[at].tolist(), [1] * (labels[at] == -1).sum() + [2] * (labels[at] != -1).sum())
        self.assertEqual(sorted(found), expected)

    @unittest.skipUnless(HAVE_ZSTD, "zstd streams need the zstandard module (pip install zstandard)")
    def test_zstd_streams_read_the_same(self):
        for plain, packed in (("docs.tok", "docsz.tok"), ("s.smpl", "sz.smpl"), ("rows.pack", "rowsz.pack")):
            with bs.open_stream(self.path(packed)) as z, bs.open_stream(self.path(plain)) as p:
                self.assertTrue(z.compressed)
                self.assertFalse(p.compressed)
                zr, pr = z.read_all(), p.read_all()
                self.assertEqual(len(zr), len(pr))
                for a, b in zip(zr, pr):
                    self.assertEqual({k: v.tolist() for k, v in a.items()}, {k: v.tolist() for k, v in b.items()})
        self.assertLess(os.path.getsize(self.path("rowsz.pack")), os.path.getsize(self.path("rows.pack")))

    def test_script_mode_and_stdin(self):
        script = [sys.executable, str(HERE / "birdie_streams.py")]
        listed = subprocess.run(script + [self.path("rows.pack"), self.path("x.none")], capture_output=True, text=True)
        self.assertEqual(listed.returncode, 65)
        self.assertIn("packed-row stream (BIRDROWS)", listed.stdout)
        self.assertIn("x.none", listed.stderr)
        module = subprocess.run([sys.executable, "-m", "birdie_streams", self.path("docs.tok")], cwd=HERE,
                                capture_output=True, text=True)
        self.assertIn(f"{len(TEXTS)} records in 1 chunks", module.stdout)
        by_path = subprocess.run(script + ["--json", self.path("s.smpl")], capture_output=True, check=True).stdout
        piped = subprocess.run(script + ["--json", "-"], input=Path(self.path("s.smpl")).read_bytes(),
                               capture_output=True, check=True).stdout
        self.assertEqual(by_path, piped)
        stream = json.loads(by_path)
        self.assertEqual(stream["fields"]["target"], [t.tolist() for t in bs.read_samples(self.path("s.smpl"))["target"]])


class RefusalTests(Tools):
    def refused(self, name, data, fragment, reader=bs.read_packed_rows):
        path = self.path(name)
        Path(path).write_bytes(data)
        with self.assertRaises(ValueError) as caught:
            reader(path)
        self.assertIn(path, str(caught.exception))
        self.assertIn(fragment, str(caught.exception))
        return str(caught.exception)

    def test_truncated_streams_are_refused_like_the_tools_do(self):
        data = Path(self.path("docs.tok")).read_bytes()
        for cut in (5, 40, len(data) // 2, len(data) - 30, len(data) - 1):
            self.refused("cut.tok", data[:cut], "truncated", bs.read_token_documents)
            status, _, error = run("tokenize", "decode", "-m", "tok.model", "cut.tok", ok=False)
            self.assertEqual(status, 65, error)
        rows = Path(self.path("rows.pack")).read_bytes()
        self.refused("cut.pack", rows[:len(rows) - 40], "truncated or still being written")

    def test_corrupt_and_wrong_files_are_refused(self):
        rows = Path(self.path("rows.pack")).read_bytes()
        flipped = bytearray(rows)
        flipped[len(rows) // 2] ^= 1
        self.refused("flip.pack", bytes(flipped), "checksum mismatch")
        self.refused("twice.pack", rows + rows, "bytes after the end frame")
        self.refused("empty.pack", b"", "is empty")
        self.refused("text.pack", b'{"text": "hello"}\n', "wrong magic")
        self.refused("docs.pack", Path(self.path("docs.tok")).read_bytes(), "is a token-document stream, not a packed-row stream")


@unittest.skipUnless(HAVE_SAFETENSORS, "checkpoint tests need the safetensors package (pip install safetensors)")
class CheckpointTests(Tools):
    MODEL = ["--model", "gated-ssm", "--d-model", "16", "--layers", "1"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        run("train", "--init-only", *cls.MODEL, "--vocab-size", "300", "-o", "x.ckpt", "-q")
        _, out, _ = run("train", "--print-config", *cls.MODEL, "--vocab-size", "300", "-q")
        cls.printed = [line.split("\t") for line in out.decode().splitlines()]

    @staticmethod
    def parse(path):
        """The safetensors file by hand: u64 header length, JSON header, F32 data."""
        data = Path(path).read_bytes()
        (length,) = struct.unpack_from("<Q", data)
        header = json.loads(data[8:8 + length])
        metadata = header.pop("__metadata__")
        body = data[8 + length:]
        tensors = {}
        for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
            assert e["dtype"] == "F32"
            start, end = e["data_offsets"]
            tensors[name] = np.frombuffer(body[start:end], "<f4").reshape(e["shape"])
        return tensors, metadata

    def test_init_only_checkpoint_matches_print_config(self):
        ckpt = bs.load_checkpoint(self.path("x.ckpt"))
        config_line, *layout, total = self.printed
        self.assertEqual(config_line[0], "config")
        self.assertEqual(ckpt.config, json.loads(config_line[1]))
        self.assertEqual(ckpt.config["vocab"], 300)
        self.assertEqual((ckpt.step, ckpt.state, ckpt.attachments), (0, None, {}))
        self.assertEqual([(n, json.loads(s)) for n, s, *_ in layout], [(n, list(t.shape)) for n, t in ckpt.tensors.items()])
        self.assertEqual(sum(t.size for t in ckpt.tensors.values()), int(total[1]))
        tensors, metadata = self.parse(self.path("x.ckpt"))
        self.assertEqual(metadata, ckpt.metadata)
        self.assertEqual(list(tensors), list(ckpt.tensors))
        for name, t in ckpt.tensors.items():
            self.assertEqual(t.dtype, np.float32)
            self.assertTrue(np.isfinite(t).all(), name)
            self.assertTrue(np.array_equal(t.view(np.uint32), tensors[name].view(np.uint32)), name)

    def test_state_file_and_metrics_of_a_short_run(self):
        run("train", *self.MODEL, "--data", "rows.pack", "--steps", "2", "--batch", "2", "--eval-every", "2",
            "--eval-batches", "1", "--threads", "1", "-o", "t.ckpt", "--metrics", "t.tsv", "-q")
        weights = bs.load_checkpoint(self.path("t.ckpt"))
        state = bs.load_checkpoint(self.path("t.ckpt.state"))
        self.assertEqual(list(state.tensors), ["parameters", "adamw.m", "adamw.v"])
        self.assertEqual(state.config, weights.config)
        self.assertEqual((weights.step, state.step, state.state["step"]), (2, 2, 2))
        flat = np.concatenate([t.ravel() for t in weights.tensors.values()])
        self.assertTrue(np.array_equal(flat.view(np.uint32), state.tensors["parameters"].view(np.uint32)))
        self.assertTrue((state.tensors["adamw.v"] >= 0).all())
        lines = [line.split("\t") for line in Path(self.path("t.tsv")).read_text().splitlines()]
        self.assertEqual(lines[0], ["step", "tokens", "loss", "eval_loss", "lr", "grad_norm", "tokens_per_s",
                                    "eval_token_acc", "eval_sample_acc"])
        self.assertEqual([int(r[0]) for r in lines[1:]], [1, 2])
        self.assertEqual(int(lines[2][1]), state.state["tokens"])
        self.assertEqual(lines[1][3], "nan", "no evaluation at step 1")
        self.assertTrue(np.isfinite(float(lines[2][3])))

    def test_truncated_checkpoint_is_refused(self):
        data = Path(self.path("x.ckpt")).read_bytes()
        for cut in (4, 100, len(data) - 4):
            Path(self.path("cut.ckpt")).write_bytes(data[:cut])
            with self.assertRaises(ValueError) as caught:
                bs.load_checkpoint(self.path("cut.ckpt"))
            self.assertIn(self.path("cut.ckpt"), str(caught.exception))

    @unittest.skipUnless(HAVE_TORCH, "torch is not installed: the PyTorch loader is not tested")
    def test_torch_tensors_equal_numpy(self):
        numpy_ckpt = bs.load_checkpoint(self.path("x.ckpt"))
        torch_ckpt = bs.load_checkpoint(self.path("x.ckpt"), framework="pt")
        for name, t in numpy_ckpt.tensors.items():
            self.assertTrue(np.array_equal(torch_ckpt.tensors[name].numpy().view(np.uint32), t.view(np.uint32)))


class DocumentationTests(unittest.TestCase):
    def test_formats_page_shows_the_module_docstring(self):
        page = (ROOT / "docs" / "FORMATS.md").read_text(encoding="utf-8")
        self.assertTrue('```python\n"""' + bs.__doc__ + '"""\n```' in page,
                        "docs/FORMATS.md should show birdie_streams.py's docstring in a python block, word for word")


if __name__ == "__main__":
    unittest.main()
