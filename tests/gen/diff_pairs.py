#!/usr/bin/env python3
"""Write model pairs (A = base, B = derivative) with known `ckpt diff` answers.

Usage: python3 tests/gen/diff_pairs.py OUTDIR [CORPUS_DIR]

CORPUS_DIR defaults to testdata/corpus next to this script's tests/ folder.

Standard library only, deterministic (fixed seeds), small (about 4.5 MB).  Every figure in
OUTDIR/pairs.json is computed HERE from the float values written (or read back from the corpus),
never from ckpt's output:

  * the values are float32 (or bfloat16) numbers; each is scaled by 2^149 into an exact integer, so
    sum(a^2), sum(b^2), sum(ab), sum((b-a)^2) and max|b-a| are exact integers; cosine, rel_l2, rmse
    and snr_db are then taken from those exact sums with decimal arithmetic at 50 digits and
    rounded once to float64 (definitions of the ckpt diff contract);
  * singular values of B - A (the --rank pairs) come from a one-sided Jacobi SVD written here, in
    float64, over the exact float64 differences; the expected delta_rank is the position of the
    largest drop, asserted to be a clear cliff;
  * the cross-format GGUFs hold A's values with q/k rows permuted by convert_hf_to_gguf.py's
    LlamaModel.permute (reimplemented here; checked against the corpus: permuting hf-f32's q/k
    reproduces corpus-f32.gguf's bytes);
  * the corpus pairs (hf-f32 vs corpus-Q8_0 / corpus-Q4_K_M) take cosine and snr_db from the
    corpus's ref.json vs_original; the other figures come from dequantizing the GGUF here (Q8_0,
    Q4_K, Q6_K in float32 steps as ggml does; each tensor's dequantized bytes are checked against
    the ref.json dequant_sha256_f32le first) and cross-checked against ref.json.

pairs.json (schema "ckpt-diff-pairs/1"):
  {"schema", "tolerance": {"rel": 1e-6, "sv_noise_rel": ...},
   "pairs": [{
     "id", "description",
     "a", "b": {"root": "out" | "corpus", "path": relative path (to OUTDIR or CORPUS_DIR)},
     "args": extra ckpt diff options (e.g. ["--rank"]),
     "exit": expected exit code, "verdict": [acceptable verdicts], "map": expected "map" or null,
     "summary": {"tensors", "identical", "changed", "added", "removed", "shape_changed"} (null: not checked),
     "metadata": {"added": [...], "removed": [...], "changed": [{"key", "a", "b"}]} or null,
     "ignored": [names that must not show up as added or removed],
     "html": bool (also run --html on this pair),
     "threads": [N...] (check the JSON again with each --threads N),
     "tensors": [{"name", "b_name", "status", "a_dtype", "b_dtype", "shape", "b_shape" (shape_changed),
                  "layer" (int, or null = not in a layer), "role" (or null = not checked),
                  "figures": {figure: number or null; a figure absent from the dict is not checked},
                  "delta_rank" (when checked), "singular_values" (leading 8, when checked),
                  "sv_signal": how many leading singular values are checked at "rel" (the rest at
                  "sv_noise_rel"), "source": where the figures come from}]}]}
"""

import decimal
import hashlib
import json
import math
import os
import random
import shutil
import struct
import sys
from fractions import Fraction

sys.dont_write_bytecode = True   # importing the helpers leaves no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import llama_config  # noqa: E402
from modelio import (Arr, prod, f32_list, f32_bytes, f32_from_bytes, f16_from_bytes, bf16_round,  # noqa: E402
                     bf16_bytes, bf16_from_bytes, gauss_f32, permute_rows, unpermute_rows, permute_reference,
                     perm_heads, gguf_bytes, st_bytes, read_gguf, read_st_file, Out, out_and_corpus)

# ---------------------------------------------------------------------------------------------
# The small llama-like model

N_LAYER = 2
N_EMBD = 64
N_HEAD = 4
N_HEAD_KV = 2
HEAD_DIM = N_EMBD // N_HEAD
N_FF = 128
N_VOCAB = 96

REL_TOL = 1e-6
SV_NOISE_REL = 0.05

FIGURES = ("cosine", "rel_l2", "rmse", "max_abs", "snr_db", "changed_share")

BLK = [  # (HF part, GGUF part, role, shape)
    ("input_layernorm", "attn_norm", "norm", [N_EMBD]),
    ("self_attn.q_proj", "attn_q", "q", [N_EMBD, N_EMBD]),
    ("self_attn.k_proj", "attn_k", "k", [N_HEAD_KV * HEAD_DIM, N_EMBD]),
    ("self_attn.v_proj", "attn_v", "v", [N_HEAD_KV * HEAD_DIM, N_EMBD]),
    ("self_attn.o_proj", "attn_output", "o", [N_EMBD, N_EMBD]),
    ("post_attention_layernorm", "ffn_norm", "norm", [N_EMBD]),
    ("mlp.gate_proj", "ffn_gate", "gate", [N_FF, N_EMBD]),
    ("mlp.up_proj", "ffn_up", "up", [N_FF, N_EMBD]),
    ("mlp.down_proj", "ffn_down", "down", [N_EMBD, N_FF]),
]
TOP = {  # HF name -> GGUF name
    "model.embed_tokens.weight": "token_embd.weight",
    "model.norm.weight": "output_norm.weight",
    "lm_head.weight": "output.weight",
}


def model_layout(vocab=N_VOCAB):
    """[(HF name, GGUF name, shape, layer or None, role or None)] in the converter's order."""
    out = [("model.embed_tokens.weight", "token_embd.weight", [vocab, N_EMBD], None, None)]
    for i in range(N_LAYER):
        for hf, gg, role, shape in BLK:
            out.append(("model.layers.%d.%s.weight" % (i, hf), "blk.%d.%s.weight" % (i, gg), list(shape), i, role))
    out.append(("model.norm.weight", "output_norm.weight", [N_EMBD], None, None))
    out.append(("lm_head.weight", "output.weight", [vocab, N_EMBD], None, None))
    return out


LAYOUT = model_layout()
INFO = {hf: (gg, shape, layer, role) for hf, gg, shape, layer, role in LAYOUT}
GGUF_TO_HF = {gg: hf for hf, gg, _, _, _ in LAYOUT}


# ---------------------------------------------------------------------------------------------
# Exact figures

SCALE = 2.0 ** 149          # every float32 value times 2^149 is an integer
D = decimal.Context(prec=50)
DSCALE = decimal.Decimal(2) ** 149


def exact_ints(xs):
    out = []
    for x in xs:
        assert math.isfinite(x)
        v = x * SCALE
        assert v == int(v), "not a float32 value: %r" % x
        out.append(int(v))
    return out


def figures(a, b):
    """The contract's per-tensor figures of B against A (lists of float32 values, same length)."""
    assert len(a) == len(b) and a
    ia, ib = exact_ints(a), exact_ints(b)
    n = len(ia)
    saa = sum(x * x for x in ia)
    sbb = sum(x * x for x in ib)
    sab = sum(x * y for x, y in zip(ia, ib))
    dd = [y - x for x, y in zip(ia, ib)]
    sdd = sum(x * x for x in dd)
    changed = sum(1 for x in dd if x != 0)
    max_abs = max(abs(x) for x in dd)
    Dd = decimal.Decimal
    with decimal.localcontext(D):
        cosine = None if saa == 0 or sbb == 0 else float(Dd(sab) / (Dd(saa) * Dd(sbb)).sqrt())
        rel_l2 = None if saa == 0 else float((Dd(sdd) / Dd(saa)).sqrt())
        rmse = float((Dd(sdd) / Dd(n)).sqrt() / DSCALE)
        snr = None if saa == 0 or sdd == 0 else float(10 * (Dd(saa) / Dd(sdd)).log10())
    return {"cosine": cosine, "rel_l2": rel_l2, "rmse": rmse, "max_abs": float(Fraction(max_abs, 2 ** 149)),
            "snr_db": snr, "changed_share": changed / n}


def identical_figures(a):
    nz = any(x != 0 for x in a)
    return {"cosine": 1.0 if nz else None, "rel_l2": 0.0 if nz else None, "rmse": 0.0, "max_abs": 0.0,
            "snr_db": None, "changed_share": 0.0}


# ---------------------------------------------------------------------------------------------
# Singular values (one-sided Jacobi, float64)

def singular_values(rows):
    """All singular values (descending) of the matrix given as a list of rows."""
    m, n = len(rows), len(rows[0])
    if m > n:  # work on the shorter side
        rows = [list(c) for c in zip(*rows)]
        m, n = n, m
    x = [list(r) for r in rows]
    norms = [math.fsum(v * v for v in r) for r in x]
    for sweep in range(60):
        rotated = False
        for i in range(m - 1):
            xi = x[i]
            for j in range(i + 1, m):
                xj = x[j]
                g = sum(map(float.__mul__, xi, xj))
                ai, aj = norms[i], norms[j]
                if g == 0.0 or abs(g) <= 1e-15 * math.sqrt(ai * aj):
                    continue
                rotated = True
                zeta = (aj - ai) / (2.0 * g)
                t = math.copysign(1.0, zeta) / (abs(zeta) + math.sqrt(1.0 + zeta * zeta))
                c = 1.0 / math.sqrt(1.0 + t * t)
                s = c * t
                nxi = [c * p - s * q for p, q in zip(xi, xj)]
                nxj = [s * p + c * q for p, q in zip(xi, xj)]
                x[i], x[j] = xi, xj = nxi, nxj
                norms[i] = math.fsum(v * v for v in nxi)
                norms[j] = math.fsum(v * v for v in nxj)
        if not rotated:
            break
    else:
        raise RuntimeError("Jacobi SVD did not converge")
    return sorted((math.sqrt(v) for v in norms), reverse=True)


def cliff(sv, limit=64):
    """(r, ratio, next best ratio): the largest drop sv[r-1] / sv[r] among the leading `limit`."""
    s = sv[:limit]
    ratios = [(s[i] / s[i + 1] if s[i + 1] > 0 else math.inf, i + 1) for i in range(len(s) - 1)]
    ratios.sort(reverse=True)
    return ratios[0][1], ratios[0][0], ratios[1][0]


def matrix(vals, shape):
    r, c = shape
    return [vals[i * c:(i + 1) * c] for i in range(r)]


# ---------------------------------------------------------------------------------------------
# Writers

def tensor_bytes(dtype, vals):
    if dtype == "F32":
        return f32_bytes(vals)
    if dtype == "BF16":
        return bf16_bytes(vals)
    raise ValueError(dtype)


def st_build(tensors, metadata=None):
    """tensors: {name: (dtype, shape, values)}. Header keys sorted (as the Hugging Face writer
    does), data in name order, header padded with spaces to a multiple of 8."""
    return st_bytes([(n, dtype, shape, tensor_bytes(dtype, vals)) for n, (dtype, shape, vals) in tensors.items()],
                    metadata)


def gguf_build(kvs, tensors, align=32):
    """kvs: [(key, type, value)]; tensors: [(name, shape row-major, values)] all F32."""
    return gguf_bytes(kvs, [(n, "F32", list(reversed(shape)), f32_bytes(vals)) for n, shape, vals in tensors],
                      align=align)


def gguf_kvs(name):
    return [
        ("general.architecture", "STRING", "llama"),
        ("general.name", "STRING", name),
        ("llama.context_length", "UINT32", 2048),
        ("llama.embedding_length", "UINT32", N_EMBD),
        ("llama.block_count", "UINT32", N_LAYER),
        ("llama.feed_forward_length", "UINT32", N_FF),
        ("llama.rope.dimension_count", "UINT32", HEAD_DIM),
        ("llama.attention.head_count", "UINT32", N_HEAD),
        ("llama.attention.head_count_kv", "UINT32", N_HEAD_KV),
        ("llama.attention.layer_norm_rms_epsilon", "FLOAT32", 1e-5),
        ("llama.vocab_size", "UINT32", N_VOCAB),
        ("general.file_type", "UINT32", 0),
        ("tokenizer.ggml.model", "STRING", "llama"),
        ("tokenizer.ggml.tokens", "ARRAY", Arr("STRING", ["<unk>", "<s>", "</s>"] +
                                                ["t%02d" % i for i in range(N_VOCAB - 3)])),
    ]


def config(dtype="float32", vocab=N_VOCAB):
    c = llama_config(N_LAYER, N_EMBD, N_FF, N_HEAD, N_HEAD_KV, vocab)
    c["torch_dtype"] = dtype
    return c


# ---------------------------------------------------------------------------------------------
# Readers (corpus)

def gguf_read(path):
    """({key: value}, {name: (ggml type, ne, raw bytes)}) of a GGUF file."""
    g = read_gguf(path)
    return {k: v for k, (_, v) in g.kv.items()}, {n: (t.type, t.ne, t.raw) for n, t in g.tensors.items()}


def st_read(path):
    """(__metadata__, {name: (dtype, shape, float values, raw bytes)}) of an F32 or BF16 safetensors file."""
    meta, ts, _ = read_st_file(path)
    return meta, {n: (dt, shape, f32_from_bytes(raw) if dt == "F32" else bf16_from_bytes(raw), raw)
                  for n, (dt, shape, raw) in ts.items()}


# ---------------------------------------------------------------------------------------------
# Dequantization (ggml's reference to_float, float32 arithmetic step by step)

def deq_q8_0(raw):
    out = []
    for o in range(0, len(raw), 34):
        d = f16_from_bytes(raw[o:o + 2])[0]
        qs = struct.unpack_from("<32b", raw, o + 2)
        out.extend(d * q for q in qs)            # exact in float32 (11 + 8 bits)
    return out


def _scale_min_k4(j, q):
    if j < 4:
        return q[j] & 63, q[j + 4] & 63
    return (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4)


def deq_q4_k(raw):
    out = []
    for o in range(0, len(raw), 144):
        d, dmin = f16_from_bytes(raw[o:o + 4])
        sc = raw[o + 4:o + 16]
        qs = raw[o + 16:o + 144]
        blk = []
        for j in range(4):            # 4 x 64 values
            s1, m1 = _scale_min_k4(2 * j, sc)
            s2, m2 = _scale_min_k4(2 * j + 1, sc)
            d1, mm1, d2, mm2 = d * s1, dmin * m1, d * s2, dmin * m2    # exact in float32
            q = qs[32 * j:32 * j + 32]
            blk.extend(d1 * (x & 0xF) - mm1 for x in q)              # one float32 rounding (below)
            blk.extend(d2 * (x >> 4) - mm2 for x in q)
        out.extend(blk)
    return f32_list(out)


def deq_q6_k(raw):
    out = []
    for o in range(0, len(raw), 210):
        ql = raw[o:o + 128]
        qh = raw[o + 128:o + 192]
        sc = struct.unpack_from("<16b", raw, o + 192)
        d = f16_from_bytes(raw[o + 208:o + 210])[0]
        y = [0.0] * 256
        for n in range(2):
            L, H, S = ql[64 * n:64 * n + 64], qh[32 * n:32 * n + 32], sc[8 * n:8 * n + 8]
            for l in range(32):
                i = l // 16
                q1 = ((L[l] & 0xF) | (((H[l] >> 0) & 3) << 4)) - 32
                q2 = ((L[l + 32] & 0xF) | (((H[l] >> 2) & 3) << 4)) - 32
                q3 = ((L[l] >> 4) | (((H[l] >> 4) & 3) << 4)) - 32
                q4 = ((L[l + 32] >> 4) | (((H[l] >> 6) & 3) << 4)) - 32
                base = 128 * n
                y[base + l] = d * S[i] * q1                 # d*sc exact; one rounding (below)
                y[base + l + 32] = d * S[i + 2] * q2
                y[base + l + 64] = d * S[i + 4] * q3
                y[base + l + 96] = d * S[i + 6] * q4
        out.extend(y)
    return f32_list(out)


DEQ = {"F32": f32_from_bytes, "Q8_0": deq_q8_0, "Q4_K": deq_q4_k, "Q6_K": deq_q6_k}


# ---------------------------------------------------------------------------------------------
# Model values

def init_model(seed, vocab=N_VOCAB):
    """{HF name: (shape, float32 values)}: 2-D weights N(0, 0.02), norms 1 + N(0, 0.02)."""
    rng = random.Random(seed)
    m = {}
    for hf, gg, shape, layer, role in model_layout(vocab):
        n = prod(shape)
        if len(shape) == 1:
            m[hf] = (shape, gauss_f32(rng, n, 0.02, 1.0))
        else:
            m[hf] = (shape, gauss_f32(rng, n, 0.02))
    return m


def orthonormal_columns(rng, rows, k):
    """k orthonormal columns of length rows (Gram-Schmidt twice on Gaussian vectors)."""
    cols = []
    for _ in range(k):
        v = [rng.gauss(0.0, 1.0) for _ in range(rows)]
        for _ in range(2):
            for c in cols:
                p = math.fsum(x * y for x, y in zip(v, c))
                v = [x - p * y for x, y in zip(v, c)]
        nv = math.sqrt(math.fsum(x * x for x in v))
        cols.append([x / nv for x in v])
    return cols


def low_rank(rng, shape, k, frob):
    """A rank-k matrix (row-major, float64) with singular values frob * s_i / |s|, s_i = 1 - 0.05 i."""
    rows, cols = shape
    U = orthonormal_columns(rng, rows, k)
    V = orthonormal_columns(rng, cols, k)
    s = [1.0 - 0.05 * i for i in range(k)]
    ns = math.sqrt(math.fsum(x * x for x in s))
    s = [frob * x / ns for x in s]
    out = []
    for r in range(rows):
        for c in range(cols):
            out.append(math.fsum(s[i] * U[i][r] * V[i][c] for i in range(k)))
    return out


def norm2(vals):
    return math.sqrt(math.fsum(x * x for x in vals))


def low_rank_update(A, seed, parts, k, share, rounding=None):
    """B = A + U V^T (float32; then rounding, e.g. to bfloat16) on the named parts of every layer, the
    update rank k with |U V^T| = share * |A|: (B, the names of the tensors changed)."""
    rng = random.Random(seed)
    B = dict(A)
    names = []
    for i in range(N_LAYER):
        for part in parts:
            n = "model.layers.%d.%s.weight" % (i, part)
            s, v = A[n]
            uv = low_rank(rng, s, k, share * norm2(v))
            vals = f32_list(x + y for x, y in zip(v, f32_list(uv)))
            B[n] = (s, rounding(vals) if rounding else vals)
            names.append(n)
    return B, names


# ---------------------------------------------------------------------------------------------
# Expectations

def tensor_entry(name, status, a_dtype, b_dtype, shape, figs, b_name=None, source="computed here",
                 b_shape=None, a_name_for_info=None):
    info = INFO.get(a_name_for_info or name)
    e = {"name": name, "b_name": b_name if status != "removed" else None, "status": status,
         "a_dtype": a_dtype, "b_dtype": b_dtype, "shape": list(shape)}
    if b_shape is not None:
        e["b_shape"] = list(b_shape)
    e["layer"] = info[2] if info else None
    e["role"] = info[3] if info else None
    e["figures"] = figs
    e["source"] = source
    return e


NULL_FIGS = {f: None for f in FIGURES}


def compare_models(A, B, a_dtype, b_dtype, b_names=None):
    """Entries for two models with the same tensor names and shapes ({name: (shape, values)})."""
    ents = []
    for hf, _, _, _, _ in LAYOUT:
        sa, va = A[hf]
        sb, vb = B[hf]
        assert sa == sb
        same = va == vb
        figs = identical_figures(va) if same else figures(va, vb)
        if same:
            assert figs == dict(figures(va, vb), snr_db=None)
        ents.append(tensor_entry(hf, "identical" if same else "changed", a_dtype, b_dtype, sa, figs,
                                 b_name=(b_names or {}).get(hf, hf)))
    return ents


def summary_of(ents):
    s = {"tensors": len(ents)}
    for k in ("identical", "changed", "added", "removed", "shape_changed"):
        s[k] = sum(1 for e in ents if e["status"] == k)
    return s


def add_rank(ents, A, B, names, k_expected, log):
    """delta_rank and leading singular values of B - A for the named 2-D tensors; returns all of them."""
    allsv = {}
    for e in ents:
        if e["name"] not in names:
            continue
        shape, va = A[e["name"]]
        vb = B[e["name"]][1]
        delta = [y - x for x, y in zip(va, vb)]          # exact in float64 here
        sv = singular_values(matrix(delta, shape))
        allsv[e["name"]] = sv
        r, ratio, second = cliff(sv)
        assert r == k_expected and ratio >= 10 and ratio >= 3 * second, (e["name"], r, ratio, second, sv[:12])
        e["delta_rank"] = r
        e["singular_values"] = sv[:8]
        e["sv_signal"] = min(r, 8)
        log.append("%s: singular values of B-A %s ... cliff after %d (drop x%.3g, next largest drop x%.3g)"
                   % (e["name"], ", ".join("%.4g" % x for x in sv[:r + 2]), r, ratio, second))
    return allsv


# ---------------------------------------------------------------------------------------------
# Corpus pairs

def corpus_pairs(corpus, log):
    pairs = []
    hf_meta, hf = st_read(os.path.join(corpus, "safetensors", "hf-f32.safetensors"))
    with open(os.path.join(corpus, "safetensors", "config.json")) as f:
        cfg = json.load(f)
    nh, nkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]

    # 1. My permutation against corpus-f32.gguf, byte for byte, and the name map.
    kv32, g32 = gguf_read(os.path.join(corpus, "gguf", "corpus-f32.gguf"))
    assert (kv32["llama.attention.head_count"], kv32["llama.attention.head_count_kv"]) == (nh, nkv)
    corpus_map = corpus_name_map(kv32["llama.block_count"])
    assert sorted(corpus_map) == sorted(g32), "name map does not cover corpus-f32.gguf"
    for gname, (tname, ne, raw) in g32.items():
        dt, shape, vals, hraw = hf[corpus_map[gname]]
        assert list(reversed(ne)) == shape
        k = perm_heads(corpus_map[gname], nh, nkv)
        mine = f32_bytes(permute_rows(vals, shape, k)) if k else hraw
        if k:
            assert permute_rows(vals, shape, k) == permute_reference(vals, shape, nh, nh if k == nh else nkv)
        assert mine == raw, "permute(hf-f32 %s) != corpus-f32.gguf %s" % (corpus_map[gname], gname)
        if k:
            assert unpermute_rows(f32_from_bytes(raw), shape, k) == vals
    log.append("corpus: permute(hf-f32.safetensors q_proj/k_proj, n_head %d / n_head_kv %d) reproduces "
               "corpus-f32.gguf attn_q/attn_k bytes; all %d tensors byte-identical after the name map"
               % (nh, nkv, len(g32)))
    pairs.append(corpus_pair(
        "corpus-f32-gguf", "corpus hf-f32.safetensors vs corpus-f32.gguf (llama.cpp converter layout: names "
        "mapped, q/k permuted, the same float32 values)", "safetensors/hf-f32.safetensors", "gguf/corpus-f32.gguf",
        [], 0, ["reencoded"], "llama",
        [tensor_entry(corpus_map[g], "identical", "F32", "F32", hf[corpus_map[g]][1],
                      identical_figures(hf[corpus_map[g]][2]), b_name=g,
                      source="byte-identical after the permutation (checked here)") for g in sorted(g32)]))

    # 2. Quantized files.
    for qname in ("Q8_0", "Q4_K_M"):
        fname = "corpus-%s.gguf" % qname
        with open(os.path.join(corpus, "gguf", fname + ".ref.json")) as f:
            ref = json.load(f)
        kvq, gq = gguf_read(os.path.join(corpus, "gguf", fname))
        ents = []
        for t in sorted(ref["tensors"], key=lambda t: t["index"]):
            gname = t["name"]
            tname, ne, raw = gq[gname]
            assert tname == t["ggml_type"]
            deq = DEQ[tname](raw)
            assert hashlib.sha256(f32_bytes(deq)).hexdigest() == t["dequant_sha256_f32le"], \
                "%s %s: my dequantization differs from ref.json" % (fname, gname)
            hname = corpus_map[gname]
            dt, shape, va, _ = hf[hname]
            k = perm_heads(hname, kvq["llama.attention.head_count"], kvq["llama.attention.head_count_kv"])
            vb = unpermute_rows(deq, shape, k) if k else deq
            vo = t["vs_original"]
            if vo["identical"]:
                assert va == vb
                figs = identical_figures(va)
                status = "identical"
                src = "identical values (checked here); ref.json vs_original identical"
            else:
                figs = figures(va, vb)
                for mine, theirs in (("cosine", "cosine"), ("snr_db", "snr_db"), ("rmse", "rmse"),
                                     ("max_abs", "max_abs_err")):
                    assert abs(figs[mine] - vo[theirs]) <= 1e-9 * abs(vo[theirs]), (fname, gname, mine, figs[mine],
                                                                                     vo[theirs])
                figs["cosine"] = vo["cosine"]
                figs["snr_db"] = vo["snr_db"]
                status = "changed"
                src = ("cosine, snr_db: ref.json vs_original; rmse, max_abs, rel_l2, changed_share: computed here "
                       "from the GGUF dequantized here (bytes equal ref.json dequant_sha256_f32le; rmse, max_abs, "
                       "cosine, snr_db agree with vs_original to 1e-9)")
            ents.append(tensor_entry(hname, status, "F32", tname, shape, figs, b_name=gname, source=src))
        log.append("corpus: %s: %d tensors dequantized here (Q8_0/Q4_K/Q6_K) bit-identical to ref.json; figures "
                   "vs hf-f32 agree with vs_original" % (fname, len(ents)))
        pairs.append(corpus_pair(
            "corpus-%s" % qname, "corpus hf-f32.safetensors vs %s (llama-quantize): every tensor matched, 2-D "
            "tensors changed (quantized), F32 norms identical" % fname, "safetensors/hf-f32.safetensors",
            "gguf/" + fname, [], 1, ["quantized"], "llama", ents, html=qname == "Q4_K_M"))

    # 3. The corpus fine-tune (rank 4 stored in BF16) with --rank; figures from the ref.json.
    _, base = st_read(os.path.join(corpus, "safetensors", "hf-bf16.safetensors"))
    _, ft = st_read(os.path.join(corpus, "safetensors", "ft-bf16.safetensors"))
    with open(os.path.join(corpus, "safetensors", "ft-bf16.safetensors.ref.json")) as f:
        ftref = {t["name"]: t for t in json.load(f)["tensors"]}
    ents = []
    for name in sorted(base):
        dt, shape, va, ra = base[name]
        vb, rb = ft[name][2], ft[name][3]
        vs = ftref[name]["vs_base"]
        if ra == rb:
            assert vs["identical_bytes"]
            ents.append(tensor_entry(name, "identical", "BF16", "BF16", shape, identical_figures(va), b_name=name,
                                     a_name_for_info=name))
            continue
        figs = figures(va, vb)
        n = prod(shape)
        for mine, theirs in (("cosine", "cosine"), ("rel_l2", "rel_l2"), ("rmse", "rmse"), ("max_abs", "max_abs_err")):
            assert abs(figs[mine] - vs[theirs]) <= 1e-9 * abs(vs[theirs]), (name, mine)
        assert figs["changed_share"] == vs["n_changed_elements"] / n
        e = tensor_entry(name, "changed", "BF16", "BF16", shape, figs, b_name=name,
                         source="computed here; agrees with ft-bf16 ref.json vs_base to 1e-9")
        svd = vs["delta_svd"]
        e["delta_rank"] = svd["largest_gap_rank"]
        e["singular_values"] = svd["singular_values"][:8]
        e["sv_signal"] = svd["largest_gap_rank"]
        ents.append(e)
    pairs.append(corpus_pair(
        "corpus-ft-bf16", "corpus hf-bf16 vs ft-bf16 (rank-4 update of layer 0 k_proj and down_proj, rounded to "
        "BF16): finetuned; delta_rank and singular values from the ref.json delta_svd (numpy)",
        "safetensors/hf-bf16.safetensors", "safetensors/ft-bf16.safetensors", ["--rank"], 1, ["finetuned"], None,
        ents))
    return pairs


def corpus_pair(pid, description, a, b, args, exit_code, verdict, map_name, tensors, **extra):
    """A pair of two corpus files, a and b relative to CORPUS_DIR; extra keys go before "tensors"."""
    p = {"id": pid, "description": description, "a": {"root": "corpus", "path": a},
         "b": {"root": "corpus", "path": b}, "args": args, "exit": exit_code, "verdict": verdict, "map": map_name}
    p.update(extra)
    p["tensors"] = tensors
    return p


def corpus_name_map(n_layer):
    m = dict((gg, hf) for hf, gg in TOP.items())
    for i in range(n_layer):
        for hf, gg, _, _ in BLK:
            m["blk.%d.%s.weight" % (i, gg)] = "model.layers.%d.%s.weight" % (i, hf)
    return m


# ---------------------------------------------------------------------------------------------
# The generated pairs

def st_model(model, dtype):
    return {n: (dtype, s, v) for n, (s, v) in model.items()}


def main():
    root, corpus = out_and_corpus("diff_pairs", __doc__)
    if os.path.exists(os.path.join(root, "pairs.json")):
        for d in os.listdir(root):   # regenerate cleanly (only what this script writes)
            p = os.path.join(root, d)
            if d == "pairs.json":
                os.remove(p)
            elif os.path.isdir(p) and os.path.isfile(os.path.join(p, ".diff-pairs")):
                shutil.rmtree(p)
    os.makedirs(root, exist_ok=True)
    out = Out(root, ensure_ascii=True)
    log = []
    pairs = []
    META = {"format": "pt"}

    def model_dir(d, tensors, dtype_cfg="float32", metadata=META, vocab=N_VOCAB):
        out.write(d + "/.diff-pairs", b"written by tests/gen/diff_pairs.py\n")
        out.write_json(d + "/config.json", config(dtype_cfg, vocab))
        return out.write(d + "/model.safetensors", st_build(tensors, metadata))

    def ref(rel):
        return {"root": "out", "path": rel}

    A = init_model(1001)
    a_path = model_dir("base-f32", st_model(A, "F32"))
    A16 = {n: (s, bf16_round(v)) for n, (s, v) in A.items()}
    a16_path = model_dir("base-bf16", st_model(A16, "BF16"), "bfloat16")

    # identical: a byte-for-byte copy
    out.write("identical/.diff-pairs", b"written by tests/gen/diff_pairs.py\n")
    out.write_json("identical/config.json", config())
    with open(out.path(a_path), "rb") as f:
        b_path = out.write("identical/model.safetensors", f.read())
    ents = compare_models(A, A, "F32", "F32")
    pairs.append({"id": "identical", "description": "a byte-for-byte copy of the F32 base",
                  "a": ref(a_path), "b": ref(b_path), "args": [], "exit": 0, "verdict": ["identical"],
                  "map": None, "tensors": ents})

    # re-sharded: 2 shards + index, same bytes per tensor
    names = sorted(A)
    groups = [names[:len(names) // 2], names[len(names) // 2:]]
    out.write("resharded/.diff-pairs", b"written by tests/gen/diff_pairs.py\n")
    out.write_json("resharded/config.json", config())
    wm = {}
    total = 0
    for i, g in enumerate(groups):
        fn = "model-%05d-of-%05d.safetensors" % (i + 1, len(groups))
        out.write("resharded/" + fn, st_build({n: ("F32", A[n][0], A[n][1]) for n in g}, META))
        for n in g:
            wm[n] = fn
            total += 4 * prod(A[n][0])
    b_path = out.write_json("resharded/model.safetensors.index.json",
                            {"metadata": {"total_size": total}, "weight_map": dict(sorted(wm.items()))})
    pairs.append({"id": "resharded", "description": "the same F32 tensors in a 2-shard set with an index",
                  "a": ref(a_path), "b": ref(b_path), "args": [], "exit": 0,
                  "verdict": ["identical", "reencoded"], "map": None, "tensors": compare_models(A, A, "F32", "F32")})

    # BF16 base vs F32 holding exactly the BF16 values
    b_path = model_dir("bf16-as-f32", st_model(A16, "F32"))
    pairs.append({"id": "bf16-vs-f32", "description": "BF16 base vs an F32 file holding exactly the BF16 values",
                  "a": ref(a16_path), "b": ref(b_path), "args": [], "exit": 0, "verdict": ["reencoded"],
                  "map": None, "tensors": compare_models(A16, A16, "BF16", "F32")})

    # one tensor changed: blk 1 v_proj += 0.01 * pattern
    victim = "model.layers.1.self_attn.v_proj.weight"
    B = dict(A)
    s, v = A[victim]
    pat = [((i * 7 + (i // s[1]) * 3) % 11 - 5) / 5.0 for i in range(len(v))]
    B[victim] = (s, f32_list(x + 0.001 * p for x, p in zip(v, pat)))
    b_path = model_dir("one-tensor", st_model(B, "F32"))
    ents = compare_models(A, B, "F32", "F32")
    assert [e["name"] for e in ents if e["status"] == "changed"] == [victim]
    pairs.append({"id": "one-tensor", "description": "%s += 0.001 * a fixed pattern ((7i + 3row) %% 11 - 5) / 5 "
                  "(rel_l2 about 3%%), in float32; every other tensor byte-identical" % victim,
                  "a": ref(a_path), "b": ref(b_path), "args": [], "exit": 1, "verdict": ["finetuned"],
                  "map": None, "html": True, "tensors": ents})

    # rank-4 update (F32) on q_proj and down_proj of every layer
    B, r4 = low_rank_update(A, 4004, ("self_attn.q_proj", "mlp.down_proj"), 4, 0.03)
    b_path = model_dir("rank4-f32", st_model(B, "F32"))
    ents = compare_models(A, B, "F32", "F32")
    add_rank(ents, A, B, r4, 4, log)
    pairs.append({"id": "rank4-f32", "description": "B = A + U V^T (rank 4, |UV^T| = 3%% of |A|) in float32 on %s"
                  % ", ".join(r4), "a": ref(a_path), "b": ref(b_path), "args": ["--rank"], "exit": 1,
                  "verdict": ["finetuned"], "map": None, "tensors": ents})

    # rank-8 update stored in BF16 on k_proj and down_proj of every layer
    B, r8 = low_rank_update(A16, 8008, ("self_attn.k_proj", "mlp.down_proj"), 8, 0.10, bf16_round)
    b_path = model_dir("rank8-bf16", st_model(B, "BF16"), "bfloat16")
    ents = compare_models(A16, B, "BF16", "BF16")
    allsv = add_rank(ents, A16, B, r8, 8, log)
    for e in ents:
        if e["name"] in r8:
            sv = allsv[e["name"]]
            thr = sum(1 for x in sv if x > 1e-3 * sv[0])
            assert thr > 8, (e["name"], thr)
            log.append("%s (BF16): numerical rank %d of %d at 1e-3*sigma_max (rounding noise), cliff at 8"
                       % (e["name"], thr, len(sv)))
    pairs.append({"id": "rank8-bf16", "description": "B = bf16(A + U V^T), rank 8, |UV^T| = 10%% of |A|, A and B "
                  "stored BF16, on %s: numerically full rank, cliff at 8" % ", ".join(r8),
                  "a": ref(a16_path), "b": ref(b_path), "args": ["--rank"], "exit": 1, "verdict": ["finetuned"],
                  "map": None, "tensors": ents})

    # linear merge: B = 0.5 A + 0.5 C, C = A + Gaussian noise (std 0.25 * rms of the tensor) everywhere
    rng = random.Random(5005)
    B = {}
    for n, (s, v) in A.items():
        rms = norm2(v) / math.sqrt(len(v))
        c = f32_list(x + rng.gauss(0.0, 0.25 * rms) for x in v)
        B[n] = (s, f32_list(0.5 * x + 0.5 * y for x, y in zip(v, c)))
    b_path = model_dir("merged", st_model(B, "F32"))
    ents = compare_models(A, B, "F32", "F32")
    assert all(e["status"] == "changed" for e in ents)
    pairs.append({"id": "merged", "description": "B = 0.5 A + 0.5 C (float32), C = A + N(0, (0.25 rms)^2) noise in "
                  "every tensor", "a": ref(a_path), "b": ref(b_path), "args": [], "exit": 1,
                  "verdict": ["merged"], "map": None, "tensors": ents})

    # unrelated: another random initialization
    U = init_model(2002)
    b_path = model_dir("unrelated", st_model(U, "F32"))
    pairs.append({"id": "unrelated", "description": "two independent random initializations (seeds 1001, 2002)",
                  "a": ref(a_path), "b": ref(b_path), "args": [], "exit": 1, "verdict": ["unrelated"],
                  "map": None, "tensors": compare_models(A, U, "F32", "F32")})

    # restructured: drop one tensor, add one, vocab 96 -> 100 in embed_tokens and lm_head
    rng = random.Random(6006)
    dropped = "model.layers.1.mlp.gate_proj.weight"
    added = "model.layers.1.mlp.extra_proj.weight"
    B = {n: (s, v) for n, (s, v) in A.items() if n != dropped}
    B[added] = ([16, N_EMBD], gauss_f32(rng, 16 * N_EMBD, 0.02))
    for n in ("model.embed_tokens.weight", "lm_head.weight"):
        s, v = A[n]
        B[n] = ([100, N_EMBD], v + gauss_f32(rng, 4 * N_EMBD, 0.02))
    b_path = model_dir("restructured", st_model(B, "F32"), vocab=100)
    ents = []
    for hf, _, _, _, _ in LAYOUT:
        s, v = A[hf]
        if hf == dropped:
            ents.append(tensor_entry(hf, "removed", "F32", None, s, dict(NULL_FIGS)))
        elif hf in ("model.embed_tokens.weight", "lm_head.weight"):
            ents.append(tensor_entry(hf, "shape_changed", "F32", "F32", s, dict(NULL_FIGS), b_name=hf,
                                     b_shape=[100, N_EMBD]))
        else:
            ents.append(tensor_entry(hf, "identical", "F32", "F32", s, identical_figures(v), b_name=hf))
    e = tensor_entry(added, "added", None, "F32", [16, N_EMBD], dict(NULL_FIGS), b_name=added)
    e["layer"], e["role"] = 1, None
    ents.append(e)
    pairs.append({"id": "restructured", "description": "%s dropped, %s [16, 64] added, vocab 96 -> 100 in "
                  "embed_tokens and lm_head (first 96 rows unchanged)" % (dropped, added),
                  "a": ref(a_path), "b": ref(b_path), "args": [], "exit": 1, "verdict": ["restructured"],
                  "map": None, "tensors": ents})

    # metadata only
    b_path = model_dir("metadata-only", st_model(A, "F32"),
                       metadata={"format": "pt", "source": "edited", "license": "mit"})
    a_meta_path = model_dir("base-f32-meta", st_model(A, "F32"), metadata={"format": "pt", "source": "base"})
    pairs.append({"id": "metadata-only", "description": "safetensors __metadata__ differs (source changed, license "
                  "added), tensors byte-identical", "a": ref(a_meta_path), "b": ref(b_path), "args": [], "exit": 0,
                  "verdict": ["identical"], "map": None,
                  "metadata": {"added": ["license"], "removed": [],
                               "changed": [{"key": "source", "a": "base", "b": "edited"}]},
                  "tensors": compare_models(A, A, "F32", "F32")})

    # cross-format: a GGUF with llama.cpp names and permuted q/k
    def gguf_of(model, name):
        ts = []
        for hf, gg, shape, _, _ in LAYOUT:
            s, v = model[hf]
            k = perm_heads(hf, N_HEAD, N_HEAD_KV)
            pv = permute_rows(v, s, k) if k else v
            if k:
                assert unpermute_rows(pv, s, k) == v and pv != v
                assert pv == permute_reference(v, s, N_HEAD, N_HEAD if k == N_HEAD else N_HEAD_KV)
                # the pair tells the head counts apart: undoing k by n_head (or q by n_head_kv) gives other rows
                assert unpermute_rows(pv, s, N_HEAD + N_HEAD_KV - k) != v
            ts.append((gg, s, pv))
        return gguf_build(gguf_kvs(name), ts)

    out.write("gguf/.diff-pairs", b"written by tests/gen/diff_pairs.py\n")
    b_path = out.write("gguf/model-f32.gguf", gguf_of(A, "diff-pairs base"))
    log.append("gguf: q_proj rows permuted by n_head %d, k_proj rows by n_head_kv %d; the index formula equals "
               "LlamaModel.permute written out literally (n_head_kv override, reshape, swapaxes) and is undone "
               "exactly" % (N_HEAD, N_HEAD_KV))
    gmap = {hf: gg for hf, gg, _, _, _ in LAYOUT}
    pairs.append({"id": "gguf-f32", "description": "the F32 base as a llama.cpp-style GGUF: names mapped, q rows "
                  "permuted by n_head 4, k rows by n_head_kv 2, the same float32 values",
                  "a": ref(a_path), "b": ref(b_path), "args": [], "exit": 0, "verdict": ["reencoded"],
                  "map": "llama", "tensors": compare_models(A, A, "F32", "F32", b_names=gmap)})

    victim = "model.layers.1.self_attn.k_proj.weight"
    B = dict(A)
    s, v = A[victim]
    pat = [math.sin(0.37 * i) for i in range(len(v))]
    B[victim] = (s, f32_list(x + 0.0005 * p for x, p in zip(v, pat)))
    b_path = out.write("gguf/model-f32-changed.gguf", gguf_of(B, "diff-pairs base, k changed"))
    ents = compare_models(A, B, "F32", "F32", b_names=gmap)
    assert [e["name"] for e in ents if e["status"] == "changed"] == [victim]
    pairs.append({"id": "gguf-f32-changed", "description": "the GGUF with %s += 0.0005 sin(0.37 i) (in Hugging Face "
                  "row order, then permuted by n_head_kv 2)" % victim,
                  "a": ref(a_path), "b": ref(b_path), "args": [], "exit": 1, "verdict": ["finetuned"],
                  "map": "llama", "tensors": ents})

    # cross-format with rotary_emb.inv_freq in A (the converter drops it; ckpt ignores it)
    inv = "model.layers.%d.self_attn.rotary_emb.inv_freq"
    AI = st_model(A, "F32")
    freqs = f32_list(1.0 / (10000.0 ** (2 * i / HEAD_DIM)) for i in range(HEAD_DIM // 2))
    for i in range(N_LAYER):
        AI[inv % i] = ("F32", [HEAD_DIM // 2], freqs)
    ai_path = model_dir("base-f32-inv-freq", AI)
    pairs.append({"id": "gguf-inv-freq", "description": "F32 base with rotary_emb.inv_freq tensors vs the GGUF "
                  "(which has none): inv_freq is ignored", "a": ref(ai_path),
                  "b": ref("gguf/model-f32.gguf"), "args": [], "exit": 0, "verdict": ["reencoded"], "map": "llama",
                  "summary": None, "ignored": [inv % i for i in range(N_LAYER)],
                  "tensors": compare_models(A, A, "F32", "F32", b_names=gmap)})

    # zero tensors and signed zeros (no name map)
    rng = random.Random(7007)
    same = gauss_f32(rng, 256, 0.02)
    nz = gauss_f32(rng, 64, 0.02)
    sz = [(-0.0 if i % 3 == 0 else x) for i, x in enumerate(gauss_f32(rng, 64, 0.02))]
    za = {"same": ("F32", [16, 16], same), "zeros_in_a": ("F32", [64], [0.0] * 64),
          "zeros_in_b": ("F32", [64], nz), "signed_zero": ("F32", [64], sz), "all_zero": ("F32", [8], [0.0] * 8)}
    zb = {"same": ("F32", [16, 16], same), "zeros_in_a": ("F32", [64], nz),
          "zeros_in_b": ("F32", [64], [0.0] * 64), "signed_zero": ("F32", [64], [0.0 if x == 0 else x for x in sz]),
          "all_zero": ("F32", [8], [0.0] * 8)}
    out.write("zeros/.diff-pairs", b"written by tests/gen/diff_pairs.py\n")
    za_path = out.write("zeros/a.safetensors", st_build(za))
    zb_path = out.write("zeros/b.safetensors", st_build(zb))
    ents = []
    for n in sorted(za):
        va, vb = za[n][2], zb[n][2]
        if all(x == y for x, y in zip(va, vb)):   # numerically equal (-0.0 == 0.0)
            ents.append(tensor_entry(n, "identical", "F32", "F32", za[n][1], identical_figures(va), b_name=n))
        else:
            ents.append(tensor_entry(n, "changed", "F32", "F32", za[n][1], figures(va, vb), b_name=n))
    by = {e["name"]: e for e in ents}
    assert by["zeros_in_a"]["figures"]["cosine"] is None and by["zeros_in_a"]["figures"]["rel_l2"] is None
    assert by["zeros_in_b"]["figures"]["snr_db"] == 0.0 and by["zeros_in_b"]["figures"]["rel_l2"] == 1.0
    assert by["all_zero"]["figures"]["cosine"] is None
    for e in ents:
        e["layer"] = None
    pairs.append({"id": "zeros", "description": "null rules: a tensor all zero in A (cosine, rel_l2, snr_db null), "
                  "one all zero in B (cosine null, rel_l2 1, snr_db 0), one all zero in both (identical, cosine and "
                  "rel_l2 null), one whose -0.0 became +0.0 (the same values: identical); no config.json",
                  "a": ref(za_path), "b": ref(zb_path), "args": [], "exit": 1, "verdict": None, "map": None,
                  "tensors": ents})

    pairs.extend(corpus_pairs(corpus, log))

    for p in pairs:
        p.setdefault("html", False)
        p.setdefault("threads", [1, 3] if p["id"] in ("rank8-bf16", "corpus-Q4_K_M", "merged") else [])
        p.setdefault("metadata", None)
        p.setdefault("ignored", [])
        if "summary" not in p:
            p["summary"] = summary_of(p["tensors"])
    doc = {"schema": "ckpt-diff-pairs/1",
           "tolerance": {"rel": REL_TOL, "sv_noise_rel": SV_NOISE_REL},
           "verified_here": log,
           "pairs": pairs}
    out.write_json("pairs.json", doc)
    for line in log:
        print(line)
    print("diff_pairs: %d pairs, %d files, %d bytes in %s" % (len(pairs), len(out.files), out.total, root))
    assert out.total < 10 * 1000 * 1000
    return 0


if __name__ == "__main__":
    sys.exit(main())
