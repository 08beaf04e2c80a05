#!/usr/bin/env python3
"""Generate valid GGUF and safetensors fixtures plus the expected `ckpt inspect --json` facts.

Usage: python3 tests/gen/fixtures.py OUTDIR

Standard library only.  Written from the format facts (docs/FORMATS-style notes: GGUF layout, value
types, the ggml type table, safetensors rules), independently of ckpt's C code, so that a reader bug
cannot hide behind a shared writer bug.  Output is deterministic (fixed seeds), small (well under
3 MB), and every path in OUTDIR/expect.json is relative to OUTDIR.

expect.json layout:
  {"schema": "ckpt-fixtures/1",
   "fixtures": {"<path relative to OUTDIR>": {
       "format": "gguf" | "safetensors",
       "description": str,
       "gguf": {version, byte_order, alignment, data_offset, kv_count, tensor_count} | null,
       "files": [{"path": <relative to OUTDIR>, "size": int}],      (weight files only, in order)
       "metadata": {key: value}            (summary form: arrays > 32 elements summarised),
       "metadata_full": {key: value}       (only when "check_full": full arrays, as with --full),
       "metadata_types": {key: type name}  (GGUF only),
       "architecture", "name": general.architecture / general.name or null (GGUF only),
       "check_full": bool,
       "tensor_count", "param_count", "tensor_bytes": int,
       "tensor_order": "declaration" | "offset",
       "tensors": [{name, dtype, shape, ne, file, offset (absolute), nbytes}]}}}
"""

import json
import math
import os
import random
import struct
import sys

sys.dont_write_bytecode = True   # importing modelio.py leaves no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from modelio import (Arr, enc_value, GGML, GGML_TYPES, GGUF_VALUE_TYPES, f32, pad_to, prod,  # noqa: E402
                     st_nbytes, tensor_nbytes, Out)

INT_TYPES = {"UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32", "UINT64", "INT64"}


def randbytes(rng, n):
    if n == 0:
        return b""
    return rng.getrandbits(8 * n).to_bytes(n, "little")


# ---------------------------------------------------------------------------------------------
# GGUF metadata values

def type_name(t, v):
    if t == "ARRAY":
        return "ARRAY[%s]" % v.elem
    return t


def json_value(t, v, full):
    """The CONTRACT's JSON encoding of a metadata value."""
    if t in INT_TYPES:
        return int(v)
    if t == "BOOL":
        return bool(v)
    if t == "FLOAT32":
        x = f32(v)
        return x if math.isfinite(x) else None
    if t == "FLOAT64":
        x = float(v)
        return x if math.isfinite(x) else None
    if t == "STRING":
        return v
    if t == "ARRAY":
        if len(v.items) > 32 and not full:
            return {"type": v.elem, "count": len(v.items),
                    "head": [json_value(v.elem, x, full) for x in v.items[:8]]}
        return [json_value(v.elem, x, full) for x in v.items]
    raise ValueError(t)


def has_long_array(t, v):
    if t != "ARRAY":
        return False
    if len(v.items) > 32:
        return True
    return v.elem == "ARRAY" and any(has_long_array("ARRAY", x) for x in v.items)


# ---------------------------------------------------------------------------------------------
# GGUF writer

class GGUFSpec:
    def __init__(self, kvs, tensors, version=3, big_endian=False, pad_empty=True):
        self.kvs = kvs            # list of (key, type name, value)
        self.tensors = tensors    # list of (name, ggml type name, ne list)
        self.version = version
        self.big_endian = big_endian
        self.pad_empty = pad_empty  # pad the header when there are no tensors

    def alignment(self):
        for k, t, v in self.kvs:
            if k == "general.alignment":
                assert t == "UINT32"
                return v
        return 32


def build_gguf(spec, rng):
    """Returns (bytes, layout dict)."""
    e = ">" if spec.big_endian else "<"
    align = spec.alignment()
    out = [b"GGUF", struct.pack(e + "IQQ", spec.version, len(spec.tensors), len(spec.kvs))]
    for k, t, v in spec.kvs:
        out.append(enc_value("STRING", k, e))
        out.append(struct.pack(e + "i", GGUF_VALUE_TYPES[t]))
        out.append(enc_value(t, v, e))
    rel = 0
    infos = []
    for name, tname, ne in spec.tensors:
        nbytes = tensor_nbytes(tname, ne)
        infos.append((name, tname, ne, rel, nbytes))
        out.append(enc_value("STRING", name, e))
        out.append(struct.pack(e + "I", len(ne)))
        out.append(b"".join(struct.pack(e + "q", d) for d in ne))
        out.append(struct.pack(e + "iQ", GGML[tname][0], rel))
        rel += pad_to(nbytes, align)
    header = b"".join(out)
    header_end = len(header)
    data_offset = pad_to(header_end, align)
    body = [header]
    if spec.tensors or spec.pad_empty:
        body.append(b"\x00" * (data_offset - header_end))
    for name, tname, ne, r, nbytes in infos:
        body.append(randbytes(rng, nbytes))
        body.append(b"\x00" * (pad_to(nbytes, align) - nbytes))
    data = b"".join(body)
    if spec.tensors:
        assert len(data) == data_offset + rel
    layout = {"header_end": header_end, "data_offset": data_offset, "alignment": align,
              "infos": infos}
    return data, layout


def tune_filler(make_spec, pred):
    """make_spec(n) builds a spec whose filler string has n bytes; pick the first n meeting pred."""
    for n in range(0, 256):
        spec = make_spec(n)
        _, lay = build_gguf(spec, random.Random(0))
        if pred(lay):
            return spec
    raise RuntimeError("no filler length satisfies the layout predicate")


# ---------------------------------------------------------------------------------------------
# Output bookkeeping

class FixtureOut(Out):
    """The output folder, and the expectations of every fixture written to it."""

    def __init__(self, root):
        super().__init__(root)
        self.expect = {}


def gguf_expect(description, parts, fmt_rel_paths):
    """parts: list of (spec, bytes, layout, rel path) in part order."""
    spec0, data0, lay0, _ = parts[0]
    full_needed = any(has_long_array(t, v) for k, t, v in spec0.kvs)
    exp = {
        "format": "gguf",
        "description": description,
        "gguf": {
            "version": spec0.version,
            "byte_order": "big" if spec0.big_endian else "little",
            "alignment": lay0["alignment"],
            "data_offset": lay0["data_offset"],
            "kv_count": len(spec0.kvs),
            "tensor_count": len(spec0.tensors),
        },
        "files": [{"path": rel, "size": len(data)} for _, data, _, rel in parts],
        "metadata": {k: json_value(t, v, False) for k, t, v in spec0.kvs},
        "metadata_types": {k: type_name(t, v) for k, t, v in spec0.kvs},
        "check_full": full_needed,
    }
    md = {k: v for k, t, v in spec0.kvs if t == "STRING"}
    exp["architecture"] = md.get("general.architecture")
    exp["name"] = md.get("general.name")
    if full_needed:
        exp["metadata_full"] = {k: json_value(t, v, True) for k, t, v in spec0.kvs}
    tensors = []
    for spec, data, lay, rel in parts:
        for name, tname, ne, r, nbytes in lay["infos"]:
            tensors.append({
                "name": name, "dtype": tname, "shape": list(reversed(ne)), "ne": list(ne),
                "file": rel, "offset": lay["data_offset"] + r, "nbytes": nbytes,
            })
    exp["tensor_count"] = len(tensors)
    exp["param_count"] = sum(prod(t["ne"]) for t in tensors)
    exp["tensor_bytes"] = sum(t["nbytes"] for t in tensors)
    exp["tensor_order"] = "declaration"
    exp["tensors"] = tensors
    return exp


def emit_gguf(out, rel, spec, seed, description):
    data, lay = build_gguf(spec, random.Random(seed))
    out.write(rel, data)
    out.expect[rel] = gguf_expect(description, [(spec, data, lay, rel)], None)
    return data, lay


# ---------------------------------------------------------------------------------------------
# GGUF fixture content

def all_types_kvs(filler_len, arch="ckpt-test"):
    nan = float("nan")
    inf = float("inf")
    kvs = [
        ("general.architecture", "STRING", arch),
        ("general.name", "STRING", "all metadata value types"),
        ("test.uint8", "UINT8", 200),
        ("test.int8", "INT8", -100),
        ("test.uint16", "UINT16", 60000),
        ("test.int16", "INT16", -30000),
        ("test.uint32", "UINT32", 4000000000),
        ("test.int32", "INT32", -2000000000),
        ("test.float32", "FLOAT32", 3.14159),
        ("test.float32.small", "FLOAT32", 1e-6),
        ("test.float32.nan", "FLOAT32", nan),
        ("test.float32.inf", "FLOAT32", inf),
        ("test.float32.neg_inf", "FLOAT32", -inf),
        ("test.bool.true", "BOOL", True),
        ("test.bool.false", "BOOL", False),
        ("test.string", "STRING", "hello, world"),
        ("test.string.empty", "STRING", ""),
        ("test.string.utf8", "STRING", "h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c\u8a9e \U0001F999"),
        ("test.string.escapes", "STRING", "quote \" backslash \\ tab \t newline \n ctrl \x01 end"),
        ("test.uint64", "UINT64", 2 ** 63 + 12345),
        ("test.uint64.max", "UINT64", 2 ** 64 - 1),
        ("test.int64", "INT64", -1234567890123456789),
        ("test.int64.min", "INT64", -2 ** 63),
        ("test.float64", "FLOAT64", 2.718281828459045),
        ("test.float64.tiny", "FLOAT64", 1e-300),
        ("test.float64.inf", "FLOAT64", inf),
        ("test.array.uint8", "ARRAY", Arr("UINT8", [0, 1, 127, 255])),
        ("test.array.int8", "ARRAY", Arr("INT8", [-128, -1, 0, 127])),
        ("test.array.uint16", "ARRAY", Arr("UINT16", [0, 65535, 1234])),
        ("test.array.int16", "ARRAY", Arr("INT16", [-32768, 32767, -5])),
        ("test.array.uint32", "ARRAY", Arr("UINT32", [0, 4294967295, 7])),
        ("test.array.int32", "ARRAY", Arr("INT32", [-2147483648, 2147483647, 0, -1])),
        ("test.array.float32", "ARRAY", Arr("FLOAT32", [1.5, -0.1, 0.0, -0.0, nan, inf, 3.4e38, 1e-45])),
        ("test.array.bool", "ARRAY", Arr("BOOL", [True, False, True])),
        ("test.array.string", "ARRAY",
         Arr("STRING", ["a", "", "na\u00efve", "\u65e5\u672c", "\U0001F999 llama", "<0x0A>"])),
        ("test.array.uint64", "ARRAY", Arr("UINT64", [0, 2 ** 63, 2 ** 64 - 1])),
        ("test.array.int64", "ARRAY", Arr("INT64", [-2 ** 63, 2 ** 63 - 1, -42])),
        ("test.array.float64", "ARRAY", Arr("FLOAT64", [0.1, -2.5e-10, 1e300, nan])),
        ("test.array.empty", "ARRAY", Arr("INT32", [])),
        ("test.array.empty_string", "ARRAY", Arr("STRING", [])),
        ("test.array.len32", "ARRAY", Arr("INT32", list(range(100, 132)))),
        ("test.array.len33", "ARRAY", Arr("INT32", list(range(200, 233)))),
        ("test.array.long_string", "ARRAY",
         Arr("STRING", ["tok_%03d" % i if i % 10 else "\u00fcnic\u00f6de_%d" % i for i in range(100)])),
        ("test.array.long_int32", "ARRAY", Arr("INT32", [(i * 7919) % 200003 - 100000 for i in range(1000)])),
        ("test.array.long_float32", "ARRAY", Arr("FLOAT32", [i * 0.1 - 3.0 for i in range(64)])),
        ("test.array.nested", "ARRAY", Arr("ARRAY", [Arr("INT32", [1, 2, 3]), Arr("INT32", []),
                                                     Arr("INT32", [-4, 5])])),
        ("test.array.nested3", "ARRAY", Arr("ARRAY", [
            Arr("ARRAY", [Arr("INT32", [1, 2]), Arr("INT32", [3])]),
            Arr("ARRAY", [Arr("INT32", [4])]),
            Arr("ARRAY", [Arr("INT32", [])]),
            Arr("ARRAY", []),
        ])),
        ("test.array.nested_strings", "ARRAY", Arr("ARRAY", [Arr("STRING", ["x", "y"]), Arr("STRING", ["z"])])),
        ("test.padding_filler", "STRING", "#" * filler_len),
    ]
    return kvs


def tensor_plan(types, seed_shapes=True):
    """One tensor per ggml type, cycling n_dims 1..4 with small dims."""
    shapes_by_ndims = {1: [2], 2: [2, 3], 3: [2, 1, 3], 4: [1, 2, 2, 2]}
    tensors = []
    for i, tname in enumerate(types):
        tid, blk, nb = GGML[tname]
        nd = (i % 4) + 1
        k = 2 if blk == 1 else 1
        if blk == 1:
            ne0 = 5 + (i % 3) * 4   # odd widths for the plain types (not a block multiple of anything)
        else:
            ne0 = blk * k
        rest = shapes_by_ndims[nd][1:] if nd > 1 else []
        if blk >= 256 and nd > 2:
            rest = rest[:1] + [1] * (len(rest) - 1)  # keep the big-block tensors small
        ne = [ne0] + rest
        tensors.append(("tensor.%s" % tname.lower(), tname, ne))
    return tensors


ALL_GGML = [t[0] for t in GGML_TYPES]


def main_tensors():
    tensors = tensor_plan(ALL_GGML)
    # zero-element tensors (a dim of 0) between others, and a trailing dim of 1
    tensors.insert(3, ("empty.f32", "F32", [8, 0]))
    tensors.insert(10, ("empty.q4_k", "Q4_K", [256, 0, 2]))
    tensors.append(("empty.q8_0.ne0", "Q8_0", [0, 4]))
    tensors.append(("trailing_one.f32", "F32", [6, 2, 1]))
    tensors.append(("last.f16.4d", "F16", [3, 2, 2, 2]))
    return tensors


def write_gguf_fixtures(out):
    # 1. v3 little-endian, every metadata type and every ggml type, default alignment 32
    spec = tune_filler(lambda n: GGUFSpec(all_types_kvs(n), main_tensors()),
                       lambda lay: lay["header_end"] % 32 != 0)
    emit_gguf(out, "gguf-v3-le-all-types.gguf", spec, 101,
              "GGUF v3 LE: every metadata value type, long and nested arrays, every ggml type, n_dims 1-4, zero-element tensors")

    # 2. the same kind of file, big-endian
    spec = tune_filler(lambda n: GGUFSpec(all_types_kvs(n), main_tensors(), big_endian=True),
                       lambda lay: lay["header_end"] % 32 != 0)
    emit_gguf(out, "gguf-v3-be-all-types.gguf", spec, 102,
              "GGUF v3 big-endian: every metadata value type and every ggml type")

    # 3. general.alignment = 64, n_dims 0..4, sizes whose 32- and 64-padding differ
    def align64(n):
        kvs = [
            ("general.architecture", "STRING", "ckpt-test"),
            ("general.alignment", "UINT32", 64),
            ("general.name", "STRING", "alignment 64"),
            ("test.float32", "FLOAT32", 0.5),
            ("test.array.uint8", "ARRAY", Arr("UINT8", [1, 2, 3])),
            ("test.padding_filler", "STRING", "=" * n),
        ]
        tensors = [
            ("a.f32.16bytes", "F32", [4]),          # 16 bytes: pad32 -> 32, pad64 -> 64
            ("b.q8_0", "Q8_0", [32, 3]),           # 102 bytes
            ("c.scalar.f32", "F32", []),           # n_dims 0: one element
            ("d.q4_k.3d", "Q4_K", [256, 1, 2]),    # 288 bytes
            ("e.empty.bf16", "BF16", [0]),
            ("f.i32.4d", "I32", [3, 1, 2, 2]),     # 48 bytes
            ("g.mxfp4", "MXFP4", [64, 2]),         # 68 bytes
        ]
        return GGUFSpec(kvs, tensors)

    spec = tune_filler(align64, lambda lay: 1 <= lay["header_end"] % 64 <= 32)
    emit_gguf(out, "gguf-v3-le-align64.gguf", spec, 103,
              "GGUF v3 LE with general.alignment = 64 (UINT32); n_dims 0..4")

    # 4. GGUF v2 (same layout as v3)
    def v2(n):
        kvs = [
            ("general.architecture", "STRING", "llama"),
            ("general.name", "STRING", "gguf v2"),
            ("llama.context_length", "UINT32", 4096),
            ("llama.embedding_length", "UINT32", 64),
            ("llama.attention.layer_norm_rms_epsilon", "FLOAT32", 1e-5),
            ("general.file_type", "UINT32", 2),
            ("tokenizer.ggml.tokens", "ARRAY", Arr("STRING", ["<unk>", "<s>", "</s>", "\u2581the"])),
            ("tokenizer.ggml.scores", "ARRAY", Arr("FLOAT32", [0.0, 0.0, 0.0, -1.25])),
            ("test.uint64", "UINT64", 2 ** 63 + 1),
            ("test.padding_filler", "STRING", "v" * n),
        ]
        tensors = [
            ("token_embd.weight", "Q4_0", [64, 4]),
            ("output_norm.weight", "F32", [64]),
            ("output.weight", "Q4_0", [64, 4]),
        ]
        return GGUFSpec(kvs, tensors, version=2)

    spec = tune_filler(v2, lambda lay: lay["header_end"] % 32 != 0)
    emit_gguf(out, "gguf-v2.gguf", spec, 104, "GGUF v2 little-endian")

    # 5. zero-tensor vocab-style file that ends right after its kvs (no padding)
    def vocab(n):
        toks = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % i for i in range(16)] + \
               ["\u2581w%d" % i for i in range(81)]
        kvs = [
            ("general.architecture", "STRING", "llama"),
            ("general.name", "STRING", "vocab only"),
            ("tokenizer.ggml.model", "STRING", "llama"),
            ("tokenizer.ggml.tokens", "ARRAY", Arr("STRING", toks)),
            ("tokenizer.ggml.scores", "ARRAY", Arr("FLOAT32", [-float(i) / 4 for i in range(len(toks))])),
            ("tokenizer.ggml.token_type", "ARRAY",
             Arr("INT32", [2, 3, 3] + [6] * 16 + [1] * 81)),
            ("tokenizer.ggml.bos_token_id", "UINT32", 1),
            ("tokenizer.ggml.eos_token_id", "UINT32", 2),
            ("tokenizer.ggml.unknown_token_id", "UINT32", 0),
            ("tokenizer.ggml.add_bos_token", "BOOL", True),
            ("test.padding_filler", "STRING", "x" * n),
        ]
        return GGUFSpec(kvs, [], pad_empty=False)

    spec = tune_filler(vocab, lambda lay: lay["header_end"] % 32 != 0)
    data, lay = emit_gguf(out, "gguf-vocab-only.gguf", spec, 105,
                          "zero-tensor GGUF ending right after its kvs (no padding), like llama.cpp vocab files")
    assert len(data) == lay["header_end"] and len(data) % 32 != 0

    # 6. split set
    write_split(out)

    # 7. a folder holding one .gguf
    def small(n):
        kvs = [
            ("general.architecture", "STRING", "llama"),
            ("general.name", "STRING", "folder gguf"),
            ("llama.block_count", "UINT32", 1),
            ("general.file_type", "UINT32", 1),
            ("test.padding_filler", "STRING", "f" * n),
        ]
        tensors = [
            ("token_embd.weight", "F16", [16, 8]),
            ("blk.0.attn_norm.weight", "F32", [16]),
            ("output.weight", "F16", [16, 8]),
        ]
        return GGUFSpec(kvs, tensors)

    spec = tune_filler(small, lambda lay: lay["header_end"] % 32 != 0)
    data, lay = build_gguf(spec, random.Random(106))
    rel = "folder-gguf/model.gguf"
    out.write(rel, data)
    out.write("folder-gguf/README.md", b"A folder holding one GGUF model.\n")
    exp = gguf_expect("a folder holding one .gguf (opened as the folder)", [(spec, data, lay, rel)], None)
    out.expect["folder-gguf"] = exp


def write_split(out):
    n_parts = 3
    all_tensors = [
        ("token_embd.weight", "Q8_0", [64, 10]),
        ("blk.0.attn_norm.weight", "F32", [64]),
        ("blk.0.attn_q.weight", "Q4_K", [256, 2]),
        ("blk.0.ffn_down.weight", "Q6_K", [256, 1]),
        ("blk.1.attn_norm.weight", "F32", [64]),
        ("blk.1.attn_q.weight", "IQ4_XS", [256, 2]),
        ("output_norm.weight", "F32", [64]),
        ("output.weight", "Q8_0", [64, 10]),
    ]
    groups = [all_tensors[0:3], all_tensors[3:6], all_tensors[6:8]]
    general = [
        ("general.architecture", "STRING", "llama"),
        ("general.name", "STRING", "split set"),
        ("llama.block_count", "UINT32", 2),
        ("llama.embedding_length", "UINT32", 64),
        ("general.file_type", "UINT32", 7),
        ("tokenizer.ggml.tokens", "ARRAY", Arr("STRING", ["t%d" % i for i in range(10)])),
    ]
    parts = []
    for i in range(n_parts):
        def mk(n, i=i):
            kvs = [("split.no", "UINT16", i), ("split.count", "UINT16", n_parts),
                   ("split.tensors.count", "INT32", len(all_tensors))]
            if i == 0:
                kvs += general
                kvs.append(("test.padding_filler", "STRING", "s" * n))
            return GGUFSpec(kvs, groups[i])

        # parts 2 and 3 carry only the split keys
        spec = tune_filler(mk, lambda lay: lay["header_end"] % 32 != 0) if i == 0 else mk(0)
        data, lay = build_gguf(spec, random.Random(200 + i))
        rel = "gguf-split/split-%05d-of-%05d.gguf" % (i + 1, n_parts)
        out.write(rel, data)
        parts.append((spec, data, lay, rel))
    out.expect["gguf-split/split-00001-of-00003.gguf"] = gguf_expect(
        "GGUF split set of 3 parts (opened by its first part)", parts, None)
    exp = gguf_expect("GGUF split set of 3 parts (opened as the folder)", parts, None)
    out.expect["gguf-split"] = exp


# ---------------------------------------------------------------------------------------------
# safetensors writer

def build_safetensors(entries, rng, metadata=None, order=None, extra=None, header_text=None):
    """entries: list of (name, dtype, shape) in data-offset order.

    order: optional list of keys (tensor names and/or '__metadata__') giving the JSON key order.
    extra: optional {name: {field: value}} of unknown fields inserted in tensor entries.
    header_text: optional function(dict) -> str that renders the JSON (default compact).
    Returns (bytes, header_len, infos) where infos = [(name, dtype, shape, begin, end)].
    """
    infos = []
    pos = 0
    for name, dtype, shape in entries:
        nb = st_nbytes(dtype, shape)
        infos.append((name, dtype, shape, pos, pos + nb))
        pos += nb
    objs = {}
    if metadata is not None:
        objs["__metadata__"] = metadata
    for name, dtype, shape, b, e in infos:
        ent = {}
        x = (extra or {}).get(name, {})
        for k, v in x.get("before", {}).items():
            ent[k] = v
        ent["dtype"] = dtype
        ent["shape"] = list(shape)
        ent["data_offsets"] = [b, e]
        for k, v in x.get("after", {}).items():
            ent[k] = v
        objs[name] = ent
    keys = order if order is not None else list(objs.keys())
    assert sorted(keys) == sorted(objs.keys())
    hdr = {k: objs[k] for k in keys}
    if header_text is None:
        text = json.dumps(hdr, separators=(",", ":"), ensure_ascii=False)
    else:
        text = header_text(hdr)
    hb = text.encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    buf = b"".join(randbytes(rng, e - b) for _, _, _, b, e in infos)
    data = struct.pack("<Q", len(hb)) + hb + buf
    return data, len(hb), infos


def st_expect(description, shards, metadata):
    """shards: list of (rel path, data, header_len, infos) in file order."""
    tensors = []
    for rel, data, hlen, infos in shards:
        for name, dtype, shape, b, e in sorted(infos, key=lambda x: (x[3], x[4])):
            tensors.append({
                "name": name, "dtype": dtype, "shape": list(shape), "ne": list(reversed(shape)),
                "file": rel, "offset": 8 + hlen + b, "nbytes": e - b,
            })
    return {
        "format": "safetensors",
        "description": description,
        "gguf": None,
        "files": [{"path": rel, "size": len(data)} for rel, data, _, _ in shards],
        "metadata": dict(metadata or {}),
        "check_full": False,
        "tensor_count": len(tensors),
        "param_count": sum(prod(t["shape"]) for t in tensors),
        "tensor_bytes": sum(t["nbytes"] for t in tensors),
        "tensor_order": "offset",
        "tensors": tensors,
    }


def emit_st(out, rel, entries, seed, description, metadata=None, **kw):
    data, hlen, infos = build_safetensors(entries, random.Random(seed), metadata=metadata, **kw)
    out.write(rel, data)
    out.expect[rel] = st_expect(description, [(rel, data, hlen, infos)], metadata)
    return data, hlen, infos


def llama_config(layers, hidden, inter, heads, kv_heads, vocab, ctx=2048):
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": hidden,
        "intermediate_size": inter,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "num_key_value_heads": kv_heads,
        "max_position_embeddings": ctx,
        "vocab_size": vocab,
        "rope_theta": 10000.0,
        "rms_norm_eps": 1e-05,
        "hidden_act": "silu",
        "tie_word_embeddings": False,
        "torch_dtype": "bfloat16",
    }


def write_st_fixtures(out):
    # every dtype
    entries = [
        ("t_bool", "BOOL", [3, 5]), ("t_u8", "U8", [7]), ("t_i8", "I8", [2, 3]),
        ("t_u16", "U16", [5]), ("t_i16", "I16", [2, 2]), ("t_u32", "U32", [3]),
        ("t_i32", "I32", [2, 3]), ("t_u64", "U64", [2]), ("t_i64", "I64", [3]),
        ("t_f16", "F16", [4, 4]), ("t_bf16", "BF16", [2, 5]), ("t_f32", "F32", [3, 3]),
        ("t_f64", "F64", [2, 2]), ("t_c64", "C64", [3]), ("t_f8_e4m3", "F8_E4M3", [4, 2]),
        ("t_f8_e5m2", "F8_E5M2", [5]), ("t_f8_e8m0", "F8_E8M0", [3]),
        ("t_f8_e4m3fnuz", "F8_E4M3FNUZ", [2, 2]), ("t_f8_e5m2fnuz", "F8_E5M2FNUZ", [6]),
        ("t_f6_e2m3", "F6_E2M3", [2, 4]), ("t_f6_e3m2", "F6_E3M2", [4]), ("t_f4", "F4", [2, 3]),
        ("t_f32_4d", "F32", [2, 1, 2, 3]), ("t_bf16_3d", "BF16", [2, 3, 4]),
    ]
    md = {"format": "pt", "source": "ckpt fixtures", "note": "unicode \u00e9\u00e8 \U0001F999"}
    emit_st(out, "st-all-dtypes.safetensors", entries, 301, "safetensors: every dtype, __metadata__",
            metadata=md)

    emit_st(out, "st-scalar.safetensors",
            [("scalar_f32", "F32", []), ("scalar_i64", "I64", []), ("vector", "F16", [3])],
            302, "safetensors: scalar tensors (shape [])")

    emit_st(out, "st-zero-elements.safetensors",
            [("before", "F32", [2, 2]), ("empty", "F32", [0, 4]), ("after", "BF16", [3]),
             ("empty_at_end", "I8", [5, 0])],
            303, "safetensors: zero-element tensors (offsets [x, x]) in the middle and at the end")

    emit_st(out, "st-empty.safetensors", [], 304, "safetensors: empty header {} padded with spaces")
    assert os.path.getsize(os.path.join(out.root, "st-empty.safetensors")) == 16

    def ws_text(hdr):
        return "\n  \t" + json.dumps(hdr, indent=2, ensure_ascii=False) + "\n\t \n"

    emit_st(out, "st-whitespace.safetensors",
            [("w.a", "F32", [2, 3]), ("w.b", "U8", [5])],
            305, "safetensors: header with leading/trailing JSON whitespace and indentation",
            metadata={"format": "pt"}, header_text=ws_text)

    ko_entries = [("layer.0.weight", "F32", [4]), ("layer.1.weight", "F16", [6]),
                  ("layer.2.weight", "I32", [2]), ("layer.3.weight", "BF16", [3])]
    emit_st(out, "st-key-order.safetensors", ko_entries, 306,
            "safetensors: JSON key order differs from data offset order; __metadata__ last",
            metadata={"format": "pt", "z": "last"},
            order=["layer.2.weight", "layer.0.weight", "layer.3.weight", "layer.1.weight", "__metadata__"])

    extra = {
        "x.weight": {"after": {"quant": None, "extra": {"nested": [1, 2, {"k": "v"}]}}},
        "x.bias": {"before": {"comment": "ignored", "version": 2}, "after": {"flags": [True, False]}},
    }
    emit_st(out, "st-extra-fields.safetensors",
            [("x.weight", "F32", [2, 2]), ("x.bias", "F32", [2])],
            307, "safetensors: unknown extra fields in tensor entries (ignored)",
            metadata={"format": "pt"}, extra=extra)

    # sharded set with index and config.json
    layers = 2
    hid = 16
    inter = 32
    vocab = 24
    shard1 = [("model.embed_tokens.weight", "BF16", [vocab, hid])]
    shard2 = []
    for l in range(layers):
        p = "model.layers.%d." % l
        ts = [(p + "input_layernorm.weight", "BF16", [hid]),
              (p + "self_attn.q_proj.weight", "BF16", [hid, hid]),
              (p + "self_attn.k_proj.weight", "BF16", [hid // 2, hid]),
              (p + "self_attn.v_proj.weight", "BF16", [hid // 2, hid]),
              (p + "self_attn.o_proj.weight", "BF16", [hid, hid]),
              (p + "post_attention_layernorm.weight", "BF16", [hid]),
              (p + "mlp.gate_proj.weight", "BF16", [inter, hid]),
              (p + "mlp.up_proj.weight", "BF16", [inter, hid]),
              (p + "mlp.down_proj.weight", "BF16", [hid, inter])]
        (shard1 if l == 0 else shard2).extend(ts)
    shard2 += [("model.norm.weight", "BF16", [hid]), ("lm_head.weight", "BF16", [vocab, hid])]
    shards = []
    weight_map = {}
    for i, ents in enumerate([shard1, shard2]):
        rel_name = "model-%05d-of-00002.safetensors" % (i + 1)
        rel = "st-sharded/" + rel_name
        data, hlen, infos = build_safetensors(ents, random.Random(310 + i), metadata={"format": "pt"})
        out.write(rel, data)
        shards.append((rel, data, hlen, infos))
        for name, _, _ in ents:
            weight_map[name] = rel_name
    total = sum(e - b for _, _, _, infos in shards for _, _, _, b, e in infos)
    out.write_json("st-sharded/model.safetensors.index.json",
                   {"metadata": {"total_size": total}, "weight_map": weight_map})
    out.write_json("st-sharded/config.json", llama_config(layers, hid, inter, 4, 2, vocab))
    out.expect["st-sharded"] = st_expect("sharded safetensors (opened as the folder)", shards,
                                         {"format": "pt"})
    out.expect["st-sharded/model.safetensors.index.json"] = st_expect(
        "sharded safetensors (opened by its index)", shards, {"format": "pt"})

    # a folder holding a single model.safetensors + config.json
    ents = [("model.embed_tokens.weight", "F16", [8, 4]), ("model.norm.weight", "F32", [4]),
            ("lm_head.weight", "F16", [8, 4])]
    data, hlen, infos = build_safetensors(ents, random.Random(320), metadata={"format": "pt"})
    rel = "folder-safetensors/model.safetensors"
    out.write(rel, data)
    out.write_json("folder-safetensors/config.json", llama_config(1, 4, 8, 2, 1, 8))
    out.expect["folder-safetensors"] = st_expect(
        "a folder holding one model.safetensors and config.json (opened as the folder)",
        [(rel, data, hlen, infos)], {"format": "pt"})


# ---------------------------------------------------------------------------------------------

def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: fixtures.py OUTDIR\n")
        return 2
    out = FixtureOut(argv[1])
    os.makedirs(out.root, exist_ok=True)
    write_gguf_fixtures(out)
    write_st_fixtures(out)
    doc = {
        "schema": "ckpt-fixtures/1",
        "generator": "tests/gen/fixtures.py",
        "fixtures": out.expect,
    }
    text = json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    out.write("expect.json", text.encode("utf-8"))
    assert out.total < 3 * 1024 * 1024, out.total
    sys.stdout.write("wrote %d fixtures (%d bytes) to %s\n" % (len(out.expect), out.total, out.root))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
