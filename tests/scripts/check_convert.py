#!/usr/bin/env python3
"""`ckpt convert` against models with known answers.

usage: check_convert.py CKPT OUTDIR CORPUS_DIR

OUTDIR is what tests/gen/convert_models.py wrote (OUTDIR/expect.json); CORPUS_DIR is testdata/corpus.
Every expectation comes from the generator's own GGUF/safetensors files (written by Python, names
mapped and q/k permuted by its own LlamaModel.permute, checked against the corpus), from the corpus
files llama-quantize wrote and their ref.json, or from values recomputed here (dequantizers written
here, checked against the ref.json dequant hashes) -- never from ckpt's output. Conversions run in a
temporary folder, removed at the end (kept with CKPT_KEEP_TMP=1); CKPT_CONVERT_SECTIONS=abh runs only
the sections named.

Sections:
  a. corpus hf-f32 -> GGUF: every tensor equals corpus-f32.gguf's; q/k permuted_heads 4; diff identical
  b. generated HF models (GQA F32/BF16, casts to BF16/F16, MoE from 2 shards, odd widths, metadata)
     -> GGUF: byte-identical to the generator's GGUFs; the GGUF keys from config.json; --json fields
  c. round trips HF -> GGUF -> HF (tensors, model_digest, __metadata__) and GGUF -> HF -> GGUF
     (corpus-Q8_0 with --dtype q8_0, the vocab GGUFs): every kv back with its type and value
  d. quantization of corpus-f32.gguf: legacy types byte-identical to llama-quantize's tensors of the
     same type; k-quants reported (and asserted for the types listed in KQUANT_BITEXACT)
  e. k-quant SNR, ours (--json and recomputed here) vs llama-quantize's (ref.json), per tensor
  f. fallbacks on rows of 48 and 96, 1-D tensors and MoE routers F32
  g. --shard-size: safetensors shards + index, GGUF splits, a sharded input written as one file
  h. safety: SIGKILL mid-write, --force, the input never written over, malformed inputs, bad options,
     inputs never modified
  i. --threads 1 and 2: identical bytes and --json
  j. every output opens with ckpt inspect and passes ckpt lint
  k. big-endian GGUF input

Prints one line per check, the SNR table and a summary; exits 1 on any failure, 2 on a usage error.
"""
import hashlib
import json
import math
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import time
import traceback

sys.dont_write_bytecode = True   # importing the helpers leaves no __pycache__ in the source tree
import checklib  # noqa: E402
from checklib import short, cmdline, listing  # noqa: E402
import modelio as mio  # noqa: E402
import convert_models as cm  # noqa: E402
from diff_pairs import deq_q8_0, deq_q4_k, deq_q6_k, _scale_min_k4  # noqa: E402
from modelio import f32_list  # noqa: E402
RECOMPUTED = ("general.file_type", "general.quantization_version", "general.alignment")
# ggml type -> (elements per block)
BLOCK = {"F32": 1, "F16": 1, "BF16": 1, "Q4_0": 32, "Q4_1": 32, "Q5_0": 32, "Q5_1": 32, "Q8_0": 32,
         "IQ4_NL": 32, "MXFP4": 32, "Q2_K": 256, "Q3_K": 256, "Q4_K": 256, "Q5_K": 256, "Q6_K": 256,
         "IQ4_XS": 256, "TQ1_0": 256, "TQ2_0": 256}
FALLBACK = {"Q4_K": "Q5_0", "Q5_K": "Q5_1", "Q6_K": "Q8_0", "Q2_K": "IQ4_NL", "Q3_K": "IQ4_NL",
            "IQ4_XS": "IQ4_NL", "TQ1_0": "Q4_0", "TQ2_0": "Q4_0"}
FTYPE = {"Q8_0": 7, "Q4_0": 2, "Q4_1": 3, "Q5_0": 8, "Q5_1": 9, "IQ4_NL": 25, "TQ1_0": 36, "TQ2_0": 37}
LEGACY = [("q8_0", "Q8_0", "corpus-Q8_0"), ("q4_0", "Q4_0", "corpus-Q4_0"), ("q4_1", "Q4_1", "corpus-Q4_1"),
          ("q5_0", "Q5_0", "corpus-Q5_0"), ("q5_1", "Q5_1", "corpus-Q5_1"), ("iq4_nl", "IQ4_NL", "corpus-IQ4_NL"),
          ("tq1_0", "TQ1_0", "corpus-TQ1_0"), ("tq2_0", "TQ2_0", "corpus-TQ2_0")]
KQUANTS = [("q2_k", "Q2_K", "corpus-Q2_K"), ("q3_k", "Q3_K", "corpus-Q3_K_M"), ("q4_k", "Q4_K", "corpus-Q4_K_M"),
           ("q5_k", "Q5_K", "corpus-Q5_K_M"), ("q6_k", "Q6_K", "corpus-Q6_K"), ("iq4_xs", "IQ4_XS", "corpus-IQ4_XS")]
# k-quant types whose every tensor matched llama-quantize's bytes when this test was written: a
# regression there fails the check (the others are reported only; section e bounds their SNR).
KQUANT_BITEXACT = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_XS"}
SNR_SLACK_DB = 0.1

OUT = CORPUS = TMP = None
EXP = None
C = checklib.Checks(timeout=300)
expect, run = C.expect, C.run
notes = []
OUTPUTS = []          # (label, path) of every output made, for section j
SNR_ROWS = []
USAGE_NOTES = []      # usage errors that print the usage text after the error line


# ----- reporting -----

def note(msg):
    notes.append(msg)
    print("note  " + msg)


# ----- running ckpt -----

def convert(label, model, out, opts=(), record=True):
    """ckpt convert --json OPTS MODEL OUT; checks exit 0 and the schema; records the output for section j.
    Returns (process, doc or None)."""
    args = ["convert", "--json"] + list(opts) + [model, out]
    p = run(args)
    if not expect("%s: exit 0" % label, p.returncode == 0,
                  "%s: exit %d, stderr: %s" % (cmdline(args), p.returncode, short(p.stderr))):
        return p, None
    doc = checklib.parse_json(p.stdout)
    if not expect("%s: --json is one ckpt.convert/1 document" % label,
                  isinstance(doc, dict) and doc.get("schema") == "ckpt.convert/1",
                  "%s: stdout %s" % (cmdline(args), short(p.stdout))):
        return p, None
    if record:
        o = doc.get("output")
        OUTPUTS.append((label, o if isinstance(o, str) and o else out))
    return p, doc


def diff_identical(label, a, b, verdicts=("identical",)):
    """ckpt diff A B: exit 0 and one of the verdicts (identical: the same bytes in the same files of the same
    format; reencoded: the same values in another dtype, sharding or format)."""
    args = ["diff", "--json", a, b]
    p = run(args)
    try:
        doc = json.loads(p.stdout)
        verdict = doc["summary"]["verdict"]
    except (ValueError, KeyError, TypeError):
        verdict = None
    expect("%s: ckpt diff says %s (exit 0)" % (label, " or ".join(verdicts)),
           p.returncode == 0 and verdict in verdicts,
           "%s: exit %d, verdict %s, stderr %s" % (cmdline(args), p.returncode, verdict, short(p.stderr)))


def model_digest(path):
    p = run(["hash", "--json", "--no-file-hash", path])
    try:
        return json.loads(p.stdout)["model_digest"]
    except (ValueError, KeyError, TypeError):
        return None


def tmp(*parts):
    p = os.path.join(TMP, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def tmpdir(*parts):
    p = os.path.join(TMP, *parts)
    os.makedirs(p, exist_ok=True)
    return p


def outp(rel):
    return os.path.join(OUT, *rel.split("/"))


def corpus(*parts):
    return os.path.join(CORPUS, *parts)


def sha_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def dir_state(d):
    """{relative path: (sha256, size, mtime_ns)} of every file under d (symlinks as their target text)."""
    res = {}
    for root, dirs, files in os.walk(d):
        for fn in files:
            p = os.path.join(root, fn)
            rel = os.path.relpath(p, d)
            if os.path.islink(p):
                res[rel] = ("link", os.readlink(p), 0)
            elif os.path.isfile(p):
                st = os.stat(p)
                res[rel] = (sha_file(p), st.st_size, st.st_mtime_ns)
            else:
                res[rel] = ("special", 0, 0)
    return res


def all_names(d):
    return sorted(os.listdir(d)) if os.path.isdir(d) else None


# ----- comparing models -----

def first_diff(a, b):
    n = min(len(a), len(b))
    for i in range(0, n, 4096):
        if a[i:i + 4096] != b[i:i + 4096]:
            for j in range(i, min(n, i + 4096)):
                if a[j] != b[j]:
                    return j
    return n


def cmp_gguf_tensors(label, got, want, names=None):
    """Every tensor of want (or the named ones) in got with the same type, ne and bytes."""
    names = list(want.tensors) if names is None else names
    missing = [n for n in names if n not in got.tensors]
    extra = sorted(set(got.tensors) - set(want.tensors)) if names is None else []
    bad = []
    for n in names:
        if n in missing:
            continue
        g, w = got.tensors[n], want.tensors[n]
        if g.type != w.type or g.ne != w.ne:
            bad.append("%s: %s %s, expected %s %s" % (n, g.type, g.ne, w.type, w.ne))
        elif g.raw != w.raw:
            bad.append("%s: bytes differ from byte %d" % (n, first_diff(g.raw, w.raw)))
    return expect("%s: %d tensors, the same names, types, ne and bytes" % (label, len(names)),
                  not missing and not extra and not bad,
                  "missing %s; unexpected %s; %s" % (missing, extra, listing(bad)))


def cmp_st_tensors(label, got, want):
    """got, want: {name: (dtype, shape, raw)}."""
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    bad = []
    for n in sorted(set(want) & set(got)):
        g, w = got[n], want[n]
        if g[0] != w[0] or g[1] != w[1]:
            bad.append("%s: %s %s, expected %s %s" % (n, g[0], g[1], w[0], w[1]))
        elif g[2] != w[2]:
            bad.append("%s: bytes differ from byte %d" % (n, first_diff(g[2], w[2])))
    return expect("%s: %d tensors, the same names, dtypes, shapes and bytes" % (label, len(want)),
                  not missing and not extra and not bad,
                  "missing %s; unexpected %s; %s" % (listing(missing), listing(extra), listing(bad)))


def type_name(t, v):
    """GGUF type as ckpt.gguf_types spells it: UINT32, ARRAY[STRING], ARRAY[ARRAY[INT32]], ..."""
    if t != "ARRAY":
        return t
    if v.elem == "ARRAY":
        return "ARRAY[%s]" % (type_name("ARRAY", v.items[0]) if v.items else "ARRAY")
    return "ARRAY[%s]" % v.elem


def kv_desc(t, v):
    if t == "ARRAY":
        return "%s[%d]" % (type_name(t, v), len(v.items))
    return "%s %r" % (t, v)


def cmp_kvs(label, got, want, allowed_extra=(), skip=()):
    """Every kv of want (a GGUFFile's kv dict, or [(key, type, value)]) in got with the same type and
    value (arrays included, compared by their encoding); keys in got beyond want must be in allowed_extra."""
    if isinstance(want, dict):
        want = [(k, t, v) for k, (t, v) in want.items()]
    want = [(k, t, v) for k, t, v in want if k not in skip]
    bad = []
    for k, t, v in want:
        if k not in got.kv:
            bad.append("%s missing" % k)
            continue
        gt, gv = got.kv[k]
        if gt != t or (t == "ARRAY" and gv.elem != v.elem):
            bad.append("%s: %s, expected %s" % (k, type_name(gt, gv), type_name(t, v)))
        elif mio.kv_bytes(gt, gv) != mio.kv_bytes(t, v):
            bad.append("%s: %s, expected %s" % (k, short(kv_desc(gt, gv), 120), short(kv_desc(t, v), 120)))
    wk = set(k for k, _, _ in want)
    extra = sorted(k for k in got.kv if k not in wk and k not in allowed_extra and k not in skip)
    return expect("%s: %d keys with their types and values, no others" % (label, len(want)),
                  not bad and not extra, "%s; unexpected keys %s" % (listing(bad), extra))


def read_checked(label, path, read, what):
    """read(path), or None after a failed check "LABEL: PATH reads as WHAT"."""
    try:
        return read(path)
    except Exception as e:   # noqa: BLE001
        expect("%s: %s reads as %s" % (label, path, what), False, "%s: %s" % (type(e).__name__, e))
        return None


def read_gguf_checked(label, path):
    return read_checked(label, path, mio.read_gguf, "GGUF")


def read_st_checked(label, path):
    return read_checked(label, path, mio.read_st, "safetensors")


# ----- dequantization (ggml's reference to_float, float32 steps) -----

HALF = list(struct.unpack("<65536e", struct.pack("<65536H", *range(65536))))
KVALUES_IQ4NL = (-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113)


def h16(raw, o):
    return HALF[raw[o] | raw[o + 1] << 8]


def deq_iq4_nl(raw):
    y = []
    K = KVALUES_IQ4NL
    for o in range(0, len(raw), 18):
        d = h16(raw, o)
        q = raw[o + 2:o + 18]
        y.extend([d * K[x & 15] for x in q])
        y.extend([d * K[x >> 4] for x in q])
    return y                                    # exact in float32 (11 + 8 bits)


def deq_q4_0(raw):
    y = []
    for o in range(0, len(raw), 18):
        d = h16(raw, o)
        q = raw[o + 2:o + 18]
        y.extend([((x & 15) - 8) * d for x in q])
        y.extend([((x >> 4) - 8) * d for x in q])
    return y                                    # exact in float32


def deq_q4_1(raw):
    y = []
    for o in range(0, len(raw), 20):
        d, m = h16(raw, o), h16(raw, o + 2)
        q = raw[o + 4:o + 20]
        y.extend([(x & 15) * d + m for x in q])   # x*d exact; one rounding (below)
        y.extend([(x >> 4) * d + m for x in q])
    return f32_list(y)


def deq_q5(raw, size, with_min):
    y = []
    off = 4 if with_min else 2
    for o in range(0, len(raw), size):
        d = h16(raw, o)
        m = h16(raw, o + 2) if with_min else 0.0
        qh, = struct.unpack_from("<I", raw, o + off)
        q = raw[o + off + 4:o + off + 20]
        sub = 0 if with_min else 16
        lo = [((q[j] & 15) | (((qh >> j) << 4) & 0x10)) - sub for j in range(16)]
        hi = [((q[j] >> 4) | ((qh >> (j + 12)) & 0x10)) - sub for j in range(16)]
        if with_min:
            y.extend([x * d + m for x in lo])     # x*d exact; one rounding (below)
            y.extend([x * d + m for x in hi])
        else:
            y.extend([x * d for x in lo])         # exact (and -0.0 stays -0.0)
            y.extend([x * d for x in hi])
    return f32_list(y) if with_min else y


def deq_q2_k(raw):
    y = []
    for o in range(0, len(raw), 84):
        sc = raw[o:o + 16]
        qs = raw[o + 16:o + 80]
        d, dmin = h16(raw, o + 80), h16(raw, o + 82)
        i = 0
        for n in (0, 32):
            q = qs[n:n + 32]
            for shift in (0, 2, 4, 6):
                for half in (q[0:16], q[16:32]):
                    s = sc[i]
                    i += 1
                    dl, ml = d * (s & 15), dmin * (s >> 4)      # exact in float32
                    y.extend([dl * ((x >> shift) & 3) - ml for x in half])   # one rounding, below
    return f32_list(y)


def deq_q3_k(raw):
    y = []
    m1, m2 = 0x03030303, 0x0F0F0F0F
    for o in range(0, len(raw), 110):
        hm = raw[o:o + 32]
        qs = raw[o + 32:o + 96]
        a0, a1, tmp_ = struct.unpack_from("<3I", raw, o + 96)
        d = h16(raw, o + 108)
        aux = (((a0 & m2) | (((tmp_ >> 0) & m1) << 4)), ((a1 & m2) | (((tmp_ >> 2) & m1) << 4)),
               (((a0 >> 4) & m2) | (((tmp_ >> 4) & m1) << 4)), (((a1 >> 4) & m2) | (((tmp_ >> 6) & m1) << 4)))
        scales = struct.unpack("<16b", struct.pack("<4I", *[a & 0xFFFFFFFF for a in aux]))
        i = 0
        m = 1
        for n in (0, 32):
            q = qs[n:n + 32]
            for shift in (0, 2, 4, 6):
                for base in (0, 16):
                    dl = d * (scales[i] - 32)
                    i += 1
                    y.extend([dl * (((q[base + l] >> shift) & 3) - (0 if hm[base + l] & m else 4))
                              for l in range(16)])        # exact in float32
                m <<= 1
    return y


def deq_q5_k(raw):
    y = []
    for o in range(0, len(raw), 176):
        d, dmin = h16(raw, o), h16(raw, o + 2)
        sc = raw[o + 4:o + 16]
        qh = raw[o + 16:o + 48]
        qs = raw[o + 48:o + 176]
        for j in range(4):
            s1, mm1 = _scale_min_k4(2 * j, sc)
            s2, mm2 = _scale_min_k4(2 * j + 1, sc)
            d1, n1, d2, n2 = d * s1, dmin * mm1, d * s2, dmin * mm2
            ql = qs[32 * j:32 * j + 32]
            u1, u2 = 1 << (2 * j), 2 << (2 * j)
            y.extend([d1 * ((ql[l] & 15) + (16 if qh[l] & u1 else 0)) - n1 for l in range(32)])
            y.extend([d2 * ((ql[l] >> 4) + (16 if qh[l] & u2 else 0)) - n2 for l in range(32)])
    return f32_list(y)


def deq_iq4_xs(raw):
    y = []
    K = KVALUES_IQ4NL
    for o in range(0, len(raw), 136):
        d = h16(raw, o)
        sh = raw[o + 2] | raw[o + 3] << 8
        sl = raw[o + 4:o + 8]
        qs = raw[o + 8:o + 136]
        for ib in range(8):
            ls = ((sl[ib // 2] >> (4 * (ib % 2))) & 15) | (((sh >> (2 * ib)) & 3) << 4)
            dl = d * (ls - 32)
            q = qs[16 * ib:16 * ib + 16]
            y.extend([dl * K[x & 15] for x in q])
            y.extend([dl * K[x >> 4] for x in q])
    return y                                    # exact in float32


DEQ = {"F32": lambda raw: mio.f32_from_bytes(raw), "Q8_0": deq_q8_0, "Q4_0": deq_q4_0, "Q4_1": deq_q4_1,
       "Q5_0": lambda raw: deq_q5(raw, 22, False), "Q5_1": lambda raw: deq_q5(raw, 24, True), "IQ4_NL": deq_iq4_nl, "Q2_K": deq_q2_k,
       "Q3_K": deq_q3_k, "Q4_K": deq_q4_k, "Q5_K": deq_q5_k, "Q6_K": deq_q6_k, "IQ4_XS": deq_iq4_xs}


def snr_db(x, y):
    num = math.fsum(v * v for v in x)
    den = math.fsum((a - b) * (a - b) for a, b in zip(x, y))
    if den == 0 or num == 0:
        return None
    return 10.0 * math.log10(num / den)


def f32le_sha(vals):
    return hashlib.sha256(struct.pack("<%df" % len(vals), *vals)).hexdigest()


# ----- JSON-encoded GGUF values in __metadata__ -----

def json_matches(t, v, j):
    """Does the decoded JSON value j encode the GGUF value (t, v)? (man page: strings quoted, numbers as
    numbers, arrays as arrays, NaN/inf as "nan"/"inf"/"-inf", UINT64 above 2^63 as a decimal string)."""
    if t == "ARRAY":
        return isinstance(j, list) and len(j) == len(v.items) and all(
            json_matches(v.elem, x, y) for x, y in zip(v.items, j))
    if t == "BOOL":
        return j is v or (isinstance(j, bool) and j == v)
    if t == "STRING":
        return isinstance(j, str) and j == v
    if t in ("FLOAT32", "FLOAT64"):
        if isinstance(j, str):
            return (j == "nan" and math.isnan(v)) or (j == "inf" and v == math.inf) or (j == "-inf" and v == -math.inf)
        if isinstance(j, bool) or not isinstance(j, (int, float)):
            return False
        if t == "FLOAT32":
            return struct.pack("<f", float(j)) == struct.pack("<f", v)
        return float(j) == v
    if isinstance(j, str) and t == "UINT64":
        return j == str(v) and v >= 2 ** 63
    return isinstance(j, int) and not isinstance(j, bool) and j == v


def check_meta_encoding(label, meta, g):
    """meta: a safetensors __metadata__ written from GGUF g: every kv of g but the recomputed ones as JSON,
    the types in ckpt.gguf_types, format pt."""
    if not expect("%s: __metadata__ present with format pt" % label, isinstance(meta, dict) and
                  meta.get("format") == "pt", "metadata %s" % short(json.dumps(meta), 200)):
        return
    try:
        types = json.loads(meta.get("ckpt.gguf_types", ""))
    except ValueError:
        types = None
    keys = [k for k in g.kv_order if k not in RECOMPUTED and not k.startswith("split.")]
    bad_t, bad_v = [], []
    for k in keys:
        t, v = g.kv[k]
        if not isinstance(types, dict) or types.get(k) != type_name(t, v):
            bad_t.append("%s: %s, expected %s" % (k, None if not isinstance(types, dict) else types.get(k),
                                                  type_name(t, v)))
        if k not in meta:
            bad_v.append("%s missing" % k)
            continue
        try:
            j = json.loads(meta[k])
        except ValueError:
            bad_v.append("%s: not JSON: %s" % (k, short(meta[k], 80)))
            continue
        if not json_matches(t, v, j):
            bad_v.append("%s: %s does not encode %s" % (k, short(meta[k], 80), short(kv_desc(t, v), 80)))
    expect("%s: ckpt.gguf_types gives the GGUF type of all %d keys" % (label, len(keys)), not bad_t, listing(bad_t))
    expect("%s: every GGUF kv (%d) JSON-encoded in __metadata__" % (label, len(keys)), not bad_v, listing(bad_v))


# ============================================================================================
# a. corpus hf-f32 -> GGUF

def sec_a():
    out = tmp("a", "corpus-f32.gguf")
    p, doc = convert("a hf-f32 -> GGUF", corpus("safetensors", "hf-f32.safetensors"), out)
    if not doc:
        return
    got = read_gguf_checked("a", out)
    ref = mio.read_gguf(corpus("gguf", "corpus-f32.gguf"))
    if got:
        cmp_gguf_tensors("a hf-f32 -> GGUF vs corpus-f32.gguf", got, ref)
    perm = {t.get("name"): t.get("permuted_heads") for t in doc.get("tensors", [])}
    want = {n: (4 if n.endswith(("attn_q.weight", "attn_k.weight")) else None) for n in ref.tensors}
    expect("a: --json permuted_heads 4 for attn_q/attn_k, null elsewhere", perm == want,
           "got %s" % {k: v for k, v in perm.items() if want.get(k) != v})
    expect("a: --json map llama, names gguf, format gguf",
           (doc.get("map"), doc.get("names"), doc.get("format")) == ("llama", "gguf", "gguf"),
           "got %s %s %s" % (doc.get("map"), doc.get("names"), doc.get("format")))
    diff_identical("a corpus conversion vs corpus-f32.gguf", out, corpus("gguf", "corpus-f32.gguf"))


# ============================================================================================
# b. generated HF models -> GGUF, against the generator's GGUFs

def check_json_tensors(label, doc, got, conv):
    """--json tensors against the expected list and the written file."""
    ts = doc.get("tensors") or []
    by = {t.get("name"): t for t in ts}
    exp = {t["name"]: t for t in conv["tensors"]}
    bad = []
    if set(by) != set(exp) or len(ts) != len(exp):
        bad.append("names %s vs expected %s" % (sorted(set(by) ^ set(exp)), len(exp)))
    model = EXP["models"][conv["input"]]
    in_dtype = model["dtype"]
    for n, e in exp.items():
        t = by.get(n)
        if t is None:
            continue
        src = e["source"]
        pat = re.escape(src).replace(re.escape("{E}"), r"\d+")
        if not isinstance(t.get("source"), str) or not re.fullmatch(pat, t["source"]):
            bad.append("%s: source %s, expected %s" % (n, t.get("source"), src))
        if t.get("permuted_heads") != e["permuted_heads"]:
            bad.append("%s: permuted_heads %s, expected %s" % (n, t.get("permuted_heads"), e["permuted_heads"]))
        if t.get("experts_stacked") != e["experts_stacked"]:
            bad.append("%s: experts_stacked %s, expected %s" % (n, t.get("experts_stacked"), e["experts_stacked"]))
        if t.get("dtype") != e["dtype"] or t.get("dtype_in") != in_dtype:
            bad.append("%s: dtype %s <- %s, expected %s <- %s" % (n, t.get("dtype"), t.get("dtype_in"), e["dtype"],
                                                                 in_dtype))
        if t.get("shape") != list(reversed(e["ne"])):
            bad.append("%s: shape %s, expected %s" % (n, t.get("shape"), list(reversed(e["ne"]))))
        if got and n in got.tensors:
            gt = got.tensors[n]
            if t.get("bytes") != gt.nbytes or t.get("offset") != gt.offset or t.get("file") != 0:
                bad.append("%s: bytes/offset/file %s/%s/%s, the file has %d/%d/0" % (
                    n, t.get("bytes"), t.get("offset"), t.get("file"), gt.nbytes, gt.offset))
        if e["dtype"] == in_dtype:
            if t.get("exact") is not True or t.get("snr_db") is not None:
                bad.append("%s: kept %s but exact %s snr_db %s" % (n, in_dtype, t.get("exact"), t.get("snr_db")))
        elif t.get("exact") is not False or not isinstance(t.get("snr_db"), (int, float)):
            bad.append("%s: cast to %s but exact %s snr_db %s" % (n, e["dtype"], t.get("exact"), t.get("snr_db")))
    expect("%s: --json tensors: source, permuted_heads, experts_stacked, dtypes, shape, bytes, offset" % label,
           not bad, listing(bad))


def sec_b():
    for conv in EXP["conversions"]:
        cid = conv["id"]
        model = EXP["models"][conv["input"]]
        out = tmp("b", cid + ".gguf")
        label = "b %s%s" % (cid, (" " + " ".join(conv["args"])) if conv["args"] else "")
        p, doc = convert(label, outp(model["path"]), out, conv["args"])
        if not doc:
            continue
        got = read_gguf_checked(label, out)
        want = mio.read_gguf(outp(conv["expected"]))
        if got:
            cmp_gguf_tensors(label + " vs " + conv["expected"], got, want)
            # every kv of the expected file, with its type and value; general.name is the model's folder
            cmp_kvs(label + ": GGUF keys", got, want.kv, allowed_extra=("general.name",))
            expect("%s: general.name is the model's folder (STRING %s)" % (label, model["dir"]),
                   got.kv.get("general.name") == ("STRING", model["dir"]), "got %s" % (got.kv.get("general.name"),))
            expect("%s: data offset and alignment 32, little-endian v3" % label,
                   (got.version, got.byte_order, got.alignment, got.data_offset % 32) == (3, "little", 32, 0),
                   "v%s %s align %s data offset %s" % (got.version, got.byte_order, got.alignment, got.data_offset))
        maps = ["llama"] if conv["map"] == "llama" else [conv["map"], "llama"]
        ncfg = len(cm.config_kvs(model["config"]))
        expect("%s: --json format gguf, names gguf, map %s, file_type %d, %d keys from config.json" % (
            label, "/".join(maps), conv["file_type"], ncfg),
            doc.get("format") == "gguf" and doc.get("names") == "gguf" and doc.get("map") in maps and
            doc.get("file_type") == conv["file_type"] and doc.get("metadata_from_config") == ncfg and
            (got is None or doc.get("metadata_count") == len(got.kv)),
            "format %s names %s map %s file_type %s metadata_from_config %s metadata_count %s" % (
                doc.get("format"), doc.get("names"), doc.get("map"), doc.get("file_type"),
                doc.get("metadata_from_config"), doc.get("metadata_count")))
        files = doc.get("files") or []
        expect("%s: --json files: one, its real size" % label,
               len(files) == 1 and files[0].get("bytes") == os.path.getsize(out) and
               files[0].get("tensors") == len(conv["tensors"]) and doc.get("bytes_out") == os.path.getsize(out),
               "files %s bytes_out %s" % (files, doc.get("bytes_out")))
        check_json_tensors(label, doc, got, conv)
        diff_identical(label + " vs " + conv["expected"], out, outp(conv["expected"]))


# ============================================================================================
# c. round trips

def st_original(mid):
    m = EXP["models"][mid]
    return mio.read_st(outp(m["path"]))


def sec_c():
    # HF -> GGUF (section b's outputs) -> HF
    for mid, gg in (("gqa-f32", "gqa-f32"), ("gqa-bf16", "gqa-bf16"), ("moe", "moe-f32"), ("meta", "meta")):
        src = tmp("b", gg + ".gguf")
        if not os.path.isfile(src):
            expect("c %s: the GGUF of section b exists" % mid, False, src)
            continue
        out = tmp("c", mid + ".safetensors")
        label = "c %s HF -> GGUF -> HF" % mid
        p, doc = convert(label, src, out)
        if not doc:
            continue
        got = read_st_checked(label, out)
        orig = st_original(mid)
        if got:
            cmp_st_tensors(label, got.tensors, orig.tensors)
        a, b = model_digest(outp(EXP["models"][mid]["path"])), model_digest(out)
        expect("%s: the same model_digest (ckpt hash)" % label, a is not None and a == b, "%s vs %s" % (a, b))
        if got:
            meta = got.meta or {}
            want = EXP["models"][mid]["metadata"] or {"format": "pt"}
            bad = ["%s=%r (expected %r)" % (k, meta.get(k), v) for k, v in want.items() if meta.get(k) != v]
            expect("%s: __metadata__ %s survives" % (label, ", ".join(sorted(want))), not bad, listing(bad))
            g = read_gguf_checked(label, src)
            if g:
                check_meta_encoding(label, {k: v for k, v in meta.items()}, strip_st_keys(g))
        # and back to GGUF: the same tensors and keys as section b's GGUF
        back = tmp("c", mid + "-back.gguf")
        p, doc = convert(label + " -> GGUF", out, back)
        if doc:
            g2, g1 = read_gguf_checked(label, back), read_gguf_checked(label, src)
            if g2 and g1:
                # the restored general.architecture says llama: the tensors must carry llama.cpp's names and
                # permuted q/k again (the head counts are in the restored keys)
                if not cmp_gguf_tensors(label + " -> GGUF vs the first GGUF (llama.cpp names, q/k permuted)", g2, g1):
                    print("      names written: %s; --json names %s" % (listing(g2.tensor_order, 3), doc.get("names")))
                cmp_kvs(label + " -> GGUF: keys", g2, g1.kv, skip=("safetensors.format",))
                check_st_format(label + " -> GGUF", g2)

    # GGUF -> HF -> GGUF
    for name, path, opts in (("corpus-Q8_0", corpus("gguf", "corpus-Q8_0.gguf"), ["--dtype", "q8_0"]),
                             ("vocab-llama-spm", corpus("vocab", "ggml-vocab-llama-spm.gguf"), []),
                             ("vocab-gpt-2", corpus("vocab", "ggml-vocab-gpt-2.gguf"), [])):
        label = "c %s GGUF -> HF" % name
        mid = tmp("c", name + ".safetensors")
        p, doc = convert(label, path, mid)
        orig = mio.read_gguf(path)
        if not doc:
            continue
        st = read_st_checked(label, mid)
        if st:
            check_meta_encoding(label, st.meta, orig)
            if name == "corpus-Q8_0":
                check_q8_values(label, st, orig)
        back = tmp("c", name + "-back.gguf")
        label2 = "c %s GGUF -> HF -> GGUF%s" % (name, (" " + " ".join(opts)) if opts else "")
        p, doc = convert(label2, mid, back, opts)
        if not doc:
            continue
        g = read_gguf_checked(label2, back)
        if not g:
            continue
        extra = [] if "general.name" in orig.kv else ["general.name"]
        cmp_kvs(label2 + ": every original kv", g, orig.kv, allowed_extra=extra + list(RECOMPUTED),
                skip=RECOMPUTED + ("safetensors.format",))
        check_st_format(label2, g)
        if name == "corpus-Q8_0":
            # Q8_0 -> F32 -> Q8_0 is exact (d = 127 d / 127; round(q d / d) = q): llama-quantize's bytes
            cmp_gguf_tensors(label2 + " vs corpus-Q8_0.gguf", g, orig)
            expect("%s: general.file_type 7 (MOSTLY_Q8_0) as llama-quantize wrote" % label2,
                   g.kv.get("general.file_type") == ("UINT32", 7), str(g.kv.get("general.file_type")))
        else:
            expect("%s: 0 tensors" % label2, not g.tensors, "%d tensors" % len(g.tensors))


def check_st_format(label, g):
    """"format": "pt" is both what a GGUF -> safetensors conversion adds and a real __metadata__ entry, so
    safetensors.format may or may not come back; if it does, it is STRING pt."""
    if "safetensors.format" in g.kv:
        expect("%s: safetensors.format, if written, is STRING pt" % label,
               g.kv["safetensors.format"] == ("STRING", "pt"), str(g.kv["safetensors.format"]))


def strip_st_keys(g):
    """g without the safetensors.* keys (those go back to plain __metadata__ entries)."""
    h = mio.GGUFFile()
    h.kv = {k: v for k, v in g.kv.items() if not k.startswith("safetensors.")}
    h.kv_order = [k for k in g.kv_order if k in h.kv]
    return h


def check_q8_values(label, st, g):
    """The F32 tensors of corpus-Q8_0 -> HF are the Q8_0 values (dequantized here, hash-checked against
    ref.json), un-permuted, under Hugging Face names."""
    with open(corpus("gguf", "corpus-Q8_0.gguf.ref.json")) as f:
        ref = {t["name"]: t for t in json.load(f)["tensors"]}
    with open(corpus("safetensors", "config.json")) as f:
        cfg = json.load(f)
    inv = {}
    for hf in mio.read_st(corpus("safetensors", "hf-f32.safetensors")).tensors:
        inv[cm.gguf_name(hf)[0]] = hf
    bad = []
    for n, t in g.tensors.items():
        vals = DEQ[t.type](t.raw)
        if f32le_sha(vals) != ref[n]["dequant_sha256_f32le"]:
            bad.append("%s: my dequantization differs from ref.json (test bug)" % n)
            continue
        hf = inv[n]
        shape = list(reversed(t.ne))
        k = cm.perm_heads(hf, cfg)
        if k:
            vals = mio.unpermute_rows(vals, shape, k)
        got = st.tensors.get(hf)
        if got is None or got[0] != "F32" or got[1] != shape or got[2] != mio.f32_bytes(vals):
            bad.append("%s -> %s: %s" % (n, hf, "missing" if got is None else "%s %s %s" % (
                got[0], got[1], "bytes differ" if got[2] != mio.f32_bytes(vals) else "")))
    expect("%s: every tensor F32 = the Q8_0 values (q/k un-permuted), under HF names" % label, not bad,
           listing(bad))


# ============================================================================================
# d, e. quantization against llama-quantize

CORPUS_QFILES = ["corpus-Q8_0", "corpus-Q4_0", "corpus-Q4_1", "corpus-Q5_0", "corpus-Q5_1", "corpus-IQ4_NL",
                 "corpus-TQ1_0", "corpus-TQ2_0", "corpus-Q2_K", "corpus-Q3_K_M", "corpus-Q4_K_M", "corpus-Q5_K_M",
                 "corpus-Q6_K", "corpus-IQ4_XS", "corpus-F16", "corpus-BF16", "corpus-IQ3_XS"]
_qcache = {}


def qfile(name):
    if name not in _qcache:
        g = mio.read_gguf(corpus("gguf", name + ".gguf"))
        with open(corpus("gguf", name + ".gguf.ref.json")) as f:
            ref = {t["name"]: t for t in json.load(f)["tensors"]}
        _qcache[name] = (g, ref)
    return _qcache[name]


def reference_for(tensor, typ, primary):
    """llama-quantize's tensor of that name and type (no imatrix): the primary file first, then any other."""
    for name in [primary] + [f for f in CORPUS_QFILES if f != primary]:
        g, ref = qfile(name)
        t = g.tensors.get(tensor)
        if t is not None and t.type == typ:
            return name, t, ref[tensor]
    return None, None, None


def quantize_corpus(opt):
    out = tmp("d", "corpus-%s.gguf" % opt)
    p, doc = convert("d corpus-f32 --dtype %s" % opt, corpus("gguf", "corpus-f32.gguf"), out, ["--dtype", opt])
    if not doc:
        return None, None
    g = read_gguf_checked("d %s" % opt, out)
    if g:
        js = {t.get("name"): t for t in doc.get("tensors", [])}
        bad = [n for n, t in g.tensors.items() if n not in js or js[n].get("dtype") != t.type]
        expect("d --dtype %s: --json dtype of every tensor is the file's" % opt, not bad and len(js) == len(g.tensors),
               listing(bad))
        expect("d --dtype %s: --json file_type = general.file_type" % opt,
               g.kv.get("general.file_type") == ("UINT32", doc.get("file_type")),
               "%s vs %s" % (doc.get("file_type"), g.kv.get("general.file_type")))
        snrs = [t.get("snr_db") for t in js.values() if t.get("snr_db") is not None]
        expect("d --dtype %s: min_snr_db is the smallest tensor snr_db" % opt,
               (not snrs and doc.get("min_snr_db") is None) or (snrs and doc.get("min_snr_db") == min(snrs)),
               "min_snr_db %s, tensors %s" % (doc.get("min_snr_db"), sorted(snrs)[:3]))
    return g, doc


_f32ref = []


def f32ref():
    if not _f32ref:
        _f32ref.append(mio.read_gguf(corpus("gguf", "corpus-f32.gguf")))
    return _f32ref[0]


def sec_d():
    for opt, typ, primary in LEGACY:
        g, doc = quantize_corpus(opt)
        if not g:
            continue
        same, bad = [], []
        for n, t in g.tensors.items():
            fname, ref_t, _ = reference_for(n, t.type, primary)
            if ref_t is None or t.type == "F32":
                continue
            same.append(n)
            if t.raw != ref_t.raw or t.ne != ref_t.ne:
                bad.append("%s %s vs %s: bytes differ from byte %d" % (n, t.type, fname, first_diff(t.raw, ref_t.raw)))
        expect("d --dtype %s: all %d quantized tensors whose type llama-quantize also chose are byte-identical" % (
            opt, len(same)), not bad and len(same) >= 6, "%d compared; %s" % (len(same), listing(bad)))
        if typ in FTYPE:
            expect("d --dtype %s: general.file_type %d as llama-quantize writes" % (opt, FTYPE[typ]),
                   g.kv.get("general.file_type") == ("UINT32", FTYPE[typ]), str(g.kv.get("general.file_type")))


def sec_e():
    """k-quants: byte identity reported, SNR bounded by llama-quantize's."""
    for opt, typ, primary in KQUANTS:
        g, doc = quantize_corpus(opt)
        if not g:
            continue
        js = {t.get("name"): t for t in doc.get("tensors", [])}
        n_same = n_ident = 0
        bad_snr, bad_json, bad_deq = [], [], []
        for n in g.tensor_order:
            t = g.tensors[n]
            if t.type == "F32":
                continue
            fname, ref_t, ref_j = reference_for(n, t.type, primary)
            if ref_t is None:
                continue
            n_same += 1
            ident = t.raw == ref_t.raw
            n_ident += ident
            x = mio.f32_from_bytes(f32ref().tensors[n].raw)
            theirs_vals = DEQ[t.type](ref_t.raw)
            if f32le_sha(theirs_vals) != ref_j["dequant_sha256_f32le"]:
                bad_deq.append("%s %s in %s" % (n, t.type, fname))
                continue
            theirs_py = snr_db(x, theirs_vals)
            theirs = ref_j["vs_original"]["snr_db"]
            if theirs is None or theirs_py is None or abs(theirs_py - theirs) > 1e-6:
                bad_deq.append("%s: SNR of %s recomputed here %s, ref.json %s" % (n, fname, theirs_py, theirs))
            ours_py = theirs_py if ident else snr_db(x, DEQ[t.type](t.raw))
            ours_js = js.get(n, {}).get("snr_db")
            if not isinstance(ours_js, (int, float)) or ours_py is None or abs(ours_js - ours_py) > 1e-6:
                bad_json.append("%s: --json snr_db %s, recomputed %s" % (n, ours_js, ours_py))
            ok = ours_py is not None and theirs is not None and ours_py >= theirs - SNR_SLACK_DB
            if not ok:
                bad_snr.append("%s %s: ours %.4f dB < llama-quantize %.4f dB - %.1f" % (n, t.type, ours_py or 0,
                                                                                       theirs or 0, SNR_SLACK_DB))
            SNR_ROWS.append((opt, n, t.type, ours_js, ours_py, theirs, fname, ident))
        expect("e --dtype %s: my dequantizer reproduces ref.json for llama-quantize's tensors (test self-check)"
               % opt, not bad_deq, listing(bad_deq))
        expect("e --dtype %s: --json snr_db = SNR recomputed here from the written bytes (%d tensors)" % (opt, n_same),
               not bad_json and n_same > 0, listing(bad_json))
        expect("e --dtype %s: SNR no worse than llama-quantize's - %.1f dB on all %d tensors of the same type"
               % (opt, SNR_SLACK_DB, n_same), not bad_snr and n_same >= 3, listing(bad_snr))
        print("info  d --dtype %s: %d of %d tensors of llama-quantize's type byte-identical" % (opt, n_ident, n_same))
        if typ in KQUANT_BITEXACT:
            expect("d --dtype %s: all %d tensors byte-identical to llama-quantize's" % (opt, n_same),
                   n_ident == n_same, "%d of %d" % (n_ident, n_same))
        elif n_same and n_ident == n_same:
            note("--dtype %s: all %d tensors byte-identical to llama-quantize's: add %s to KQUANT_BITEXACT"
                 % (opt, n_same, typ))


def print_snr_table():
    if not SNR_ROWS:
        return
    print("\nk-quant SNR (dB) vs corpus-f32, ours against llama-quantize c392e50 (same tensor, same type)")
    print("%-7s %-26s %-7s %10s %10s %10s %8s  %-16s %s" % ("dtype", "tensor", "type", "ours json", "ours py",
                                                           "theirs", "delta", "their file", "bytes"))
    for opt, n, typ, js, py, th, fname, ident in SNR_ROWS:
        d = (py - th) if (py is not None and th is not None) else float("nan")
        print("%-7s %-26s %-7s %10.4f %10.4f %10.4f %+8.4f  %-16s %s" % (
            opt, n, typ, js if isinstance(js, (int, float)) else float("nan"), py if py is not None else float("nan"),
            th if th is not None else float("nan"), d, fname, "identical" if ident else "differ"))
    print()


# ============================================================================================
# f. fallbacks

def expected_type(req, ne, router):
    if len(ne) == 1 or router:
        return "F32", None
    row = ne[0]
    if row % BLOCK[req] == 0:
        return req, None
    fb = FALLBACK.get(req, "F16")
    if row % BLOCK[fb] == 0:
        return fb, req
    return "F16", req


def sec_f():
    base = mio.read_gguf(outp("expected/odd-f32.gguf"))
    for opt in ("q4_k", "q8_0", "q6_k", "q5_k", "q2_k", "q3_k", "iq4_xs", "tq1_0", "tq2_0", "q4_0", "q5_1",
                "iq4_nl"):
        req = opt.upper()
        out = tmp("f", "odd-%s.gguf" % opt)
        label = "f odd widths --dtype %s" % opt
        p, doc = convert(label, outp("odd/model.safetensors"), out, ["--dtype", opt])
        if not doc:
            continue
        g = read_gguf_checked(label, out)
        js = {t.get("name"): t for t in doc.get("tensors", [])}
        bad, bad_val = [], []
        for n, b in base.tensors.items():
            want, fb = expected_type(req, b.ne, False)
            t = js.get(n, {})
            gt = g.tensors.get(n) if g else None
            if t.get("dtype") != want or t.get("fallback_for") != fb or gt is None or gt.type != want:
                bad.append("%s (row %d): %s fallback_for %s (file %s), expected %s fallback_for %s" % (
                    n, b.ne[0], t.get("dtype"), t.get("fallback_for"), gt.type if gt else None, want, fb))
            elif want == "F32" and gt.raw != b.raw:
                bad_val.append("%s: F32 bytes changed" % n)
            elif want == "F16" and gt.raw != mio.f16_bytes(mio.f32_from_bytes(b.raw)):
                bad_val.append("%s: F16 bytes are not the values rounded to half (RNE)" % n)
        expect("%s: rows of 48 and 96 get %s as documented; 1-D F32; fallback_for set" % (
            label, "/".join(sorted(set(expected_type(req, [r, 2], False)[0] for r in (48, 96))))), not bad,
            listing(bad))
        expect("%s: F32 tensors unchanged, F16 fallbacks = the values rounded to half" % label, not bad_val,
               listing(bad_val))
    # the MoE router stays F32 whatever --dtype says; experts follow the rules
    moe = mio.read_gguf(outp("expected/moe-f32.gguf"))
    for opt in ("q4_k", "q8_0"):
        out = tmp("f", "moe-%s.gguf" % opt)
        label = "f MoE --dtype %s" % opt
        p, doc = convert(label, outp(EXP["models"]["moe"]["path"]), out, ["--dtype", opt])
        if not doc:
            continue
        g = read_gguf_checked(label, out)
        js = {t.get("name"): t for t in doc.get("tensors", [])}
        bad = []
        for n, b in moe.tensors.items():
            router = "ffn_gate_inp" in n
            want, fb = expected_type(opt.upper(), b.ne, router)
            t = js.get(n, {})
            gt = g.tensors.get(n) if g else None
            if t.get("dtype") != want or t.get("fallback_for") != fb or gt is None or gt.type != want or \
                    gt.ne != b.ne or (want == "F32" and gt.raw != b.raw):
                bad.append("%s: %s fallback_for %s (file %s %s), expected %s fallback_for %s" % (
                    n, t.get("dtype"), t.get("fallback_for"), gt.type if gt else None, gt.ne if gt else None, want,
                    fb))
        expect("%s: routers and norms F32 (bytes unchanged), stacked experts %s" % (
            label, expected_type(opt.upper(), [64, 128, 4], False)[0]), not bad, listing(bad))


# ============================================================================================
# g. sharding

def parse_split_names(d, stem, ext):
    names = all_names(d)
    pat = re.compile(re.escape(stem) + r"-(\d{5})-of-(\d{5})" + re.escape(ext) + "$")
    parts = sorted(n for n in names if pat.match(n))
    return names, parts, pat


def greedy_ok(sizes_per_file, limit):
    """Every file within the limit unless it holds one tensor; and each file was closed only because
    the next tensor did not fit (sequential greedy packing, as huggingface_hub and gguf-split do)."""
    bad = []
    for i, sizes in enumerate(sizes_per_file):
        if sum(sizes) > limit and len(sizes) > 1:
            bad.append("file %d holds %d bytes in %d tensors (> %d)" % (i + 1, sum(sizes), len(sizes), limit))
        if not sizes:
            bad.append("file %d holds no tensor" % (i + 1))
        if i + 1 < len(sizes_per_file) and sizes_per_file[i + 1] and \
                sum(sizes) + sizes_per_file[i + 1][0] <= limit:
            bad.append("file %d (%d bytes) closed though the next tensor (%d) fits" % (
                i + 1, sum(sizes), sizes_per_file[i + 1][0]))
    return bad


def sec_g():
    src_gguf = corpus("gguf", "corpus-f32.gguf")
    # unsharded references
    one_st = tmp("g", "one", "model.safetensors")
    convert("g corpus-f32 -> one safetensors", src_gguf, one_st)
    one_gg = tmp("g", "one", "model.gguf")
    convert("g hf-f32 -> one GGUF", corpus("safetensors", "hf-f32.safetensors"), one_gg)

    for limit, spec in ((700000, "700000"), (300000, "300KB")):
        d = tmpdir("g", "st-%d" % limit)
        label = "g safetensors --shard-size %s" % spec
        p, doc = convert(label, src_gguf, os.path.join(d, "model.safetensors"), ["--shard-size", spec],
                         record=False)
        if not doc:
            continue
        names, parts, pat = parse_split_names(d, "model", ".safetensors")
        n = len(parts)
        idx = os.path.join(d, "model.safetensors.index.json")
        OUTPUTS.append((label, idx))
        want_names = ["model-%05d-of-%05d.safetensors" % (i + 1, n) for i in range(n)]
        expect("%s: model-0000i-of-0000N.safetensors i = 1..N and model.safetensors.index.json, nothing else" % label,
               parts == want_names and sorted(names) == sorted(want_names + ["model.safetensors.index.json"]),
               "folder: %s" % names)
        sizes, order, shard_of = [], [], {}
        total = 0
        for fn in parts:
            meta, ts, _ = mio.read_st_file(os.path.join(d, fn))
            sizes.append([len(ts[k][2]) for k in ts])       # read_st_file keeps offset order
            for k in ts:
                shard_of[k] = fn
                total += len(ts[k][2])
        bad = greedy_ok(sizes, limit)
        expect("%s: %d files, each within %d bytes of tensors unless a single tensor, packed in order" % (
            label, n, limit), not bad and n >= math.ceil(total / limit), listing(bad))
        try:
            with open(idx) as f:
                index = json.load(f)
        except (OSError, ValueError) as e:
            index = {"error": str(e)}
        expect("%s: index total_size = sum of tensor bytes, weight_map = where each tensor is" % label,
               index.get("metadata", {}).get("total_size") == total and index.get("weight_map") == shard_of,
               "index %s" % short(json.dumps(index), 300))
        expect("%s: --json output is the index, files the shards" % label,
               doc.get("output") == idx and [os.path.basename(f.get("path", "")) for f in doc.get("files", [])]
               == parts and doc.get("index") is not None,
               "output %s index %s files %s" % (doc.get("output"), doc.get("index"), doc.get("files")))
        st = read_st_checked(label, idx)
        if st and os.path.isfile(one_st):
            cmp_st_tensors(label + " vs the unsharded output", st.tensors, mio.read_st(one_st).tensors)
            diff_identical(label + " vs the unsharded output", idx, one_st, ("reencoded",))

    for limit, spec in ((700000, "700000"), (250000, "250000")):
        d = tmpdir("g", "gguf-%d" % limit)
        label = "g GGUF --shard-size %s" % spec
        p, doc = convert(label, corpus("safetensors", "hf-f32.safetensors"), os.path.join(d, "model.gguf"),
                         ["--shard-size", spec], record=False)
        if not doc:
            continue
        names, parts, pat = parse_split_names(d, "model", ".gguf")
        n = len(parts)
        want_names = ["model-%05d-of-%05d.gguf" % (i + 1, n) for i in range(n)]
        expect("%s: model-0000i-of-0000N.gguf i = 1..N, nothing else" % label,
               parts == want_names and names == want_names and n > 1, "folder: %s" % names)
        if not parts:
            continue
        OUTPUTS.append((label, os.path.join(d, parts[0])))
        gs = [read_gguf_checked(label, os.path.join(d, fn)) for fn in parts]
        if not all(gs):
            continue
        total_t = sum(len(g.tensors) for g in gs)
        bad = []
        for i, g in enumerate(gs):
            want = {"split.no": ("UINT16", i), "split.count": ("UINT16", n), "split.tensors.count": ("INT32", total_t)}
            for k, v in want.items():
                if g.kv.get(k) != v:
                    bad.append("part %d: %s = %s, expected %s" % (i + 1, k, g.kv.get(k), v))
            if i > 0 and set(g.kv) != set(want):
                bad.append("part %d has keys beyond split.*: %s" % (i + 1, sorted(set(g.kv) - set(want))))
        expect("%s: split.no (UINT16, 0-based), split.count (UINT16), split.tensors.count (INT32) in every "
               "part; other keys in the first only" % label, not bad, listing(bad))
        sizes = [[g.tensors[k].nbytes for k in g.tensor_order] for g in gs]
        bad = greedy_ok(sizes, limit)
        expect("%s: %d parts, each within %d bytes of tensors unless a single tensor, packed in order" % (
            label, n, limit), not bad, listing(bad))
        if os.path.isfile(one_gg):
            one = mio.read_gguf(one_gg)
            merged = mio.GGUFFile()
            merged.tensors = {}
            for g in gs:
                merged.tensors.update(g.tensors)
            cmp_gguf_tensors(label + " vs the unsharded output", merged, one)
            cmp_kvs(label + ": first part keys = unsharded keys + split.*", gs[0], one.kv,
                    allowed_extra=("split.no", "split.count", "split.tensors.count"))
            diff_identical(label + " vs the unsharded output", os.path.join(d, parts[0]), one_gg, ("reencoded",))

    # a sharded input written as one file
    out = tmp("g", "from-shards.safetensors")
    label = "g corpus sharded/ -> one safetensors"
    p, doc = convert(label, corpus("safetensors", "sharded", "model.safetensors.index.json"), out)
    if doc:
        st = read_st_checked(label, out)
        if st:
            cmp_st_tensors(label + " vs hf-bf16.safetensors", st.tensors,
                           mio.read_st(corpus("safetensors", "hf-bf16.safetensors")).tensors)
            expect("%s: one file, no index" % label, len(doc.get("files", [])) == 1 and doc.get("index") is None,
                   "files %s index %s" % (doc.get("files"), doc.get("index")))


# ============================================================================================
# h. safety

def write_big(path):
    """A 128 MiB F32 GGUF (8 tensors of 4096 x 1024, a 256 KiB Gaussian pattern repeated)."""
    import random
    rng = random.Random(5)
    pat = mio.f32_bytes(mio.gauss_f32(rng, 65536, 0.02))
    raw = pat * 64
    kvs = [("general.architecture", "STRING", "llama"), ("general.name", "STRING", "big")]
    ts = [("blk.%d.ffn_up.weight" % i, "F32", [4096, 1024], raw) for i in range(8)]
    with open(path, "wb") as f:
        f.write(mio.gguf_bytes(kvs, ts))


def kill_midway(label, big, out, extra=()):
    """Start a slow conversion, SIGKILL it after 0.3 s; returns whether it was still running."""
    args = [C.ckpt, "convert", "--dtype", "q4_k", "--threads", "1"] + list(extra) + [big, out]
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    running = p.poll() is None
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    expect("%s: still running after 0.3 s when killed (else the test proves nothing)" % label, running,
           "exit %s before the kill" % p.returncode)
    return running


def refused(label, args, dirs, code=None, one_line=True):
    """ckpt ARGS exits 2 and leaves every file of DIRS as it was."""
    before = {d: dir_state(d) for d in dirs}
    p = run(args)
    err = p.stderr.decode("utf-8", "replace")
    lines = err.splitlines()
    after = {d: dir_state(d) for d in dirs}
    changed = [d for d in dirs if before[d] != after[d]]
    ok = expect("%s: exit 2, nothing written or changed" % label, p.returncode == 2 and not changed,
                "%s: exit %d, changed: %s, stderr %s" % (cmdline(args), p.returncode,
                                                       [(d, sorted(set(after[d].items()) ^ set(before[d].items())))
                                                        for d in changed], short(err)))
    if one_line:
        expect("%s: one line on stderr%s" % (label, " with [%s]" % code if code else ""),
               len(lines) == 1 and lines[0].startswith("ckpt: ") and (code is None or "[%s]" % code in lines[0]),
               "stderr: %s" % short(err))
    else:
        expect("%s: stderr starts with one 'ckpt: ' error line" % label,
               bool(lines) and lines[0].startswith("ckpt: ") and not p.stdout, "stderr: %s" % short(err, 200))
        if len(lines) > 1:
            USAGE_NOTES.append(label.replace("h bad option: ", ""))
    return ok


def sec_h():
    # SIGKILL part-way: nothing at all left in the output folder
    hd = tmpdir("h", "big")
    big = os.path.join(hd, "big.gguf")
    write_big(big)
    k1 = tmpdir("h", "kill1")
    if kill_midway("h SIGKILL mid-write", big, os.path.join(k1, "big-q4k.gguf")):
        expect("h SIGKILL mid-write: the output folder is still empty (no file, no temporary)",
               all_names(k1) == [], str(all_names(k1)))
    expect("h SIGKILL mid-write: the input folder holds only the input", all_names(hd) == ["big.gguf"],
           str(all_names(hd)))
    # ... and with --force over an existing file: that file unchanged
    k2 = tmpdir("h", "kill2")
    existing = os.path.join(k2, "existing.gguf")
    with open(existing, "wb") as f:
        f.write(b"an existing file that must survive\n" * 100)
    before = dir_state(k2)
    if kill_midway("h SIGKILL mid-write with --force", big, existing, ["--force"]):
        expect("h SIGKILL mid-write with --force: the existing file unchanged, nothing else in its folder",
               dir_state(k2) == before, "folder now %s" % all_names(k2))
    os.remove(big)

    # existing OUT: refused without --force, replaced with it
    src = outp("gqa-f32/model.safetensors")
    ex = tmp("h", "exist", "out.gguf")
    with open(ex, "wb") as f:
        f.write(b"keep me\n")
    refused("h existing OUT without --force", ["convert", src, ex], [os.path.dirname(ex)])
    p, doc = convert("h existing OUT with --force", src, ex, ["--force"])
    if doc:
        g = read_gguf_checked("h --force", ex)
        expect("h existing OUT with --force: replaced by the conversion", g is not None and len(g.tensors) == 21,
               "tensors %s" % (len(g.tensors) if g else None))
        expect("h existing OUT with --force: nothing else in the folder", all_names(os.path.dirname(ex)) == ["out.gguf"],
               str(all_names(os.path.dirname(ex))))

    # the input itself, even with --force
    inp = tmpdir("h", "input")
    os.makedirs(inp, exist_ok=True)
    shutil.copy(corpus("gguf", "corpus-f32.gguf"), os.path.join(inp, "in.gguf"))
    shutil.copy(outp("gqa-f32/model.safetensors"), os.path.join(inp, "model.safetensors"))
    shutil.copy(outp("gqa-f32/config.json"), os.path.join(inp, "config.json"))
    os.symlink("in.gguf", os.path.join(inp, "link.gguf"))
    inp2 = tmpdir("h", "input-folder")
    shutil.copy(outp("gqa-f32/model.safetensors"), os.path.join(inp2, "model.safetensors"))
    shutil.copy(outp("gqa-f32/config.json"), os.path.join(inp2, "config.json"))
    os.link(os.path.join(inp, "in.gguf"), os.path.join(inp, "hard.gguf"))
    moe = tmpdir("h", "moe")
    shutil.copytree(outp("moe"), moe, dirs_exist_ok=True)
    split = tmpdir("h", "split")
    fx = os.path.join(os.path.dirname(OUT.rstrip("/")), "fixtures", "gguf-split")
    if os.path.isdir(fx):
        shutil.copytree(fx, split, dirs_exist_ok=True)
    g_in = os.path.join(inp, "in.gguf")
    st_in = os.path.join(inp, "model.safetensors")
    cases = [
        ("GGUF input as OUT", ["convert", "--force", "--dtype", "q8_0", g_in, g_in], [inp]),
        ("safetensors input as OUT", ["convert", "--force", st_in, st_in], [inp]),
        ("OUT a symlink to the input", ["convert", "--force", g_in, os.path.join(inp, "link.gguf")], [inp]),
        ("input a symlink, OUT its target", ["convert", "--force", os.path.join(inp, "link.gguf"), g_in], [inp]),
        ("OUT a hard link of the input", ["convert", "--force", g_in, os.path.join(inp, "hard.gguf")], [inp]),
        ("OUT a shard of the sharded input",
         ["convert", "--force", os.path.join(moe, "model.safetensors.index.json"),
          os.path.join(moe, "model-00002-of-00002.safetensors")], [moe]),
        ("OUT the index of the sharded input",
         ["convert", "--force", os.path.join(moe, "model.safetensors.index.json"),
          os.path.join(moe, "model.safetensors.index.json")], [moe]),
        ("OUT a shard of the input, written as shards",
         ["convert", "--force", "--shard-size", "400000", os.path.join(moe, "model.safetensors.index.json"),
          os.path.join(moe, "model.safetensors")], [moe]),
        ("OUT the input folder (its model.safetensors)",
         ["convert", "--force", "--to", "safetensors", inp2, inp2], [inp2]),
    ]
    if os.path.isdir(split):
        cases.append(("OUT part 3 of the split input",
                      ["convert", "--force", os.path.join(split, "split-00001-of-00003.gguf"),
                       os.path.join(split, "split-00003-of-00003.gguf")], [split]))
    else:
        note("build/fixtures/gguf-split not found: the split-input case is skipped")
    for why, args, dirs in cases:
        refused("h %s (--force)" % why, args, dirs, code="out.input")
    expect("h input folder: the symlink is still a symlink to in.gguf",
           os.path.islink(os.path.join(inp, "link.gguf")) and os.readlink(os.path.join(inp, "link.gguf")) == "in.gguf",
           "")

    # malformed inputs (build/malformed)
    mal = os.path.join(os.path.dirname(OUT.rstrip("/")), "malformed")
    picks = ["gguf_magic_ggml", "gguf_tensor_past_eof", "gguf_block_multiple_q4_k", "gguf_size_overflow_q4_k",
             "gguf_tensor_overlap", "split_missing_part", "split_part2_truncated", "st_json_trailing_garbage",
             "st_buffer_bounds", "st_trailing_polyglot", "st_dup_tensor", "st_overlap", "index_shard_missing",
             "index_tensor_duplicate", "model_config_invalid", "io_fifo"]
    try:
        with open(os.path.join(mal, "cases.json")) as f:
            cases = {c["name"]: c for c in json.load(f)}
    except OSError:
        cases = {}
        expect("h malformed inputs: %s/cases.json exists (make build/malformed/cases.json)" % mal, False, mal)
    for name in picks:
        c = cases.get(name)
        if c is None:
            if cases:
                note("malformed case %s not in cases.json" % name)
            continue
        d = tmpdir("h", "malformed", name)
        ext = ".safetensors" if c["path"].startswith(("gguf/", "split/")) else ".gguf"
        src = os.path.join(mal, c["path"])
        refused("h malformed %s" % name, ["convert", src, os.path.join(d, "out" + ext)], [d, os.path.dirname(src)],
                code=c["code"])

    # bad options
    bo = tmpdir("h", "badopt")
    os.makedirs(os.path.join(bo, "folder"), exist_ok=True)
    gq = outp("gqa-f32/model.safetensors")
    for why, args in [
        ("unknown --dtype", ["convert", "--dtype", "q9_9", gq, os.path.join(bo, "x.gguf")]),
        ("--dtype q4_k to safetensors", ["convert", "--dtype", "q4_k", gq, os.path.join(bo, "x.safetensors")]),
        ("--dtype q8_0 --to safetensors", ["convert", "--dtype", "q8_0", "--to", "safetensors", gq,
                                           os.path.join(bo, "folder")]),
        ("unknown --map", ["convert", "--map", "nosuch", gq, os.path.join(bo, "x.gguf")]),
        ("OUT with an unknown extension, no --to", ["convert", gq, os.path.join(bo, "x.bin")]),
        ("OUT a folder without --to", ["convert", gq, os.path.join(bo, "folder")]),
        ("unknown --to", ["convert", "--to", "onnx", gq, os.path.join(bo, "x.gguf")]),
        ("unknown --names", ["convert", "--names", "fancy", gq, os.path.join(bo, "x.gguf")]),
        ("bad --shard-size", ["convert", "--shard-size", "12XB", gq, os.path.join(bo, "x.gguf")]),
        ("--shard-size 0", ["convert", "--shard-size", "0", gq, os.path.join(bo, "x.gguf")]),
        ("--threads 0", ["convert", "--threads", "0", gq, os.path.join(bo, "x.gguf")]),
        ("no OUT", ["convert", gq]),
        ("--names gguf without config.json",
         ["convert", "--names", "gguf", outp("nocfg/model.safetensors"), os.path.join(bo, "x.gguf")]),
    ]:
        one = why in ("--dtype q4_k to safetensors", "--dtype q8_0 --to safetensors",
                      "--names gguf without config.json")
        refused("h bad option: %s" % why, args, [bo], one_line=one)
    if USAGE_NOTES:
        note("usage errors print the usage text after the 'ckpt: ' line (%d of them: %s)" % (
            len(USAGE_NOTES), ", ".join(USAGE_NOTES)))
    # a folder OUT with --to works, and gets model.gguf
    p, doc = convert("h OUT a folder with --to gguf", gq, os.path.join(bo, "folder"), ["--to", "gguf"], record=False)
    if doc:
        expect("h OUT a folder with --to gguf: writes folder/model.gguf", all_names(os.path.join(bo, "folder")) ==
               ["model.gguf"], str(all_names(os.path.join(bo, "folder"))))
        OUTPUTS.append(("h folder OUT", os.path.join(bo, "folder", "model.gguf")))


# ============================================================================================
# i. determinism

def sec_i():
    for label, model, opts, name in (
            ("corpus-f32 --dtype q4_k", corpus("gguf", "corpus-f32.gguf"), ["--dtype", "q4_k"], "o.gguf"),
            ("corpus-f32 --dtype iq4_xs", corpus("gguf", "corpus-f32.gguf"), ["--dtype", "iq4_xs"], "o.gguf"),
            ("MoE --dtype q6_k", outp(EXP["models"]["moe"]["path"]), ["--dtype", "q6_k"], "o.gguf"),
            ("corpus-Q4_K_M -> safetensors bf16", corpus("gguf", "corpus-Q4_K_M.gguf"), ["--dtype", "bf16"],
             "o.safetensors"),
            ("hf-f32 -> GGUF split", corpus("safetensors", "hf-f32.safetensors"), ["--shard-size", "600000"],
             "o.gguf")):
        outs = []
        for th in (1, 2):
            d = tmpdir("i", re.sub(r"\W+", "_", label), "t%d" % th)
            p, doc = convert("i %s --threads %d" % (label, th), model, os.path.join(d, name),
                             opts + ["--threads", str(th)], record=th == 1)
            if not doc:
                break
            files = {fn: sha_file(os.path.join(d, fn)) for fn in all_names(d)}
            outs.append((files, json.dumps(doc, sort_keys=True).replace(d, "DIR")))
        if len(outs) == 2:
            expect("i %s: --threads 1 and 2 write byte-identical files (%d)" % (label, len(outs[0][0])),
                   outs[0][0] == outs[1][0], "%s vs %s" % (outs[0][0], outs[1][0]))
            expect("i %s: --threads 1 and 2 print identical --json" % label, outs[0][1] == outs[1][1],
                   "first difference at char %d" % first_diff(outs[0][1], outs[1][1]))


# ============================================================================================
# j. inspect every output

def sec_j():
    bad = []
    for label, path in OUTPUTS:
        if not os.path.exists(path):
            bad.append("%s: %s missing" % (label, path))
            continue
        p = run(["inspect", path])
        if p.returncode != 0:
            bad.append("%s: ckpt inspect %s: exit %d %s" % (label, path, p.returncode, short(p.stderr, 200)))
    expect("j every output (%d) opens with ckpt inspect (exit 0)" % len(OUTPUTS), not bad and OUTPUTS, listing(bad))
    # What convert writes passes ckpt lint: no error, and no warning.
    bad = []
    for label, path in OUTPUTS:
        if not os.path.exists(path):
            continue
        p = run(["lint", "--json", path])
        try:
            found = [(f["severity"], f["code"]) for f in json.loads(p.stdout)["findings"] if f["severity"] != "info"]
        except (ValueError, KeyError):
            found = [("exit %d" % p.returncode, short(p.stderr, 200))]
        if p.returncode != 0 or found:
            bad.append("%s: ckpt lint %s: exit %d %s" % (label, path, p.returncode, found))
    expect("j every output (%d) passes ckpt lint without an error or a warning" % len(OUTPUTS),
           not bad and OUTPUTS, listing(bad))


# ============================================================================================
# k. big-endian input

def sec_k():
    fx = os.path.join(os.path.dirname(OUT.rstrip("/")), "fixtures", "gguf-v3-be-all-types.gguf")
    d = tmpdir("k")
    os.makedirs(os.path.join(d, "refused"), exist_ok=True)
    if os.path.isfile(fx):
        refused("k big-endian file with types of no big-endian layout", ["convert", fx,
                os.path.join(d, "refused", "out.gguf")], [os.path.join(d, "refused"), os.path.dirname(fx)],
                code="data.byte_order")
    else:
        note("%s not found: make build/fixtures/expect.json first; case skipped" % fx)
    be, le = outp(EXP["be"]["be"]), outp(EXP["be"]["le"])
    out = os.path.join(d, "from-be.gguf")
    p, doc = convert("k big-endian GGUF -> GGUF", be, out)
    if doc:
        g = read_gguf_checked("k", out)
        want = mio.read_gguf(le)
        if g:
            expect("k big-endian GGUF -> GGUF: the output is little-endian v3", (g.byte_order, g.version) ==
                   ("little", 3), "%s v%s" % (g.byte_order, g.version))
            cmp_gguf_tensors("k big-endian GGUF -> GGUF vs the little-endian twin (F32 F16 BF16 Q8_0 Q4_0 Q4_K Q6_K)",
                             g, want)
            cmp_kvs("k big-endian GGUF -> GGUF: keys", g, want.kv, allowed_extra=RECOMPUTED, skip=RECOMPUTED)
    outs = []
    for src, name in ((be, "be"), (le, "le")):
        o = os.path.join(d, name + ".safetensors")
        p, doc = convert("k %s GGUF -> safetensors" % name, src, o, ["--names", "keep"])
        outs.append(o if doc else None)
    if all(outs):
        expect("k big- and little-endian twins -> safetensors: identical files",
               sha_file(outs[0]) == sha_file(outs[1]), "")


# ============================================================================================
# l. NaN, Inf and values out of the output dtype's range, counted

def sec_l():
    d = tmpdir("l")
    # F16: NaN, Inf and -Inf in the input; 70000, -1e5 and 65520 round to Inf (65520 is the first value
    # that F16's round to nearest even sends past 65504); 65504 and 65519 stay finite.
    vals = [i * 0.01 - 1.0 for i in range(256)]
    for at, v in ((3, math.nan), (70, math.inf), (130, -math.inf), (200, 70000.0), (201, -1e5), (202, 65504.0),
                  (203, 65519.0), (204, 65520.0)):
        vals[at] = v
    # Q8_0: block 1 has amax 1e7, so d = 1e7 / 127 is past F16's range and all 32 values of the block decode
    # to Inf or NaN; block 2 has amax 65504 * 127, so d = 65504 exactly, still finite.
    q8 = [i * 0.01 - 0.3 for i in range(128)]
    q8[40] = 1e7
    q8[70] = -65504.0 * 127
    model = os.path.join(d, "in.safetensors")
    with open(model, "wb") as f:
        f.write(mio.st_bytes([("a.weight", "F32", [4, 64], mio.f32_bytes(vals)),
                              ("b.weight", "F32", [2, 64], mio.f32_bytes(q8))]))
    for opts, out, name, want in ((["--dtype", "f16"], "o.safetensors", "a.weight", (3, 3)),
                                  (["--dtype", "q8_0", "--names", "keep"], "o.gguf", "b.weight", (0, 32))):
        p, doc = convert("l %s" % " ".join(opts), model, os.path.join(d, out), opts, record=False)
        if not doc:
            continue
        t = {x.get("name"): x for x in doc.get("tensors") or []}.get(name) or {}
        got = (t.get("nonfinite"), t.get("overflow"))
        expect("l %s: %s counts %d NaN/Inf in the input and %d values out of range" % (" ".join(opts), name,
               want[0], want[1]), got == want, "nonfinite, overflow: %s" % (got,))


# ============================================================================================
# m. llama-quantize's k-quant mixes

# More bits for tensor i of 16 by llama-quantize's rule (the first and last eighth, and every third between),
# worked by hand: i < 2, i >= 14, or (i - 2) % 3 == 2.
MORE_BITS_16 = {0, 1, 4, 7, 10, 13, 14, 15}


def mix_expected(mix, layer, role, moe):
    """The type llama-quantize's rules give a 16-layer model's tensor (rows of 256 values, no fallback)."""
    base = {"q3": "Q3_K", "q4": "Q4_K", "q5": "Q5_K"}[mix[:2]]
    more = layer in MORE_BITS_16
    if role == "output":
        return "Q6_K"
    if role == "attn_v":
        if moe:
            return "Q8_0"
        return {"q3_k_m": "Q5_K" if layer < 2 else "Q4_K", "q3_k_l": "Q5_K", "q4_k_s": "Q5_K" if layer < 4 else base,
                "q4_k_m": "Q6_K" if more else base, "q5_k_m": "Q6_K" if more else base}.get(mix, base)
    if role == "attn_k":
        return "Q8_0" if moe else base
    if role == "attn_output":
        if moe:
            return "Q5_K" if mix in ("q3_k_s", "q3_k_m", "q4_k_s", "q4_k_m") else base
        return {"q3_k_m": "Q4_K", "q3_k_l": "Q5_K"}.get(mix, base)
    if role == "ffn_down":
        return {"q3_k_m": "Q5_K" if layer < 1 else "Q4_K", "q3_k_l": "Q5_K", "q4_k_s": "Q5_K" if layer < 2 else base,
                "q4_k_m": "Q6_K" if more else base, "q5_k_m": "Q6_K" if more else base}.get(mix, base)
    return base


def mix_model(path, moe):
    """16 layers of 32 x 256 weights with llama.cpp's names. moe: 8 experts (ffn_*_exps), and no output.weight
    (the embeddings are the output: llama-quantize gives them the output's type)."""
    import random
    rng = random.Random(11)
    w = mio.f32_bytes(mio.gauss_f32(rng, 32 * 256, 0.02))
    ones = mio.f32_bytes([1.0] * 256)
    kvs = [("general.architecture", "STRING", "llama"), ("general.name", "STRING", "mix"),
           ("llama.block_count", "UINT32", 16), ("llama.embedding_length", "UINT32", 256),
           ("llama.attention.head_count", "UINT32", 4), ("llama.attention.head_count_kv", "UINT32", 4)]
    if moe:
        kvs.append(("llama.expert_count", "UINT32", 8))
    ts = [("token_embd.weight", "F32", [256, 32], w), ("output_norm.weight", "F32", [256], ones)]
    if not moe:
        ts.append(("output.weight", "F32", [256, 32], w))
    for i in range(16):
        ts.append(("blk.%d.attn_norm.weight" % i, "F32", [256], ones))
        for r in ("attn_q", "attn_k", "attn_v", "attn_output"):
            ts.append(("blk.%d.%s.weight" % (i, r), "F32", [256, 32], w))
        if moe:
            ts.append(("blk.%d.ffn_gate_inp.weight" % i, "F32", [256, 8], w[:8192]))
            for r in ("ffn_gate_exps", "ffn_up_exps", "ffn_down_exps"):
                ts.append(("blk.%d.%s.weight" % (i, r), "F32", [256, 4, 8], w[:4 * 256 * 8 * 4]))
        else:
            for r in ("ffn_gate", "ffn_up", "ffn_down"):
                ts.append(("blk.%d.%s.weight" % (i, r), "F32", [256, 32], w))
    with open(path, "wb") as f:
        f.write(mio.gguf_bytes(kvs, ts))


def role_of(name):
    if name in ("output.weight",):
        return "output"
    for r in ("attn_v", "attn_k", "attn_output", "ffn_down"):
        if ".%s." % r in name or ".%s_exps." % r in name:
            return r
    return "other"


def sec_m():
    d = tmpdir("m")
    # The corpus: llama-quantize's Q3_K_M, Q4_K_M and Q5_K_M of corpus-f32, every tensor's type and bytes.
    for mix in ("Q3_K_M", "Q4_K_M", "Q5_K_M"):
        out = os.path.join(d, "corpus-%s.gguf" % mix)
        p, doc = convert("m corpus-f32 --dtype %s" % mix.lower(), corpus("gguf", "corpus-f32.gguf"), out,
                         ["--dtype", mix.lower()])
        g = read_gguf_checked("m %s" % mix, out) if doc else None
        if not g:
            continue
        want = mio.read_gguf(corpus("gguf", "corpus-%s.gguf" % mix))
        bad = ["%s: %s, llama-quantize %s" % (n, g.tensors[n].type if n in g.tensors else "missing", t.type)
               for n, t in want.tensors.items() if n not in g.tensors or g.tensors[n].type != t.type]
        bad += ["%s: bytes differ" % n for n, t in want.tensors.items()
                if n in g.tensors and g.tensors[n].type == t.type and g.tensors[n].raw != t.raw]
        types = sorted(set(t.type for t in want.tensors.values()))
        expect("m --dtype %s: every tensor of corpus-f32 has llama-quantize's type (%s) and bytes" % (
            mix.lower(), " ".join(types)), not bad and len(g.tensors) == len(want.tensors), listing(bad))
        expect("m --dtype %s: general.file_type as llama-quantize writes it, --json mix" % mix.lower(),
               g.kv.get("general.file_type") == want.kv.get("general.file_type") and doc.get("mix") == mix,
               "%s vs %s, mix %s" % (g.kv.get("general.file_type"), want.kv.get("general.file_type"), doc.get("mix")))
    # 16 layers: the per-layer rules, dense and with 8 experts.
    for moe in (False, True):
        model = os.path.join(d, "mix-%s.gguf" % ("moe" if moe else "dense"))
        mix_model(model, moe)
        for mix in ("q3_k_s", "q3_k_m", "q3_k_l", "q4_k_s", "q4_k_m", "q5_k_s", "q5_k_m"):
            label = "m 16 layers%s --dtype %s" % (", 8 experts" if moe else "", mix)
            out = os.path.join(d, "out-%s-%s.gguf" % (moe, mix))
            p, doc = convert(label, model, out, ["--dtype", mix])
            g = read_gguf_checked(label, out) if doc else None
            if not g:
                continue
            bad = []
            for n, t in g.tensors.items():
                if len(t.ne) < 2 or "ffn_gate_inp" in n:
                    want = "F32"
                elif n == "token_embd.weight" and moe:
                    want = "Q6_K"      # tied: the output's type
                else:
                    layer = int(n.split(".")[1]) if n.startswith("blk.") else -1
                    want = mix_expected(mix, layer, role_of(n), moe)
                if t.type != want:
                    bad.append("%s: %s, expected %s" % (n, t.type, want))
            expect("%s: every tensor's type by llama-quantize's rules" % label, not bad, listing(bad))
    # The text report: one line for each kind of fallback, naming its first three tensors.
    model = os.path.join(d, "fallbacks.gguf")
    w64, w128 = mio.f32_bytes([0.5] * 64 * 4), mio.f32_bytes([0.25] * 128 * 4)
    with open(model, "wb") as f:
        f.write(mio.gguf_bytes([("general.architecture", "STRING", "llama")],
                               [("t%d.weight" % i, "F32", [64, 4], w64) for i in range(5)] +
                               [("u.weight", "F32", [128, 4], w128)]))
    p = run(["convert", "--dtype", "q4_k", model, os.path.join(d, "fallbacks-q4k.gguf")])
    lines = [ln for ln in p.stdout.decode().splitlines() if ln.strip().startswith("fallback")]
    want = ["  fallback  Q5_0 for Q4_K (rows of 64 values, blocks of 256): t0.weight, t1.weight, t2.weight and 2 more",
            "  fallback  Q5_0 for Q4_K (rows of 128 values, blocks of 256): u.weight"]
    expect("m text report: one fallback line for each kind", p.returncode == 0 and lines == want,
           "exit %d, lines %s" % (p.returncode, lines))
    refused("m --dtype q4_k_m to safetensors", ["convert", "--dtype", "q4_k_m", corpus("gguf", "corpus-f32.gguf"),
            os.path.join(d, "refused.safetensors")], [d])


# ============================================================================================

SECTIONS = [("a", sec_a), ("b", sec_b), ("c", sec_c), ("d", sec_d), ("e", sec_e), ("f", sec_f), ("g", sec_g),
            ("h", sec_h), ("i", sec_i), ("k", sec_k), ("l", sec_l), ("m", sec_m), ("j", sec_j)]


def main():
    global OUT, CORPUS, TMP, EXP
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    C.ckpt, OUT, CORPUS = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    try:
        with open(os.path.join(OUT, "expect.json")) as f:
            EXP = json.load(f)
    except (OSError, ValueError) as e:
        print("check_convert: cannot read %s/expect.json (run tests/gen/convert_models.py): %s" % (OUT, e),
              file=sys.stderr)
        return 2
    t0 = time.time()
    inputs_before = {d: dir_state(d) for d in (OUT, CORPUS)}
    times = []
    with checklib.temp_dir("ckpt-convert-", keep=bool(os.environ.get("CKPT_KEEP_TMP"))) as TMP:
        only = os.environ.get("CKPT_CONVERT_SECTIONS")      # e.g. "abh" while debugging
        for name, fn in SECTIONS:
            if only and name not in only:
                continue
            t = time.time()
            try:
                fn()
            except Exception:   # noqa: BLE001 - a broken section is a failure, the others still run
                expect("section %s ran to the end" % name, False, traceback.format_exc().replace("\n", " | "))
            times.append("%s %.1fs" % (name, time.time() - t))
        after = {d: dir_state(d) for d in (OUT, CORPUS)}
        for d in (OUT, CORPUS):
            ch = sorted(set(inputs_before[d].items()) ^ set(after[d].items()))
            expect("h the inputs under %s were never modified (sha256, size, mtime; no file added)" % d,
                   not ch, listing(sorted(set(k for k, _ in ch))))
    print_snr_table()
    print("timings: %s; total %.1fs" % (", ".join(times), time.time() - t0))
    for n in notes:
        print("note: " + n)
    if C.failures:
        print("check_convert: %d of %d checks FAILED:" % (len(C.failures), C.n))
        for f in C.failures:
            print("  - " + f)
        return 1
    print("check_convert: all %d checks passed" % C.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
