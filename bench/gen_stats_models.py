#!/usr/bin/env python3
"""Write the large model files of the `ckpt stats` and `ckpt diff` benchmarks (Python 3 stdlib only).

usage: python3 bench/gen_stats_models.py [--seed N] OUTDIR [NAME...]

NAME is one of the files below (default: the two of the stats benchmark, bf16-2g.safetensors and
q4k-1g.gguf). Each is written to NAME.tmp and renamed, so a partial file is never left under its real
name. Output is deterministic for a given seed.

  bf16-2g.safetensors  1,923,131,656 bytes (~1.92 GB) of BF16 with llama-3-8B names and shapes:
                       model.embed_tokens.weight [128256, 4096], 2 full decoder layers (q/o 4096x4096,
                       k/v 1024x4096, gate/up 14336x4096, down 4096x14336, 2 norms of 4096) and
                       model.norm.weight. Weights are BF16 of normal(0, 0.02): a 64 MB buffer is built
                       once from the 65,536 normal quantiles (shuffled, with random sign flips; the
                       distribution is symmetric so flips keep it normal) and tensors are slices of it
                       at varying offsets. Norms are BF16 of normal(1, 0.05). No NaN or Inf.
  q4k-1g.gguf          ~1.03 GB GGUF v3 (alignment 32, general.alignment set), llama-like: token_embd
                       [4096, 128256] and 6 layers (attn_q/k/v/output, ffn_gate/up/down) in Q4_K, plus
                       F32 attn_norm/ffn_norm/output_norm (normal(1, 0.05)); tied embeddings (no
                       output.weight). Q4_K blocks (144 bytes: f16 d, f16 dmin, scales[12], qs[128])
                       have d and dmin in [0.00098, 0.0098] and random scales/qs bytes; a 64 MB buffer
                       of such blocks is built once and tensors are block-aligned slices of it.
  bf16-2g-perturbed.safetensors
                       the diff benchmark's model B: bf16-2g.safetensors (A; read from OUTDIR, made
                       first when missing) with every value perturbed. The header is copied unchanged
                       (same names, shapes, offsets, metadata); in the data, the 2 lowest mantissa bits
                       of every BF16 value are XORed with random bits: a 5 MB mask buffer is made once
                       (random 0..3 in each value's low byte, 0 in its high byte) and every 4 MB chunk
                       of data is XORed with 4 MB of it from a random 2-byte-aligned start. Sign and exponent are never
                       touched, so no NaN, Inf or change of sign appears. A value keeps its bits with
                       probability 1/4 (changed_share ~0.75); the change is 0..3 units in the last
                       place, a relative change of about 0.9% rms (rel_l2 ~0.0091 and cosine ~0.99996
                       per tensor), so every tensor is changed, as a light fine-tune would.
"""
import argparse
import array
import json
import math
import os
import random
import statistics
import struct
import sys
import time

BUF_BYTES = 64 << 20
ALIGN = 32

N_EMBD, N_FF, N_VOCAB, N_KV = 4096, 14336, 128256, 1024


def bf16_bits(x):
    """float -> BF16 bit pattern, round to nearest even (as torch does)."""
    u = struct.unpack("<I", struct.pack("<f", x))[0]
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) & 0xFFFF


def cycle_write(f, buf, nbytes, start, unit):
    """Write nbytes taken cyclically from buf, beginning at start (a multiple of unit)."""
    mv = memoryview(buf)
    size = len(buf) - len(buf) % unit
    pos = start % size
    while nbytes > 0:
        n = min(nbytes, size - pos)
        f.write(mv[pos:pos + n])
        nbytes -= n
        pos = 0


# ===== BF16 safetensors =====

def bf16_weight_buffer(rng):
    """BUF_BYTES of little-endian BF16 values distributed as normal(0, 0.02)."""
    nd = statistics.NormalDist(0.0, 0.02)
    n = 65536
    table = [bf16_bits(nd.inv_cdf((i + 0.5) / n)) for i in range(n)]
    # 32 shuffles of the quantile table: 4 MB of distinct orderings ...
    parts = []
    for _ in range(32):
        rng.shuffle(table)
        parts.append(array.array("H", table))
    base = b"".join(p.tobytes() for p in parts)
    if sys.byteorder != "little":
        a = array.array("H", base)
        a.byteswap()
        base = a.tobytes()
    # ... then 16 copies of them, each with its own random sign flips (bit 15 of each value).
    sign_only = bytes((b & 0x80) for b in range(256))
    base_int = int.from_bytes(base, "little")
    out = bytearray()
    for _ in range((BUF_BYTES + len(base) - 1) // len(base)):
        mask = bytearray(rng.randbytes(len(base)).translate(sign_only))
        mask[0::2] = bytes(len(base) // 2)  # low bytes: no flips there
        out += (base_int ^ int.from_bytes(mask, "little")).to_bytes(len(base), "little")
    return bytes(out[:BUF_BYTES])


def bf16_tensors(n_layers=2):
    t = [("model.embed_tokens.weight", [N_VOCAB, N_EMBD])]
    for i in range(n_layers):
        p = "model.layers.%d." % i
        t += [
            (p + "input_layernorm.weight", [N_EMBD]),
            (p + "self_attn.q_proj.weight", [N_EMBD, N_EMBD]),
            (p + "self_attn.k_proj.weight", [N_KV, N_EMBD]),
            (p + "self_attn.v_proj.weight", [N_KV, N_EMBD]),
            (p + "self_attn.o_proj.weight", [N_EMBD, N_EMBD]),
            (p + "post_attention_layernorm.weight", [N_EMBD]),
            (p + "mlp.gate_proj.weight", [N_FF, N_EMBD]),
            (p + "mlp.up_proj.weight", [N_FF, N_EMBD]),
            (p + "mlp.down_proj.weight", [N_EMBD, N_FF]),
        ]
    t.append(("model.norm.weight", [N_EMBD]))
    return t


def write_bf16(path, rng):
    buf = bf16_weight_buffer(rng)
    tensors = bf16_tensors()
    header = {"__metadata__": {"format": "pt"}}
    off = 0
    for name, shape in tensors:
        nb = math.prod(shape) * 2
        header[name] = {"dtype": "BF16", "shape": shape, "data_offsets": [off, off + nb]}
        off += nb
    hj = json.dumps(header, separators=(",", ":")).encode()
    hj += b" " * (-(8 + len(hj)) % 8)  # data starts 8-aligned, as the safetensors writer does
    tmp = path + ".tmp"
    with open(tmp, "wb", buffering=0) as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        start = 0
        for name, shape in tensors:
            n = math.prod(shape)
            if len(shape) == 1:  # a norm: BF16 of normal(1, 0.05)
                a = array.array("H", (bf16_bits(rng.gauss(1.0, 0.05)) for _ in range(n)))
                if sys.byteorder != "little":
                    a.byteswap()
                f.write(a.tobytes())
            else:
                cycle_write(f, buf, n * 2, start, 2)
                start += 2 * 7919 * 1024 + 2 * rng.randrange(1 << 20)
    os.replace(tmp, path)


PERTURB_CHUNK = 4 << 20


def write_bf16_perturbed(path, rng):
    src = os.path.join(os.path.dirname(path) or ".", "bf16-2g.safetensors")  # made first by main() if missing
    # mask: per little-endian BF16 value, random 0..3 in the low byte (mantissa bits 0-1), 0 in the high byte
    low2 = bytes(b & 3 for b in range(256))
    span = PERTURB_CHUNK + (1 << 20)
    mask = bytearray(rng.randbytes(span).translate(low2))
    mask[1::2] = bytes(span // 2)
    mask = bytes(mask)
    tmp = path + ".tmp"
    with open(src, "rb") as fi, open(tmp, "wb", buffering=0) as fo:
        n = struct.unpack("<Q", fi.read(8))[0]
        hj = fi.read(n)
        fo.write(struct.pack("<Q", n) + hj)  # same header: names, shapes, offsets, metadata
        # data starts 8-aligned (see write_bf16), so chunks of PERTURB_CHUNK bytes hold whole BF16 values
        while True:
            chunk = fi.read(PERTURB_CHUNK)
            if not chunk:
                break
            k = len(chunk)
            s0 = 2 * rng.randrange(1 << 19)
            x = int.from_bytes(chunk, "little") ^ int.from_bytes(mask[s0:s0 + k], "little")
            fo.write(x.to_bytes(k, "little"))
    os.replace(tmp, path)


# ===== Q4_K GGUF =====

GGML_F32, GGML_Q4_K = 0, 12
T_UINT32, T_FLOAT32, T_STRING = 4, 6, 8


def q4k_block_buffer(rng):
    """BUF_BYTES (rounded down to whole blocks) of Q4_K blocks: random bytes, then d and dmin set
    to positive f16 values 0x1400..0x20FF (0.000977 .. 0.00978)."""
    nblk = BUF_BYTES // 144
    buf = bytearray(rng.randbytes(nblk * 144))
    hi = bytes(0x14 + b % 13 for b in range(256))  # f16 high byte: sign 0, exponent 5..8
    buf[1::144] = rng.randbytes(nblk).translate(hi)  # d (low byte at 0 stays random)
    buf[3::144] = rng.randbytes(nblk).translate(hi)  # dmin (low byte at 2 stays random)
    return bytes(buf)


def gguf_str(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gguf_kv(key, typ, val):
    out = gguf_str(key) + struct.pack("<I", typ)
    if typ == T_STRING:
        return out + gguf_str(val)
    return out + struct.pack({T_UINT32: "<I", T_FLOAT32: "<f"}[typ], val)


def q4k_tensors(n_layers=6):
    """(name, GGUF dims (ne0 first), ggml type)"""
    t = [("token_embd.weight", [N_EMBD, N_VOCAB], GGML_Q4_K)]
    for i in range(n_layers):
        p = "blk.%d." % i
        t += [
            (p + "attn_norm.weight", [N_EMBD], GGML_F32),
            (p + "attn_q.weight", [N_EMBD, N_EMBD], GGML_Q4_K),
            (p + "attn_k.weight", [N_EMBD, N_KV], GGML_Q4_K),
            (p + "attn_v.weight", [N_EMBD, N_KV], GGML_Q4_K),
            (p + "attn_output.weight", [N_EMBD, N_EMBD], GGML_Q4_K),
            (p + "ffn_norm.weight", [N_EMBD], GGML_F32),
            (p + "ffn_gate.weight", [N_EMBD, N_FF], GGML_Q4_K),
            (p + "ffn_up.weight", [N_EMBD, N_FF], GGML_Q4_K),
            (p + "ffn_down.weight", [N_FF, N_EMBD], GGML_Q4_K),
        ]
    t.append(("output_norm.weight", [N_EMBD], GGML_F32))
    return t


def tensor_nbytes(dims, typ):
    n = math.prod(dims)
    if typ == GGML_F32:
        return 4 * n
    assert dims[0] % 256 == 0
    return n // 256 * 144


def write_q4k(path, rng, n_layers=6):
    buf = q4k_block_buffer(rng)
    tensors = q4k_tensors(n_layers)
    kvs = [
        ("general.architecture", T_STRING, "llama"),
        ("general.name", T_STRING, "ckpt stats benchmark (synthetic Q4_K)"),
        ("general.file_type", T_UINT32, 14),  # LLAMA_FTYPE_MOSTLY_Q4_K_S
        ("general.alignment", T_UINT32, ALIGN),
        ("llama.block_count", T_UINT32, n_layers),
        ("llama.context_length", T_UINT32, 8192),
        ("llama.embedding_length", T_UINT32, N_EMBD),
        ("llama.feed_forward_length", T_UINT32, N_FF),
        ("llama.attention.head_count", T_UINT32, 32),
        ("llama.attention.head_count_kv", T_UINT32, 8),
        ("llama.rope.freq_base", T_FLOAT32, 500000.0),
        ("llama.attention.layer_norm_rms_epsilon", T_FLOAT32, 1e-5),
        ("llama.vocab_size", T_UINT32, N_VOCAB),
    ]
    head = bytearray(b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs)))
    for k, t, v in kvs:
        head += gguf_kv(k, t, v)
    off = 0
    layout = []
    for name, dims, typ in tensors:
        off += -off % ALIGN
        head += gguf_str(name) + struct.pack("<I", len(dims))
        head += b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", typ, off)
        nb = tensor_nbytes(dims, typ)
        layout.append((off, nb, typ))
        off += nb
    head += bytes(-len(head) % ALIGN)
    tmp = path + ".tmp"
    with open(tmp, "wb", buffering=0) as f:
        f.write(head)
        pos = 0
        start = 0
        for o, nb, typ in layout:
            if o > pos:
                f.write(bytes(o - pos))
            if typ == GGML_F32:
                f.write(struct.pack("<%df" % (nb // 4), *(rng.gauss(1.0, 0.05) for _ in range(nb // 4))))
            else:
                cycle_write(f, buf, nb, start, 144)
                start += 144 * (7919 * 16 + rng.randrange(1 << 16))
            pos = o + nb
    os.replace(tmp, path)


FILES = {"bf16-2g.safetensors": write_bf16, "q4k-1g.gguf": write_q4k,
         "bf16-2g-perturbed.safetensors": write_bf16_perturbed}
DEFAULT_FILES = ["bf16-2g.safetensors", "q4k-1g.gguf"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("outdir")
    ap.add_argument("names", nargs="*", metavar="NAME", help="one of: " + ", ".join(FILES))
    a = ap.parse_args()
    names = list(a.names or DEFAULT_FILES)
    for n in names:
        if n not in FILES:
            ap.error("unknown file %r (one of: %s)" % (n, ", ".join(FILES)))
    os.makedirs(a.outdir, exist_ok=True)
    a_name, b_name = "bf16-2g.safetensors", "bf16-2g-perturbed.safetensors"
    if b_name in names and a_name not in names[:names.index(b_name)] \
            and not os.path.exists(os.path.join(a.outdir, a_name)):
        names.insert(names.index(b_name), a_name)  # B is made from A
    for n in names:
        t = time.perf_counter()
        path = os.path.join(a.outdir, n)
        FILES[n](path, random.Random("%d:%s" % (a.seed, n)))
        print("gen_stats_models: %s: %s bytes in %.1f s" % (path, format(os.path.getsize(path), ","),
                                                            time.perf_counter() - t), file=sys.stderr)


if __name__ == "__main__":
    main()
