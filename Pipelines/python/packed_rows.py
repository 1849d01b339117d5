"""Reads a birdie packed-row stream (`pack` output, docs/FORMATS.md) into numpy arrays.

    rows = read_packed_rows("rows.pack")
    rows["tokens"], rows["labels"], rows["segments"], rows["regions"]   # int64 arrays [rows, L]
    rows["configurations"][i]   # configuration index of each segment of row i
    rows["names"]               # configuration names by index

Checksums are not verified here (the Swift reader does); zstd chunks need the zstandard module.
Run as a script, it prints the rows as JSON.
"""
import json, struct, sys
import numpy as np

DTYPES = {1: "<u1", 2: "<u2", 3: "<u4", 4: "<i4", 5: "<f4"}


def read_records(path, magic=b"BIRDROWS"):
    data = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
    if data[:8] != magic:
        raise ValueError(f"{path}: not a {magic.decode()} stream")
    version, flags, vocabulary, field_count = struct.unpack_from("<HHIB", data, 8)
    if version != 1:
        raise ValueError(f"{path}: format version {version}, this reader knows 1")
    at, fields = 17, []
    for _ in range(field_count):
        dtype, _role, n = data[at], data[at + 1], data[at + 2]
        fields.append((data[at + 3:at + 3 + n].decode(), np.dtype(DTYPES[dtype])))
        at += 3 + n
    (length,) = struct.unpack_from("<I", data, at)
    provenance = json.loads(data[at + 4:at + 4 + length])
    at += 4 + length + 4                                   # provenance, header CRC
    records = []
    while data[at:at + 4] == b"CHNK":
        count, _raw, stored = struct.unpack_from("<III", data, at + 4)
        payload = data[at + 24:at + 24 + stored]
        at += 24 + stored
        if flags & 1:
            import zstandard
            payload = zstandard.ZstdDecompressor().decompress(payload, max_output_size=_raw)
        p = 0
        for _ in range(count):
            record = {}
            for name, dtype in fields:
                (n,) = struct.unpack_from("<I", payload, p)
                record[name] = np.frombuffer(payload, dtype, n, p + 4)
                p += 4 + n * dtype.itemsize
            records.append(record)
    if data[at:at + 4] != b"END!":
        raise ValueError(f"{path}: no end frame (truncated or still being written)")
    return provenance, records


def read_packed_rows(path):
    provenance, records = read_records(path)
    stack = lambda key: np.stack([r[key].astype(np.int64) for r in records])
    return {"tokens": stack("tokens"), "labels": stack("labels"), "segments": stack("segments"),
            "regions": stack("regions"),    # 0 pad, 1 prefix, 2 causal
            "configurations": [r["configurations"].astype(np.int64) for r in records],
            "names": json.loads(provenance["extra"].get("configurations", "[]"))}


if __name__ == "__main__":
    rows = read_packed_rows(sys.argv[1] if len(sys.argv) > 1 else "-")
    print(json.dumps({k: [c.tolist() for c in v] if k == "configurations" else
                      (v if k == "names" else v.tolist()) for k, v in rows.items()}))
