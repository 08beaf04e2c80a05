#!/usr/bin/env python3
"""Write the ~2 GB GGUF of the `ckpt hash` benchmark (Python 3 stdlib only).

usage: python3 bench/gen_hash_model.py [--seed N] [--layers N] [--vocab N] OUT.gguf

A GGUF v3 file (alignment 32, general.alignment set) shaped like a Q4_K_M llama-3-8B cut down to 15
blocks and an 8,000-token vocabulary: 1,999,910,304 bytes with the defaults.

  token_embd.weight   Q4_K [4096, vocab]
  blk.N.attn_norm     F32  [4096]           blk.N.ffn_norm      F32  [4096]
  blk.N.attn_q        Q4_K [4096, 4096]     blk.N.attn_output   Q4_K [4096, 4096]
  blk.N.attn_k        Q4_K [4096, 1024]     blk.N.attn_v        Q4_K or Q6_K [4096, 1024]
  blk.N.ffn_gate      Q4_K [4096, 14336]    blk.N.ffn_up        Q4_K [4096, 14336]
  blk.N.ffn_down      Q4_K or Q6_K [14336, 4096]
  output_norm.weight  F32  [4096]           output.weight       Q6_K [4096, vocab]

attn_v and ffn_down are Q6_K in the blocks where llama.cpp's Q4_K_M gives them more bits
(use_more_bits: the first and last eighth of the blocks and every third one between), Q4_K elsewhere.
Q4_K blocks are 144 bytes and Q6_K blocks 210 bytes, as in ggml; their f16 scales (d, dmin) are small
positive numbers and every other byte is random. A 64 MB buffer of blocks of each type is built once
and tensors are block-aligned slices of it at varying offsets; norms are F32 of normal(1, 0.05).
Every tensor starts at a multiple of 32 from the data section and is padded to 32 bytes, as
llama.cpp's writer does. The tokenizer is a byte-level BPE one (tokens, scores, token types, merges)
from bench/gen_big_gguf.py. The header and the Q4_K buffer come from bench/gen_big_gguf.py and
bench/gen_stats_models.py. Output is deterministic for given options; it is written to OUT.tmp and
renamed, so a partial file is never left under OUT's name.
"""
import argparse
import os
import random
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_big_gguf as big  # noqa: E402  (W: the GGUF header writer; make_vocab: the BPE tokenizer)
import gen_stats_models as st  # noqa: E402  (q4k_block_buffer, cycle_write)

ALIGN = 32
N_EMBD, N_FF, N_KV = 4096, 14336, 1024
# ggml type: (id, elements per block, bytes per block)
GGML = {"F32": (0, 1, 4), "Q4_K": (12, 256, 144), "Q6_K": (14, 256, 210)}


def q6k_block_buffer(rng):
    """st.BUF_BYTES (rounded down to whole blocks) of Q6_K blocks (ql[128], qh[64], int8 scales[16],
    f16 d): random bytes, then d set to a positive f16 0x1400..0x20FF (0.000977 .. 0.00978)."""
    nblk = st.BUF_BYTES // 210
    buf = bytearray(rng.randbytes(nblk * 210))
    hi = bytes(0x14 + b % 13 for b in range(256))
    buf[209::210] = rng.randbytes(nblk).translate(hi)  # d's high byte (its low byte at 208 stays random)
    return bytes(buf)


def use_more_bits(i, n):
    """llama.cpp's choice of the Q4_K_M blocks whose attn_v and ffn_down get Q6_K."""
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def tensor_plan(n_layers, n_vocab):
    """(name, ne (ggml order, ne0 first), type), in the order llama.cpp's converters write them."""
    t = [("token_embd.weight", [N_EMBD, n_vocab], "Q4_K")]
    for i in range(n_layers):
        more = "Q6_K" if use_more_bits(i, n_layers) else "Q4_K"
        p = "blk.%d." % i
        t += [
            (p + "attn_norm.weight", [N_EMBD], "F32"),
            (p + "attn_q.weight", [N_EMBD, N_EMBD], "Q4_K"),
            (p + "attn_k.weight", [N_EMBD, N_KV], "Q4_K"),
            (p + "attn_v.weight", [N_EMBD, N_KV], more),
            (p + "attn_output.weight", [N_EMBD, N_EMBD], "Q4_K"),
            (p + "ffn_norm.weight", [N_EMBD], "F32"),
            (p + "ffn_gate.weight", [N_EMBD, N_FF], "Q4_K"),
            (p + "ffn_up.weight", [N_EMBD, N_FF], "Q4_K"),
            (p + "ffn_down.weight", [N_FF, N_EMBD], more),
        ]
    t += [("output_norm.weight", [N_EMBD], "F32"), ("output.weight", [N_EMBD, n_vocab], "Q6_K")]
    return t


def nbytes(ne, ty):
    _, be, bb = GGML[ty]
    assert ne[0] % be == 0, (ne, ty)
    n = ne[0] // be * bb
    for d in ne[1:]:
        n *= d
    return n


def header(plan, n_layers, tokens, types, merges):
    w = big.W()
    w.string("general.architecture", "llama")
    w.string("general.type", "model")
    w.string("general.name", "ckpt hash benchmark (synthetic Q4_K_M llama)")
    w.string("general.size_label", "3.3B")
    w.u32("general.alignment", ALIGN)
    w.u32("llama.block_count", n_layers)
    w.u32("llama.context_length", 8192)
    w.u32("llama.embedding_length", N_EMBD)
    w.u32("llama.feed_forward_length", N_FF)
    w.u32("llama.attention.head_count", 32)
    w.u32("llama.attention.head_count_kv", 8)
    w.f32("llama.rope.freq_base", 500000.0)
    w.f32("llama.attention.layer_norm_rms_epsilon", 1e-5)
    w.u32("llama.rope.dimension_count", 128)
    w.u32("llama.vocab_size", len(tokens))
    w.u32("general.file_type", 15)  # LLAMA_FTYPE_MOSTLY_Q4_K_M
    w.string("tokenizer.ggml.model", "gpt2")
    w.string("tokenizer.ggml.pre", "qwen2")
    w.arr_str("tokenizer.ggml.tokens", tokens)
    w.arr_num("tokenizer.ggml.scores", big.T_FLOAT32, "f", [float(-i) for i in range(len(tokens))])
    w.arr_num("tokenizer.ggml.token_type", big.T_INT32, "i", types)
    w.arr_str("tokenizer.ggml.merges", merges)
    w.u32("tokenizer.ggml.bos_token_id", tokens.index("<|endoftext|>"))
    w.u32("tokenizer.ggml.eos_token_id", tokens.index("<|im_end|>"))
    w.u32("tokenizer.ggml.padding_token_id", tokens.index("<|endoftext|>"))
    w.bool_("tokenizer.ggml.add_bos_token", False)
    w.u32("general.quantization_version", 2)

    infos = bytearray()
    layout = []
    off = 0
    for name, ne, ty in plan:
        e = name.encode()
        infos += struct.pack("<Q", len(e)) + e + struct.pack("<I", len(ne))
        infos += struct.pack("<%dQ" % len(ne), *ne)
        infos += struct.pack("<IQ", GGML[ty][0], off)
        n = nbytes(ne, ty)
        layout.append((off, n, ty))
        off += n + (-n % ALIGN)
    head = b"GGUF" + struct.pack("<IQQ", 3, len(plan), w.n_kv) + bytes(w.b) + bytes(infos)
    head += bytes(-len(head) % ALIGN)
    return head, layout, off


def write(path, seed, n_layers, n_vocab):
    rng = random.Random("%d:hash-2g" % seed)
    tokens, types, merges = big.make_vocab(n_vocab, rng)
    plan = tensor_plan(n_layers, len(tokens))
    head, layout, data_size = header(plan, n_layers, tokens, types, merges)
    bufs = {"Q4_K": st.q4k_block_buffer(rng), "Q6_K": q6k_block_buffer(rng)}
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb", buffering=0) as f:
        f.write(head)
        pos = 0
        for o, n, ty in layout:
            if o > pos:
                f.write(bytes(o - pos))
            if ty == "F32":
                f.write(struct.pack("<%df" % (n // 4), *(rng.gauss(1.0, 0.05) for _ in range(n // 4))))
            else:
                bb = GGML[ty][2]
                st.cycle_write(f, bufs[ty], n, bb * rng.randrange(len(bufs[ty]) // bb), bb)
            pos = o + n
        if data_size > pos:
            f.write(bytes(data_size - pos))
    os.replace(tmp, path)
    return len(head), len(plan), len(tokens), len(merges)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--layers", type=int, default=15)
    ap.add_argument("--vocab", type=int, default=8000)
    a = ap.parse_args()
    t = time.perf_counter()
    n_head, n_tensors, n_tokens, n_merges = write(a.out, a.seed, a.layers, a.vocab)
    print("gen_hash_model: wrote %s: %s bytes (header %s), %d tensors, %d tokens, %d merges in %.1f s"
          % (a.out, format(os.path.getsize(a.out), ","), format(n_head, ","), n_tensors, n_tokens, n_merges,
             time.perf_counter() - t), file=sys.stderr)


if __name__ == "__main__":
    main()
