#!/usr/bin/env python3
"""Write small models with known `ckpt convert` answers.

Usage: python3 tests/gen/convert_models.py OUTDIR [CORPUS_DIR]

CORPUS_DIR defaults to testdata/corpus next to this script's tests/ folder.

Standard library only, deterministic (fixed seeds), about 5 MB.  Every expected file is written
HERE, independently of ckpt: the GGUFs llama.cpp's convert_hf_to_gguf.py would write for the
Hugging Face models (names through its llama name map, q/k rows permuted by LlamaModel.permute --
q by n_head, k by n_head_kv -- mixtral experts stacked into 3-D tensors in expert order, the
GGUF keys taken from config.json), by the GGUF writer of modelio.py.  The permutation is checked
first against the corpus: permuting hf-f32.safetensors' q_proj/k_proj rows must reproduce
corpus-f32.gguf's attn_q/attn_k bytes, and every other tensor must be byte-identical after the
name map.

OUTDIR layout (every path in expect.json is relative to OUTDIR):
  gqa-f32/      config.json + model.safetensors   llama GQA (4 heads, 2 kv heads, 2 layers, hidden 64), F32
  gqa-bf16/     config.json + model.safetensors   the same values rounded to BF16 (RNE), stored BF16
  meta/         config.json + model.safetensors   gqa-f32 with __metadata__ format/source/license
  nocfg/        model.safetensors                 gqa-f32 without config.json
  moe/          config.json + 2 shards + index    mixtral (4 experts, top 2, router), F32
  odd/          config.json + model.safetensors   hidden 48 (rows of 48: not whole 32-blocks), n_ff 96
                                                   (ffn_down rows of 96: whole 32-blocks, not 256-blocks)
  be/           be.gguf + le.gguf                 the same tensors (F32, F16, BF16, Q8_0, Q4_0, Q4_K,
                                                   Q6_K) and kvs, big- and little-endian
  expected/     *.gguf                            what llama.cpp's converter writes for the above

expect.json (schema "ckpt-convert-models/1"):
  {"schema", "generator", "verified_here": [...],
   "models": {id: {"path": model path (file or index), "dir", "format", "dtype", "config": {...} | null,
                   "metadata": {...} | null, "n_head", "n_head_kv", "n_expert", "files": [...],
                   "tensors": [{"name", "dtype", "shape", "sha256"}]}},
   "conversions": [{"id", "input": model id, "args": extra ckpt convert options, "expected": GGUF path,
                    "map": expected "map", "file_type": int,
                    "kv": [[key, GGUF type name, value]]   (every kv of the expected GGUF but general.name),
                    "tensors": [{"name" (GGUF), "source" (HF), "dtype", "ne", "permuted_heads" (int|null),
                                 "experts_stacked" (int), "sha256"}]}],
   "be": {"be": "be/be.gguf", "le": "be/le.gguf", "tensors": [names]}}
"""

import array
import hashlib
import json
import math
import os
import random
import shutil
import struct
import sys

sys.dont_write_bytecode = True   # importing the helpers leaves no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from modelio import (Arr, prod, f32_bytes, f32_from_bytes, f16_bytes, bf16_round, bf16_bytes,  # noqa: E402
                     gauss_f32, permute_rows, unpermute_rows, permute_reference, read_gguf, kv_bytes, gguf_bytes,
                     read_st, st_bytes, Out, out_and_corpus)
import modelio  # noqa: E402

# ---------------------------------------------------------------------------------------------
# GGUF values


def kv_json(t, v):
    """A JSON-able rendering of a kv value for messages and expect.json."""
    if t == "ARRAY":
        return {"array": v.elem, "items": [kv_json(v.elem, x) for x in v.items]}
    if t in ("FLOAT32", "FLOAT64"):
        return v if math.isfinite(v) else repr(v)
    return v


def sha(b):
    return hashlib.sha256(b).hexdigest()


def bswap(raw, width):
    a = array.array({2: "H", 4: "I", 8: "Q"}[width])
    a.frombytes(raw)
    a.byteswap()
    return a.tobytes()


# ---------------------------------------------------------------------------------------------
# llama.cpp's names (convert_hf_to_gguf.py / gguf-py tensor_mapping for the llama family)

TOP_MAP = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
           "lm_head.weight": "output.weight"}
BLK_MAP = {"input_layernorm": "attn_norm", "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k",
           "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output",
           "post_attention_layernorm": "ffn_norm", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
           "mlp.down_proj": "ffn_down", "block_sparse_moe.gate": "ffn_gate_inp"}
EXPERT_MAP = {"w1": "ffn_gate_exps", "w2": "ffn_down_exps", "w3": "ffn_up_exps"}


def gguf_name(hf):
    """HF name -> (GGUF name, expert index or None)."""
    if hf in TOP_MAP:
        return TOP_MAP[hf], None
    parts = hf.split(".")
    assert parts[0] == "model" and parts[1] == "layers" and parts[-1] == "weight", hf
    layer = int(parts[2])
    rest = ".".join(parts[3:-1])
    if rest.startswith("block_sparse_moe.experts."):
        _, _, e, w = rest.split(".")
        return "blk.%d.%s.weight" % (layer, EXPERT_MAP[w]), int(e)
    return "blk.%d.%s.weight" % (layer, BLK_MAP[rest]), None


def perm_heads(hf, cfg):
    """The head count config.json has q (num_attention_heads) or k (num_key_value_heads) rows permuted by."""
    return modelio.perm_heads(hf, cfg["num_attention_heads"], cfg["num_key_value_heads"])


# ---------------------------------------------------------------------------------------------
# The models


def llama_cfg(model_type, hidden, n_ff, layers, heads, kv_heads, vocab, ctx, dtype, **extra):
    c = {
        "architectures": ["MixtralForCausalLM" if model_type == "mixtral" else "LlamaForCausalLM"],
        "model_type": model_type,
        "hidden_size": hidden,
        "intermediate_size": n_ff,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "num_key_value_heads": kv_heads,
        "max_position_embeddings": ctx,
        "vocab_size": vocab,
        "rope_theta": 500000.0 if model_type == "llama" else 1000000.0,
        "rms_norm_eps": 1e-05 if model_type == "llama" else 1e-06,
        "hidden_act": "silu",
        "tie_word_embeddings": False,
        "torch_dtype": dtype,
    }
    c.update(extra)
    return c


def make_weights(cfg, seed):
    """[(HF name, shape, float32 values)] in the converter's order. 2-D weights N(0, 0.02), norms
    1 + N(0, 0.05), routers N(0, 0.1)."""
    rng = random.Random(seed)
    h, f, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    hd = h // cfg["num_attention_heads"]
    kv = cfg["num_key_value_heads"] * hd
    n_exp = cfg.get("num_local_experts", 0)
    out = [("model.embed_tokens.weight", [v, h], None)]
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        out += [(p + "input_layernorm.weight", [h], "norm"),
                (p + "self_attn.q_proj.weight", [h, h], None),
                (p + "self_attn.k_proj.weight", [kv, h], None),
                (p + "self_attn.v_proj.weight", [kv, h], None),
                (p + "self_attn.o_proj.weight", [h, h], None),
                (p + "post_attention_layernorm.weight", [h], "norm")]
        if n_exp:
            out.append((p + "block_sparse_moe.gate.weight", [n_exp, h], "router"))
            for e in range(n_exp):
                q = p + "block_sparse_moe.experts.%d." % e
                out += [(q + "w1.weight", [f, h], None), (q + "w2.weight", [h, f], None),
                        (q + "w3.weight", [f, h], None)]
        else:
            out += [(p + "mlp.gate_proj.weight", [f, h], None), (p + "mlp.up_proj.weight", [f, h], None),
                    (p + "mlp.down_proj.weight", [h, f], None)]
    out += [("model.norm.weight", [h], "norm"), ("lm_head.weight", [v, h], None)]
    res = []
    for name, shape, kind in out:
        n = prod(shape)
        if kind == "norm":
            vals = gauss_f32(rng, n, 0.05, 1.0)
        elif kind == "router":
            vals = gauss_f32(rng, n, 0.1)
        else:
            vals = gauss_f32(rng, n, 0.02)
        res.append((name, shape, vals))
    return res


def raw_of(dtype, vals):
    if dtype == "F32":
        return f32_bytes(vals)
    if dtype == "BF16":
        return bf16_bytes(bf16_round(vals))    # round to nearest even (idempotent on BF16 values)
    if dtype == "F16":
        return f16_bytes(vals)                 # round to nearest even
    raise ValueError(dtype)


def config_kvs(cfg):
    """The GGUF keys convert_hf_to_gguf.py (TextModel.set_gguf_parameters + LlamaModel) takes from
    config.json. Mixtral is converted by LlamaModel: architecture llama."""
    a = "llama"
    kvs = [("general.architecture", "STRING", a),
           (a + ".block_count", "UINT32", cfg["num_hidden_layers"]),
           (a + ".context_length", "UINT32", cfg["max_position_embeddings"]),
           (a + ".embedding_length", "UINT32", cfg["hidden_size"]),
           (a + ".feed_forward_length", "UINT32", cfg["intermediate_size"]),
           (a + ".attention.head_count", "UINT32", cfg["num_attention_heads"]),
           (a + ".attention.head_count_kv", "UINT32", cfg["num_key_value_heads"]),
           (a + ".rope.freq_base", "FLOAT32", cfg["rope_theta"]),
           (a + ".attention.layer_norm_rms_epsilon", "FLOAT32", cfg["rms_norm_eps"]),
           (a + ".rope.dimension_count", "UINT32", cfg["hidden_size"] // cfg["num_attention_heads"]),
           (a + ".vocab_size", "UINT32", cfg["vocab_size"])]
    if cfg.get("num_local_experts"):
        kvs += [(a + ".expert_count", "UINT32", cfg["num_local_experts"]),
                (a + ".expert_used_count", "UINT32", cfg["num_experts_per_tok"])]
    return kvs


def to_gguf(weights, cfg, dtype_of):
    """The converter's tensors: [(GGUF name, ggml type, ne, raw, source, permuted heads, experts)].
    dtype_of(hf name, shape, kind) -> ggml type name of the output (F32, F16 or BF16)."""
    out = []
    experts = {}
    for hf, shape, vals in weights:
        g, e = gguf_name(hf)
        k = perm_heads(hf, cfg)
        if k:
            pv = permute_rows(vals, shape, k)
            n_h = cfg["num_attention_heads"]
            assert pv == permute_reference(vals, shape, n_h, n_h if k == n_h else cfg["num_key_value_heads"])
            assert unpermute_rows(pv, shape, k) == vals
            vals = pv
        typ = dtype_of(hf, shape)
        if e is not None:
            experts.setdefault(g, {})[e] = (shape, vals, typ, hf)
            n_exp = cfg["num_local_experts"]
            if len(experts[g]) == n_exp:   # stack in expert order, expert index outermost
                parts = [experts[g][x] for x in range(n_exp)]
                s = parts[0][0]
                raw = b"".join(raw_of(typ, p[1]) for p in parts)
                src = parts[0][3].replace(".experts.0.", ".experts.{E}.")
                out.append((g, typ, [s[1], s[0], n_exp], raw, src, None, n_exp))
            continue
        out.append((g, typ, list(reversed(shape)), raw_of(typ, vals), hf, k, 0))
    return out


def corpus_check(corpus, log):
    """My permutation and name map against the corpus: permute(hf-f32 q/k) == corpus-f32.gguf."""
    st = read_st(os.path.join(corpus, "safetensors", "hf-f32.safetensors"))
    with open(os.path.join(corpus, "safetensors", "config.json")) as f:
        cfg = json.load(f)
    g = read_gguf(os.path.join(corpus, "gguf", "corpus-f32.gguf"))
    seen = set()
    n_perm = 0
    for hf, (dtype, shape, raw) in st.tensors.items():
        gn, _ = gguf_name(hf)
        t = g.tensors[gn]
        seen.add(gn)
        assert t.ne == list(reversed(shape)) and t.type == "F32" == dtype, hf
        k = perm_heads(hf, cfg)
        mine = f32_bytes(permute_rows(f32_from_bytes(raw), shape, k)) if k else raw
        assert mine == t.raw, "permute(hf-f32 %s) != corpus-f32.gguf %s" % (hf, gn)
        if k:
            n_perm += 1
            assert mine != raw
    assert seen == set(g.tensors), "name map does not cover corpus-f32.gguf"
    assert n_perm == 2
    log.append("corpus: permute(hf-f32.safetensors q_proj, k_proj) reproduces corpus-f32.gguf attn_q/attn_k "
               "bytes; all %d tensors byte-identical after the name map" % len(seen))


def model_entry(path, dirname, fmt, dtype, cfg, meta, tensors, files):
    return {"path": path, "dir": dirname, "format": fmt, "dtype": dtype, "config": cfg, "metadata": meta,
            "n_head": cfg["num_attention_heads"] if cfg else None,
            "n_head_kv": cfg["num_key_value_heads"] if cfg else None,
            "n_expert": (cfg or {}).get("num_local_experts", 0), "files": files,
            "tensors": [{"name": n, "dtype": d, "shape": s, "sha256": sha(r)} for n, d, s, r in tensors]}


def main():
    root, corpus = out_and_corpus("convert_models", __doc__)
    if os.path.isfile(os.path.join(root, ".convert-models")):
        shutil.rmtree(root)
    elif os.path.exists(root) and os.listdir(root):
        print("convert_models: %s exists and was not written by this script" % root, file=sys.stderr)
        return 2
    os.makedirs(root, exist_ok=True)
    out = Out(root)
    out.write(".convert-models", b"written by tests/gen/convert_models.py\n")
    log = []
    corpus_check(corpus, log)
    models = {}
    convs = []

    def st_model(mid, dirname, cfg, weights, dtype, meta={"format": "pt"}, with_config=True):
        tensors = []
        for name, shape, vals in weights:
            tensors.append((name, dtype, shape, raw_of(dtype, vals)))
        if with_config:
            out.write_json(dirname + "/config.json", cfg)
        rel = out.write(dirname + "/model.safetensors", st_bytes(tensors, meta))
        models[mid] = model_entry(rel, dirname, "safetensors", dtype, cfg if with_config else None, meta,
                                  tensors, [rel])
        return rel

    def expected(cid, mid, args, cfg, weights, dtype_of, file_type, map_name, extra_kvs=()):
        ts = to_gguf(weights, cfg, dtype_of)
        kvs = config_kvs(cfg) + list(extra_kvs) + [
            ("general.file_type", "UINT32", file_type),
            ("general.quantization_version", "UINT32", 2),
            ("general.alignment", "UINT32", 32)]
        rel = out.write("expected/%s.gguf" % cid, gguf_bytes(kvs, [(n, t, ne, r) for n, t, ne, r, _, _, _ in ts]))
        convs.append({
            "id": cid, "input": mid, "args": list(args), "expected": rel, "map": map_name,
            "file_type": file_type,
            "kv": [[k, t, kv_json(t, v)] for k, t, v in kvs],
            "tensors": [{"name": n, "source": s, "dtype": t, "ne": ne, "permuted_heads": k,
                         "experts_stacked": e, "sha256": sha(r)} for n, t, ne, r, s, k, e in ts]})
        # the file reads back as written
        g = read_gguf(out.path(rel))
        assert [g.tensors[n].raw for n, _, _, _, _, _, _ in ts] == [r for _, _, _, r, _, _, _ in ts]

    keep = lambda dt: (lambda hf, shape: dt)                        # noqa: E731
    f32_1d = lambda dt: (lambda hf, shape: "F32" if len(shape) == 1 or ".block_sparse_moe.gate." in hf
                         else dt)                                    # noqa: E731

    # 1. llama GQA: F32 and BF16, with config.json
    cfg = llama_cfg("llama", 64, 128, 2, 4, 2, 96, 2048, "float32")
    W = make_weights(cfg, 1234)
    st_model("gqa-f32", "gqa-f32", cfg, W, "F32")
    expected("gqa-f32", "gqa-f32", [], cfg, W, keep("F32"), 0, "llama", [("safetensors.format", "STRING", "pt")])
    W16 = [(n, s, bf16_round(v)) for n, s, v in W]
    cfg16 = dict(cfg, torch_dtype="bfloat16")
    st_model("gqa-bf16", "gqa-bf16", cfg16, W16, "BF16")
    expected("gqa-bf16", "gqa-bf16", [], cfg16, W16, keep("BF16"), 32, "llama",
             [("safetensors.format", "STRING", "pt")])
    # F32 input cast to BF16: 1-D norms stay F32 (llama.cpp --outtype bf16)
    expected("gqa-f32-to-bf16", "gqa-f32", ["--dtype", "bf16"], cfg, W, f32_1d("BF16"), 32, "llama",
             [("safetensors.format", "STRING", "pt")])
    # ... and to F16 (values rounded once from float32 to half, RNE)
    expected("gqa-f32-to-f16", "gqa-f32", ["--dtype", "f16"], cfg, W, f32_1d("F16"), 1, "llama",
             [("safetensors.format", "STRING", "pt")])
    log.append("gqa: n_head 4, n_head_kv 2: q rows permuted by 4, k rows by 2 (LlamaModel.permute written out "
               "literally agrees; undone exactly)")

    # 2. the same with extra __metadata__, and without config.json
    meta = {"format": "pt", "source": "x", "license": "mit"}
    st_model("meta", "meta", cfg, W, "F32", meta=meta)
    expected("meta", "meta", [], cfg, W, keep("F32"), 0, "llama",
             [("safetensors.format", "STRING", "pt"), ("safetensors.license", "STRING", "mit"),
              ("safetensors.source", "STRING", "x")])
    st_model("nocfg", "nocfg", cfg, W, "F32", with_config=False)

    # 3. mixtral MoE, 2 shards + index
    mcfg = llama_cfg("mixtral", 64, 128, 2, 4, 2, 80, 4096, "float32", num_local_experts=4,
                     num_experts_per_tok=2, router_aux_loss_coef=0.02, sliding_window=None)
    MW = make_weights(mcfg, 4321)
    tensors = [(n, "F32", s, f32_bytes(v)) for n, s, v in MW]
    total = sum(len(r) for _, _, _, r in tensors)
    names = sorted(n for n, _, _, _ in tensors)
    by = {n: (n, d, s, r) for n, d, s, r in tensors}
    acc = 0
    groups = [[], []]
    for n in names:           # sorted-name order, cut at half of the bytes (huggingface_hub style)
        groups[0 if acc < total // 2 else 1].append(n)
        acc += len(by[n][3])
    wm = {}
    files = []
    out.write_json("moe/config.json", mcfg)
    for i, g in enumerate(groups):
        fn = "model-%05d-of-00002.safetensors" % (i + 1)
        files.append(out.write("moe/" + fn, st_bytes([by[n] for n in g], {"format": "pt"})))
        for n in g:
            wm[n] = fn
    # one layer's experts are cut across the two shards
    split_layer = [n for n in groups[1] if ".experts." in n]
    assert split_layer and any(".experts." in n for n in groups[0])
    rel = out.write_json("moe/model.safetensors.index.json",
                         {"metadata": {"total_size": total}, "weight_map": dict(sorted(wm.items()))})
    models["moe"] = model_entry(rel, "moe", "safetensors", "F32", mcfg, {"format": "pt"}, tensors, files)
    extra = [("safetensors.format", "STRING", "pt")]
    expected("moe-f32", "moe", [], mcfg, MW, keep("F32"), 0, "mixtral", extra)
    expected("moe-to-f16", "moe", ["--dtype", "f16"], mcfg, MW, f32_1d("F16"), 1, "mixtral", extra)
    log.append("moe: 4 experts x 2 layers stacked (w1 -> ffn_gate_exps, w2 -> ffn_down_exps, w3 -> "
               "ffn_up_exps; ne [in, out, 4], expert 0 first); router ffn_gate_inp stays F32 under --dtype f16")

    # 4. odd widths: rows of 48 (not whole 32-blocks) and 96 (whole 32-blocks, not 256-blocks)
    ocfg = llama_cfg("llama", 48, 96, 1, 4, 2, 40, 1024, "float32")
    OW = make_weights(ocfg, 777)
    st_model("odd", "odd", ocfg, OW, "F32")
    expected("odd-f32", "odd", [], ocfg, OW, keep("F32"), 0, "llama", [("safetensors.format", "STRING", "pt")])
    expected("odd-to-f16", "odd", ["--dtype", "f16"], ocfg, OW, f32_1d("F16"), 1, "llama",
             [("safetensors.format", "STRING", "pt")])

    # 5. big- and little-endian twins
    rng = random.Random(99)
    be_tensors = []

    def qblocks(n, size, scales):
        """n blocks of `size` bytes: random payload, finite half-precision scales at the given offsets."""
        b = bytearray(rng.getrandbits(8 * n * size).to_bytes(n * size, "little"))
        for i in range(n):
            for off in scales:
                struct.pack_into("<e", b, i * size + off, rng.uniform(0.001, 0.05))
        return bytes(b)

    le = [("t.f32", "F32", [32, 3], f32_bytes(gauss_f32(rng, 96, 1.0))),
          ("t.f16", "F16", [64, 2], f16_bytes(gauss_f32(rng, 128, 1.0))),
          ("t.bf16", "BF16", [16, 4], bf16_bytes(bf16_round(gauss_f32(rng, 64, 1.0)))),
          ("t.q8_0", "Q8_0", [64, 3], qblocks(6, 34, [0])),
          ("t.q4_0", "Q4_0", [32, 4], qblocks(4, 18, [0])),
          ("t.q4_k", "Q4_K", [256, 2], qblocks(2, 144, [0, 2])),
          ("t.q6_k", "Q6_K", [256, 2], qblocks(2, 210, [208])),
          ("t.norm", "F32", [32], f32_bytes(gauss_f32(rng, 32, 0.1, 1.0)))]

    def to_be(typ, raw):
        if typ == "F32":
            return bswap(raw, 4)
        if typ in ("F16", "BF16"):
            return bswap(raw, 2)
        size, halves = {"Q8_0": (34, [0]), "Q4_0": (18, [0]), "Q4_K": (144, [0, 2]), "Q6_K": (210, [208])}[typ]
        b = bytearray(raw)
        for i in range(0, len(b), size):
            for off in halves:
                b[i + off], b[i + off + 1] = b[i + off + 1], b[i + off]
        return bytes(b)

    be_kvs = [("general.architecture", "STRING", "ckpt-test"), ("general.name", "STRING", "byte order twins"),
              ("test.u16", "UINT16", 0x1234), ("test.i32", "INT32", -123456), ("test.u64", "UINT64", 2 ** 40 + 3),
              ("test.f32", "FLOAT32", 0.25), ("test.f64", "FLOAT64", -1.5e300), ("test.bool", "BOOL", True),
              ("test.str", "STRING", "h\u00e9llo"),
              ("test.arr.i16", "ARRAY", Arr("INT16", [-2, 300, 7])),
              ("test.arr.str", "ARRAY", Arr("STRING", ["a", "bc", "\u65e5"])),
              ("general.file_type", "UINT32", 7), ("general.alignment", "UINT32", 32)]
    out.write("be/le.gguf", gguf_bytes(be_kvs, le))
    be_tensors = [(n, t, ne, to_be(t, r)) for n, t, ne, r in le]
    out.write("be/be.gguf", gguf_bytes(be_kvs, be_tensors, big_endian=True))
    gbe, gle = read_gguf(out.path("be/be.gguf")), read_gguf(out.path("be/le.gguf"))
    assert gbe.byte_order == "big" and gle.byte_order == "little"
    assert all(kv_bytes(*gbe.kv[k]) == kv_bytes(*gle.kv[k]) for k in gle.kv)
    assert all(gbe.tensors[n].raw != gle.tensors[n].raw for n in gle.tensors)
    log.append("be: the same 8 tensors (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K) and 13 kvs, big-endian as "
               "gguf_convert_endian.py lays them out (elements swapped; the f16 scales of Q8_0/Q4_0 d, "
               "Q4_K d+dmin, Q6_K d swapped) and little-endian")

    doc = {"schema": "ckpt-convert-models/1", "generator": "tests/gen/convert_models.py",
           "verified_here": log, "models": models, "conversions": convs,
           "be": {"be": "be/be.gguf", "le": "be/le.gguf", "tensors": [n for n, _, _, _ in le]}}
    out.write_json("expect.json", doc)
    for line in log:
        print(line)
    print("convert_models: %d models, %d expected conversions, %d bytes in %s"
          % (len(models), len(convs), out.total, root))
    assert out.total < 8 * 1000 * 1000
    return 0


if __name__ == "__main__":
    sys.exit(main())
