#!/usr/bin/env python3
"""Check `ckpt inspect --json` against the reference values of the corpus.

usage: check_corpus.py CKPT CORPUS_DIR

The corpus holds real files written by other tools (llama.cpp's quantizer and
converter, an independent safetensors writer), each `X` with reference values
in `X.ref.json` computed by gguf-py, ggml and numpy. For every file with a
reference this checks the header facts, every metadata entry, and every
tensor's name, dtype, shape, absolute offset and byte size. Prints one line a
file; exits 1 on any disagreement.
"""
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True   # importing checklib leaves no __pycache__ in the source tree
from checklib import Diffs, output  # noqa: E402
from modelio import f32  # noqa: E402


def inspect(ckpt, path):
    return json.loads(output([ckpt, "inspect", "--json", "--full", path], timeout=120))


def same_value(kind, expected, got):
    """Compare a reference kv value with ckpt's JSON value."""
    if kind == "FLOAT32":
        return isinstance(got, (int, float)) and f32(got) == f32(expected)
    if kind == "FLOAT64":
        return isinstance(got, (int, float)) and float(got) == float(expected)
    if kind == "BOOL":
        return got is expected
    return got == expected and type(got) is type(expected)


def check_kv(ref_kv, doc, d):
    meta, types = doc["metadata"], doc["metadata_types"]
    d.check("metadata keys in order", [k["key"] for k in ref_kv], list(meta.keys()))
    for k in ref_kv:
        key, kind = k["key"], k["type"]
        if key not in meta:
            continue
        if kind != "ARRAY":
            d.check("type of %s" % key, kind, types.get(key))
            if not same_value(kind, k["value"], meta[key]):
                d.add("value of %s" % key, "expected %r, got %r" % (k["value"], meta[key]))
            continue
        d.check("type of %s" % key, "ARRAY[%s]" % k["array_type"], types.get(key))
        got = meta[key]
        d.check("count of %s" % key, k["count"], len(got) if isinstance(got, list) else None)
        want = k.get("values", k.get("head", []))
        have = got[:len(want)] if isinstance(got, list) else []
        ok = len(have) == len(want) and all(same_value(k["array_type"], a, b) for a, b in zip(want, have))
        if not ok:
            d.add("elements of %s" % key, "expected %r..., got %r..." % (want[:4], have[:4]))


def check_gguf(ref, doc, path, d):
    d.check("format", "gguf", doc["format"])
    g = doc["gguf"]
    d.check("version", ref["gguf_version"], g["version"])
    d.check("byte order", ref["endianness"], g["byte_order"])
    d.check("alignment", ref["alignment"], g["alignment"])
    d.check("kv_count", ref["kv_count"], g["kv_count"])
    d.check("tensor_count", ref["tensor_count"], g["tensor_count"])
    if ref["tensor_count"] > 0:  # see the corpus README: not pinned for zero-tensor files
        d.check("data_offset", ref["data_offset"], g["data_offset"])
    d.check("file size", ref["file_size"], doc["files"][0]["size"])
    check_kv(ref["kv"], doc, d)
    tensors = doc["tensors"]
    d.check("tensor count", len(ref["tensors"]), len(tensors))
    for rt, t in zip(ref["tensors"], tensors):
        n = rt["name"]
        d.check("name of tensor %d" % rt["index"], n, t["name"])
        d.check("dtype of %s" % n, rt["ggml_type"], t["dtype"])
        d.check("ne of %s" % n, rt["shape"], t["ne"])
        d.check("shape of %s" % n, list(reversed(rt["shape"])), t["shape"])
        d.check("offset of %s" % n, rt["offset"], t["offset"])
        d.check("nbytes of %s" % n, rt["n_bytes"], t["nbytes"])
    tot = ref["totals"]
    d.check("param_count", tot["n_elements"], doc["param_count"])
    d.check("tensor_bytes", tot["tensor_bytes"], doc["tensor_bytes"])
    d.check("dtype mix", tot["types"], {k: v["tensors"] for k, v in doc["dtypes"].items()})


def check_safetensors(ref, doc, d):
    d.check("format", "safetensors", doc["format"])
    f = doc["files"][0]
    d.check("file size", ref["file_size"], f["size"])
    d.check("header_length", ref["header_length"], f["header_length"])
    d.check("data_offset", ref["data_start"], f["data_offset"])
    d.check("metadata", ref["metadata"] or {}, doc["metadata"])
    d.check("tensor count", ref["tensor_count"], len(doc["tensors"]))
    for rt, t in zip(ref["tensors"], doc["tensors"]):
        n = rt["name"]
        d.check("name", n, t["name"])
        d.check("dtype of %s" % n, rt["dtype"], t["dtype"])
        d.check("shape of %s" % n, rt["shape"], t["shape"])
        d.check("offset of %s" % n, rt["offset"], t["offset"])
        d.check("nbytes of %s" % n, rt["n_bytes"], t["nbytes"])


def check_index(ref, doc, d):
    d.check("format", "safetensors", doc["format"])
    shards = {os.path.basename(f["path"]): f["size"] for f in doc["files"]}
    d.check("shards", {k: v["file_size"] for k, v in ref["shards"].items()}, shards)
    d.check("tensor_bytes", ref["sum_of_tensor_bytes_in_shards"], doc["tensor_bytes"])
    d.check("tensor count", ref["n_weight_map_entries"], len(doc["tensors"]))
    for shard, info in ref["shards"].items():
        got = sorted(t["name"] for t in doc["tensors"] if os.path.basename(t["file"]) == shard)
        d.check("tensors of %s" % shard, sorted(info["tensors"]), got)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    ckpt, root = sys.argv[1], sys.argv[2]
    refs = []
    for dirpath, _, files in os.walk(root):
        refs += [os.path.join(dirpath, f) for f in files if f.endswith(".ref.json")]
    failed = 0
    for refpath in sorted(refs):
        path = refpath[: -len(".ref.json")]
        ref = json.load(open(refpath, encoding="utf-8"))
        d = Diffs()
        try:
            doc = inspect(ckpt, path)
            schema = ref["schema"]
            if schema == "corpus-gguf-ref/1":
                check_gguf(ref, doc, path, d)
            elif schema == "corpus-safetensors-ref/1":
                check_safetensors(ref, doc, d)
            elif schema == "corpus-safetensors-index-ref/1":
                check_index(ref, doc, d)
            else:
                d.items.append("unknown reference schema %s" % schema)
        except (RuntimeError, KeyError, ValueError, subprocess.TimeoutExpired) as e:
            d.add(type(e).__name__, e)
        rel = os.path.relpath(path, root)
        if d.items:
            failed += 1
            print("FAIL  %s" % rel)
            for item in d.items[:20]:
                print("        " + item)
        else:
            print("ok    %s" % rel)
    print("corpus: %d files checked against their references, %d failed" % (len(refs), failed))
    return 1 if failed or not refs else 0


if __name__ == "__main__":
    sys.exit(main())
