#!/usr/bin/env python3
"""Check `ckpt stats --json` against the reference statistics of the corpus,
and its determinism.

usage: check_stats.py CKPT CORPUS_DIR [FIXTURES_DIR]

The references (X.ref.json beside each corpus file) were computed by gguf-py's
dequantization (checked bit for bit against ggml) and numpy with exactly
rounded sums. count, nan, inf and zeros must be equal; min and max equal;
mean, std and rms within 1e-6 relative. Then, for every corpus file and every
fixture: the output is byte for byte the same with --threads 1 and
--threads 2, and at every SIMD level the CPU has (CKPT_ISA).
"""
import json
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True   # importing checklib leaves no __pycache__ in the source tree
from checklib import output  # noqa: E402

REL = 1e-6
failures = []


def stats(ckpt, path, *args, env=None):
    return output([ckpt, "stats", "--json"] + list(args) + [path], env=env)


def close(ref, got):
    if got is None:
        return False
    if ref == 0:
        return abs(got) <= 1e-12
    return abs(got - ref) <= REL * abs(ref)


def check_reference(ckpt, path, ref):
    doc = json.loads(stats(ckpt, path))
    got = {t["name"]: t for t in doc["tensors"]}
    bad = []
    for rt in ref["tensors"]:
        s, t = rt["stats"], got.get(rt["name"])
        if t is None:
            bad.append("%s: missing" % rt["name"])
            continue
        for k in ("count", "nan", "inf", "zeros", "min", "max"):
            if t[k] != s[k]:
                bad.append("%s.%s: expected %r, got %r" % (rt["name"], k, s[k], t[k]))
        for k in ("mean", "std", "rms"):
            if not close(s[k], t[k]):
                bad.append("%s.%s: expected %r, got %r" % (rt["name"], k, s[k], t[k]))
    return len(ref["tensors"]), bad


def isa_levels():
    flags = open("/proc/cpuinfo").read() if os.path.exists("/proc/cpuinfo") else ""
    levels = ["scalar"]
    if " avx2" in flags:
        levels.append("avx2")
    if " avx512bw" in flags:
        levels.append("avx512")
    return levels


def check_determinism(ckpt, path):
    base = stats(ckpt, path, "--threads", "1")
    runs = [("--threads 2", stats(ckpt, path, "--threads", "2"))]
    runs += [("CKPT_ISA=%s" % isa, stats(ckpt, path, "--threads", "2", env={"CKPT_ISA": isa}))
             for isa in isa_levels()]
    return [what for what, out in runs if out != base]


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    ckpt, corpus = sys.argv[1], sys.argv[2]
    models, refs = [], []
    for dirpath, _, files in os.walk(corpus):
        for f in sorted(files):
            if f.endswith(".ref.json"):
                path = os.path.join(dirpath, f[: -len(".ref.json")])
                ref = json.load(open(os.path.join(dirpath, f), encoding="utf-8"))
                if ref.get("tensors") and "stats" in ref["tensors"][0]:
                    refs.append((path, ref))
                if not path.endswith(".json"):
                    models.append(path)
    if len(sys.argv) == 4:
        for dirpath, _, files in os.walk(sys.argv[3]):
            for f in sorted(files):
                part = re.search(r"-(\d{5})-of-\d{5}\.gguf$", f)
                if f.endswith((".gguf", ".safetensors")) and (not part or part.group(1) == "00001"):
                    models.append(os.path.join(dirpath, f))
    checked = 0
    for path, ref in sorted(refs):
        rel = os.path.relpath(path, corpus)
        try:
            n, bad = check_reference(ckpt, path, ref)
        except (RuntimeError, ValueError, KeyError, subprocess.TimeoutExpired) as e:
            n, bad = 0, ["%s: %s" % (type(e).__name__, e)]
        checked += n
        print("%s  %s (%d tensors)" % ("FAIL" if bad else "ok  ", rel, n))
        for b in bad[:10]:
            print("        " + b)
        if bad:
            failures.append(rel)
    for path in sorted(set(models)):
        try:
            differ = check_determinism(ckpt, path)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            if "data.byte_order" in str(e):
                continue  # big-endian fixtures of types without a defined byte order
            differ = ["%s: %s" % (type(e).__name__, e)]
        if differ:
            print("FAIL  %s: output differs with %s" % (path, ", ".join(differ)))
            failures.append(path)
    print("stats: %d reference files (%d tensors), %d models checked for determinism, %d failure(s)"
          % (len(refs), checked, len(set(models)), len(failures)))
    return 1 if failures or not refs else 0


if __name__ == "__main__":
    sys.exit(main())
