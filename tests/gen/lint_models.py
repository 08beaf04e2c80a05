#!/usr/bin/env python3
"""Write small models with known `ckpt lint` findings.

Usage: python3 tests/gen/lint_models.py OUTDIR

Standard library only, deterministic (fixed seeds), about 1.2 MB (one 1 MiB metadata string).
Every file is written HERE by the writers of modelio.py (and this file's GGUF writer with layout),
never by ckpt, and every expected finding is computed from the bytes written here: offsets of
metadata entries and tensor infos as this writer laid them out, absolute tensor offsets, the
byte of a non-zero padding, the SHA-256 of a chat template.

Conventions the expectations follow (the lint codes and severities are those of rules.def):
  - GGUF metadata findings: offset = the byte where the key/value entry starts (its key length).
  - GGUF tensor-info findings (name_length, tensor_misaligned, tensor_bounds): offset = the byte
    where the tensor info starts (its name length); tensor = the name.
  - gguf.padding: offset = the first non-zero padding byte; tensor = the tensor whose padding it
    is (null for the padding between the header and the data section).
  - gguf.trailing_bytes: offset = the end of the last tensor's data.
  - data.*: offset = the tensor's absolute offset; tensor = its name.
  - model-level infos (meta.license, meta.architecture, meta.quantization): file = the MODEL
    path as given to ckpt, offset/tensor/key null.
  - template.*: file = the file holding the template, key = its key (GGUF) or the JSON field.
  - a shard-set error stops the opening of the set: it is the only finding.

OUTDIR/expect.json (schema "ckpt-lint-models/1"):
  {"schema", "generator",
   "fixtures": [{"id", "path" (MODEL, relative to OUTDIR), "why",
                 "exit": {"default", "strict", "no_data", "no_data_strict"},
                 "findings": [{"code", "severity", "file" (relative to OUTDIR), "offset", "tensor",
                               "key", "message_contains" (optional)}]}]}
The findings with --no-data are the same minus the data.* ones. ckpt is run from inside OUTDIR
with "path" as its argument.
"""

import hashlib
import json
import os
import random
import shutil
import struct
import sys

sys.dont_write_bytecode = True   # importing the helpers leaves no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import llama_config  # noqa: E402
from modelio import (Arr, enc_value, GGUF_VALUE_TYPES, GGML, pad_to, f32_bytes, gauss_f32, gguf_bytes,  # noqa: E402
                     tensor_nbytes, read_gguf, st_bytes, st_file, read_st_file, Out)

SEVERITY = {
    # readers (errors)
    "gguf.tensor_misaligned": "error", "gguf.tensor_bounds": "error", "st.dtype": "error",
    "st.trailing_bytes": "error", "index.shard_missing": "error", "index.total_size": "error",
    "index.tensor_duplicate": "error", "split.keys": "error",
    # lint
    "gguf.padding": "warning", "gguf.trailing_bytes": "warning", "gguf.name_length": "warning",
    "gguf.nested_array": "warning", "gguf.quantization_version": "warning",
    "index.extra_shard": "warning", "data.nan_inf": "warning", "data.all_zero": "warning",
    "data.scale_outlier": "warning", "data.norm_nonpositive": "warning",
    "meta.control_chars": "warning", "meta.utf8": "warning", "meta.long_value": "warning",
    "template.injection": "error", "template.hidden": "warning", "template.sha256": "info",
    "meta.license": "info", "meta.architecture": "info", "meta.quantization": "info",
}

LICENSE_TEXT = b"MIT License\n\nPermission is hereby granted, free of charge, to any person.\n"


# ---------------------------------------------------------------------------------------------
# GGUF writer that also returns where everything is


class Layout:
    """kv: {key: entry offset}, info: {tensor: info offset}, header_end, data_offset,
    abs: {tensor: absolute data offset}, nbytes: {tensor: bytes}, size."""


def gguf_file(kvs, tensors, align=32, rels=None, absent=()):
    """kvs: [(key, type name, value)]; tensors: [(name, ggml type, ne, raw)].
    rels: relative data offsets (default: the aligned running sum, as ggml writes); absent:
    names whose data is declared but not written (out of bounds). Without rels, the bytes equal
    convert_models.gguf_bytes (checked). Returns (bytes, Layout)."""
    e = "<"
    lay = Layout()
    lay.kv, lay.info, lay.abs, lay.nbytes = {}, {}, {}, {}
    parts = [b"GGUF", struct.pack(e + "IQQ", 3, len(tensors), len(kvs))]
    pos = 24
    for k, t, v in kvs:
        lay.kv[k] = pos
        b = enc_value("STRING", k, e) + struct.pack(e + "i", GGUF_VALUE_TYPES[t]) + enc_value(t, v, e)
        parts.append(b)
        pos += len(b)
    default = rels is None
    if default:
        rels, r = [], 0
        for _, typ, ne, raw in tensors:
            rels.append(r)
            r += pad_to(len(raw), align)
    for (name, typ, ne, raw), rel in zip(tensors, rels):
        assert len(raw) == tensor_nbytes(typ, ne), name
        lay.info[name] = pos
        b = (enc_value("STRING", name, e) + struct.pack(e + "I", len(ne)) +
             b"".join(struct.pack(e + "q", d) for d in ne) + struct.pack(e + "iQ", GGML[typ][0], rel))
        parts.append(b)
        pos += len(b)
    lay.header_end = pos
    lay.data_offset = pad_to(pos, align) if tensors else pos
    buf = bytearray(b"".join(parts))
    buf += b"\x00" * (lay.data_offset - len(buf))
    for (name, typ, ne, raw), rel in zip(tensors, rels):
        lay.abs[name] = lay.data_offset + rel
        lay.nbytes[name] = len(raw)
        if name in absent:
            continue
        at = lay.data_offset + rel
        if len(buf) < at + len(raw):
            buf += b"\x00" * (at + len(raw) - len(buf))
        buf[at:at + len(raw)] = raw
    if default:
        buf += b"\x00" * (-len(buf) % align if tensors else 0)
        assert bytes(buf) == gguf_bytes(kvs, tensors, align=align)
    lay.size = len(buf)
    return bytes(buf), lay


def f32_tensor(name, shape, vals):
    """A GGUF F32 tensor from a row-major shape."""
    return (name, "F32", list(reversed(shape)), f32_bytes(vals))


def gauss_tensor(rng, name, shape, std=0.02):
    n = 1
    for d in shape:
        n *= d
    return f32_tensor(name, shape, gauss_f32(rng, n, std))


def norm_vals(rng, n):
    return [1.0 + abs(rng.gauss(0.0, 0.1)) for _ in range(n)]


def q8_0_raw(rng, n_blocks):
    out = []
    for _ in range(n_blocks):
        out.append(struct.pack("<e", 0.01))
        out.append(bytes(rng.randrange(1, 128) for _ in range(32)))
    return b"".join(out)


def base_kvs(arch="llama", license_="mit", extra=()):
    kvs = [("general.architecture", "STRING", arch), ("general.name", "STRING", "lint-fixture")]
    if license_ is not None:
        kvs.append(("general.license", "STRING", license_))
    return kvs + list(extra)


def llama_tensors(rng, n_embd=8, vocab=16, layers=1):
    ts = [gauss_tensor(rng, "token_embd.weight", [vocab, n_embd])]
    for i in range(layers):
        ts.append(f32_tensor("blk.%d.attn_norm.weight" % i, [n_embd], norm_vals(rng, n_embd)))
        ts.append(gauss_tensor(rng, "blk.%d.attn_q.weight" % i, [n_embd, n_embd]))
    ts.append(f32_tensor("output_norm.weight", [n_embd], norm_vals(rng, n_embd)))
    ts.append(gauss_tensor(rng, "output.weight", [vocab, n_embd]))
    return ts


# ---------------------------------------------------------------------------------------------
# safetensors helpers


def st_layout(data):
    """{tensor: (absolute begin, absolute end)} and the data start of a safetensors file."""
    n, = struct.unpack_from("<Q", data, 0)
    h = json.loads(data[8:8 + n].decode("utf-8"))
    h.pop("__metadata__", None)
    return {k: (8 + n + v["data_offsets"][0], 8 + n + v["data_offsets"][1]) for k, v in h.items()}, 8 + n


def hf_tensors(rng, n_embd=8, vocab=16, layers=1, norm=None):
    """HF llama names, F32: [(name, dtype, shape, raw)] for convert_models.st_bytes."""
    ts = [("model.embed_tokens.weight", "F32", [vocab, n_embd], f32_bytes(gauss_f32(rng, vocab * n_embd, 0.02)))]
    for i in range(layers):
        nv = norm if norm is not None else norm_vals(rng, n_embd)
        ts.append(("model.layers.%d.input_layernorm.weight" % i, "F32", [n_embd], f32_bytes(nv)))
        ts.append(("model.layers.%d.self_attn.q_proj.weight" % i, "F32", [n_embd, n_embd],
                   f32_bytes(gauss_f32(rng, n_embd * n_embd, 0.02))))
    ts.append(("model.norm.weight", "F32", [n_embd], f32_bytes(norm_vals(rng, n_embd))))
    ts.append(("lm_head.weight", "F32", [vocab, n_embd], f32_bytes(gauss_f32(rng, vocab * n_embd, 0.02))))
    return ts


def config_json(model_type="llama", layers=1):
    c = llama_config(layers, 8, 16, 2, 2, 16)
    c["model_type"] = model_type
    if model_type != "llama":
        c["architectures"] = ["%sForCausalLM" % model_type.capitalize()]
    return c


# ---------------------------------------------------------------------------------------------
# Expectations


class Gen:
    def __init__(self, outdir):
        self.out = Out(outdir)
        self.fixtures = []

    def write(self, rel, data):
        return self.out.write(rel, data)

    def write_json(self, rel, obj):
        return self.out.write_json(rel, obj)

    def add(self, fid, path, why, findings):
        ids = [f["id"] for f in self.fixtures]
        assert fid not in ids, fid
        for f in findings:
            assert f["code"] in SEVERITY, f["code"]
            f["severity"] = SEVERITY[f["code"]]
        nd = [f for f in findings if not f["code"].startswith("data.")]

        def rc(fs, strict):
            bad = [f for f in fs if f["severity"] == "error" or (strict and f["severity"] == "warning")]
            return 1 if bad else 0

        self.fixtures.append({
            "id": fid, "path": path, "why": why,
            "exit": {"default": rc(findings, False), "strict": rc(findings, True),
                     "no_data": rc(nd, False), "no_data_strict": rc(nd, True)},
            "findings": findings,
        })


def F(code, file, offset=None, tensor=None, key=None, contains=None):
    f = {"code": code, "file": file, "offset": offset, "tensor": tensor, "key": key}
    if contains is not None:
        f["message_contains"] = contains
    return f


# ---------------------------------------------------------------------------------------------
# GGUF fixtures


def gguf_fixture(g, rel, kvs, tensors, why, findings_of, **kw):
    """Write a GGUF; findings_of(layout) gives the expected findings."""
    data, lay = gguf_file(kvs, tensors, **kw)
    g.write(rel, data)
    g.add(rel.rsplit("/", 1)[-1].rsplit(".", 1)[0], rel, why, findings_of(lay, data))
    return data, lay


def write_gguf(g):
    rng = random.Random(1)

    rel = "gguf/clean.gguf"
    gguf_fixture(g, rel, base_kvs(), llama_tensors(rng), "clean llama GGUF: license, known architecture, "
                 "positive norms, no template", lambda lay, d: [])

    # chat templates
    ok_tpl = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
    rel = "gguf/template_ok.gguf"
    gguf_fixture(g, rel, base_kvs(extra=[("tokenizer.chat_template", "STRING", ok_tpl)]), llama_tensors(rng),
                 "a plain chat template: only its SHA-256",
                 lambda lay, d: [F("template.sha256", rel, key="tokenizer.chat_template",
                                   contains=hashlib.sha256(ok_tpl.encode()).hexdigest())])
    bad_tpl = "{{ ''.__class__.__mro__ }}"
    rel = "gguf/template_injection.gguf"
    gguf_fixture(g, rel, base_kvs(extra=[("tokenizer.chat_template", "STRING", bad_tpl)]), llama_tensors(rng),
                 "a chat template reaching __class__ and __mro__",
                 lambda lay, d: [F("template.sha256", rel, key="tokenizer.chat_template",
                                   contains=hashlib.sha256(bad_tpl.encode()).hexdigest()),
                                 F("template.injection", rel, key="tokenizer.chat_template", contains="__class__"),
                                 F("template.injection", rel, key="tokenizer.chat_template", contains="__mro__")])

    # padding before the data section: find a general.name length that leaves padding
    rel = "gguf/padding_header.gguf"
    for extra in range(32):
        kvs = base_kvs(extra=[("general.description", "STRING", "x" * extra)])
        ts = llama_tensors(random.Random(2))
        data, lay = gguf_file(kvs, ts)
        if lay.data_offset - lay.header_end >= 4:
            break
    bad_at = lay.header_end + 2
    data = data[:bad_at] + b"\x5a" + data[bad_at + 1:]
    g.write(rel, data)
    g.add("padding_header", rel, "a non-zero byte in the padding before the data section",
          [F("gguf.padding", rel, offset=bad_at)])

    # padding between tensors: a 36-byte tensor leaves 28 bytes of padding
    rel = "gguf/padding_between.gguf"
    ts = [gauss_tensor(rng, "blk.0.attn_q.weight", [3, 3]), gauss_tensor(rng, "blk.0.attn_k.weight", [8, 8])]
    data, lay = gguf_file(base_kvs(), ts)
    bad_at = lay.abs["blk.0.attn_q.weight"] + 36 + 5
    assert bad_at < lay.abs["blk.0.attn_k.weight"]
    data = data[:bad_at] + b"\x01" + data[bad_at + 1:]
    g.write(rel, data)
    g.add("padding_between", rel, "a non-zero byte in the padding between two tensors",
          [F("gguf.padding", rel, offset=bad_at, tensor="blk.0.attn_q.weight")])

    # trailing bytes: a zip local header after the (padded) last tensor
    rel = "gguf/trailing.gguf"
    ts = llama_tensors(rng)
    data, lay = gguf_file(base_kvs(), ts)
    last = ts[-1][0]
    end = lay.abs[last] + lay.nbytes[last]
    g.write(rel, data + b"PK\x03\x04" + b"hidden payload" * 3)
    g.add("trailing", rel, "bytes after the last tensor's data", [F("gguf.trailing_bytes", rel, offset=end)])

    # a 64-byte tensor name
    rel = "gguf/name_length.gguf"
    long_name = "blk.0.ffn_up." + "a" * (64 - len("blk.0.ffn_up.") - len(".weight")) + ".weight"
    assert len(long_name) == 64
    ts = llama_tensors(rng) + [gauss_tensor(rng, long_name, [8, 8])]
    gguf_fixture(g, rel, base_kvs(), ts, "a tensor name of 64 bytes (ggml keeps 63)",
                 lambda lay, d: [F("gguf.name_length", rel, offset=lay.info[long_name], tensor=long_name)])

    # an array of arrays
    rel = "gguf/nested_array.gguf"
    nested = Arr("ARRAY", [Arr("INT32", [1, 2, 3]), Arr("INT32", [4, 5])])
    gguf_fixture(g, rel, base_kvs(extra=[("general.nested", "ARRAY", nested)]), llama_tensors(rng),
                 "a metadata array that holds arrays",
                 lambda lay, d: [F("gguf.nested_array", rel, offset=lay.kv["general.nested"], key="general.nested")])

    # quantization version
    def quant_tensors(r):
        return [gauss_tensor(r, "token_embd.weight", [16, 8]),
                ("blk.0.attn_q.weight", "Q8_0", [32, 4], q8_0_raw(r, 4))]

    ft = ("general.file_type", "UINT32", 7)
    rel = "gguf/quant_noversion.gguf"
    gguf_fixture(g, rel, base_kvs(extra=[ft]), quant_tensors(rng),
                 "Q8_0 tensors and no general.quantization_version",
                 lambda lay, d: [F("gguf.quantization_version", rel, key="general.quantization_version"),
                                 F("meta.quantization", rel)])
    rel = "gguf/quant_v3.gguf"
    gguf_fixture(g, rel, base_kvs(extra=[ft, ("general.quantization_version", "UINT32", 3)]), quant_tensors(rng),
                 "Q8_0 tensors with general.quantization_version 3",
                 lambda lay, d: [F("gguf.quantization_version", rel, offset=lay.kv["general.quantization_version"],
                                   key="general.quantization_version"),
                                 F("meta.quantization", rel)])
    rel = "gguf/quant_v2.gguf"
    gguf_fixture(g, rel, base_kvs(extra=[ft, ("general.quantization_version", "UINT32", 2)]), quant_tensors(rng),
                 "Q8_0 tensors with general.quantization_version 2: the quantization info only",
                 lambda lay, d: [F("meta.quantization", rel)])

    # metadata strings
    for fid, value, code, why in [
            ("meta_control", "hello\x07world", "meta.control_chars", "a BEL control character in a string"),
            ("meta_bidi", "admin\u202e  txt.exe", "meta.control_chars", "a right-to-left override (U+202E)"),
            ("meta_long", "a" * (1024 * 1024 + 1), "meta.long_value", "a string of 1 MiB + 1 bytes")]:
        rel = "gguf/%s.gguf" % fid
        gguf_fixture(g, rel, base_kvs(extra=[("general.description", "STRING", value)]), llama_tensors(rng), why,
                     lambda lay, d, rel=rel, code=code: [F(code, rel, offset=lay.kv["general.description"],
                                                           key="general.description")])
    rel = "gguf/meta_utf8.gguf"
    placeholder = "PLACEHOLDER-16B!"
    data, lay = gguf_file(base_kvs(extra=[("general.description", "STRING", placeholder)]), llama_tensors(rng))
    invalid = b"bad \xff\xfe utf8 \xc0abc"
    assert len(invalid) == len(placeholder) and data.count(placeholder.encode()) == 1
    g.write(rel, data.replace(placeholder.encode(), invalid))
    g.add("meta_utf8", rel, "a string with bytes that are not UTF-8",
          [F("meta.utf8", rel, offset=lay.kv["general.description"], key="general.description")])

    # license and architecture
    rel = "gguf/no_license.gguf"
    gguf_fixture(g, rel, base_kvs(license_=None), llama_tensors(rng), "no general.license",
                 lambda lay, d: [F("meta.license", rel)])
    rel = "gguf/arch_foo.gguf"
    gguf_fixture(g, rel, base_kvs(arch="foo"), llama_tensors(rng), "architecture 'foo', unknown to ckpt's maps",
                 lambda lay, d: [F("meta.architecture", rel)])

    write_gguf_data(g, rng)
    write_gguf_collect(g, rng)
    write_gguf_split(g, rng)


def write_gguf_data(g, rng):
    def one(fid, tensors, why, target, code, kvs=None, extra=()):
        rel = "gguf/%s.gguf" % fid
        gguf_fixture(g, rel, kvs or base_kvs(), tensors, why,
                     lambda lay, d: [F(code, rel, offset=lay.abs[target], tensor=target)] + list(extra))

    vals = gauss_f32(rng, 64, 0.02)
    vals[17] = float("nan")
    one("nan", llama_tensors(rng) + [f32_tensor("blk.0.attn_k.weight", [8, 8], vals)],
        "a NaN in a weight", "blk.0.attn_k.weight", "data.nan_inf")
    vals = gauss_f32(rng, 64, 0.02)
    vals[3] = float("-inf")
    one("inf", llama_tensors(rng) + [f32_tensor("blk.0.attn_k.weight", [8, 8], vals)],
        "an -Inf in a weight", "blk.0.attn_k.weight", "data.nan_inf")
    one("all_zero", llama_tensors(rng) + [f32_tensor("blk.0.attn_k.weight", [8, 8], [0.0] * 64)],
        "an all-zero matrix", "blk.0.attn_k.weight", "data.all_zero")

    ts = [gauss_tensor(rng, "token_embd.weight", [16, 16])]
    for i in range(6):
        ts.append(f32_tensor("blk.%d.attn_norm.weight" % i, [16], norm_vals(rng, 16)))
        ts.append(gauss_tensor(rng, "blk.%d.attn_q.weight" % i, [16, 16], std=1.0 if i == 3 else 0.02))
    one("scale_outlier", ts, "6 layers; blk.3.attn_q RMS is 50x that of the others",
        "blk.3.attn_q.weight", "data.scale_outlier")

    nv = norm_vals(rng, 8)
    nv[5] = 0.0
    ts = llama_tensors(rng)
    ts[1] = f32_tensor("blk.0.attn_norm.weight", [8], nv)
    one("norm_zero", ts, "a norm weight of 0", "blk.0.attn_norm.weight", "data.norm_nonpositive")
    nv = norm_vals(rng, 8)
    nv[2] = -0.25
    ts = llama_tensors(rng)
    ts[-2] = f32_tensor("output_norm.weight", [8], nv)
    one("norm_negative", ts, "a negative norm weight", "output_norm.weight", "data.norm_nonpositive")

    # a gemma GGUF stores the real scale: negative norms are not exempt
    ts = llama_tensors(rng)
    ts[1] = f32_tensor("blk.0.attn_norm.weight", [8], [-0.5 + 0.01 * i for i in range(8)])
    one("gemma_norm", ts, "gemma GGUF with negative norms: GGUF files are not exempt",
        "blk.0.attn_norm.weight", "data.norm_nonpositive", kvs=base_kvs(arch="gemma"),
        extra=[F("meta.architecture", "gguf/gemma_norm.gguf")])


def write_gguf_collect(g, rng):
    """Three reader and lint breaches in one file: all reported."""
    rel = "gguf/collect.gguf"
    a = gauss_tensor(rng, "blk.0.attn_q.weight", [8, 4])      # 128 bytes at rel 0
    b = gauss_tensor(rng, "blk.0.attn_k.weight", [8, 4])      # misaligned: rel 132
    c = gauss_tensor(rng, "blk.0.attn_v.weight", [8, 4])      # out of bounds: rel 4096
    for extra in range(32):
        kvs = base_kvs(extra=[("general.description", "STRING", "y" * extra)])
        data, lay = gguf_file(kvs, [a, b, c], rels=[0, 132, 4096], absent={c[0]})
        if lay.data_offset - lay.header_end >= 4:
            break
    assert lay.size == lay.abs[b[0]] + 128 and lay.abs[c[0]] + 128 > lay.size
    bad_at = lay.data_offset - 1
    data = data[:bad_at] + b"\xee" + data[bad_at + 1:]
    g.write(rel, data)
    g.add("collect", rel, "a misaligned tensor, an out-of-bounds tensor and a non-zero padding byte",
          [F("gguf.tensor_misaligned", rel, offset=lay.info[b[0]], tensor=b[0]),
           F("gguf.tensor_bounds", rel, offset=lay.info[c[0]], tensor=c[0]),
           F("gguf.padding", rel, offset=bad_at)])


def write_gguf_split(g, rng):
    """Two parts whose split.count disagree: the second says 3."""
    d = "gguf/split_count"
    ts = llama_tensors(rng)
    p1, p2 = ts[:3], ts[3:]
    kv1 = base_kvs(extra=[("split.no", "UINT16", 0), ("split.count", "UINT16", 2),
                          ("split.tensors.count", "INT32", len(ts))])
    kv2 = [("split.no", "UINT16", 1), ("split.count", "UINT16", 3), ("split.tensors.count", "INT32", len(ts))]
    data1, _ = gguf_file(kv1, p1)
    data2, lay2 = gguf_file(kv2, p2)
    first = d + "/lint-00001-of-00002.gguf"
    second = d + "/lint-00002-of-00002.gguf"
    g.write(first, data1)
    g.write(second, data2)
    g.add("split_count", first, "GGUF split parts disagreeing on split.count (part 2 says 3)",
          [F("split.keys", second, offset=lay2.kv["split.count"], key="split.count")])


# ---------------------------------------------------------------------------------------------
# safetensors fixtures


def st_folder(g, d, tensors, config="llama", license_=True, metadata=None, readme=None, extra_files=None):
    data = st_bytes(tensors, metadata)
    rel = d + "/model.safetensors"
    g.write(rel, data)
    read_st_file(g.out.path(rel))        # the shared reader accepts it
    if config:
        g.write_json(d + "/config.json", config_json(config))
    if license_:
        g.write(d + "/LICENSE", LICENSE_TEXT)
    if readme:
        g.write(d + "/README.md", readme.encode())
    for name, content in (extra_files or {}).items():
        g.write(d + "/" + name, content)
    return rel, data


def write_st(g):
    rng = random.Random(3)
    st_folder(g, "st/clean", hf_tensors(rng))
    g.add("st_clean", "st/clean", "clean safetensors folder: config.json (llama) and LICENSE", [])
    st_folder(g, "st/readme_license", hf_tensors(rng), license_=False,
              readme="---\nlicense: mit\nlanguage: en\n---\n# A model\n")
    g.add("st_readme_license", "st/readme_license", "the license is in README.md's front matter", [])
    st_folder(g, "st/no_license", hf_tensors(rng), license_=False, readme="# A model card without front matter\n")
    g.add("st_no_license", "st/no_license", "no license anywhere", [F("meta.license", "st/no_license")])
    st_folder(g, "st/arch_foo", hf_tensors(rng), config="foo")
    g.add("st_arch_foo", "st/arch_foo", "config.json model_type 'foo'", [F("meta.architecture", "st/arch_foo")])
    st_folder(g, "st/no_config", hf_tensors(rng), config=None)
    g.add("st_no_config", "st/no_config", "no config.json: no architecture", [F("meta.architecture", "st/no_config")])
    st_folder(g, "st/metadata_license", hf_tensors(rng), license_=False, metadata={"license": "apache-2.0"})
    g.add("st_metadata_license", "st/metadata_license", "license in __metadata__", [])

    # Hugging Face gemma stores norm scale - 1: negative norms are exempt
    st_folder(g, "st/gemma", hf_tensors(rng, norm=[-0.5 + 0.01 * i for i in range(8)]), config="gemma")
    g.add("st_gemma", "st/gemma", "Hugging Face gemma with negative norms (exempt; gemma has no name map)",
          [F("meta.architecture", "st/gemma")])
    # the same for llama: not exempt
    rel, data = st_folder(g, "st/llama_norm", hf_tensors(rng, norm=[-0.5 + 0.01 * i for i in range(8)]))
    lay, _ = st_layout(data)
    name = "model.layers.0.input_layernorm.weight"
    g.add("st_llama_norm", "st/llama_norm", "Hugging Face llama with negative norms (not exempt)",
          [F("data.norm_nonpositive", rel, offset=lay[name][0], tensor=name)])

    # a malicious chat_template in tokenizer_config.json
    tpl = "{{ cycler.__init__.__globals__.os.popen('id').read() }}"
    tok = json.dumps({"bos_token": "<s>", "chat_template": tpl}).encode()
    st_folder(g, "st/template", hf_tensors(rng), extra_files={"tokenizer_config.json": tok})
    tf = "st/template/tokenizer_config.json"
    g.add("st_template", "st/template", "tokenizer_config.json with a template reaching os.popen",
          [F("template.sha256", tf, key="chat_template", contains=hashlib.sha256(tpl.encode()).hexdigest())] +
          [F("template.injection", tf, key="chat_template", contains=w)
           for w in ("cycler", "__init__", "__globals__", "os", "popen")])

    # reader errors in collect mode: an unknown dtype and trailing bytes
    a = f32_bytes(gauss_f32(rng, 16, 0.02))
    b = f32_bytes(gauss_f32(rng, 16, 0.02))
    header = {"a.weight": {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, 64]},
              "b.weight": {"dtype": "F32", "shape": [4, 4], "data_offsets": [64, 128]},
              "c.weight": {"dtype": "F12", "shape": [4], "data_offsets": [128, 134]}}
    data = st_file(header, a + b + b"\x01" * 6 + b"TRAILING")
    rel = g.write("st/collect/model.safetensors", data)
    g.write_json("st/collect/config.json", config_json())
    g.write("st/collect/LICENSE", LICENSE_TEXT)
    lay, start = st_layout(data)
    g.add("st_collect", "st/collect/model.safetensors",
          "an unknown dtype (F12) and 8 bytes after the data: both reported. The F12 entry cannot be "
          "sized, so its bytes count as trailing: trailing_bytes is at the end of b.weight",
          [F("st.dtype", rel, tensor="c.weight"),
           F("st.trailing_bytes", rel, offset=lay["b.weight"][1])])

    write_shards(g, rng)


def write_shards(g, rng):
    def shard_set(d, parts, weight_map=None, total=None, skip=(), stray=None):
        """parts: [[tensors]]; returns {shard name: bytes}."""
        n = len(parts)
        names = ["model-%05d-of-%05d.safetensors" % (i + 1, n) for i in range(n)]
        out = {}
        wm = {}
        size = 0
        for nm, ts in zip(names, parts):
            data = st_bytes(ts)
            out[nm] = data
            for t in ts:
                wm.setdefault(t[0], nm)
                size += len(t[3])
            if nm not in skip:
                g.write(d + "/" + nm, data)
        index = {"metadata": {"total_size": size if total is None else total},
                 "weight_map": dict(sorted((weight_map or wm).items()))}
        g.write_json(d + "/model.safetensors.index.json", index)
        g.write_json(d + "/config.json", config_json(layers=2))
        g.write(d + "/LICENSE", LICENSE_TEXT)
        if stray:
            g.write(d + "/" + stray[0], stray[1])
        return out

    ts = hf_tensors(rng, layers=2)
    parts = [ts[:3], ts[3:]]
    d = "st/extra_shard"
    stray = ("model-00002-of-00003.safetensors", st_bytes(ts[3:4]))
    shard_set(d, parts, stray=stray)
    g.add("st_extra_shard", d + "/model.safetensors.index.json", "a stray shard of another set beside the index",
          [F("index.extra_shard", d + "/" + stray[0])])
    g.add("st_extra_shard_folder", d, "the same set named by its folder",
          [F("index.extra_shard", d + "/" + stray[0])])

    d = "st/shard_missing"
    shard_set(d, parts, skip={"model-00002-of-00002.safetensors"})
    g.add("st_shard_missing", d + "/model.safetensors.index.json", "the index names a shard that is not there",
          [F("index.shard_missing", d + "/model.safetensors.index.json")])

    d = "st/total_size"
    shard_set(d, parts, total=12345)
    g.add("st_total_size", d + "/model.safetensors.index.json", "metadata.total_size is not the sum of tensor bytes",
          [F("index.total_size", d + "/model.safetensors.index.json", key="metadata.total_size")])

    d = "st/dup_tensor"
    dup = ts[2]                      # model.layers.0.self_attn.q_proj.weight, listed in shard 1
    out = shard_set(d, [ts[:3], ts[3:] + [dup]])
    second = "model-00002-of-00002.safetensors"
    lay, _ = st_layout(out[second])
    g.add("st_dup_tensor", d + "/model.safetensors.index.json", "a tensor in both shards (the index lists shard 1)",
          [F("index.tensor_duplicate", d + "/" + second, offset=lay[dup[0]][0], tensor=dup[0])])


# ---------------------------------------------------------------------------------------------


def main(argv):
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    outdir = argv[1]
    if os.path.exists(outdir):
        shutil.rmtree(outdir)
    os.makedirs(outdir)
    g = Gen(outdir)
    write_gguf(g)
    write_st(g)
    # The GGUFs this file wrote read back with the shared reader where they are well-formed.
    for f in g.fixtures:
        p = g.out.path(f["path"])
        if p.endswith(".gguf") and f["id"] not in ("collect",):
            read_gguf(p)
    g.write_json("expect.json", {"schema": "ckpt-lint-models/1", "generator": "tests/gen/lint_models.py",
                                 "fixtures": g.fixtures})
    print("lint_models: %d fixtures, %d bytes in %s" % (len(g.fixtures), g.out.total, outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
