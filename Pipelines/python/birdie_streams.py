"""Reads what the birdie tools write (docs/FORMATS.md) into numpy: token documents (`tokenize
encode`), objective samples (`corrupt`), packed rows (`pack`), zstd-compressed or not, and
safetensors checkpoints (`train -o`, `finetune -o`, PATH.state).

    import birdie_streams as bs                      # Pipelines/python on sys.path
    docs = bs.read_token_documents("docs.tok")       # list of int64 arrays, one per document
    s = bs.read_samples("s.smpl")                    # s["configuration"][i], s["input"][i], s["target"][i], s["names"]
    rows = bs.read_packed_rows("rows.pack")
    rows["tokens"], rows["labels"], rows["segments"], rows["regions"]   # int64 arrays [rows, L]
    rows["configurations"][i]   # configuration index of each segment of row i
    rows["names"]               # configuration names by index

    with bs.open_stream("rows.pack") as stream:      # any kind, record by record
        print(stream.kind, stream.vocabulary_size, stream.provenance["tool"])
        for record in stream:                        # {field name: numpy array of the stored dtype}
            ...
        print(stream.closing)                        # the end frame's JSON, once read

    ckpt = bs.load_checkpoint("model.ckpt")          # needs the safetensors package
    ckpt.tensors["embedding.weight"], ckpt.config["dModel"], ckpt.step
    bs.load_checkpoint("model.ckpt", framework="pt") # torch tensors (needs torch)

Every checksum (CRC-32C) and count is verified; a truncated, corrupt or wrong-kind file raises
ValueError naming the file. zstd chunks need the zstandard module (imported only for them).
As a script: `python3 birdie_streams.py FILE...` prints a summary of each stream or checkpoint;
`--json FILE` prints a stream's provenance, closing block and fields (per record) as JSON.
"""
import base64
import functools
import json
import struct
import sys

import numpy as np

KINDS = {  # magic: (kind, description, written by, fields)
    b"BIRDTOKD": ("documents", "token-document stream", "tokenize encode", ["tokens"]),
    b"BIRDSMPL": ("samples", "objective-sample stream", "corrupt", ["configuration", "input", "target"]),
    b"BIRDROWS": ("rows", "packed-row stream", "pack", ["tokens", "labels", "segments", "regions", "configurations"]),
}
DTYPES = {1: np.dtype("<u1"), 2: np.dtype("<u2"), 3: np.dtype("<u4"), 4: np.dtype("<i4"), 5: np.dtype("<f4")}
DTYPE_NAMES = {1: "u8", 2: "u16", 3: "u32", 4: "i32", 5: "f32"}
MAX_PROVENANCE = 1 << 20
MAX_CHUNK = 1 << 30
INT32_MAX = (1 << 31) - 1

# MARK: CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as Libraries/Formats/Checksum.swift


def _make_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _make_table()
_NP_TABLE = np.array(_TABLE, dtype=np.uint32)


def _crc_bytes(state, data):
    """The raw register after `data` (no pre/post inversion), byte by byte."""
    t = _TABLE
    for b in data:
        state = t[(state ^ b) & 0xFF] ^ (state >> 8)
    return state


@functools.lru_cache(maxsize=16)
def _zeros_operator(n):
    """The images of the 32 unit registers after n zero bytes (the register update is linear)."""
    v = np.array([1 << j for j in range(32)], dtype=np.uint32)
    for _ in range(n):
        v = _NP_TABLE[v & 0xFF] ^ (v >> 8)
    return [int(x) for x in v]


def crc32c(data, value=0):
    """CRC-32C of `data` (bytes-like); pass a previous result as `value` to continue it."""
    data = memoryview(data).cast("B")
    n = len(data)
    state = value ^ 0xFFFFFFFF
    if n < 4096:
        return _crc_bytes(state, data) ^ 0xFFFFFFFF
    # Blocks of m bytes run side by side in numpy; block i's register then joins the running one:
    # register(A + B) = zeros(|B|) applied to register(A), xor register_from_0(B).
    m = max(256, int(n ** 0.5))
    k = n // m
    columns = np.frombuffer(data, np.uint8, k * m).reshape(k, m).T.astype(np.uint32)
    registers = np.zeros(k, dtype=np.uint32)
    for column in columns:
        registers = _NP_TABLE[(registers ^ column) & 0xFF] ^ (registers >> 8)
    shift = _zeros_operator(m)
    for r in registers.tolist():
        s, j = 0, 0
        while state:
            if state & 1:
                s ^= shift[j]
            state >>= 1
            j += 1
        state = s ^ r
    return _crc_bytes(state, data[k * m:]) ^ 0xFFFFFFFF


# MARK: Record streams


class StreamReader:
    """One record stream, read and verified as it is iterated. Attributes: path, name, magic,
    kind ("documents", "samples", "rows"), description, version, compressed, vocabulary_size,
    fields [(name, numpy dtype, is_token_ids)], provenance (dict); after iteration: closing (dict),
    records_read, chunks_read."""

    def __init__(self, path, kind=None):
        self.path = path
        self.name = "<stdin>" if path == "-" else str(path)
        self._file = sys.stdin.buffer if path == "-" else open(path, "rb")
        self.closing = None
        self.records_read = 0
        self.chunks_read = 0
        self._decompressor = None
        try:
            self._read_header(kind)
        except BaseException:
            self.close()
            raise

    def close(self):
        if self._file is not sys.stdin.buffer:
            self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _bad(self, problem):
        return ValueError(f"{self.name}: {problem}")

    def _exact(self, n, where):
        b = self._file.read(n)
        if len(b) != n:
            raise self._bad(f"ends inside {where} ({len(b)} of {n} bytes): truncated or still being written")
        return b

    def _read_header(self, kind):
        magic = self._file.read(8)
        wanted = next((m for m, k in KINDS.items() if kind in (m, k[0])), None) if kind else None
        if kind and wanted is None:
            raise ValueError(f"unknown stream kind {kind!r}; one of {[k[0] for k in KINDS.values()]}")
        if not magic:
            raise self._bad("is empty, not a birdie stream")
        if len(magic) < 8:
            raise self._bad("too short for a stream header (truncated or still being written)")
        if magic not in KINDS:
            text = magic[:1] == b"{" or all(9 <= b < 128 for b in magic)
            raise self._bad("not a birdie stream (wrong magic)" + ("; it looks like text: `tokenize encode` it first" if text else ""))
        if wanted and magic != wanted:
            raise self._bad(f"is a {KINDS[magic][1]}, not a {KINDS[wanted][1]}; pass a file made by `{KINDS[wanted][2]}`")
        self.magic = magic
        self.kind, self.description, self.produced_by, self.expected_fields = KINDS[magic]
        fixed = magic + self._exact(9, "the header")
        self.version, flags, self.vocabulary_size, count = struct.unpack_from("<HHIB", fixed, 8)
        if self.version == 0 or self.version > 1:
            raise self._bad(f"format version {self.version}; this reader reads version 1")
        if flags & ~1:
            raise self._bad(f"unknown header flags {flags:#x} (newer writer?)")
        self.compressed = bool(flags & 1)
        if not 1 <= count <= 16:
            raise self._bad(f"corrupt header: {count} fields")
        header = bytearray(fixed)
        self.fields = []
        for _ in range(count):
            d = self._exact(3, "the header")
            dtype, role, length = d
            if dtype not in DTYPES or role > 1 or not 1 <= length <= 64:
                raise self._bad("corrupt header: bad field descriptor")
            name = self._exact(length, "the header")
            if role == 1 and (self.vocabulary_size == 0 or dtype in (4, 5)):
                raise self._bad("corrupt header: token field without a vocabulary")
            header += d + name
            self.fields.append((name.decode("ascii", "replace"), DTYPES[dtype], role == 1))
        length_bytes = self._exact(4, "the header")
        (length,) = struct.unpack("<I", length_bytes)
        if length > MAX_PROVENANCE:
            raise self._bad(f"corrupt header: provenance of {length} bytes")
        provenance = self._exact(length, "the header")
        (crc,) = struct.unpack("<I", self._exact(4, "the header"))
        header += length_bytes + provenance
        if crc32c(header) != crc:
            raise self._bad("header checksum mismatch (corrupt file)")
        try:
            self.provenance = json.loads(provenance)
        except ValueError:
            raise self._bad("corrupt header: provenance is not valid JSON") from None

    def require(self, names=None):
        """Refuses a stream whose fields are not `names` (default: those of its kind)."""
        names = self.expected_fields if names is None else names
        have = [f[0] for f in self.fields]
        if have != list(names):
            raise self._bad(f"has fields {have}, expected {list(names)}")
        return self

    @property
    def configuration_names(self):
        """Configuration names by index, from the provenance (empty if not recorded)."""
        return json.loads(self.provenance.get("extra", {}).get("configurations", "[]"))

    def __iter__(self):
        while self.closing is None:
            for record in self._read_frame():
                self.records_read += 1
                yield record

    def read_all(self):
        """Every remaining record, as a list."""
        return list(self)

    def _read_frame(self):
        pending = f"stops after {self.records_read} records without an end frame: truncated or still being written"
        tag = self._file.read(4)
        if len(tag) < 4:
            raise self._bad(pending)
        if tag == b"END!":
            self._read_end(tag)
            return []
        if tag != b"CHNK":
            raise self._bad(f"corrupt: unexpected bytes where chunk {self.chunks_read} should start")
        frame = tag + self._exact(20, f"chunk {self.chunks_read}'s frame header")
        count, raw, stored, payload_crc, frame_crc = struct.unpack_from("<IIIII", frame, 4)
        if crc32c(frame[:20]) != frame_crc:
            raise self._bad(f"chunk {self.chunks_read}: frame header checksum mismatch (corrupt file)")
        if count == 0 or raw > MAX_CHUNK or (not self.compressed and stored != raw) or stored > raw + (raw >> 7) + 1024:
            raise self._bad(f"chunk {self.chunks_read}: impossible sizes (corrupt file)")
        payload = self._exact(stored, f"chunk {self.chunks_read}")
        if self.compressed:
            if self._decompressor is None:
                try:
                    import zstandard
                except ImportError:
                    raise ImportError(f"{self.name}: zstd-compressed chunks need the zstandard module (pip install zstandard)") from None
                self._decompressor = zstandard.ZstdDecompressor()
            try:
                payload = self._decompressor.decompress(payload, max_output_size=raw)
            except Exception:
                raise self._bad(f"chunk {self.chunks_read}: zstd payload does not decompress (corrupt file)") from None
            if len(payload) != raw:
                raise self._bad(f"chunk {self.chunks_read}: zstd payload does not decompress (corrupt file)")
        if crc32c(payload) != payload_crc:
            raise self._bad(f"chunk {self.chunks_read}: payload checksum mismatch (corrupt file)")
        records = self._decode(payload, count)
        self.chunks_read += 1
        return records

    def _decode(self, payload, count):
        records, at, size = [], 0, len(payload)
        where = f"chunk {self.chunks_read}"
        for r in range(count):
            record = {}
            for name, dtype, tokens in self.fields:
                if at + 4 > size:
                    raise self._bad(f"{where}: record {r} runs past the chunk (corrupt file)")
                (n,) = struct.unpack_from("<I", payload, at)
                at += 4
                if n > (size - at) // dtype.itemsize:
                    raise self._bad(f"{where}: record {r} runs past the chunk (corrupt file)")
                values = np.frombuffer(payload, dtype, n, at)
                at += n * dtype.itemsize
                if n and dtype.kind == "u":
                    top = int(values.max())
                    if top > INT32_MAX or (tokens and top >= self.vocabulary_size):
                        raise self._bad(f"{where}: record {self.records_read + r}, field {name}: value {top} is outside "
                                        f"the vocabulary of {self.vocabulary_size} tokens (corrupt file)")
                record[name] = values
            records.append(record)
        if at != size:
            raise self._bad(f"{where}: chunk has {size - at} bytes after its last record (corrupt file)")
        return records

    def _read_end(self, tag):
        fixed = self._exact(20, "the end frame")
        records, chunks, length = struct.unpack("<QQI", fixed)
        if length > 16 * MAX_PROVENANCE:
            raise self._bad("corrupt end frame")
        block = self._exact(length, "the end frame")
        (crc,) = struct.unpack("<I", self._exact(4, "the end frame"))
        if crc32c(tag + fixed + block) != crc:
            raise self._bad("end frame checksum mismatch (corrupt file)")
        if records != self.records_read or chunks != self.chunks_read:
            raise self._bad(f"end frame counts {records} records in {chunks} chunks, the file has "
                            f"{self.records_read} in {self.chunks_read} (corrupt file)")
        try:
            closing = json.loads(block)
        except ValueError:
            raise self._bad("end frame block is not valid JSON (corrupt file)") from None
        if self._file.read(1):
            raise self._bad("has bytes after the end frame (two files concatenated?)")
        self.closing = closing


def open_stream(path, kind=None):
    """A StreamReader for `path` ("-": stdin); `kind` ("documents", "samples", "rows" or a magic)
    refuses a stream of another kind."""
    return StreamReader(path, kind)


def read_token_documents(path):
    """The documents of a token-document stream (`tokenize encode`): a list of int64 arrays."""
    with open_stream(path, "documents") as s:
        s.require()
        return [r["tokens"].astype(np.int64) for r in s]


def read_samples(path):
    """An objective-sample stream (`corrupt`): configuration (int64 [samples]), input and target
    (lists of int64 arrays), names (configuration names by index), row_length (or None),
    provenance, closing."""
    with open_stream(path, "samples") as s:
        s.require()
        configuration, inputs, targets = [], [], []
        for r in s:
            if len(r["configuration"]) != 1:
                raise s._bad(f"sample {s.records_read - 1} has {len(r['configuration'])} configuration values, not 1")
            configuration.append(int(r["configuration"][0]))
            inputs.append(r["input"].astype(np.int64))
            targets.append(r["target"].astype(np.int64))
        row_length = s.provenance.get("extra", {}).get("row-length")
        return {"configuration": np.array(configuration, dtype=np.int64), "input": inputs, "target": targets,
                "names": s.configuration_names, "row_length": int(row_length) if row_length else None,
                "provenance": s.provenance, "closing": s.closing}


def read_packed_rows(path):
    """A packed-row stream (`pack`): tokens, labels, segments, regions (int64 [rows, L]; regions
    0 pad, 1 prefix, 2 causal), configurations (per row, an int64 array: the configuration index of
    each segment), names (configuration names by index), provenance, closing."""
    with open_stream(path, "rows") as s:
        s.require()
        length = s.provenance.get("extra", {}).get("row-length")
        length = int(length) if length else None
        records = []
        for r in s:
            n, which = len(r["tokens"]), f"row {s.records_read - 1}"
            if n == 0 or any(len(r[k]) != n for k in ("labels", "segments", "regions")) or (length or n) != n:
                raise s._bad(f"{which}: fields of different lengths")
            if int(r["regions"].max()) > 2:
                raise s._bad(f"{which}: a region value is not 0, 1 or 2")
            if int(r["segments"].max()) != len(r["configurations"]):
                raise s._bad(f"{which}: {len(r['configurations'])} configurations for {int(r['segments'].max())} segments")
            records.append(r)
        width = length or 0

        def stack(key):
            if not records:
                return np.zeros((0, width), dtype=np.int64)
            return np.stack([r[key].astype(np.int64) for r in records])

        return {"tokens": stack("tokens"), "labels": stack("labels"), "segments": stack("segments"),
                "regions": stack("regions"),
                "configurations": [r["configurations"].astype(np.int64) for r in records],
                "names": s.configuration_names, "provenance": s.provenance, "closing": s.closing}


# MARK: Checkpoints (safetensors)


class Checkpoint:
    """tensors ({name: array}, in file order), config (the model configuration, dict), step (int),
    state (PATH.state's TrainingState dict, else None), attachments ({name: bytes}, PATH.state),
    metadata (the raw "__metadata__" strings)."""

    def __init__(self, tensors, metadata):
        self.tensors = tensors
        self.metadata = metadata
        self.config = json.loads(metadata["birdie.config"])
        self.step = int(metadata.get("birdie.step", "0"))
        self.state = json.loads(metadata["birdie.state"]) if "birdie.state" in metadata else None
        prefix = "birdie.attachment."
        self.attachments = {k[len(prefix):]: base64.b64decode(v) for k, v in metadata.items() if k.startswith(prefix)}


def read_safetensors_header(path):
    """(entries, metadata, data_start) of a safetensors file, checked against the file's size
    without the safetensors package: entries {name: {"dtype", "shape", "data_offsets"}} in file order."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(0)
        head = f.read(8)
        if len(head) < 8:
            raise ValueError(f"{path}: not a safetensors checkpoint: shorter than its 8-byte header length")
        (length,) = struct.unpack("<Q", head)
        if length > size - 8 or length >= 100_000_000:
            raise ValueError(f"{path}: not a safetensors checkpoint, or truncated: header length {length} exceeds the file")
        try:
            header = json.loads(f.read(length))
        except ValueError:
            raise ValueError(f"{path}: not a safetensors checkpoint: header is not JSON") from None
    if not isinstance(header, dict):
        raise ValueError(f"{path}: not a safetensors checkpoint: header is not a JSON object")
    metadata = header.pop("__metadata__", {}) or {}
    data_size = size - 8 - length
    for name, e in header.items():
        start, end = e["data_offsets"]
        if not 0 <= start <= end <= data_size:
            raise ValueError(f"{path}: tensor {name} bytes {e['data_offsets']} lie beyond the file's "
                             f"{data_size} data bytes: truncated")
    entries = dict(sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]))
    return entries, metadata, 8 + length


def load_checkpoint(path, framework="numpy"):
    """A checkpoint or PATH.state written by `train`/`finetune`, as a Checkpoint. framework:
    "numpy" (safetensors.numpy) or "pt" (torch tensors via safetensors.torch; needs torch)."""
    entries, metadata, _ = read_safetensors_header(path)   # clear errors for truncated files
    if "birdie.config" not in metadata:
        raise ValueError(f"{path}: no birdie model configuration (birdie.config) in the safetensors metadata")
    if framework in ("pt", "torch"):
        try:
            import torch  # noqa: F401
        except ImportError:
            raise ImportError("load_checkpoint(framework='pt') needs torch; use framework='numpy'") from None
        from safetensors.torch import load_file
    elif framework in ("numpy", "np"):
        from safetensors.numpy import load_file
    else:
        raise ValueError(f"framework must be 'numpy' or 'pt', not {framework!r}")
    loaded = load_file(path)
    return Checkpoint({name: loaded[name] for name in entries}, metadata)


# MARK: Script mode


def _is_safetensors(path):
    with open(path, "rb") as f:
        head = f.read(9)
    return len(head) == 9 and head[8:9] == b"{" and head[:8] not in KINDS


def summary(path):
    """A few lines describing a stream or a checkpoint (every checksum verified)."""
    if path != "-" and _is_safetensors(path):
        entries, metadata, _ = read_safetensors_header(path)
        count = sum(int(np.prod(e["shape"], dtype=np.int64)) for e in entries.values())
        dtypes = sorted({e["dtype"] for e in entries.values()})
        lines = [f"{path}: safetensors checkpoint, step {metadata.get('birdie.step', '?')}, "
                 f"{len(entries)} tensors, {count} values ({', '.join(dtypes)})"]
        for key, value in sorted(metadata.items()):
            shown = value if len(value) <= 200 else f"<{len(value)} characters>"
            lines.append(f"  {key}: {shown}")
        lines += [f"  {name}  {e['dtype']} {e['shape']}" for name, e in entries.items()]
        return "\n".join(lines)
    with open_stream(path) as s:
        totals = {name: [0, None, None] for name, _, _ in s.fields}
        for record in s:
            for name, values in record.items():
                t = totals[name]
                t[0] += len(values)
                t[1] = len(values) if t[1] is None else min(t[1], len(values))
                t[2] = len(values) if t[2] is None else max(t[2], len(values))
        p = s.provenance
        lines = [f"{s.name}: {s.description} ({s.magic.decode()}), format {s.version}, "
                 f"{'zstd' if s.compressed else 'uncompressed'}, vocabulary {s.vocabulary_size}",
                 f"  written by: {p.get('tool')} {p.get('version')} {' '.join(p.get('arguments', []))}",
                 f"  {s.records_read} records in {s.chunks_read} chunks; checksums and counts verified"]
        for name, dtype, tokens in s.fields:
            n, lo, hi = totals[name]
            code = next(c for c, d in DTYPES.items() if d == dtype)
            lines.append(f"  {name}: {DTYPE_NAMES[code]}{' token ids' if tokens else ''}, {n} values"
                         + (f" ({lo}..{hi} per record)" if lo is not None else ""))
        for key, value in sorted(p.get("extra", {}).items()):
            lines.append(f"  extra {key}: {value if len(value) <= 200 else value[:197] + '...'}")
        for key, value in sorted(s.closing.get("extra", {}).items()):
            lines.append(f"  closing {key}: {value}")
        for i in p.get("inputs", []) + s.closing.get("inputs", []):
            lines.append(f"  input {i['path']}: {i['bytes']} bytes, crc32c {i['crc32c']}")
        return "\n".join(lines)


def as_json(path):
    """A stream as one JSON object: kind, vocabulary_size, provenance, closing, names and fields
    ({field: [values of each record]})."""
    with open_stream(path) as s:
        fields = {name: [] for name, _, _ in s.fields}
        for record in s:
            for name, values in record.items():
                fields[name].append(values.tolist())
        return {"kind": s.kind, "magic": s.magic.decode(), "vocabulary_size": s.vocabulary_size,
                "provenance": s.provenance, "closing": s.closing, "names": s.configuration_names,
                "fields": fields}


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 64
    json_mode = argv[0] == "--json"
    paths = argv[1:] if json_mode else argv
    try:
        for path in paths or ["-"]:
            print(json.dumps(as_json(path)) if json_mode else summary(path))
    except (ValueError, ImportError, OSError) as error:
        print(f"birdie_streams: {error}", file=sys.stderr)
        return 65
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
