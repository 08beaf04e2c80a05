#!/usr/bin/env python3
"""Compare two sets of per-tensor statistics, matched by tensor name.

usage: python3 bench/stats_compare.py [--rtol R] A.json B.json

Each file is one of: the JSON list printed by bench/stats_numpy.py; the output of
`ckpt stats --json` ({"tensors": [...]}, figures in each tensor); a testdata reference file
(*.ref.json: {"tensors": [{"name", "stats": {...}}]}). dtype, shape, counts (count, nan, inf, zeros)
and min/max must be equal; mean, std, rms (and absmax when both have it) must agree to --rtol relative
(default 1e-9; an absolute 1e-300 floor keeps zeros comparable). Tensors present in only one file,
or marked unsupported, are listed and not compared. Exit status 0 when all compared figures agree,
1 otherwise.
"""
import argparse
import json
import math
import sys

EXACT = ("count", "nan", "inf", "zeros", "min", "max")
CLOSE = ("mean", "std", "rms", "absmax")


def load(path):
    d = json.load(open(path, encoding="utf-8"))
    ts = d if isinstance(d, list) else d["tensors"]
    out = {}
    for t in ts:
        if t.get("unsupported"):
            continue
        out[t["name"]] = t["stats"] if isinstance(t.get("stats"), dict) else t
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rtol", type=float, default=1e-9)
    ap.add_argument("a")
    ap.add_argument("b")
    o = ap.parse_args()
    a, b = load(o.a), load(o.b)
    bad = compared = 0
    worst = 0.0
    for name in a:
        if name not in b:
            continue
        compared += 1
        sa, sb = a[name], b[name]
        for k in ("dtype", "shape") + EXACT + CLOSE:
            if k not in sa or k not in sb:
                continue
            x, y = sa[k], sb[k]
            if x is None or y is None or (isinstance(x, float) and math.isnan(x)) or (isinstance(y, float) and math.isnan(y)):
                ok = (x is None or x != x) and (y is None or y != y)
            elif k in EXACT or k in ("dtype", "shape"):
                ok = x == y
            else:
                rel = abs(x - y) / max(abs(x), abs(y), 1e-300)
                worst = max(worst, rel)
                ok = rel <= o.rtol
            if not ok:
                bad += 1
                print("DIFF %s %s: %r vs %r" % (name, k, x, y))
    only = sorted(set(a) ^ set(b))
    for n in only:
        print("only in %s: %s" % (o.a if n in a else o.b, n))
    print("%d tensors compared, %d figures differ, worst relative difference of mean/std/rms/absmax %.3g"
          % (compared, bad, worst))
    sys.exit(1 if bad or compared == 0 else 0)


if __name__ == "__main__":
    main()
