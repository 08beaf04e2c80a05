#!/usr/bin/env python3
"""Craft the malformed-input suite for `ckpt inspect`.

Usage: make_malformed.py OUTDIR

Writes one malformed model (file, folder, split or shard set) per case into
OUTDIR and the list of cases into OUTDIR/cases.json:

    [{"name": ..., "path": <relative to OUTDIR>, "code": <rule code>,
      "offset": true|false, "why": <one line>, ...}, ...]

"offset" says whether ckpt's error line must contain "byte ". Optional
fields: "names" (base names of which at least one must appear in the error
line, when the problem may be reported against another file than the one
opened: a split part, a shard, config.json) and "codes" (other acceptable
codes, used only where the contract leaves a limit to the implementation).

Every case starts from a valid small base file and changes one thing, so that
exactly one reader rule of CONTRACT.md is broken and the expected code follows
from the order in which the reader checks the rules. Valid base files are also
written to OUTDIR/_valid/ and listed in OUTDIR/valid.json (ckpt must accept
them), which makes it easy to see that a case differs from a valid file by its
one mutation.

Standard library only; the output is deterministic (no clock, no randomness
beyond a fixed hash stream). Re-running over an OUTDIR made by this script
replaces it.
"""

import hashlib
import json
import os
import shutil
import struct
import sys

# --------------------------------------------------------------------------
# GGUF
# --------------------------------------------------------------------------

UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, \
    UINT64, INT64, FLOAT64 = range(13)

SCALAR_FMT = {UINT8: "B", INT8: "b", UINT16: "H", INT16: "h", UINT32: "I",
              INT32: "i", FLOAT32: "f", BOOL: "B", UINT64: "Q", INT64: "q",
              FLOAT64: "d"}

# ggml types: name -> (id, elements per block, bytes per block)
GGML = {
    "F32": (0, 1, 4), "F16": (1, 1, 2), "Q4_0": (2, 32, 18), "Q4_1": (3, 32, 20),
    "Q5_0": (6, 32, 22), "Q5_1": (7, 32, 24), "Q8_0": (8, 32, 34),
    "Q8_1": (9, 32, 36), "Q2_K": (10, 256, 84), "Q3_K": (11, 256, 110),
    "Q4_K": (12, 256, 144), "Q5_K": (13, 256, 176), "Q6_K": (14, 256, 210),
    "Q8_K": (15, 256, 292), "F64": (28, 1, 8), "BF16": (30, 1, 2),
    "I8": (24, 1, 1), "I32": (26, 1, 4),
}
GGML_BY_ID = {v[0]: v for v in GGML.values()}

U64_MAX = (1 << 64) - 1
I64_MAX = (1 << 63) - 1


def filler(n, seed=0):
    """Deterministic tensor bytes."""
    return bytes(((i * 37 + 11 + seed) & 0xFF) for i in range(n))


def hash_stream(n, seed):
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%s-%d" % (seed, i)).digest()
        i += 1
    return bytes(out[:n])


def tensor_nbytes(ne, type_id):
    """Byte size of a valid tensor (Python ints: no overflow)."""
    _, blk, bts = GGML_BY_ID[type_id]
    n = ne[0] // blk * bts
    for d in ne[1:]:
        n *= d
    return n


class W:
    """A byte buffer that writes GGUF fields in one byte order and records
    where each named field starts (for truncation cases)."""

    def __init__(self, be=False):
        self.e = ">" if be else "<"
        self.b = bytearray()
        self.marks = {}

    def mark(self, name):
        self.marks[name] = len(self.b)

    def raw(self, data):
        self.b += data

    def u32(self, v):
        self.b += struct.pack(self.e + "I", v & 0xFFFFFFFF)

    def i32(self, v):
        self.b += struct.pack(self.e + "i", v)

    def u64(self, v):
        self.b += struct.pack(self.e + "Q", v & U64_MAX)

    def i64(self, v):
        self.b += struct.pack(self.e + "q", v)

    def string(self, s, length=None):
        if isinstance(s, str):
            s = s.encode("utf-8")
        self.u64(len(s) if length is None else length)
        self.b += s

    def scalar(self, t, v):
        self.b += struct.pack(self.e + SCALAR_FMT[t], v)

    def value(self, t, v):
        """Encode a value of type t (no type prefix). Arrays: v = (elem, list)."""
        if t == STRING:
            self.string(v)
        elif t == ARRAY:
            et, items = v
            self.i32(et)
            self.u64(len(items))
            for it in items:
                self.value(et, it)
        else:
            self.scalar(t, v)


def kv(key, t, v):
    return ("kv", key, t, v)


def rawkv(fn):
    """A key/value written by fn(w): for malformed entries."""
    return ("raw", fn)


def tinfo(name, ne, typ, offset=None, ndims=None):
    if isinstance(typ, str):
        typ = GGML[typ][0]
    return {"name": name, "ne": list(ne), "type": typ, "offset": offset,
            "ndims": ndims}


def rawtensor(fn, nbytes=0):
    return {"raw": fn, "nbytes": nbytes}


def build_gguf(kvs, tensors, version=3, be=False, magic=b"GGUF",
               tensor_count=None, kv_count=None, alignment=None,
               data_len=None, truncate=None, extra=b"", pad=True):
    """Write a GGUF file. Tensor offsets left as None are laid out one after
    the other, each aligned. Returns (bytes, marks)."""
    w = W(be)
    if alignment is None:
        alignment = 32
        for e in kvs:
            if e[0] == "kv" and e[1] == "general.alignment" and e[2] == UINT32:
                alignment = e[3]
    w.mark("magic")
    w.raw(magic)
    w.mark("version")
    w.u32(version)
    w.mark("tensor_count")
    w.u64(len(tensors) if tensor_count is None else tensor_count)
    w.mark("kv_count")
    w.u64(len(kvs) if kv_count is None else kv_count)
    for i, e in enumerate(kvs):
        w.mark("kv%d" % i)
        if e[0] == "raw":
            e[1](w)
            continue
        _, key, t, v = e
        w.mark("kv%d.key" % i)
        w.string(key)
        w.mark("kv%d.type" % i)
        w.i32(t)
        w.mark("kv%d.value" % i)
        w.value(t, v)
    # tensor offsets
    run = 0
    layout = []
    for t in tensors:
        if "raw" in t:
            layout.append((None, t["nbytes"]))
            run = (run + t["nbytes"] + alignment - 1) // alignment * alignment
            continue
        try:
            nb = tensor_nbytes(t["ne"], t["type"])
        except (KeyError, ZeroDivisionError):
            nb = 0
        off = t["offset"]
        if off is None:
            off = run
        if off + nb < (1 << 40):
            run = max(run, (off + nb + alignment - 1) // alignment * alignment)
        layout.append((off, nb))
    for i, t in enumerate(tensors):
        w.mark("t%d" % i)
        if "raw" in t:
            t["raw"](w)
            continue
        w.mark("t%d.name" % i)
        w.string(t["name"])
        w.mark("t%d.ndims" % i)
        w.u32(len(t["ne"]) if t["ndims"] is None else t["ndims"])
        for j, d in enumerate(t["ne"]):
            w.mark("t%d.ne%d" % (i, j))
            w.i64(d) if d < (1 << 63) else w.u64(d)
        w.mark("t%d.type" % i)
        w.i32(t["type"])
        w.mark("t%d.offset" % i)
        w.u64(layout[i][0])
    w.mark("header_end")
    if tensors and pad:
        while len(w.b) % alignment:
            w.b.append(0)
    w.mark("data")
    if data_len is None:
        data_len = 0
        for off, nb in layout:
            if off is not None and off + nb < (1 << 40):
                data_len = max(data_len, off + nb)
    w.raw(filler(data_len))
    w.raw(extra)
    out = bytes(w.b)
    if truncate is not None:
        out = out[:truncate]
    return out, w.marks


BASE_KVS = [
    kv("general.architecture", STRING, "llama"),
    kv("general.name", STRING, "tiny"),
    kv("llama.block_count", UINT32, 1),
    kv("tokenizer.ggml.tokens", ARRAY, (STRING, ["<s>", "</s>", "a", "b"])),
]
# token_embd 128 B @0, attn_q 36 B @128, output_norm 32 B @192; data = 224 B
BASE_TENSORS = [
    tinfo("token_embd.weight", [8, 4], "F32", offset=0),
    tinfo("blk.0.attn_q.weight", [32, 2], "Q4_0", offset=128),
    tinfo("output_norm.weight", [16], "F16", offset=192),
]


def base_kvs(**repl):
    """BASE_KVS with some entries replaced: repl maps index (as 'k0'..) to entry."""
    out = list(BASE_KVS)
    for k, v in repl.items():
        out[int(k[1:])] = v
    return out


def base_tensors(**repl):
    out = [dict(t) for t in BASE_TENSORS]
    for k, v in repl.items():
        out[int(k[1:])] = v
    return out


def gguf_base(**kw):
    return build_gguf(BASE_KVS, BASE_TENSORS, **kw)


# --------------------------------------------------------------------------
# safetensors
# --------------------------------------------------------------------------

def st_file(header, data=b"", pad=b" ", n=None, align=8, extra=b""):
    """header: str (raw JSON text) or bytes or a dict (dumped compactly)."""
    if isinstance(header, dict):
        header = json.dumps(header, separators=(",", ":"))
    if isinstance(header, str):
        header = header.encode("utf-8")
    if pad is not None and align:
        while len(header) % align:
            header += pad
    if n is None:
        n = len(header)
    return struct.pack("<Q", n) + header + data + extra


ST_BASE_HEADER = {
    "__metadata__": {"format": "pt"},
    "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
    "b": {"dtype": "F16", "shape": [4], "data_offsets": [24, 32]},
}
ST_BASE_DATA = filler(32, 5)


def st_hdr(**changes):
    """The base header as a dict with entries changed (None removes one)."""
    h = json.loads(json.dumps(ST_BASE_HEADER))
    for k, v in changes.items():
        if v is None:
            h.pop(k, None)
        else:
            h[k] = v
    return h


def st_entry(dtype="F32", shape=(2, 3), offs=(0, 24), **extra):
    e = {"dtype": dtype, "shape": list(shape), "data_offsets": list(offs)}
    e.update(extra)
    return e


def st_base(**kw):
    return st_file(ST_BASE_HEADER, ST_BASE_DATA, **kw)


# JSON text of the base header with one entry's text replaced (for things a
# dict cannot hold: duplicate keys, non-JSON numbers, exact spellings).
ST_A = '"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}'
ST_B = '"b":{"dtype":"F16","shape":[4],"data_offsets":[24,32]}'
ST_M = '"__metadata__":{"format":"pt"}'


def st_text(m=ST_M, a=ST_A, b=ST_B):
    parts = [p for p in (m, a, b) if p]
    return "{" + ",".join(parts) + "}"


# --------------------------------------------------------------------------
# the suite
# --------------------------------------------------------------------------

# Codes whose error line must carry a byte offset: every GGUF rule, since the
# GGUF reader always knows the position it is at (the contract's example gives
# one for a tensor check; general.alignment has its kv's offset, the data
# section its header end). The JSON-based formats, splits, folders and I/O are
# not required to give one.
OFFSET_CODES = {
    "gguf.magic", "gguf.alignment", "gguf.data_offset", "gguf.truncated", "gguf.version", "gguf.count", "gguf.string_length",
    "gguf.key_empty", "gguf.key_duplicate", "gguf.value_type",
    "gguf.array_length", "gguf.array_nesting", "gguf.tensor_duplicate",
    "gguf.ndims", "gguf.dim_negative", "gguf.size_overflow",
    "gguf.type_retired", "gguf.type_unknown", "gguf.block_multiple",
    "gguf.tensor_misaligned", "gguf.tensor_bounds", "gguf.tensor_overlap",
}


class Suite:
    def __init__(self, outdir):
        self.out = outdir
        self.cases = []
        self.valid = []
        self.names = set()

    def _write(self, rel, data):
        p = os.path.join(self.out, rel)
        os.makedirs(os.path.dirname(p) or self.out, exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)

    def files(self, name, path, code, files, why, names=None, codes=None,
              offset=None):
        """A case made of several files: files maps relative path -> bytes."""
        for rel, data in files.items():
            self._write(rel, data)
        self.record(name, path, code, why, names, codes, offset)

    def case(self, name, path, code, data, why, **kw):
        self._write(path, data)
        self.record(name, path, code, why, **kw)

    def record(self, name, path, code, why, names=None, codes=None,
               offset=None):
        assert name not in self.names, name
        self.names.add(name)
        c = {"name": name, "path": path, "code": code,
             "offset": (code in OFFSET_CODES) if offset is None else offset,
             "why": why}
        if names:
            c["names"] = names
        if codes:
            c["codes"] = codes
        self.cases.append(c)

    def valid_file(self, name, path, data=None, files=None):
        if files:
            for rel, d in files.items():
                self._write(os.path.join("_valid", rel), d)
        else:
            self._write(os.path.join("_valid", path), data)
        self.valid.append({"name": name, "path": "_valid/" + path})


def gguf_cases(s):
    g = lambda name: "gguf/%s.gguf" % name
    base, m = gguf_base()
    s.valid_file("gguf_base", "base.gguf", base)
    s.valid_file("gguf_base_v2", "base_v2.gguf", gguf_base(version=2)[0])
    s.valid_file("gguf_base_be", "base_be.gguf", gguf_base(be=True)[0])
    s.valid_file("gguf_no_tensors", "no_tensors.gguf",
                 build_gguf(BASE_KVS, [])[0])

    # --- magic, truncated fixed fields, version ---
    s.case("gguf_magic_ggml", g("magic_ggml"), "gguf.magic", b"GGML" + base[4:],
           "old GGML magic on a .gguf file")
    s.case("gguf_magic_swapped", g("magic_swapped"), "gguf.magic",
           b"FUGG" + base[4:], "magic bytes reversed")
    s.case("gguf_magic_lowercase", g("magic_lowercase"), "gguf.magic",
           b"gguf" + base[4:], "magic in lower case")
    s.case("gguf_trunc_magic", g("trunc_magic"), "gguf.truncated", base[:3],
           "file ends inside the magic (GGU)")
    s.case("gguf_trunc_version", g("trunc_version"), "gguf.truncated",
           base[:6], "file ends inside the version")
    s.case("gguf_trunc_tensor_count", g("trunc_tensor_count"), "gguf.truncated",
           base[:12], "file ends inside tensor_count")
    s.case("gguf_trunc_kv_count", g("trunc_kv_count"), "gguf.truncated",
           base[:20], "file ends inside kv_count")
    for v, why in ((1, "GGUF v1 (32-bit counts) is refused"),
                   (0, "version 0"), (4, "version 4 (future)"),
                   (0xFFFFFFFF, "version 0xFFFFFFFF")):
        s.case("gguf_version_%d" % v if v < 100 else "gguf_version_ffffffff",
               g("version_%x" % v), "gguf.version", gguf_base(version=v)[0], why)
    s.case("gguf_version_1_be", g("version_1_be"), "gguf.version",
           gguf_base(version=1, be=True)[0],
           "big-endian GGUF v1 (version reads 0x01000000)")

    # --- counts ---
    for name, kw, why in (
            ("tensor_count_2p63m1", {"tensor_count": I64_MAX},
             "tensor_count 2^63-1: refuse before allocating (more than the file can hold)"),
            ("tensor_count_2p62", {"tensor_count": 1 << 62},
             "tensor_count 2^62: 24 bytes each would wrap a 64-bit product"),
            ("tensor_count_2p63", {"tensor_count": 1 << 63},
             "tensor_count 2^63 is negative as int64"),
            ("tensor_count_1000", {"tensor_count": 1000},
             "1000 tensor infos (>= 24,000 bytes) claimed in a 640-byte file"),
            ("kv_count_2p40", {"kv_count": 1 << 40},
             "kv_count 2^40 (CVE-2024-23605): more kvs than the file can hold"),
            ("kv_count_max", {"kv_count": U64_MAX},
             "kv_count 2^64-1 (-1 as int64)")):
        s.case("gguf_count_" + name, g("count_" + name), "gguf.count",
               gguf_base(**kw)[0], why)
    s.case("gguf_be_count_tensor_2p63m1", g("be_count_tensor_2p63m1"),
           "gguf.count", gguf_base(be=True, tensor_count=I64_MAX)[0],
           "big-endian file, tensor_count 2^63-1")

    # --- strings ---
    def key_len(length, key="general.architecture"):
        def fn(w):
            w.string(key, length=length)
            w.i32(STRING)
            w.string("llama")
        return rawkv(fn)

    def val_len(length, text="tiny"):
        def fn(w):
            w.string("general.name")
            w.i32(STRING)
            w.string(text, length=length)
        return rawkv(fn)

    s.case("gguf_key_length_huge", g("key_length_huge"), "gguf.string_length",
           build_gguf(base_kvs(k0=key_len(0xFFFFFFFFFFFFFFF0)), BASE_TENSORS)[0],
           "key length 0xFFFFFFFFFFFFFFF0 (pointer + length wraps)")
    s.case("gguf_key_length_past_eof", g("key_length_past_eof"),
           "gguf.string_length",
           build_gguf(base_kvs(k0=key_len(5000)), BASE_TENSORS)[0],
           "key length 5000 runs past the end of the file")
    s.case("gguf_value_string_2p30p1", g("value_string_2p30p1"),
           "gguf.string_length",
           build_gguf(base_kvs(k1=val_len((1 << 30) + 1)), BASE_TENSORS)[0],
           "string value of length 2^30+1 (over GGUF_MAX_STRING_LENGTH)")
    s.case("gguf_value_string_huge", g("value_string_huge"),
           "gguf.string_length",
           build_gguf(base_kvs(k1=val_len(0xFFFFFFFFFFFFFFF0)), BASE_TENSORS)[0],
           "string value of length 0xFFFFFFFFFFFFFFF0")

    def tokens_bad_elem(w):
        w.string("tokenizer.ggml.tokens")
        w.i32(ARRAY)
        w.i32(STRING)
        w.u64(4)
        w.string("<s>")
        w.string("</s>")
        w.string("a", length=(1 << 30) + 1)
        w.string("b")
    s.case("gguf_array_string_elem_2p30p1", g("array_string_elem_2p30p1"),
           "gguf.string_length",
           build_gguf(base_kvs(k3=rawkv(tokens_bad_elem)), BASE_TENSORS)[0],
           "third string of a string array has length 2^30+1")

    # --- keys ---
    s.case("gguf_key_empty", g("key_empty"), "gguf.key_empty",
           build_gguf(base_kvs(k2=kv("", UINT32, 1)), BASE_TENSORS)[0],
           "a metadata key of length 0")
    s.case("gguf_key_duplicate", g("key_duplicate"), "gguf.key_duplicate",
           build_gguf(BASE_KVS + [kv("general.name", STRING, "other")],
                      BASE_TENSORS)[0],
           "general.name appears twice")
    s.case("gguf_v2_key_duplicate", g("v2_key_duplicate"), "gguf.key_duplicate",
           build_gguf(BASE_KVS + [kv("llama.block_count", UINT32, 2)],
                      BASE_TENSORS, version=2)[0],
           "GGUF v2 file with llama.block_count twice")

    # --- value types ---
    def bad_type(t, key="general.file_type"):
        def fn(w):
            w.string(key)
            w.i32(t)
            w.u32(1)
        return rawkv(fn)
    for t, nm in ((13, "13"), (-1, "neg1"), (0x7FFFFFFF, "int_max")):
        s.case("gguf_value_type_" + nm, g("value_type_" + nm), "gguf.value_type",
               build_gguf(base_kvs(k2=bad_type(t)), BASE_TENSORS)[0],
               "kv value type %d is not in 0..12" % t)
    s.case("gguf_be_value_type_13", g("be_value_type_13"), "gguf.value_type",
           build_gguf(base_kvs(k2=bad_type(13)), BASE_TENSORS, be=True)[0],
           "big-endian file, kv value type 13")

    def arr(elem, count, body=b"", key="tokenizer.ggml.scores"):
        def fn(w):
            w.string(key)
            w.i32(ARRAY)
            w.i32(elem)
            w.u64(count)
            w.raw(body)
        return rawkv(fn)
    s.case("gguf_array_elem_type_13", g("array_elem_type_13"), "gguf.value_type",
           build_gguf(base_kvs(k2=arr(13, 1, b"\0" * 4)), BASE_TENSORS)[0],
           "array element type 13")
    s.case("gguf_array_elem_type_neg", g("array_elem_type_neg"),
           "gguf.value_type",
           build_gguf(base_kvs(k2=arr(-2, 1, b"\0" * 4)), BASE_TENSORS)[0],
           "array element type -2")

    # --- arrays ---
    s.case("gguf_array_count_huge", g("array_count_huge"), "gguf.array_length",
           build_gguf(base_kvs(k2=arr(UINT8, 0xFFFFFFFFFFFFFFF0, b"\1" * 16)),
                      BASE_TENSORS)[0],
           "UINT8 array with count 0xFFFFFFFFFFFFFFF0")
    s.case("gguf_array_count_2p30p1", g("array_count_2p30p1"),
           "gguf.array_length",
           build_gguf(base_kvs(k2=arr(UINT8, (1 << 30) + 1, b"\1" * 16)),
                      BASE_TENSORS)[0],
           "UINT8 array with count 2^30+1 (over GGUF_MAX_ARRAY_ELEMENTS)")
    s.case("gguf_array_u64_past_eof", g("array_u64_past_eof"),
           "gguf.array_length",
           build_gguf(base_kvs(k2=arr(UINT64, 1000, b"\0" * 16)),
                      BASE_TENSORS)[0],
           "1000 UINT64 elements (8000 bytes) in a file of a few hundred")
    s.case("gguf_array_strings_2p20", g("array_strings_2p20"),
           "gguf.array_length",
           build_gguf(base_kvs(k3=arr(STRING, 1 << 20, b"\0" * 16,
                                      key="tokenizer.ggml.tokens")),
                      BASE_TENSORS)[0],
           "2^20 strings (>= 8 MiB) claimed in a small file: refuse before allocating")
    s.case("gguf_array_of_arrays_2p40", g("array_of_arrays_2p40"),
           "gguf.array_length",
           build_gguf(base_kvs(k2=arr(ARRAY, 1 << 40, b"\0" * 16)),
                      BASE_TENSORS)[0],
           "array of 2^40 arrays (each >= 12 bytes)")

    def nested(depth, key="x.nested"):
        # depth ARRAY levels, each of count 1, innermost holds one UINT8
        def fn(w):
            w.string(key)
            w.i32(ARRAY)
            for lvl in range(depth):
                w.i32(ARRAY if lvl < depth - 1 else UINT8)
                w.u64(1)
            w.raw(b"\7")
        return rawkv(fn)
    s.valid_file("gguf_nested_4", "nested_4.gguf",
                 build_gguf(base_kvs(k2=nested(4)), BASE_TENSORS)[0])
    s.case("gguf_array_nesting_5", g("array_nesting_5"), "gguf.array_nesting",
           build_gguf(base_kvs(k2=nested(5)), BASE_TENSORS)[0],
           "array of array of array of array of array (5 levels)")
    s.case("gguf_array_nesting_1000", g("array_nesting_1000"),
           "gguf.array_nesting",
           build_gguf(base_kvs(k2=nested(1000)), BASE_TENSORS)[0],
           "1000 nested arrays: a recursive reader would exhaust its stack")

    # --- truncation inside key/values (1 kv, 0 tensors: the counts still fit) ---
    tk = [kv("general.architecture", STRING, "llama")]
    one, om = build_gguf(tk, [])
    s.valid_file("gguf_one_kv", "one_kv.gguf", one)
    s.case("gguf_trunc_in_key", g("trunc_in_key"), "gguf.string_length",
           one[:om["kv0.key"] + 8 + 10],
           "file ends inside a key: its length runs past EOF")
    s.case("gguf_trunc_in_kv_type", g("trunc_in_kv_type"), "gguf.truncated",
           one[:om["kv0.type"] + 2], "file ends inside a kv value type")
    s.case("gguf_trunc_in_string_value", g("trunc_in_string_value"),
           "gguf.string_length", one[:om["kv0.value"] + 8 + 3],
           "file ends inside a string value: its length runs past EOF")
    sk = [kv("general.file_type", UINT32, 15)]
    sc, sm = build_gguf(sk, [])
    s.case("gguf_trunc_in_u32_value", g("trunc_in_u32_value"), "gguf.truncated",
           sc[:sm["kv0.value"] + 2], "file ends inside a UINT32 value")
    qk = [kv("general.size_label", UINT64, 123456789)]
    qc, qm = build_gguf(qk, [])
    s.case("gguf_trunc_in_u64_value", g("trunc_in_u64_value"), "gguf.truncated",
           qc[:qm["kv0.value"] + 5], "file ends inside a UINT64 value")
    ak = [kv("tokenizer.ggml.scores", ARRAY, (FLOAT32, [0.0, 1.0, 2.0]))]
    ac, am = build_gguf(ak, [])
    s.case("gguf_trunc_in_array_type", g("trunc_in_array_type"),
           "gguf.truncated", ac[:am["kv0.value"] + 3],
           "file ends inside an array's element type")
    s.case("gguf_trunc_in_array_count", g("trunc_in_array_count"),
           "gguf.truncated", ac[:am["kv0.value"] + 4 + 5],
           "file ends inside an array's count")

    # --- alignment ---
    def with_align(t, v):
        return BASE_KVS + [kv("general.alignment", t, v)]
    s.valid_file("gguf_align_64", "align_64.gguf",
                 build_gguf(with_align(UINT32, 64), BASE_TENSORS)[0])
    s.case("gguf_alignment_48", g("alignment_48"), "gguf.alignment",
           build_gguf(with_align(UINT32, 48), BASE_TENSORS, alignment=48)[0],
           "general.alignment 48 is not a power of two")
    s.case("gguf_alignment_0", g("alignment_0"), "gguf.alignment",
           build_gguf(with_align(UINT32, 0), BASE_TENSORS, alignment=32)[0],
           "general.alignment 0 (division by zero in the padding)")
    s.case("gguf_alignment_uint64", g("alignment_uint64"), "gguf.alignment",
           build_gguf(with_align(UINT64, 32), BASE_TENSORS, alignment=32)[0],
           "general.alignment 32 stored as UINT64 (must be UINT32)")
    s.case("gguf_alignment_int32", g("alignment_int32"), "gguf.alignment",
           build_gguf(with_align(INT32, 32), BASE_TENSORS, alignment=32)[0],
           "general.alignment 32 stored as INT32")
    one_t = [tinfo("token_embd.weight", [8, 4], "F32", offset=0)]
    s.case("gguf_alignment_2p31", g("alignment_2p31"), "gguf.data_offset",
           build_gguf(with_align(UINT32, 1 << 31), one_t, alignment=1 << 31,
                      pad=False, data_len=128)[0],
           "general.alignment 2^31 (a power of two): the data section starts past EOF")

    # --- tensor infos ---
    def tname_len(length):
        def fn(w):
            w.string("token_embd.weight", length=length)
            w.u32(2)
            w.i64(8)
            w.i64(4)
            w.i32(0)
            w.u64(0)
        return rawtensor(fn, 128)
    s.case("gguf_tensor_name_huge", g("tensor_name_huge"), "gguf.string_length",
           build_gguf(BASE_KVS, base_tensors(t0=tname_len(0xFFFFFFFFFFFFFFF0)),
                      data_len=224)[0],
           "tensor name length 0xFFFFFFFFFFFFFFF0")
    s.case("gguf_tensor_duplicate", g("tensor_duplicate"),
           "gguf.tensor_duplicate",
           build_gguf(BASE_KVS, base_tensors(
               t2=tinfo("token_embd.weight", [16], "F16")))[0],
           "two tensors named token_embd.weight")
    s.case("gguf_ndims_5", g("ndims_5"), "gguf.ndims",
           build_gguf(BASE_KVS, base_tensors(
               t2=tinfo("output_norm.weight", [16, 1, 1, 1, 1], "F16")))[0],
           "a tensor with 5 dimensions (GGML_MAX_DIMS is 4)")

    def ndims_raw(nd):
        def fn(w):
            w.string("output_norm.weight")
            w.u32(nd)
            w.i64(16)
            w.i32(1)
            w.u64(192)
        return rawtensor(fn, 32)
    s.case("gguf_ndims_ffffffff", g("ndims_ffffffff"), "gguf.ndims",
           build_gguf(BASE_KVS, base_tensors(t2=ndims_raw(0xFFFFFFFF)),
                      data_len=224)[0],
           "n_dims 0xFFFFFFFF")
    s.case("gguf_dim_negative", g("dim_negative"), "gguf.dim_negative",
           build_gguf(BASE_KVS, base_tensors(
               t1=tinfo("blk.0.attn_q.weight", [32, -1], "Q4_0", offset=128)),
               data_len=224)[0],
           "ne[1] = -1 (CVE-2024-21802)")
    s.case("gguf_dim_int64_min", g("dim_int64_min"), "gguf.dim_negative",
           build_gguf(BASE_KVS, base_tensors(
               t0=tinfo("token_embd.weight", [-(1 << 63), 4], "F32", offset=0)),
               data_len=224)[0],
           "ne[0] = INT64_MIN")

    def one_tensor(name, t, why, code="gguf.size_overflow", kvs=BASE_KVS,
                   data_len=128):
        s.case("gguf_" + name, g(name), code,
               build_gguf(kvs, [t], data_len=data_len)[0], why)
    one_tensor("size_overflow_elems_2p32x2p32",
               tinfo("token_embd.weight", [1 << 32, 1 << 32], "F32", offset=0),
               "ne [2^32, 2^32]: element count 2^64 overflows int64")
    one_tensor("size_overflow_elems_2p63",
               tinfo("token_embd.weight", [1 << 31, 1 << 31, 2], "F32", offset=0),
               "ne [2^31, 2^31, 2]: element count exactly 2^63")
    one_tensor("size_overflow_bytes_f32",
               tinfo("token_embd.weight", [1 << 62], "F32", offset=0),
               "F32 ne [2^62]: elements fit, byte size 2^64 does not")
    one_tensor("size_overflow_bytes_f16_2p63",
               tinfo("token_embd.weight", [1 << 62], "F16", offset=0),
               "F16 ne [2^62]: byte size exactly 2^63 does not fit in 63 bits")
    one_tensor("size_overflow_bytes_q8_0",
               tinfo("blk.0.attn_q.weight", [(1 << 63) - 32], "Q8_0", offset=0),
               "Q8_0 ne [2^63-32]: elements fit, 34 bytes per 32 do not")
    one_tensor("size_overflow_q4_k",
               tinfo("blk.0.attn_q.weight", [1 << 62, 4], "Q4_K", offset=0),
               "Q4_K ne [2^62, 4]: element count and byte size overflow (CVE-2026-33298)")
    one_tensor("q4_k_naive_wrap",
               tinfo("blk.0.attn_q.weight", [1 << 60], "Q4_K", offset=0),
               "Q4_K ne [2^60]: ne0*144 wraps to 0 in a naive size; the true size is past EOF",
               code="gguf.tensor_bounds")
    for tid, code, nm in ((31, "gguf.type_retired", "31"),
                          (4, "gguf.type_retired", "4"),
                          (36, "gguf.type_retired", "36"),
                          (43, "gguf.type_unknown", "43"),
                          (-1, "gguf.type_unknown", "neg1"),
                          (0x7FFFFFFF, "gguf.type_unknown", "int_max")):
        s.case("gguf_type_" + nm, g("type_" + nm), code,
               build_gguf(BASE_KVS, base_tensors(
                   t2=tinfo("output_norm.weight", [16], tid, offset=192)),
                   data_len=224)[0],
               "ggml type id %d is %s" % (tid, "retired" if "retired" in code
                                          else "unknown"))
    s.case("gguf_block_multiple_q4_0", g("block_multiple_q4_0"),
           "gguf.block_multiple",
           build_gguf(BASE_KVS, base_tensors(
               t1=tinfo("blk.0.attn_q.weight", [48, 1], "Q4_0", offset=128)),
               data_len=224)[0],
           "Q4_0 row of 48 elements is not a multiple of 32")
    s.case("gguf_block_multiple_q4_k", g("block_multiple_q4_k"),
           "gguf.block_multiple",
           build_gguf(BASE_KVS, base_tensors(
               t1=tinfo("blk.0.attn_q.weight", [128, 1], "Q4_K", offset=128)),
               data_len=224)[0],
           "Q4_K row of 128 elements is not a multiple of 256")

    # --- truncation inside a tensor info (1 kv, 1 tensor) ---
    tt = [tinfo("token_embd.weight", [8, 4], "F32")]
    tf, tm = build_gguf(tk, tt)
    s.valid_file("gguf_one_tensor", "one_tensor.gguf", tf)
    s.case("gguf_trunc_in_tensor_name", g("trunc_in_tensor_name"),
           "gguf.string_length", tf[:tm["t0.name"] + 8 + 5],
           "file ends inside a tensor name: its length runs past EOF")
    s.case("gguf_trunc_in_ndims", g("trunc_in_ndims"), "gguf.truncated",
           tf[:tm["t0.ndims"] + 2], "file ends inside n_dims")
    s.case("gguf_trunc_in_dim", g("trunc_in_dim"), "gguf.truncated",
           tf[:tm["t0.ne1"] + 3], "file ends inside ne[1]")
    s.case("gguf_trunc_in_type", g("trunc_in_type"), "gguf.truncated",
           tf[:tm["t0.type"] + 1], "file ends inside a tensor's ggml type")
    s.case("gguf_trunc_in_offset", g("trunc_in_offset"), "gguf.truncated",
           tf[:tm["t0.offset"] + 7], "file ends inside a tensor's offset")
    tfb, tmb = build_gguf(tk, tt, be=True)
    s.case("gguf_be_trunc_in_dim", g("be_trunc_in_dim"), "gguf.truncated",
           tfb[:tmb["t0.ne0"] + 4], "big-endian file ends inside ne[0]")
    assert tm["header_end"] % 32 != 0
    s.case("gguf_data_offset_no_padding", g("data_offset_no_padding"),
           "gguf.data_offset", tf[:tm["header_end"]],
           "file ends at the end of the tensor infos: the aligned data section starts past EOF")

    # --- data section ---
    s.case("gguf_tensor_misaligned", g("tensor_misaligned"),
           "gguf.tensor_misaligned",
           build_gguf(BASE_KVS, base_tensors(
               t1=tinfo("blk.0.attn_q.weight", [32, 2], "Q4_0", offset=144)),
               data_len=224)[0],
           "tensor offset 144 is not a multiple of 32")
    s.case("gguf_tensor_misaligned_align64", g("tensor_misaligned_align64"),
           "gguf.tensor_misaligned",
           build_gguf(with_align(UINT32, 64),
                      [tinfo("token_embd.weight", [8, 4], "F32", offset=32)],
                      data_len=192)[0],
           "general.alignment 64 and a tensor at offset 32")
    s.case("gguf_be_tensor_misaligned", g("be_tensor_misaligned"),
           "gguf.tensor_misaligned",
           build_gguf(BASE_KVS, base_tensors(
               t2=tinfo("output_norm.weight", [16], "F16", offset=176)),
               data_len=224, be=True)[0],
           "big-endian file, tensor offset 176 not a multiple of 32")
    s.case("gguf_tensor_past_eof", g("tensor_past_eof"), "gguf.tensor_bounds",
           build_gguf(BASE_KVS, base_tensors(
               t2=tinfo("output_norm.weight", [16], "F16", offset=224)),
               data_len=224)[0],
           "last tensor [224, 256) runs past the 224-byte data section")
    s.case("gguf_trunc_in_data", g("trunc_in_data"), "gguf.tensor_bounds",
           base[:len(base) - 10], "file cut 10 bytes before the end of the last tensor")
    s.case("gguf_tensor_offset_wraps", g("tensor_offset_wraps"),
           "gguf.tensor_bounds",
           build_gguf(BASE_KVS, base_tensors(
               t2=tinfo("output_norm.weight", [16], "F16",
                        offset=0xFFFFFFFFFFFFFFE0)), data_len=224)[0],
           "offset 0xFFFFFFFFFFFFFFE0: data_offset + offset wraps past 2^64 (CVE-2025-53630)")
    s.case("gguf_tensor_offset_2p63", g("tensor_offset_2p63"),
           "gguf.tensor_bounds",
           build_gguf(BASE_KVS, base_tensors(
               t2=tinfo("output_norm.weight", [16], "F16", offset=1 << 63)),
               data_len=224)[0],
           "offset 2^63 (negative as int64)")
    s.case("gguf_zero_dim_then_past_eof", g("zero_dim_then_past_eof"),
           "gguf.tensor_bounds",
           build_gguf(BASE_KVS, [
               tinfo("token_embd.weight", [0, 1 << 62], "F32", offset=0),
               tinfo("output_norm.weight", [16], "F16", offset=32)],
               data_len=16)[0],
           "a valid empty tensor ne [0, 2^62] (no division by zero), then a tensor past EOF")
    s.case("gguf_tensor_overlap", g("tensor_overlap"), "gguf.tensor_overlap",
           build_gguf(BASE_KVS, base_tensors(
               t1=tinfo("blk.0.attn_q.weight", [32, 2], "Q4_0", offset=96)),
               data_len=224)[0],
           "attn_q [96, 132) overlaps token_embd [0, 128)")
    s.case("gguf_tensor_overlap_same_start", g("tensor_overlap_same_start"),
           "gguf.tensor_overlap",
           build_gguf(BASE_KVS, base_tensors(
               t2=tinfo("output_norm.weight", [16], "F16", offset=128)),
               data_len=224)[0],
           "output_norm and attn_q both start at offset 128")
    s.case("gguf_tensor_overlap_alias", g("tensor_overlap_alias"),
           "gguf.tensor_overlap",
           build_gguf(BASE_KVS, [
               tinfo("token_embd.weight", [8, 4], "F32", offset=0),
               tinfo("output.weight", [8, 4], "F32", offset=0)],
               data_len=128)[0],
           "two tensors with the same byte range")


# --------------------------------------------------------------------------
# GGUF splits
# --------------------------------------------------------------------------

def split_part(no, count, total, tensors, first=True, extra_kvs=(),
               keys=None):
    kvs = []
    if first:
        kvs += [kv("general.architecture", STRING, "llama"),
                kv("general.name", STRING, "tiny")]
    if keys is None:
        keys = [kv("split.no", UINT16, no), kv("split.count", UINT16, count),
                kv("split.tensors.count", INT32, total)]
    kvs += keys + list(extra_kvs)
    return build_gguf(kvs, tensors)[0]


T_A = tinfo("token_embd.weight", [8, 4], "F32")
T_B = tinfo("output_norm.weight", [16], "F16")
T_C = tinfo("output.weight", [8, 4], "F32")


def split_cases(s):
    def pn(i, n):
        return "m-%05d-of-%05d.gguf" % (i, n)

    def split(name, parts, open_no, code, why, n=None):
        """parts: {index: bytes}; n: count in the file names."""
        n = n or max(parts)
        d = "split/" + name
        files = {"%s/%s" % (d, pn(i, n)): b for i, b in parts.items()}
        names = [pn(i, n) for i in range(1, n + 1)]
        s.files("split_" + name, "%s/%s" % (d, pn(open_no, n)), code, files,
                why, names=names)

    ok = {1: split_part(0, 2, 2, [T_A]),
          2: split_part(1, 2, 2, [T_B], first=False)}
    s.valid_file("split_base", "split/" + pn(1, 2),
                 files={"split/" + pn(i, 2): b for i, b in ok.items()})
    split("open_part2", ok, 2, "split.part", "opening part 2 of 2")
    split("missing_part", {1: split_part(0, 3, 3, [T_A]),
                           3: split_part(2, 3, 3, [T_B], first=False)},
          1, "split.missing", "part 2 of 3 is absent")
    split("count_disagrees", {1: split_part(0, 3, 2, [T_A]),
                              2: split_part(1, 3, 2, [T_B], first=False)},
          1, "split.keys", "split.count says 3, the file names say 2")
    split("wrong_split_no", {1: split_part(0, 2, 2, [T_A]),
                             2: split_part(0, 2, 2, [T_B], first=False)},
          1, "split.keys", "part 2 has split.no 0 (must be 1, 0-based)")
    split("keys_missing", {1: split_part(0, 2, 2, [T_A], keys=[]),
                           2: split_part(1, 2, 2, [T_B], first=False)},
          1, "split.keys", "the first part has no split.* keys")
    split("count_uint32",
          {1: split_part(0, 2, 2, [T_A], keys=[
              kv("split.no", UINT16, 0), kv("split.count", UINT32, 2),
              kv("split.tensors.count", INT32, 2)]),
           2: split_part(1, 2, 2, [T_B], first=False)},
          1, "split.keys", "split.count stored as UINT32 (must be UINT16)")
    split("tensors_count_wrong", {1: split_part(0, 2, 3, [T_A]),
                                  2: split_part(1, 2, 3, [T_B], first=False)},
          1, "split.tensors_count", "split.tensors.count 3, the parts hold 2")
    split("tensor_duplicate",
          {1: split_part(0, 2, 3, [T_A, T_C]),
           2: split_part(1, 2, 3, [T_A], first=False)},
          1, "split.tensor_duplicate", "token_embd.weight is in parts 1 and 2")
    bad2 = bytearray(split_part(1, 2, 2, [T_B], first=False))
    del bad2[-8:]
    split("part2_truncated", {1: split_part(0, 2, 2, [T_A]), 2: bytes(bad2)},
          1, "gguf.tensor_bounds",
          "part 2's only tensor runs past its end (reported against part 2)")
    # the generic helper allows any part name; for this one part 2 must be named
    s.cases[-1]["names"] = [pn(2, 2)]
    s.cases[-1]["offset"] = True


# --------------------------------------------------------------------------
# safetensors
# --------------------------------------------------------------------------

def st_cases(s):
    p = lambda name: "st/%s.safetensors" % name
    base = st_base()
    s.valid_file("st_base", "base.safetensors", base)
    s.valid_file("st_empty_header", "empty.safetensors", st_file("{}"))

    s.case("st_too_small_5", p("too_small_5"), "st.too_small", base[:5],
           "5 bytes: not even the 8-byte header length")
    s.case("st_too_small_0", p("too_small_0"), "st.too_small", b"",
           "empty .safetensors file")
    s.case("st_n_zero", p("n_zero"), "st.header_json",
           struct.pack("<Q", 0), "N = 0: the empty header is not JSON")
    s.case("st_n_zero_with_data", p("n_zero_with_data"), "st.header_json",
           struct.pack("<Q", 0) + base[8:],
           "N = 0 followed by a valid header: the 0-byte header is not JSON")
    s.case("st_header_too_large", p("header_too_large"), "st.header_too_large",
           st_base(n=100_000_001), "N = 100,000,001 (limit 100,000,000)")
    s.case("st_header_huge", p("header_huge"), "st.header_too_large",
           st_base(n=U64_MAX), "N = 2^64-1: 8 + N wraps")
    s.case("st_header_2p63", p("header_2p63"), "st.header_too_large",
           st_base(n=1 << 63), "N = 2^63")
    s.case("st_header_bounds", p("header_bounds"), "st.header_bounds",
           st_base(n=len(base)), "N larger than the file")
    s.case("st_header_bounds_1e8", p("header_bounds_1e8"), "st.header_bounds",
           st_base(n=100_000_000), "N = 100,000,000 (allowed) in a small file")

    def mutate(text, old, new):
        assert old in text
        return text.replace(old, new, 1)

    txt = st_text().encode()
    for nm, bad, why in (
            ("ff", b"\xff", "byte 0xFF"),
            ("overlong", b"\xc0\xaf", "overlong encoding of '/'"),
            ("surrogate", b"\xed\xa0\x80", "UTF-8 encoded surrogate U+D800"),
            ("cut_sequence", b"\xe2\x82", "3-byte sequence cut short"),
            ("above_10ffff", b"\xf4\x90\x80\x80", "code point above U+10FFFF")):
        s.case("st_utf8_" + nm, p("utf8_" + nm), "st.header_utf8",
               st_file(txt.replace(b'"pt"', b'"p' + bad + b't"'), ST_BASE_DATA),
               "invalid UTF-8 in a metadata value: " + why)

    t = st_text()
    s.case("st_json_nul_padding", p("json_nul_padding"), "st.header_json",
           st_file(t + "\0" * 6, ST_BASE_DATA, pad=b"\0"),
           "header padded with NUL bytes instead of spaces")
    s.case("st_json_trailing_garbage", p("json_trailing_garbage"),
           "st.header_json", st_file(t + "xyz", ST_BASE_DATA),
           "garbage after the JSON object")
    s.case("st_json_two_objects", p("json_two_objects"), "st.header_json",
           st_file(t + "{}", ST_BASE_DATA), "a second JSON value after the object")
    s.case("st_json_unterminated", p("json_unterminated"), "st.header_json",
           st_file(t[:-1], ST_BASE_DATA), "the closing brace is missing")
    s.case("st_json_trailing_comma", p("json_trailing_comma"), "st.header_json",
           st_file(t[:-1] + ",}", ST_BASE_DATA), "a trailing comma")
    s.case("st_json_single_quotes", p("json_single_quotes"), "st.header_json",
           st_file(mutate(t, '"format"', "'format'"), ST_BASE_DATA),
           "a single-quoted key")
    s.case("st_json_bom", p("json_bom"), "st.header_json",
           st_file(b"\xef\xbb\xbf" + t.encode(), ST_BASE_DATA),
           "a UTF-8 byte order mark before the JSON")
    s.case("st_json_nan", p("json_nan"), "st.header_json",
           st_file(mutate(t, "[2,3]", "[NaN,3]"), ST_BASE_DATA),
           "NaN is not JSON")
    s.case("st_json_raw_control", p("json_raw_control"), "st.header_json",
           st_file(mutate(t, '"pt"', '"p\nt"'), ST_BASE_DATA),
           "a raw newline inside a JSON string")
    s.case("st_json_bad_escape", p("json_bad_escape"), "st.header_json",
           st_file(mutate(t, '"pt"', '"p\\qt"'), ST_BASE_DATA),
           "the escape \\q is not JSON")

    s.case("st_object_array", p("object_array"), "st.header_object",
           st_file("[" + t + "]", ST_BASE_DATA), "the header is a JSON array")
    s.case("st_object_string", p("object_string"), "st.header_object",
           st_file('"weights"', ST_BASE_DATA), "the header is a JSON string")
    s.case("st_object_null", p("object_null"), "st.header_object",
           st_file("null", ST_BASE_DATA), "the header is JSON null")

    s.case("st_dup_tensor", p("dup_tensor"), "st.key_duplicate",
           st_file(st_text(b=ST_B + "," + ST_A.replace("[0,24]", "[0,24]")),
                   ST_BASE_DATA),
           "tensor 'a' declared twice (the crate keeps the last)")
    s.case("st_dup_metadata_key", p("dup_metadata_key"), "st.key_duplicate",
           st_file(st_text(m='"__metadata__":{"format":"pt","format":"tf"}'),
                   ST_BASE_DATA), "duplicate key inside __metadata__")
    s.case("st_dup_metadata", p("dup_metadata"), "st.key_duplicate",
           st_file(st_text(b=ST_B + "," + ST_M), ST_BASE_DATA),
           "__metadata__ twice")
    s.case("st_dup_entry_field", p("dup_entry_field"), "st.key_duplicate",
           st_file(st_text(a='"a":{"dtype":"F32","dtype":"F32","shape":[2,3],'
                             '"data_offsets":[0,24]}'), ST_BASE_DATA),
           "dtype twice inside one tensor entry")

    for nm, val, why in (
            ("number", {"format": 1}, "a number value in __metadata__"),
            ("null_value", {"format": None}, "a null value in __metadata__"),
            ("nested", {"format": {"x": "y"}}, "an object value in __metadata__"),
            ("array", ["pt"], "__metadata__ is an array"),
            ("string", "pt", "__metadata__ is a string")):
        s.case("st_metadata_" + nm, p("metadata_" + nm), "st.metadata",
               st_file(st_hdr(__metadata__=val), ST_BASE_DATA), why)
    s.valid_file("st_metadata_null", "metadata_null.safetensors",
                 st_file(st_hdr(__metadata__=None) | {"__metadata__": None},
                         ST_BASE_DATA))

    A = ST_BASE_HEADER["a"]
    for nm, entry, why in (
            ("not_object", 5, "tensor entry is a number"),
            ("list", [], "tensor entry is an array"),
            ("no_dtype", {k: v for k, v in A.items() if k != "dtype"},
             "entry without dtype"),
            ("no_shape", {k: v for k, v in A.items() if k != "shape"},
             "entry without shape"),
            ("no_offsets", {k: v for k, v in A.items() if k != "data_offsets"},
             "entry without data_offsets"),
            ("dtype_number", dict(A, dtype=32), "dtype is a number"),
            ("shape_string", dict(A, shape="2,3"), "shape is a string"),
            ("offsets_3", dict(A, data_offsets=[0, 12, 24]),
             "data_offsets has 3 entries"),
            ("offsets_1", dict(A, data_offsets=[24]), "data_offsets has 1 entry"),
            ("offsets_object", dict(A, data_offsets={"begin": 0, "end": 24}),
             "data_offsets is an object")):
        s.case("st_info_" + nm, p("info_" + nm), "st.tensor_info",
               st_file(st_hdr(a=entry), ST_BASE_DATA), why)

    for nm, dt in (("F33", "F33"), ("lowercase", "f32"), ("empty", ""),
                   ("ggml_q4_0", "Q4_0")):
        s.case("st_dtype_" + nm, p("dtype_" + nm), "st.dtype",
               st_file(st_hdr(a=dict(A, dtype=dt)), ST_BASE_DATA),
               "unknown dtype %r" % dt)

    for nm, shape_txt, why in (
            ("negative", "[-2,-3]", "negative shape entries (product still 6)"),
            ("float", "[1.5,4]", "shape entry 1.5 (1.5 x 4 = 6 elements)"),
            ("string", '["2",3]', "shape entry is a string"),
            ("bool", "[true,6]", "shape entry is true"),
            ("null", "[null,6]", "shape entry is null")):
        s.case("st_shape_" + nm, p("shape_" + nm), "st.shape",
               st_file(mutate(t, "[2,3]", shape_txt), ST_BASE_DATA), why)

    for nm, offs_txt, why in (
            ("negative", "[-24,0]", "negative begin"),
            ("float", "[0,24.5]", "end 24.5 is not an integer"),
            ("string", '["0",24]', "begin is a string"),
            ("begin_gt_end", "[24,0]", "begin 24 > end 0")):
        s.case("st_offsets_" + nm, p("offsets_" + nm), "st.offsets",
               st_file(mutate(t, "[0,24]", offs_txt), ST_BASE_DATA), why)

    for nm, entry, why in (
            ("elements", dict(A, shape=[1 << 32, 1 << 32]),
             "shape [2^32, 2^32]: 2^64 elements"),
            ("elements_max", dict(A, dtype="U8", shape=[U64_MAX, 2]),
             "shape [2^64-1, 2]"),
            ("bytes", dict(A, dtype="F64", shape=[1 << 62]),
             "F64 shape [2^62]: elements fit, 2^65 bytes do not")):
        s.case("st_size_overflow_" + nm, p("size_overflow_" + nm),
               "st.size_overflow", st_file(st_hdr(a=entry), ST_BASE_DATA), why)

    C = lambda dt, shape, offs: st_hdr(c=st_entry(dt, shape, offs))
    s.valid_file("st_f4_even", "f4_even.safetensors",
                 st_file(C("F4", [4], [32, 34]), filler(34, 5)))
    s.case("st_size_mismatch", p("size_mismatch"), "st.size_mismatch",
           st_file(st_hdr(a=dict(A, data_offsets=[0, 20]),
                          b=st_entry("F16", [4], [20, 28])), filler(28)),
           "F32 [2,3] is 24 bytes, data_offsets span 20")
    s.case("st_size_mismatch_f4_odd", p("size_mismatch_f4_odd"),
           "st.size_mismatch", st_file(C("F4", [3], [32, 34]), filler(34, 5)),
           "F4 with 3 elements is 12 bits, not whole bytes")
    s.case("st_size_mismatch_f6", p("size_mismatch_f6"), "st.size_mismatch",
           st_file(C("F6_E2M3", [3], [32, 35]), filler(35, 5)),
           "F6_E2M3 with 3 elements is 18 bits, not whole bytes")
    s.case("st_size_mismatch_empty", p("size_mismatch_empty"),
           "st.size_mismatch", st_file(C("F32", [0, 4], [32, 40]), filler(40, 5)),
           "a 0-element tensor spanning 8 bytes")

    s.case("st_gap_first", p("gap_first"), "st.offset_gap",
           st_file(st_hdr(a=dict(A, data_offsets=[8, 32]),
                          b=st_entry("F16", [4], [32, 40])), filler(40)),
           "the first tensor starts at 8, not 0")
    s.case("st_gap_hole", p("gap_hole"), "st.offset_gap",
           st_file(st_hdr(b=st_entry("F16", [4], [32, 40])), filler(40)),
           "8 unused bytes between a [0,24) and b [32,40)")
    s.case("st_overlap", p("overlap"), "st.offset_overlap",
           st_file(st_hdr(b=st_entry("F16", [4], [16, 24])), filler(24)),
           "b [16,24) lies inside a [0,24)")
    s.case("st_overlap_alias", p("overlap_alias"), "st.offset_overlap",
           st_file(st_hdr(c=st_entry("F32", [6], [0, 24])), ST_BASE_DATA),
           "c has exactly a's byte range")
    s.case("st_buffer_bounds", p("buffer_bounds"), "st.buffer_bounds",
           st_file(ST_BASE_HEADER, ST_BASE_DATA[:30]),
           "the data buffer is 2 bytes short")
    s.case("st_buffer_bounds_no_data", p("buffer_bounds_no_data"),
           "st.buffer_bounds", st_file(ST_BASE_HEADER, b""),
           "header only, no tensor data")
    s.case("st_trailing_bytes", p("trailing_bytes"), "st.trailing_bytes",
           st_base(extra=b"\0\0\0\0"), "4 bytes after the last tensor")
    polyglot = (b"PK\x03\x04" + b"\0" * 26 +
                b"<script>alert(1)</script>" + hash_stream(64, b"poly"))
    s.case("st_trailing_polyglot", p("trailing_polyglot"), "st.trailing_bytes",
           st_base(extra=polyglot),
           "a zip/HTML payload appended after the tensors (polyglot trap)")
    deep = "[" * 100000 + "]" * 100000
    s.case("st_json_deep_nesting", p("json_deep_nesting"), "st.header_json",
           st_file(st_text(m='"__metadata__":' + deep), ST_BASE_DATA),
           "__metadata__ is 100000 nested arrays: refused by a JSON depth limit "
           "(st.header_json) or as metadata (st.metadata), never a crash",
           codes=["st.metadata"])


# --------------------------------------------------------------------------
# safetensors shard index
# --------------------------------------------------------------------------

S1 = "model-00001-of-00002.safetensors"
S2 = "model-00002-of-00002.safetensors"
IDX = "model.safetensors.index.json"


def shard1(extra=None):
    h = {"a": st_entry("F32", [2, 3], [0, 24]),
         "b": st_entry("F16", [4], [24, 32])}
    data = filler(32, 1)
    if extra:
        h["x"] = st_entry("F32", [2], [32, 40])
        data += filler(8, 9)
    return st_file(h, data)


def shard2(with_a=False):
    h = {"c": st_entry("F32", [4], [0, 16])}
    data = filler(16, 2)
    if with_a:
        h["a"] = st_entry("F32", [2, 3], [16, 40])
        data += filler(24, 3)
    return st_file(h, data)


def index_cases(s):
    WM = {"a": S1, "b": S1, "c": S2}
    TOTAL = 24 + 8 + 16

    def idx(text_or_obj):
        if isinstance(text_or_obj, (dict, list)):
            return json.dumps(text_or_obj, indent=2).encode()
        return text_or_obj.encode() if isinstance(text_or_obj, str) else text_or_obj

    def case(name, code, index, s1=None, s2=None, why="", names=None):
        d = "index/" + name
        files = {d + "/" + IDX: idx(index)}
        if s1 is not False:
            files[d + "/" + S1] = s1 if s1 is not None else shard1()
        if s2 is not False:
            files[d + "/" + S2] = s2 if s2 is not None else shard2()
        s.files("index_" + name, d + "/" + IDX, code, files, why,
                names=names)

    good = {"metadata": {"total_size": TOTAL}, "weight_map": WM}
    s.valid_file("index_base", "index/" + IDX, files={
        "index/" + IDX: idx(good), "index/" + S1: shard1(),
        "index/" + S2: shard2()})
    s.valid_file("index_no_total", "index_no_total/" + IDX, files={
        "index_no_total/" + IDX: idx({"weight_map": WM}),
        "index_no_total/" + S1: shard1(), "index_no_total/" + S2: shard2()})

    both = [IDX, S1, S2]
    case("invalid_json", "index.json", json.dumps(good)[:-1],
         why="index JSON without its closing brace")
    case("duplicate_keys", "index.json",
         '{"weight_map": %s, "weight_map": %s}' % (json.dumps(WM), json.dumps(WM)),
         why="weight_map twice")
    case("array", "index.json", [good], why="the index is a JSON array")
    case("bad_utf8", "index.json",
         json.dumps(good).encode().replace(b"total_size", b"total\xffsize"),
         why="invalid UTF-8 in the index")
    case("no_weight_map", "index.weight_map", {"metadata": {"total_size": TOTAL}},
         why="no weight_map")
    case("weight_map_array", "index.weight_map",
         {"metadata": {"total_size": TOTAL}, "weight_map": [S1, S2]},
         why="weight_map is an array")
    case("weight_map_number", "index.weight_map",
         {"metadata": {"total_size": TOTAL}, "weight_map": dict(WM, b=1)},
         why="a weight_map value is a number")
    case("weight_map_null", "index.weight_map",
         {"metadata": {"total_size": TOTAL}, "weight_map": dict(WM, b=None)},
         why="a weight_map value is null")
    for nm, shard, why in (
            ("dotdot", "../x.safetensors", "shard name ../x.safetensors escapes the folder"),
            ("absolute", "/etc/passwd", "absolute shard name /etc/passwd"),
            ("drive", "C:\\x.safetensors", "shard name with a drive letter C:\\"),
            ("backslash", "sub\\x.safetensors", "shard name with a backslash"),
            ("inner_dotdot", "sub/../../x.safetensors",
             "shard name with a '..' component in the middle")):
        case("shard_" + nm, "index.shard_name",
             {"metadata": {"total_size": TOTAL}, "weight_map": dict(WM, c=shard)},
             why=why)
    case("shard_missing", "index.shard_missing", good, s2=False,
         why="the second shard file does not exist", names=both)
    case("tensor_missing", "index.tensor_missing",
         {"weight_map": dict(WM, z=S1)},
         why="the index names tensor z in shard 1, which lacks it", names=both)
    case("tensor_unlisted", "index.tensor_unlisted",
         {"weight_map": WM},
         s1=shard1(extra=True),
         why="shard 1 holds tensor x that the index does not list", names=both)
    case("tensor_duplicate", "index.tensor_duplicate",
         {"weight_map": WM},
         s2=shard2(with_a=True),
         why="tensor a is in both shards", names=both)
    case("total_size_wrong", "index.total_size",
         {"metadata": {"total_size": TOTAL + 1}, "weight_map": WM},
         why="total_size is one more than the tensor bytes")
    case("total_size_file_sizes", "index.total_size",
         {"metadata": {"total_size": len(shard1()) + len(shard2())},
          "weight_map": WM},
         why="total_size is the sum of file sizes, not of tensor bytes")
    case("total_size_string", "index.total_size",
         {"metadata": {"total_size": str(TOTAL)}, "weight_map": WM},
         why="total_size is a string")
    case("shard_trailing_bytes", "st.trailing_bytes", good,
         s2=shard2() + b"junk",
         why="shard 2 has bytes after its last tensor (reported naming the shard)",
         names=[S2])
    case("shard_bad_json", "st.header_json", good,
         s1=st_file('{"a":', filler(32, 1)),
         why="shard 1's header is not JSON (reported naming the shard)",
         names=[S1])
    # an index of more than 100,000,000 bytes (sparse file: cheap on disk)
    d = "index/too_large"
    os.makedirs(os.path.join(s.out, d), exist_ok=True)
    with open(os.path.join(s.out, d, IDX), "wb") as f:
        head = b'{"weight_map": {}, "pad": "'
        f.write(head)
        f.truncate(100_000_001)
    s._write(d + "/" + S1, shard1())
    s.record("index_too_large", d + "/" + IDX, "index.json",
             "index file of 100,000,001 bytes (limit 100,000,000)")


# --------------------------------------------------------------------------
# folders, unknown formats, I/O
# --------------------------------------------------------------------------

def model_cases(s):
    st_ok = st_base()
    gg_ok = gguf_base()[0]
    os.makedirs(os.path.join(s.out, "model/empty"), exist_ok=True)
    s.record("model_empty_folder", "model/empty", "model.folder",
             "a folder with no model in it")
    s.files("model_no_model_files", "model/no_model", "model.folder",
            {"model/no_model/config.json": b'{"model_type": "llama"}',
             "model/no_model/README.md": b"# tiny\n"},
            "a folder with config.json and README.md but no weights")
    s.files("model_two_gguf", "model/two_gguf", "model.folder",
            {"model/two_gguf/a.gguf": gg_ok, "model/two_gguf/b.gguf": gg_ok},
            "a folder with two GGUF models")
    s.files("model_gguf_and_st", "model/gguf_and_st", "model.folder",
            {"model/gguf_and_st/model.gguf": gg_ok,
             "model/gguf_and_st/model.safetensors": st_ok},
            "a folder with a GGUF and a safetensors model")
    s.valid_file("model_folder_st", "folder_st/model.safetensors", files={
        "folder_st/model.safetensors": st_ok,
        "folder_st/config.json": b'{"model_type": "llama", "num_hidden_layers": 1}'})
    s.valid[-1]["path"] = "_valid/folder_st"
    s.files("model_config_array", "model/config_array", "model.config",
            {"model/config_array/model.safetensors": st_ok,
             "model/config_array/config.json": b'[{"model_type": "llama"}]'},
            "config.json is a JSON array", names=["config_array", "config.json"])
    s.files("model_config_invalid", "model/config_invalid", "model.config",
            {"model/config_invalid/model.safetensors": st_ok,
             "model/config_invalid/config.json": b'{"model_type": "llama",'},
            "config.json is not valid JSON",
            names=["config_invalid", "config.json"])
    rnd = bytearray(hash_stream(4096, b"random.bin"))
    rnd[0:8] = b"\x80\x02\x8a\x0al\xfc\x9cF"   # a pickle header: N is huge
    s.case("model_unknown_bin", "model/random.bin", "model.unknown_format",
           bytes(rnd), "4 KiB of random bytes named .bin (pickle-like start)")
    s.case("model_unknown_txt", "model/notes.txt", "model.unknown_format",
           b"These are not weights.\n" * 4, "a text file")
    s.case("model_unknown_zip", "model/pytorch_model.bin", "model.unknown_format",
           b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + hash_stream(200, b"zip"),
           "a zip (PyTorch checkpoint) header")
    s.record("io_missing", "model/does/not/exist.gguf", "io.open",
             "the path does not exist")
    s.record("io_missing_st", "model/missing.safetensors", "io.open",
             "a missing .safetensors file")
    fifo = os.path.join(s.out, "model/fifo.gguf")
    try:
        os.mkfifo(fifo)
        s.record("io_fifo", "model/fifo.gguf", "io.not_regular",
                 "a FIFO named .gguf: opening or reading it would block")
    except (OSError, AttributeError) as e:
        print("make_malformed: no FIFO case: %s" % e, file=sys.stderr)
    try:
        os.symlink("/dev/zero", os.path.join(s.out, "model/zero.safetensors"))
        s.record("io_device", "model/zero.safetensors", "io.not_regular",
                 "a symlink to /dev/zero: a device that never ends")
    except OSError as e:
        print("make_malformed: no device case: %s" % e, file=sys.stderr)


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        print("usage: make_malformed.py OUTDIR", file=sys.stderr)
        return 2
    out = argv[1]
    if os.path.lexists(out):
        if not os.path.isdir(out):
            print("make_malformed: %s is not a folder" % out, file=sys.stderr)
            return 2
        if os.listdir(out):
            if not os.path.exists(os.path.join(out, "cases.json")):
                print("make_malformed: %s is not empty and was not made by this "
                      "script; refusing to overwrite" % out, file=sys.stderr)
                return 2
            shutil.rmtree(out)
    os.makedirs(out, exist_ok=True)
    s = Suite(out)
    gguf_cases(s)
    split_cases(s)
    st_cases(s)
    index_cases(s)
    model_cases(s)
    with open(os.path.join(out, "valid.json"), "w") as f:
        json.dump(s.valid, f, indent=1)
        f.write("\n")
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(s.cases, f, indent=1)
        f.write("\n")
    print("make_malformed: %d cases, %d valid files in %s"
          % (len(s.cases), len(s.valid), out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
