#!/usr/bin/env python3
"""Per-tensor statistics of a model file with numpy: the peer of `ckpt stats --json` in the
stats benchmark.

usage: /usr/bin/python3 bench/stats_numpy.py [--tensor NAME]... [--slice N] MODEL

MODEL is a .gguf (v2/v3, little-endian) or a .safetensors file. For each tensor, over its values
dequantized to float32: count, min, max, mean, population std, rms, absmax, NaN count, Inf count and
exact-zero count; NaN and Inf are left out of the float figures (null when nothing finite is left).
Prints a JSON list, one object a line per tensor in file order, with the keys ckpt uses (name,
dtype, shape, count, min, max, mean, std, rms, absmax, nan, inf, zeros); shapes are row-major
(a GGUF tensor's dims reversed), as ckpt prints them.

Decodings: F32 as is; F16 and BF16 widened to float32 (BF16 by shifting into the high half);
Q8_0, Q4_K and Q6_K dequantized in float32 exactly as ggml's dequantize_row_* do. Other dtypes
are reported with "unsupported": true and no figures.

The file is read through np.memmap; each tensor is processed in slices of --slice elements
(default 256Ki: 1 MB of float32, cache-sized and reused by the allocator; larger slices are slower)
so memory stays bounded. Sums are in float64: per slice the sum and the sum of
squared deviations from the slice mean, merged across slices with Chan et al.'s formula.
"""
import argparse
import json
import math
import struct
import sys

import numpy as np

# ===== readers: a list of (name, dtype, shape, absolute offset, n_elements) =====

# ggml type id: (name, elements per block, bytes per block)
GGML_TYPES = {
    0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20),
    6: ("Q5_0", 32, 22), 7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 36),
    10: ("Q2_K", 256, 84), 11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144), 13: ("Q5_K", 256, 176),
    14: ("Q6_K", 256, 210), 15: ("Q8_K", 256, 292), 16: ("IQ2_XXS", 256, 66), 17: ("IQ2_XS", 256, 74),
    18: ("IQ3_XXS", 256, 98), 19: ("IQ1_S", 256, 50), 20: ("IQ4_NL", 32, 18), 21: ("IQ3_S", 256, 110),
    22: ("IQ2_S", 256, 82), 23: ("IQ4_XS", 256, 136), 24: ("I8", 1, 1), 25: ("I16", 1, 2),
    26: ("I32", 1, 4), 27: ("I64", 1, 8), 28: ("F64", 1, 8), 29: ("IQ1_M", 256, 56),
    30: ("BF16", 1, 2), 34: ("TQ1_0", 256, 54), 35: ("TQ2_0", 256, 66),
}


class Reader:
    def __init__(self, f):
        self.f = f

    def read(self, n):
        b = self.f.read(n)
        if len(b) != n:
            raise SystemExit("stats_numpy: truncated header")
        return b

    def u(self, fmt):
        return struct.unpack("<" + fmt, self.read(struct.calcsize("<" + fmt)))[0]

    def string(self):
        return self.read(self.u("Q")).decode("utf-8", "replace")


GGUF_SCALAR = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}


def gguf_value(r, typ):
    if typ in GGUF_SCALAR:
        return r.u(GGUF_SCALAR[typ])
    if typ == 8:
        return r.string()
    if typ == 9:
        et, n = r.u("I"), r.u("Q")
        if et in GGUF_SCALAR:  # skip scalar arrays in one read
            r.read(n * struct.calcsize(GGUF_SCALAR[et]))
            return None
        for _ in range(n):
            gguf_value(r, et)
        return None
    raise SystemExit("stats_numpy: unknown GGUF value type %d" % typ)


def read_gguf(path):
    with open(path, "rb") as f:
        r = Reader(f)
        if r.read(4) != b"GGUF":
            raise SystemExit("stats_numpy: %s: not a GGUF file" % path)
        version = r.u("I")
        if version not in (2, 3):
            raise SystemExit("stats_numpy: GGUF version %d not supported" % version)
        n_tensors, n_kv = r.u("Q"), r.u("Q")
        align = 32
        for _ in range(n_kv):
            key = r.string()
            val = gguf_value(r, r.u("I"))
            if key == "general.alignment" and isinstance(val, int):
                align = val
        infos = []
        for _ in range(n_tensors):
            name = r.string()
            dims = [r.u("Q") for _ in range(r.u("I"))]
            typ, off = r.u("I"), r.u("Q")
            infos.append((name, dims, typ, off))
        data = f.tell()
        data += -data % align
    out = []
    for name, dims, typ, off in infos:
        n = math.prod(dims)
        tname = GGML_TYPES.get(typ, ("type%d" % typ, 1, 0))[0]
        out.append((name, tname, dims[::-1], data + off, n))  # row-major shape, as ckpt prints it
    return out


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    base = 8 + n
    out = []
    for name, t in header.items():
        if name == "__metadata__":
            continue
        out.append((name, t["dtype"], t["shape"], base + t["data_offsets"][0], math.prod(t["shape"])))
    out.sort(key=lambda x: x[3])  # file order
    return out


# ===== decoders: (raw uint8 bytes of whole blocks) -> float32 values =====

def dec_f32(raw):
    return raw.view("<f4")


def dec_f16(raw):
    return raw.view("<f2").astype(np.float32)


def dec_bf16(raw):
    return (raw.view("<u2").astype(np.uint32) << 16).view(np.float32)


def f16_col(blocks, at):
    """The f16 at byte offset `at` of each block, as float32 (nb,)."""
    return np.ascontiguousarray(blocks[:, at:at + 2]).view("<f2")[:, 0].astype(np.float32)


def dec_q8_0(raw):
    b = raw.reshape(-1, 34)
    d = f16_col(b, 0)
    q = b[:, 2:].view(np.int8).astype(np.float32)
    return (q * d[:, None]).reshape(-1)  # y = x[i].qs[j]*d


def dec_q4_k(raw):
    b = raw.reshape(-1, 144)
    nb = b.shape[0]
    d = f16_col(b, 0)
    dmin = f16_col(b, 2)
    s = b[:, 4:16]
    # get_scale_min_k4: j < 4: sc = s[j] & 63, m = s[j+4] & 63;
    #                   j >= 4: sc = (s[j+4] & 0xF) | ((s[j-4] >> 6) << 4), m = (s[j+4] >> 4) | ((s[j] >> 6) << 4)
    sc = np.empty((nb, 8), np.uint8)
    mn = np.empty((nb, 8), np.uint8)
    sc[:, :4] = s[:, 0:4] & 63
    mn[:, :4] = s[:, 4:8] & 63
    sc[:, 4:] = (s[:, 8:12] & 0xF) | ((s[:, 0:4] >> 6) << 4)
    mn[:, 4:] = (s[:, 8:12] >> 4) | ((s[:, 4:8] >> 6) << 4)
    d1 = d[:, None] * sc.astype(np.float32)    # d * sc, float32
    m1 = dmin[:, None] * mn.astype(np.float32)  # min * m, float32
    qs = b[:, 16:144].reshape(nb, 4, 1, 32)
    # 64 values per group of 32 qs bytes: 32 low nibbles (sub-block 2j), then 32 high (2j+1)
    q = np.concatenate((qs & 0xF, qs >> 4), axis=2).reshape(nb, 8, 32).astype(np.float32)
    q *= d1[:, :, None]
    q -= m1[:, :, None]  # d1 * q - m1, float32
    return q.reshape(-1)


def dec_q6_k(raw):
    b = raw.reshape(-1, 210)
    nb = b.shape[0]
    ql = b[:, 0:128].reshape(nb, 2, 64)     # per half of 128 values: 64 bytes of ql
    qh = b[:, 128:192].reshape(nb, 2, 1, 32)  # and 32 bytes of qh
    sc = b[:, 192:208].view(np.int8).reshape(nb, 2, 8).astype(np.float32)
    d = f16_col(b, 208)
    lo = np.stack((ql[:, :, 0:32] & 0xF, ql[:, :, 32:64] & 0xF, ql[:, :, 0:32] >> 4, ql[:, :, 32:64] >> 4),
                  axis=2)                      # (nb, 2, 4, 32): q1..q4 low bits
    hi = (qh >> np.array([0, 2, 4, 6], np.uint8).reshape(1, 1, 4, 1)) & 3
    q = (lo | (hi << 4)).astype(np.int8) - np.int8(32)  # (nb, 2, 4, 32) in -32..31
    # y[l + 32k] = d * sc[is + 2k] * qk with is = l / 16: sub-block of 16 values (2k + l/16)
    ds = d[:, None, None] * sc                   # (nb, 2, 8): d * sc, float32
    y = q.reshape(nb, 2, 8, 16).astype(np.float32)
    y *= ds[:, :, :, None]                       # (d * sc) * q, float32
    return y.reshape(-1)


DECODERS = {  # dtype: (elements per block, bytes per block, decoder)
    "F32": (1, 4, dec_f32), "F16": (1, 2, dec_f16), "BF16": (1, 2, dec_bf16),
    "Q8_0": (32, 34, dec_q8_0), "Q4_K": (256, 144, dec_q4_k), "Q6_K": (256, 210, dec_q6_k),
}


# ===== statistics =====

def tensor_stats(mm, off, n, dtype, slice_elems):
    bs, bb, dec = DECODERS[dtype]
    per = max(bs, slice_elems // bs * bs)  # whole blocks per slice
    cnt = nan = inf = zeros = 0
    mean = m2 = 0.0
    lo, hi = math.inf, -math.inf
    for e0 in range(0, n, per):
        e1 = min(n, e0 + per)
        raw = mm[off + e0 // bs * bb: off + e1 // bs * bb]
        x = dec(raw)
        fin = np.isfinite(x)
        nfin = int(np.count_nonzero(fin))
        if nfin != x.size:
            nn = int(np.count_nonzero(np.isnan(x)))
            nan += nn
            inf += x.size - nfin - nn
            x = x[fin]
        if nfin == 0:
            continue
        zeros += int(np.count_nonzero(x == 0))
        lo = min(lo, float(x.min()))
        hi = max(hi, float(x.max()))
        x64 = x.astype(np.float64)
        s = float(np.sum(x64))
        mb = s / nfin
        x64 -= mb
        m2b = float(np.dot(x64, x64))
        if cnt == 0:
            cnt, mean, m2 = nfin, mb, m2b
        else:  # Chan, Golub & LeVeque: merge (cnt, mean, m2) with (nfin, mb, m2b)
            tot = cnt + nfin
            delta = mb - mean
            mean += delta * nfin / tot
            m2 += m2b + delta * delta * cnt * nfin / tot
            cnt = tot
    if cnt == 0:
        return dict(count=n, min=None, max=None, mean=None, std=None, rms=None, absmax=None,
                    nan=nan, inf=inf, zeros=zeros)
    var = m2 / cnt
    return dict(count=n, min=lo, max=hi, mean=mean, std=math.sqrt(var), rms=math.sqrt(var + mean * mean),
                absmax=max(-lo, hi), nan=nan, inf=inf, zeros=zeros)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tensor", action="append", default=[], help="only this tensor (repeatable)")
    ap.add_argument("--slice", type=int, default=1 << 18, help="elements per slice (default 256Ki)")
    ap.add_argument("model")
    a = ap.parse_args()
    with open(a.model, "rb") as f:
        magic = f.read(4)
    tensors = read_gguf(a.model) if magic == b"GGUF" else read_safetensors(a.model)
    mm = np.memmap(a.model, dtype=np.uint8, mode="r")
    out = []
    for name, dtype, shape, off, n in tensors:
        if a.tensor and name not in a.tensor:
            continue
        rec = {"name": name, "dtype": dtype, "shape": list(shape)}
        if dtype not in DECODERS:
            rec["unsupported"] = True
        else:
            rec.update(tensor_stats(mm, off, n, dtype, a.slice))
        out.append(rec)
    sys.stdout.write("[\n" + ",\n".join(json.dumps(r) for r in out) + "\n]\n")  # one tensor a line


if __name__ == "__main__":
    main()
