#!/usr/bin/env python3
"""Write a small but realistic example model for the README demo.

Usage: python3 tests/gen/demo.py OUTDIR

Writes, deterministically (fixed seed), with the standard library only:
  OUTDIR/tiny-llama-Q8_0.gguf           2-layer llama-architecture GGUF v3: 2-D weights in Q8_0,
                                         norms in F32, a 300-token llama (SPM-style) vocabulary
  OUTDIR/tiny-llama/model.safetensors   the same weights with Hugging Face names, in BF16
  OUTDIR/tiny-llama/config.json         LlamaForCausalLM config

The two copies hold the same model: the BF16 values are the source, the GGUF's F32 norms are those
BF16 values exactly, and its Q8_0 weights are those values quantized the way ggml's reference
quantize_row_q8_0 does (d = max|x| / 127 stored as float16, qs = round(x / d), in float32
arithmetic).  attn_q / attn_k rows are permuted as llama.cpp's converter does for llama
(`w.reshape(n_head, 2, rows // n_head // 2, cols).swapaxes(1, 2)`), so a GGUF <-> safetensors
comparison that undoes the permutation sees only the Q8_0 rounding error.
"""

import json
import math
import os
import random
import struct
import sys

sys.dont_write_bytecode = True   # importing modelio.py leaves no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from modelio import Arr, f32, gguf_bytes, st_bytes, permute_rows  # noqa: E402

N_LAYER = 2
N_EMBD = 64
N_FF = 128
N_HEAD = 4
N_HEAD_KV = 2
HEAD_DIM = N_EMBD // N_HEAD
N_CTX = 2048
ROPE_THETA = 10000.0
RMS_EPS = 1e-5

WORDS = [
    "the", "of", "and", "to", "in", "is", "that", "it", "was", "for", "on", "are", "as", "with",
    "his", "they", "at", "be", "this", "from", "have", "or", "by", "one", "had", "not", "but",
    "what", "all", "were", "when", "we", "there", "can", "an", "your", "which", "their", "said",
    "llama", "model",
]


def bf16_bits(x):
    """float -> bfloat16 bit pattern, round to nearest even (inputs here are finite)."""
    b = struct.unpack("<I", struct.pack("<f", x))[0]
    return ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF


def bf16_value(bits):
    return struct.unpack("<f", struct.pack("<I", bits << 16))[0]


def roundf(v):
    """C roundf: half away from zero."""
    return int(math.floor(abs(v) + 0.5)) * (1 if v >= 0 else -1)


def quantize_q8_0(values):
    """values: flat list of floats (row-major, row length a multiple of 32) -> Q8_0 bytes."""
    assert len(values) % 32 == 0
    out = bytearray()
    for i in range(0, len(values), 32):
        blk = values[i:i + 32]
        amax = max(abs(x) for x in blk)
        d = f32(amax / 127.0)
        inv = f32(1.0 / d) if d else 0.0
        qs = [max(-128, min(127, roundf(f32(x * inv)))) for x in blk]
        out += struct.pack("<e", d)
        out += struct.pack("<32b", *qs)
    return bytes(out)


# ---------------------------------------------------------------------------------------------

def vocab():
    toks, scores, types = ["<unk>", "<s>", "</s>"], [0.0, 0.0, 0.0], [2, 3, 3]
    for i in range(256):
        toks.append("<0x%02X>" % i)
        scores.append(0.0)
        types.append(6)
    for i, w in enumerate(WORDS):
        toks.append("\u2581" + w)
        scores.append(-float(i))
        types.append(1)
    return toks, scores, types


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: demo.py OUTDIR\n")
        return 2
    outdir = argv[1]
    os.makedirs(os.path.join(outdir, "tiny-llama"), exist_ok=True)
    rng = random.Random(20240607)
    toks, scores, types = vocab()
    n_vocab = len(toks)

    def weight(rows, cols, std=0.02):
        return [bf16_value(bf16_bits(rng.gauss(0.0, std))) for _ in range(rows * cols)]

    def norm(n):
        return [bf16_value(bf16_bits(1.0 + rng.gauss(0.0, 0.05))) for _ in range(n)]

    # HF model: (hf name, gguf name, rows, cols or None for 1-D, values, permute heads)
    hf = []
    hf.append(("model.embed_tokens.weight", "token_embd.weight", n_vocab, N_EMBD, weight(n_vocab, N_EMBD), 0))
    kv_dim = N_HEAD_KV * HEAD_DIM
    for l in range(N_LAYER):
        p, g = "model.layers.%d." % l, "blk.%d." % l
        hf += [
            (p + "input_layernorm.weight", g + "attn_norm.weight", N_EMBD, None, norm(N_EMBD), 0),
            (p + "self_attn.q_proj.weight", g + "attn_q.weight", N_EMBD, N_EMBD, weight(N_EMBD, N_EMBD), N_HEAD),
            (p + "self_attn.k_proj.weight", g + "attn_k.weight", kv_dim, N_EMBD, weight(kv_dim, N_EMBD), N_HEAD_KV),
            (p + "self_attn.v_proj.weight", g + "attn_v.weight", kv_dim, N_EMBD, weight(kv_dim, N_EMBD), 0),
            (p + "self_attn.o_proj.weight", g + "attn_output.weight", N_EMBD, N_EMBD, weight(N_EMBD, N_EMBD), 0),
            (p + "post_attention_layernorm.weight", g + "ffn_norm.weight", N_EMBD, None, norm(N_EMBD), 0),
            (p + "mlp.gate_proj.weight", g + "ffn_gate.weight", N_FF, N_EMBD, weight(N_FF, N_EMBD), 0),
            (p + "mlp.up_proj.weight", g + "ffn_up.weight", N_FF, N_EMBD, weight(N_FF, N_EMBD), 0),
            (p + "mlp.down_proj.weight", g + "ffn_down.weight", N_EMBD, N_FF, weight(N_EMBD, N_FF), 0),
        ]
    hf.append(("model.norm.weight", "output_norm.weight", N_EMBD, None, norm(N_EMBD), 0))
    hf.append(("lm_head.weight", "output.weight", n_vocab, N_EMBD, weight(n_vocab, N_EMBD), 0))

    # GGUF
    gtensors = []
    for hname, gname, rows, cols, vals, heads in hf:
        if cols is None:
            gtensors.append((gname, "F32", [rows], struct.pack("<%df" % rows, *vals)))
            continue
        if heads:
            vals = permute_rows(vals, [rows, cols], heads)
        gtensors.append((gname, "Q8_0", [cols, rows], quantize_q8_0(vals)))
    kvs = [
        ("general.architecture", "STRING", "llama"),
        ("general.type", "STRING", "model"),
        ("general.name", "STRING", "Tiny Llama Demo"),
        ("general.license", "STRING", "mit"),
        ("llama.block_count", "UINT32", N_LAYER),
        ("llama.context_length", "UINT32", N_CTX),
        ("llama.embedding_length", "UINT32", N_EMBD),
        ("llama.feed_forward_length", "UINT32", N_FF),
        ("llama.attention.head_count", "UINT32", N_HEAD),
        ("llama.attention.head_count_kv", "UINT32", N_HEAD_KV),
        ("llama.rope.freq_base", "FLOAT32", ROPE_THETA),
        ("llama.attention.layer_norm_rms_epsilon", "FLOAT32", RMS_EPS),
        ("llama.vocab_size", "UINT32", n_vocab),
        ("llama.rope.dimension_count", "UINT32", HEAD_DIM),
        ("general.file_type", "UINT32", 7),
        ("tokenizer.ggml.model", "STRING", "llama"),
        ("tokenizer.ggml.pre", "STRING", "default"),
        ("tokenizer.ggml.tokens", "ARRAY", Arr("STRING", toks)),
        ("tokenizer.ggml.scores", "ARRAY", Arr("FLOAT32", scores)),
        ("tokenizer.ggml.token_type", "ARRAY", Arr("INT32", types)),
        ("tokenizer.ggml.bos_token_id", "UINT32", 1),
        ("tokenizer.ggml.eos_token_id", "UINT32", 2),
        ("tokenizer.ggml.unknown_token_id", "UINT32", 0),
        ("tokenizer.ggml.add_bos_token", "BOOL", True),
        ("tokenizer.ggml.add_eos_token", "BOOL", False),
        ("general.quantization_version", "UINT32", 2),
    ]
    with open(os.path.join(outdir, "tiny-llama-Q8_0.gguf"), "wb") as f:
        f.write(gguf_bytes(kvs, gtensors))

    # safetensors (BF16, Hugging Face names, sorted by name like the safetensors writer)
    stensors = []
    for hname, gname, rows, cols, vals, heads in sorted(hf, key=lambda t: t[0]):
        shape = [rows] if cols is None else [rows, cols]
        data = struct.pack("<%dH" % len(vals), *[bf16_bits(v) for v in vals])
        stensors.append((hname, "BF16", shape, data))
    with open(os.path.join(outdir, "tiny-llama", "model.safetensors"), "wb") as f:
        f.write(st_bytes(stensors, {"format": "pt"}, keep_order=True))
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": N_EMBD,
        "intermediate_size": N_FF,
        "num_hidden_layers": N_LAYER,
        "num_attention_heads": N_HEAD,
        "num_key_value_heads": N_HEAD_KV,
        "max_position_embeddings": N_CTX,
        "vocab_size": n_vocab,
        "rope_theta": ROPE_THETA,
        "rms_norm_eps": RMS_EPS,
        "hidden_act": "silu",
        "bos_token_id": 1,
        "eos_token_id": 2,
        "tie_word_embeddings": False,
        "torch_dtype": "bfloat16",
    }
    with open(os.path.join(outdir, "tiny-llama", "config.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(config, indent=2) + "\n")
    sys.stdout.write("wrote tiny-llama-Q8_0.gguf and tiny-llama/ to %s\n" % outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
