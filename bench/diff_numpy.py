#!/usr/bin/env python3
"""Per-tensor differences between two model files with numpy: the peer of `ckpt diff --json` in the
diff benchmark.

usage: /usr/bin/python3 bench/diff_numpy.py [--tensor NAME]... [--slice N] MODEL_A MODEL_B

A is the reference (base), B the derivative. Each MODEL is a .gguf (v2/v3, little-endian) or a
.safetensors file; the headers are read, and the values decoded, by bench/stats_numpy.py's readers and
decoders (F32, F16, BF16, Q8_0, Q4_K, Q6_K). Tensors are matched by name only (no name map: both files
must use the same names). For each tensor in both with the same shape, over the values decoded to
float32 and widened to float64 (a = A's value, b = B's; sums in float64), as `ckpt diff` defines them:

  cosine = sum(ab) / sqrt(sum(a^2) sum(b^2))     (null when either is all zero)
  rel_l2 = sqrt(sum((b-a)^2)) / sqrt(sum(a^2))   (null when a is all zero)
  rmse   = sqrt(sum((b-a)^2) / n)
  snr_db = 10 log10(sum(a^2) / sum((b-a)^2))     (null when identical or a all zero)

(rmse and snr_db come from the same four sums, at no extra cost; max_abs and changed_share are not
computed.) status is "identical" when sum((b-a)^2) is 0, else "changed"; "shape_changed", "removed"
(only in A), "added" (only in B) and "unsupported" (a dtype not decoded) carry no figures.
Prints a JSON list, one object a line per tensor (A's file order, then B's additions), with the keys
name, status, a_dtype, b_dtype, shape (b_shape when it differs), n, cosine, rel_l2, rmse, snr_db.

Memory stays bounded: both files are read through np.memmap, each tensor in slices of --slice
elements (default 32Ki: float64 buffers that fit in L2, allocated once and reused; larger slices are
slower). BF16 is widened by a shift into a reused uint32 buffer, then copied to float64; the four sums
are np.dot of float64 slices (BLAS ddot). Pages already read are released from the mapping (madvise
MADV_DONTNEED every 64 MiB; they stay in the page cache), so the peak RSS does not grow with the files.
"""
import argparse
import json
import math
import mmap
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stats_numpy import DECODERS, read_gguf, read_safetensors  # noqa: E402

RELEASE_EVERY = 64 << 20


class Model:
    def __init__(self, path):
        with open(path, "rb") as f:
            magic = f.read(4)
        self.tensors = read_gguf(path) if magic == b"GGUF" else read_safetensors(path)
        self.mm = np.memmap(path, dtype=np.uint8, mode="r")
        self.raw = self.mm.view(np.ndarray)  # plain ndarray slices: no memmap subclass overhead
        self.mapping = getattr(self.mm, "_mmap", None)
        self.can_release = self.mapping is not None and hasattr(self.mapping, "madvise") \
            and hasattr(mmap, "MADV_DONTNEED")
        self.released = 0  # bytes [0, released) given back to the kernel
        self.mark = 0

    def release(self, upto):
        """Drop the pages below byte `upto` from this process's mapping (not from the page cache)."""
        if not self.can_release or upto - self.mark < RELEASE_EVERY:
            return
        self.mark = upto
        end = upto // mmap.PAGESIZE * mmap.PAGESIZE
        if end > self.released:
            self.mapping.madvise(mmap.MADV_DONTNEED, self.released, end - self.released)
            self.released = end


def sums_bf16(ma, oa, mb, ob, n, bufs):
    """sum(ab), sum(aa), sum(bb), sum((b-a)^2) of two BF16 tensors, slice by slice."""
    u32, a64, b64, d64 = bufs
    f32 = u32.view(np.float32)
    S = u32.size
    sab = saa = sbb = sdd = 0.0
    for e0 in range(0, n, S):
        k = min(S, n - e0)
        u, x, y, d, w = u32[:k], a64[:k], b64[:k], d64[:k], f32[:k]
        np.left_shift(ma.raw[oa + 2 * e0: oa + 2 * (e0 + k)].view("<u2"), 16, out=u, dtype=np.uint32)
        np.copyto(x, w)
        np.left_shift(mb.raw[ob + 2 * e0: ob + 2 * (e0 + k)].view("<u2"), 16, out=u, dtype=np.uint32)
        np.copyto(y, w)
        sab += float(np.dot(x, y))
        saa += float(np.dot(x, x))
        sbb += float(np.dot(y, y))
        np.subtract(y, x, out=d)
        sdd += float(np.dot(d, d))
        ma.release(oa + 2 * (e0 + k))
        mb.release(ob + 2 * (e0 + k))
    return sab, saa, sbb, sdd


def sums_generic(ma, oa, ta, mb, ob, tb, n, bufs):
    """The same sums for any two decodable dtypes: slices of whole blocks of both (256 elements divide all)."""
    S = max(256, bufs[0].size // 256 * 256)
    bsa, bba, deca = DECODERS[ta]
    bsb, bbb, decb = DECODERS[tb]
    _, a64, b64, d64 = bufs
    sab = saa = sbb = sdd = 0.0
    for e0 in range(0, n, S):
        e1 = min(n, e0 + S)
        k = e1 - e0
        x, y, d = a64[:k], b64[:k], d64[:k]
        np.copyto(x, deca(ma.raw[oa + e0 // bsa * bba: oa + e1 // bsa * bba]))
        np.copyto(y, decb(mb.raw[ob + e0 // bsb * bbb: ob + e1 // bsb * bbb]))
        sab += float(np.dot(x, y))
        saa += float(np.dot(x, x))
        sbb += float(np.dot(y, y))
        np.subtract(y, x, out=d)
        sdd += float(np.dot(d, d))
        ma.release(oa + e1 // bsa * bba)
        mb.release(ob + e1 // bsb * bbb)
    return sab, saa, sbb, sdd


def figures(sab, saa, sbb, sdd, n):
    cosine = sab / math.sqrt(saa * sbb) if saa > 0 and sbb > 0 else None
    rel_l2 = math.sqrt(sdd) / math.sqrt(saa) if saa > 0 else None
    rmse = math.sqrt(sdd / n) if n > 0 else None
    snr_db = 10 * math.log10(saa / sdd) if saa > 0 and sdd > 0 else None
    return dict(cosine=cosine, rel_l2=rel_l2, rmse=rmse, snr_db=snr_db)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tensor", action="append", default=[], help="only this tensor (repeatable)")
    ap.add_argument("--slice", type=int, default=1 << 15, help="elements per slice (default 32Ki)")
    ap.add_argument("a", metavar="MODEL_A")
    ap.add_argument("b", metavar="MODEL_B")
    o = ap.parse_args()
    if o.slice < 256:
        ap.error("--slice must be at least 256")
    ma, mb = Model(o.a), Model(o.b)
    bufs = (np.empty(o.slice, np.uint32), np.empty(o.slice, np.float64), np.empty(o.slice, np.float64),
            np.empty(o.slice, np.float64))
    in_b = {t[0]: t for t in mb.tensors}
    in_a = {t[0] for t in ma.tensors}
    out = []
    for name, ta, shape, oa, n in ma.tensors:
        if o.tensor and name not in o.tensor:
            continue
        rec = {"name": name, "status": None, "a_dtype": ta, "b_dtype": None, "shape": list(shape), "n": n}
        if name not in in_b:
            rec["status"] = "removed"
            out.append(rec)
            continue
        _, tb, shape_b, ob, nb = in_b[name]
        rec["b_dtype"] = tb
        if list(shape_b) != list(shape):
            rec["status"] = "shape_changed"
            rec["b_shape"] = list(shape_b)
        elif ta not in DECODERS or tb not in DECODERS:
            rec["status"] = "unsupported"
        else:
            if ta == tb == "BF16":
                s = sums_bf16(ma, oa, mb, ob, n, bufs)
            else:
                s = sums_generic(ma, oa, ta, mb, ob, tb, n, bufs)
            rec["status"] = "identical" if s[3] == 0 else "changed"
            rec.update(figures(*s, n))
        out.append(rec)
    for name, tb, shape_b, ob, nb in mb.tensors:
        if name not in in_a and (not o.tensor or name in o.tensor):
            out.append({"name": name, "status": "added", "a_dtype": None, "b_dtype": tb, "shape": list(shape_b),
                        "n": nb})
    sys.stdout.write("[\n" + ",\n".join(json.dumps(r) for r in out) + "\n]\n")  # one tensor a line


if __name__ == "__main__":
    main()
