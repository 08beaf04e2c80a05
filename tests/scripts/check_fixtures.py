#!/usr/bin/env python3
"""Conformance check of `ckpt inspect --json` against the generated fixtures.

Usage: python3 tests/scripts/check_fixtures.py CKPT_BINARY OUTDIR

OUTDIR is a directory written by `python3 tests/gen/fixtures.py OUTDIR`.  For every fixture listed in
OUTDIR/expect.json this runs `CKPT_BINARY inspect --json OUTDIR/<fixture>` (and again with `--full`
when the fixture has arrays longer than 32 elements) and compares, field by field: schema, format,
path, the gguf block, architecture and name (GGUF), the file list with sizes, metadata keys (in order for GGUF), metadata values
and type names, tensor_count, param_count, tensor_bytes, and every tensor's name, dtype, shape, ne,
file, absolute offset and nbytes, plus tensor order.

FLOAT32 values are compared after rounding what ckpt printed to float32; NaN/Inf are expected as
null.  Prints one line per fixture ("ok" or "FAIL" followed by indented differences) and a summary;
exits 1 on any difference, 2 on a usage error.  Standard library only.
"""

import json
import math
import os
import struct
import subprocess
import sys

sys.dont_write_bytecode = True   # importing checklib leaves no __pycache__ in the source tree
from checklib import Diffs, run as run_cmd  # noqa: E402

MAX_DIFFS_SHOWN = 25
TIMEOUT = 60


class StrictJSONError(ValueError):
    pass


def _reject_constant(name):
    raise StrictJSONError("non-JSON constant %s in output" % name)


def _pairs_no_dup(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise StrictJSONError("duplicate key %r in output" % k)
        d[k] = v
    return d


def parse_strict(text):
    return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_pairs_no_dup)


def short(v, limit=160):
    s = json.dumps(v, ensure_ascii=False) if not isinstance(v, _Missing) else "<missing>"
    if len(s) > limit:
        s = s[:limit] + "...(%d chars)" % len(s)
    return s


class _Missing:
    pass


MISSING = _Missing()


JSON_TYPES = ((_Missing, "missing"), (type(None), "null"), (bool, "bool"), (int, "int"), (float, "float"),
              (str, "string"), (list, "array"), (dict, "object"))     # bool before int


def jtype(v):
    return next((name for t, name in JSON_TYPES if isinstance(v, t)), type(v).__name__)


def to_f32(x):
    try:
        return struct.unpack("<f", struct.pack("<f", float(x)))[0]
    except (OverflowError, ValueError):
        return math.inf if x > 0 else -math.inf


def cmp_value(exp, got, where, diffs, f32=False):
    """Strict, type-aware comparison of an expected JSON value with what ckpt printed."""
    if isinstance(got, _Missing):
        diffs.add(where, "missing (expected %s)" % short(exp))
        return
    if exp is None:
        if got is not None:
            diffs.add(where, "expected null, got %s %s" % (jtype(got), short(got)))
        return
    if isinstance(exp, bool):
        if not isinstance(got, bool) or got != exp:
            diffs.add(where, "expected %s, got %s %s" % (short(exp), jtype(got), short(got)))
        return
    if isinstance(exp, int):
        if isinstance(got, bool) or not isinstance(got, int):
            diffs.add(where, "expected integer %d, got %s %s" % (exp, jtype(got), short(got)))
        elif got != exp:
            diffs.add(where, "expected %d, got %d" % (exp, got))
        return
    if isinstance(exp, float):
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            diffs.add(where, "expected number %r, got %s %s" % (exp, jtype(got), short(got)))
            return
        g = to_f32(got) if f32 else float(got)
        if g != exp:  # -0.0 == 0.0: the sign of zero is not checked
            if f32:
                diffs.add(where, "expected float32 %r, got %r (as float32: %r)" % (exp, got, g))
            else:
                diffs.add(where, "expected float64 %r, got %r (must round-trip exactly)" % (exp, got))
        return
    if isinstance(exp, str):
        if not isinstance(got, str):
            diffs.add(where, "expected string %s, got %s %s" % (short(exp), jtype(got), short(got)))
        elif got != exp:
            diffs.add(where, "expected %s, got %s" % (short(exp), short(got)))
        return
    if isinstance(exp, list):
        if (len(exp) <= 8 and isinstance(got, list)
                and all(not isinstance(e, (list, dict)) for e in exp)):
            sub = Diffs()
            if len(got) == len(exp):
                for i, (e, g) in enumerate(zip(exp, got)):
                    cmp_value(e, g, "", sub, f32)
            if len(got) != len(exp) or len(sub):
                diffs.add(where, "expected %s, got %s" % (short(exp), short(got)))
            return
        if not isinstance(got, list):
            diffs.add(where, "expected array of %d, got %s %s" % (len(exp), jtype(got), short(got)))
            return
        if len(got) != len(exp):
            diffs.add(where, "expected %d elements, got %d (got %s)" % (len(exp), len(got), short(got)))
            return
        for i, (e, g) in enumerate(zip(exp, got)):
            cmp_value(e, g, "%s[%d]" % (where, i), diffs, f32)
        return
    if isinstance(exp, dict):
        if not isinstance(got, dict):
            diffs.add(where, "expected object %s, got %s %s" % (short(exp), jtype(got), short(got)))
            return
        for k in exp:
            cmp_value(exp[k], got.get(k, MISSING), "%s.%s" % (where, k), diffs, f32 and k == "head")
        extra = [k for k in got if k not in exp]
        if extra:
            diffs.add(where, "unexpected keys %s" % short(extra))
        return
    raise TypeError(type(exp))


def same_file(got_path, outdir, rel):
    """Does the path ckpt printed name OUTDIR/rel?  (ckpt runs in our cwd; accept any spelling.)"""
    if not isinstance(got_path, str):
        return False
    want = os.path.join(outdir, *rel.split("/"))
    try:
        return os.path.realpath(got_path) == os.path.realpath(want) or os.path.samefile(got_path, want)
    except OSError:
        return False


def check_metadata(exp_md, exp_types, got, diffs, ordered, label="metadata"):
    got_md = got.get("metadata", MISSING)
    if not isinstance(got_md, dict):
        diffs.add(label, "expected an object, got %s" % jtype(got_md))
        return
    exp_keys = list(exp_md.keys())
    got_keys = list(got_md.keys())
    missing = [k for k in exp_keys if k not in got_md]
    extra = [k for k in got_keys if k not in exp_md]
    if missing:
        diffs.add(label, "missing keys %s" % short(missing, 400))
    if extra:
        diffs.add(label, "unexpected keys %s" % short(extra, 400))
    if ordered and not missing and not extra and got_keys != exp_keys:
        for i, (e, g) in enumerate(zip(exp_keys, got_keys)):
            if e != g:
                diffs.add(label, "key order differs at index %d: expected %r, got %r" % (i, e, g))
                break
    for k in exp_keys:
        if k not in got_md:
            continue
        t = exp_types.get(k, "") if exp_types else ""
        f32 = t in ("FLOAT32", "ARRAY[FLOAT32]")
        cmp_value(exp_md[k], got_md[k], "%s[%r]" % (label, k), diffs, f32)


def check_doc(name, exp, doc, fixture_arg, outdir, diffs):
    cmp_value("ckpt.inspect/1", doc.get("schema", MISSING), "schema", diffs)
    cmp_value(exp["format"], doc.get("format", MISSING), "format", diffs)
    cmp_value(fixture_arg, doc.get("path", MISSING), "path", diffs)

    # gguf block
    g = doc.get("gguf", None)
    if exp["gguf"] is None:
        if g is not None:
            diffs.add("gguf", "expected absent or null for %s, got %s" % (exp["format"], short(g)))
    elif not isinstance(g, dict):
        diffs.add("gguf", "expected an object, got %s" % jtype(doc.get("gguf", MISSING)))
    else:
        for k, v in exp["gguf"].items():
            # Readers disagree on where the data section of a file with no
            # tensors starts (ggml pads only when there are tensors; gguf-py
            # always pads), and nothing is read there: not pinned.
            if k == "data_offset" and exp["gguf"]["tensor_count"] == 0:
                continue
            cmp_value(v, g.get(k, MISSING), "gguf.%s" % k, diffs)

    # files: the weight files in order; extra .json entries (index, config) are tolerated
    files = doc.get("files", MISSING)
    if not isinstance(files, list):
        diffs.add("files", "expected an array, got %s" % jtype(files))
        files = []
    weight = [f for f in files if not (isinstance(f, dict) and isinstance(f.get("path"), str)
                                       and f["path"].endswith(".json"))]
    if len(weight) != len(exp["files"]):
        diffs.add("files", "expected %d weight file(s) %s, got %d: %s" % (
            len(exp["files"]), short([f["path"] for f in exp["files"]], 300), len(weight),
            short([f.get("path") if isinstance(f, dict) else f for f in weight], 300)))
    for i, ef in enumerate(exp["files"]):
        match = [j for j, f in enumerate(weight) if isinstance(f, dict) and same_file(f.get("path"), outdir, ef["path"])]
        if not match:
            diffs.add("files[%d]" % i, "no entry for %s" % ef["path"])
            continue
        j = match[0]
        if j != i:
            diffs.add("files", "%s listed at position %d, expected %d" % (ef["path"], j, i))
        cmp_value(ef["size"], weight[j].get("size", MISSING), "files[%s].size" % ef["path"], diffs)

    # metadata
    check_metadata(exp["metadata"], exp.get("metadata_types"), doc, diffs, ordered=exp["format"] == "gguf")
    if "metadata_types" in exp:
        mt = doc.get("metadata_types", MISSING)
        if not isinstance(mt, dict):
            diffs.add("metadata_types", "expected an object, got %s" % jtype(mt))
        else:
            for k, v in exp["metadata_types"].items():
                cmp_value(v, mt.get(k, MISSING), "metadata_types[%r]" % k, diffs)
            extra = [k for k in mt if k not in exp["metadata_types"]]
            if extra:
                diffs.add("metadata_types", "unexpected keys %s" % short(extra, 300))

    # general.architecture / general.name (GGUF only: for safetensors they come from config.json)
    for k in ("architecture", "name"):
        if k in exp:
            cmp_value(exp[k], doc.get(k, MISSING), k, diffs)

    # totals
    for k in ("tensor_count", "param_count", "tensor_bytes"):
        cmp_value(exp[k], doc.get(k, MISSING), k, diffs)

    # tensors
    tensors = doc.get("tensors", MISSING)
    if not isinstance(tensors, list):
        diffs.add("tensors", "expected an array, got %s" % jtype(tensors))
        return
    got_by_name = {}
    for i, t in enumerate(tensors):
        if not isinstance(t, dict) or not isinstance(t.get("name"), str):
            diffs.add("tensors[%d]" % i, "not an object with a string name: %s" % short(t))
            continue
        if t["name"] in got_by_name:
            diffs.add("tensors", "tensor %r listed twice" % t["name"])
        got_by_name[t["name"]] = t
    exp_names = [t["name"] for t in exp["tensors"]]
    if len(tensors) != len(exp_names):
        diffs.add("tensors", "expected %d entries, got %d" % (len(exp_names), len(tensors)))
    missing = [n for n in exp_names if n not in got_by_name]
    extra = [n for n in got_by_name if n not in set(exp_names)]
    if missing:
        diffs.add("tensors", "missing %s" % short(missing, 300))
    if extra:
        diffs.add("tensors", "unexpected %s" % short(extra, 300))
    for et in exp["tensors"]:
        gt = got_by_name.get(et["name"])
        if gt is None:
            continue
        w = "tensor %r" % et["name"]
        for k in ("dtype", "shape", "ne", "offset", "nbytes"):
            cmp_value(et[k], gt.get(k, MISSING), "%s.%s" % (w, k), diffs)
        gf = gt.get("file", MISSING)
        if not same_file(gf, outdir, et["file"]):
            diffs.add("%s.file" % w, "expected %s, got %s" % (et["file"], short(gf)))
    got_names = [t.get("name") for t in tensors if isinstance(t, dict)]
    if not missing and not extra and got_names != exp_names:
        for i, (e, g) in enumerate(zip(exp_names, got_names)):
            if e != g:
                diffs.add("tensors", "order (%s) differs at index %d: expected %r, got %r" % (
                    exp["tensor_order"], i, e, g))
                break


def run(ckpt, args):
    try:
        p = run_cmd([ckpt] + args, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, b"", b"timeout after %ds" % TIMEOUT
    except OSError as e:
        return None, b"", str(e).encode()
    return p.returncode, p.stdout, p.stderr


def inspect(ckpt, fixture_arg, extra, diffs, label):
    args = ["inspect", "--json"] + extra + [fixture_arg]
    rc, out, err = run(ckpt, args)
    errtxt = err.decode("utf-8", "replace").strip().replace("\n", " | ")
    if rc != 0:
        diffs.add(label, "`ckpt %s` exited %s; stderr: %s" % (" ".join(args), rc, errtxt[:400]))
        return None
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError as e:
        diffs.add(label, "stdout is not valid UTF-8: %s" % e)
        return None
    try:
        doc = parse_strict(text)
    except ValueError as e:
        diffs.add(label, "stdout is not one strict JSON document: %s; stdout starts %r" % (e, text[:200]))
        return None
    if not isinstance(doc, dict):
        diffs.add(label, "JSON document is %s, not an object" % jtype(doc))
        return None
    return doc


def check_fixture(ckpt, outdir, name, exp):
    diffs = Diffs()
    notes = []
    fixture_arg = os.path.join(outdir, *name.split("/"))
    doc = inspect(ckpt, fixture_arg, [], diffs, "--json")
    if doc is not None and "tensors" not in doc:
        notes.append("no 'tensors' with --json alone; retried with --tensors")
        doc = inspect(ckpt, fixture_arg, ["--tensors"], diffs, "--json --tensors")
    if doc is not None:
        check_doc(name, exp, doc, fixture_arg, outdir, diffs)
    if exp.get("check_full"):
        fd = Diffs()
        full = inspect(ckpt, fixture_arg, ["--full"], fd, "--json --full")
        if full is not None:
            check_metadata(exp["metadata_full"], exp.get("metadata_types"), full, fd,
                           ordered=exp["format"] == "gguf", label="--full metadata")
        diffs.items.extend(fd.items)
    return diffs, notes


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: check_fixtures.py CKPT_BINARY OUTDIR\n")
        return 2
    ckpt, outdir = argv[1], argv[2]
    if os.sep not in ckpt:
        ckpt = os.path.join(".", ckpt)
    if not os.path.isfile(ckpt) or not os.access(ckpt, os.X_OK):
        sys.stderr.write("check_fixtures: %s is not an executable file\n" % ckpt)
        return 2
    try:
        with open(os.path.join(outdir, "expect.json"), "rb") as f:
            expect = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError) as e:
        sys.stderr.write("check_fixtures: cannot read %s: %s\n" % (os.path.join(outdir, "expect.json"), e))
        return 2
    fixtures = expect["fixtures"]
    failed = []
    width = max(len(n) for n in fixtures) if fixtures else 0
    for name, exp in fixtures.items():
        diffs, notes = check_fixture(ckpt, outdir, name, exp)
        if len(diffs) == 0:
            print(("ok    %-*s%s" % (width, name, ("  (" + "; ".join(notes) + ")") if notes else "")).rstrip())
            continue
        failed.append(name)
        print("FAIL  %-*s  %d difference(s)%s" % (width, name, len(diffs),
                                                  ("  (" + "; ".join(notes) + ")") if notes else ""))
        for d in diffs.items[:MAX_DIFFS_SHOWN]:
            print("        " + d)
        if len(diffs) > MAX_DIFFS_SHOWN:
            print("        ... and %d more" % (len(diffs) - MAX_DIFFS_SHOWN))
    print("%d fixture(s): %d ok, %d failed%s" % (len(fixtures), len(fixtures) - len(failed), len(failed),
                                                 (": " + ", ".join(failed)) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
