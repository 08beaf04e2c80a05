#!/usr/bin/env python3
"""`ckpt hash` and `ckpt verify` against independent computations.

usage: check_integrity.py CKPT FIXTURES_DIR CORPUS_DIR

FIXTURES_DIR is what tests/gen/fixtures.py wrote (its expect.json gives every
tensor's offset and size); CORPUS_DIR is testdata/corpus (its *.ref.json and
*.gguf-hash.txt were made by other tools). Every expected value comes from
sha256sum, sha1sum, xxhsum -H1 (XXH64), xxhsum -H2 (XXH3-128; Debian package
xxhash), dd (to cut out byte ranges), Python's hashlib, or the corpus
references -- never from ckpt's own output. Damaged copies are made in a
temporary folder (removed at the end):

  1. file SHA-256 (text lines, --json files[], --sha256sum | sha256sum -c)
  2. per-tensor XXH3-128 and --tensor-sha256 of every tensor of three corpus
     models, against xxhsum / sha256sum of the bytes dd cuts out
  3. model_digest: same for a re-sharded copy and a metadata-only edit,
     different for changed tensors
  4. --threads 1 and --threads 2 give byte-identical output
  5. ckpt verify against a ckpt manifest (and against a second copy) names
     what was damaged: header, each tensor, padding, trailing bytes,
     truncation, a missing and an extra tensor
  6. sha256sum files, Git LFS pointers, --sha256, malformed evidence
  7. llama-gguf-hash manifests written here (and the corpus's own)
  8. ModelSpec's modelspec.hash_sha256

Prints one line per check and a summary; exits 1 on any failure, 2 on a
usage error.
"""
import hashlib
import json
import os
import re
import shutil
import struct
import sys
import uuid

sys.dont_write_bytecode = True   # importing checklib leaves no __pycache__ in the source tree
import checklib  # noqa: E402
from checklib import short, cmdline  # noqa: E402
from modelio import parse_gguf, gguf_bytes, parse_st, st_bytes  # noqa: E402

EVIDENCE_RULE = re.compile(r"\[evidence\.[a-z0-9_.]+\]")
LLAMA_UUID_NS = "ef001206-dadc-5f6d-a15f-3359e577d4e5"

FIXTURES = CORPUS = TMP = None
C = checklib.Checks(timeout=300)
expect, run, run_json = C.expect, C.run, C.run_json
_serial = [0]


# ----- independent tools -----

def tool(argv, cwd=None):
    """An independent tool's stdout (text); raises when it fails."""
    return checklib.output(argv, cwd=cwd).decode()


def first_field(out):
    return out.split()[0].lstrip("\\").lower()


def sha256sum(path):
    return first_field(tool(["sha256sum", path]))


def sha1sum(path):
    return first_field(tool(["sha1sum", path]))


def xxh64sum(path):
    return first_field(tool(["xxhsum", "-H1", path]))


def xxh128sum(path):
    return first_field(tool(["xxhsum", "-H2", path]))


def extract(path, offset, nbytes, out):
    """Bytes [offset, offset + nbytes) of path into out, cut by dd."""
    tool(["dd", "if=" + path, "of=" + out, "iflag=skip_bytes,count_bytes", "skip=%d" % offset,
          "count=%d" % nbytes, "bs=1M", "status=none"])
    size = os.path.getsize(out)
    if size != nbytes:
        raise RuntimeError("dd cut %d bytes from %s at %d, wanted %d" % (size, path, offset, nbytes))
    return out


def tmp_path(name):
    return os.path.join(TMP, name)


def new_dir(tag):
    _serial[0] += 1
    d = tmp_path("%03d-%s" % (_serial[0], tag))
    os.makedirs(d)
    return d


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def flip(path, offset, mask=0x01):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        if len(b) != 1:
            raise RuntimeError("cannot flip byte %d of %s" % (offset, path))
        f.seek(offset)
        f.write(bytes([b[0] ^ mask]))


def fixture_tensors(name):
    """Tensors of a fixture from expect.json (written by the fixture generator)."""
    with open(os.path.join(FIXTURES, "expect.json")) as f:
        fx = json.load(f)["fixtures"][name]
    return fx["tensors"]


def ref(rel):
    with open(os.path.join(CORPUS, rel + ".ref.json")) as f:
        return json.load(f)


# ----- GGUF and safetensors, written here -----

def gguf_rebuilt(g, tensors):
    """A GGUF with the kvs of g (parsed by modelio) and these tensors [(name, ggml type, ne, bytes)],
    laid out as ggml does."""
    return gguf_bytes([(k,) + g.kv[k] for k in g.kv_order], tensors, align=g.alignment, version=g.version)


def st_build(meta, tensors):
    """A safetensors file: __metadata__ meta (or none), tensors [(name, dtype, shape, bytes)] in this order."""
    return st_bytes(tensors, meta, keep_order=True, ensure_ascii=False)


def st_parts(b):
    """(header length, __metadata__, [(name, dtype, shape, bytes)] in data offset order) of a safetensors file."""
    meta, ts, n = parse_st(b)
    return n, meta, [(k,) + v for k, v in ts.items()]


# ----- 1. file SHA-256 -----

def hash_file_lines(out):
    """The sha256sum lines of `ckpt hash` text output: {path: hex}."""
    lines = {}
    for line in out.decode("utf-8", "replace").split("\n"):
        if not line.strip():
            break
        m = re.match(r"^\\?([0-9a-f]{64})  (.+)$", line)
        if m:
            lines[m.group(2)] = m.group(1)
        else:
            lines[line] = None
    return lines


def check_file_sha256():
    models = [("corpus GGUF", os.path.join(CORPUS, "gguf", "corpus-Q4_K_M.gguf"), ["gguf/corpus-Q4_K_M.gguf"]),
              ("corpus safetensors", os.path.join(CORPUS, "safetensors", "hf-bf16.safetensors"),
               ["safetensors/hf-bf16.safetensors"]),
              ("corpus sharded set", os.path.join(CORPUS, "safetensors", "sharded"),
               ["safetensors/sharded/model-00001-of-00002.safetensors",
                "safetensors/sharded/model-00002-of-00002.safetensors"])]
    for name in ["gguf-v3-le-all-types.gguf", "gguf-v3-le-align64.gguf", "gguf-v2.gguf", "gguf-vocab-only.gguf",
                 "gguf-v3-be-all-types.gguf", "gguf-split", "st-all-dtypes.safetensors", "st-scalar.safetensors",
                 "st-zero-elements.safetensors", "st-empty.safetensors", "st-sharded"]:
        models.append(("fixture " + name, os.path.join(FIXTURES, name), None))
    for label, model, refs in models:
        p = run(["hash", model])
        text = hash_file_lines(p.stdout)
        p2, doc = run_json(["hash", "--json", model])
        if not expect("hash %s: text and --json exit 0" % label, p.returncode == 0 and p2.returncode == 0 and doc,
                      "exit %d / %d: %s" % (p.returncode, p2.returncode, short(p.stderr + p2.stderr))):
            continue
        bad = []
        files = doc.get("files", [])
        if not files:
            bad.append("no files[]")
        for f in files:
            want = sha256sum(f["path"])
            if f.get("sha256") != want:
                bad.append("files[%s].sha256 %s, sha256sum says %s" % (f["path"], f.get("sha256"), want))
            if text.get(f["path"]) != want:
                bad.append("text line for %s: %s, sha256sum says %s" % (f["path"], text.get(f["path"]), want))
            if f.get("size") != os.path.getsize(f["path"]):
                bad.append("files[%s].size %r, the file has %d bytes" % (f["path"], f.get("size"),
                                                                      os.path.getsize(f["path"])))
            hb = f.get("header_bytes")
            if not isinstance(hb, int) or not 0 < hb <= os.path.getsize(f["path"]):
                bad.append("files[%s].header_bytes %r" % (f["path"], hb))
            elif f.get("header_sha256") != hashlib.sha256(read(f["path"])[:hb]).hexdigest():
                bad.append("files[%s].header_sha256 is not the SHA-256 of its first %d bytes" % (f["path"], hb))
            if f.get("name") != os.path.relpath(f["path"], model if os.path.isdir(model) else os.path.dirname(model)):
                bad.append("files[%s].name %r is not relative to the model's folder" % (f["path"], f.get("name")))
        if len(text) != len(files):
            bad.append("%d text lines, %d files in --json" % (len(text), len(files)))
        if doc.get("path") != model:
            bad.append("path %r, given %r" % (doc.get("path"), model))
        if doc.get("schema") != "ckpt.hash/1":
            bad.append("schema %r" % doc.get("schema"))
        for r in refs or []:
            want = ref(r)["sha256"]
            got = [f.get("sha256") for f in files if os.path.samefile(f["path"], os.path.join(CORPUS, r))]
            if got != [want]:
                bad.append("%s: ref.json sha256 %s, got %s" % (r, want, got))
        expect("hash %s: every file's SHA-256 equals sha256sum (text and --json), size, header_sha256"
               % label, not bad, "; ".join(bad))

    # --sha256sum output is what sha256sum -c reads: relative paths, run from the same folder.
    for label, cwd, rel in [("corpus sharded set", os.path.join(CORPUS, "safetensors"), "sharded"),
                            ("corpus GGUF", os.path.join(CORPUS, "gguf"), "corpus-Q8_0.gguf"),
                            ("fixture gguf-split", FIXTURES, "gguf-split")]:
        p = run(["hash", "--sha256sum", rel], cwd=cwd)
        sums = write(tmp_path("sums-%s.txt" % label.replace(" ", "-")), p.stdout)
        c = checklib.run(["sha256sum", "-c", "--strict", sums], cwd=cwd)
        n = len(p.stdout.splitlines())
        expect("hash --sha256sum %s > SUMS; sha256sum -c SUMS passes" % label,
               p.returncode == 0 and c.returncode == 0 and n >= 1 and b"\n\n" not in p.stdout,
               "ckpt exit %d, %d lines; sha256sum -c exit %d: %s" % (p.returncode, n, c.returncode,
                                                                     short(c.stdout + c.stderr)))
    a = os.path.join(CORPUS, "gguf", "corpus-Q4_K_M.gguf")
    b = os.path.join(FIXTURES, "st-sharded")
    p, doc = run_json(["hash", "--json", a, b])
    expect("hash --json with two models: an array of two manifests", p.returncode == 0 and isinstance(doc, list)
           and len(doc) == 2 and doc[0].get("path") == a and doc[1].get("path") == b, short(p.stdout[:300] + p.stderr))


# ----- 2. per-tensor hashes against dd + xxhsum / sha256sum -----

def check_tensor_hashes():
    for rel, refs in [("gguf/corpus-Q4_K_M.gguf", ["gguf/corpus-Q4_K_M.gguf"]),
                      ("gguf/corpus-newtypes.gguf", ["gguf/corpus-newtypes.gguf"]),
                      ("safetensors/sharded", ["safetensors/sharded/model-00001-of-00002.safetensors",
                                               "safetensors/sharded/model-00002-of-00002.safetensors"])]:
        model = os.path.join(CORPUS, rel)
        pi, ins = run_json(["inspect", "--json", model])
        ph, man = run_json(["hash", "--json", "--tensor-sha256", model])
        if not expect("%s: inspect --json and hash --json --tensor-sha256 exit 0" % rel,
                      pi.returncode == 0 and ph.returncode == 0 and ins and man,
                      "exit %d / %d: %s" % (pi.returncode, ph.returncode, short(pi.stderr + ph.stderr))):
            continue
        # The corpus references: offset, size, sha256 and (GGUF) xxh64 of every tensor.
        want = {}
        for r in refs:
            for t in ref(r)["tensors"]:
                want[t["name"]] = dict(t, file=os.path.basename(r))
        got = {t["name"]: t for t in man.get("tensors", [])}
        expect("%s: hash --json lists the %d tensors of the reference" % (rel, len(want)),
               sorted(got) == sorted(want), "got %s" % sorted(got))
        for t in ins["tensors"]:
            name = t["name"]
            w, h = want.get(name), got.get(name)
            bad = []
            if w is None or h is None:
                expect("%s %s: in the reference and the manifest" % (rel, name), False,
                       "reference %s, manifest %s" % (w is not None, h is not None))
                continue
            if (t["offset"], t["nbytes"]) != (w["offset"], w["n_bytes"]):
                bad.append("inspect offset/nbytes %d/%d, ref.json %d/%d" % (t["offset"], t["nbytes"], w["offset"],
                                                                           w["n_bytes"]))
            if (h.get("offset"), h.get("nbytes")) != (w["offset"], w["n_bytes"]):
                bad.append("manifest offset/nbytes %r/%r, ref.json %d/%d" % (h.get("offset"), h.get("nbytes"),
                                                                            w["offset"], w["n_bytes"]))
            if h.get("file") != w["file"]:
                bad.append("manifest file %r, expected %r" % (h.get("file"), w["file"]))
            cut = extract(t["file"], t["offset"], t["nbytes"], tmp_path("tensor.bin"))
            x128, s256 = xxh128sum(cut), sha256sum(cut)
            if s256 != w["sha256"]:
                bad.append("dd cut the wrong bytes: sha256sum %s, ref.json %s" % (s256, w["sha256"]))
            if "xxh64" in w and xxh64sum(cut) != w["xxh64"]:
                bad.append("dd cut the wrong bytes: xxhsum -H1 differs from ref.json")
            if h.get("xxh3_128") != x128:
                bad.append("xxh3_128 %s, xxhsum -H2 says %s" % (h.get("xxh3_128"), x128))
            if h.get("sha256") != s256:
                bad.append("sha256 %s, sha256sum says %s" % (h.get("sha256"), s256))
            expect("%s %s: xxh3_128 = xxhsum -H2, sha256 = sha256sum of the bytes dd cuts at inspect's offset"
                   % (rel, name), not bad, "; ".join(bad))
        # The text table carries the same values.
        p = run(["hash", "--tensor-sha256", model])
        out = p.stdout.decode("utf-8", "replace")
        missing = [n for n, h in got.items() if not re.search(r"^%s\s+\S+\s+%s\s+%s\s*$" % (
            re.escape(n), h.get("xxh3_128"), h.get("sha256")), out, re.M)]
        expect("%s: text table has each tensor's xxh3_128 and sha256" % rel, p.returncode == 0 and not missing,
               "no line for %s" % missing[:3])


# ----- 3. model_digest -----

def digest(model, *extra):
    p, doc = run_json(["hash", "--json"] + list(extra) + [model])
    if p.returncode != 0 or not doc or not re.fullmatch(r"[0-9a-f]{64}", str(doc.get("model_digest"))):
        raise RuntimeError("%s: exit %d, %s" % (cmdline(["hash", "--json", model]), p.returncode, short(p.stderr)))
    return doc["model_digest"]


def check_model_digest():
    st = os.path.join(CORPUS, "safetensors")
    bf16, sharded, ft = (digest(os.path.join(st, n)) for n in ("hf-bf16.safetensors", "sharded", "ft-bf16.safetensors"))
    expect("model_digest: hf-bf16.safetensors = its 2-shard copy", bf16 == sharded, "%s vs %s" % (bf16, sharded))
    expect("model_digest: ft-bf16.safetensors (two tensors changed) differs", ft != bf16, ft)
    expect("model_digest: --no-file-hash gives the same digest",
           digest(os.path.join(st, "sharded"), "--no-file-hash") == sharded)

    src = os.path.join(FIXTURES, "st-all-dtypes.safetensors")
    b = read(src)
    _, meta, tensors = st_parts(b)
    meta = dict(meta or {})
    meta["note"] = (meta.get("note") or "") + " (metadata edited by check_integrity)"
    meta["format"] = "pt"
    edited = write(os.path.join(new_dir("meta-edit"), "st-all-dtypes.safetensors"), st_build(meta, tensors))
    base = digest(src)
    expect("model_digest: a copy with only __metadata__ changed (header rebuilt) keeps the digest",
           digest(edited) == base and sha256sum(edited) != sha256sum(src), "%s vs %s" % (digest(edited), base))
    # One byte flipped in the middle of one tensor.
    t = [x for x in fixture_tensors("st-all-dtypes.safetensors") if x["name"] == "t_f32"][0]
    d = new_dir("digest-flip")
    flipped = os.path.join(d, "st-all-dtypes.safetensors")
    shutil.copyfile(src, flipped)
    flip(flipped, t["offset"] + t["nbytes"] // 2)
    expect("model_digest: one byte flipped in tensor t_f32 changes it", digest(flipped) != base)

    p, doc = run_json(["verify", "--json", os.path.join(st, "hf-bf16.safetensors"), os.path.join(st, "sharded")])
    expect("verify hf-bf16.safetensors sharded/ (two copies, sharded differently): exit 0, ok",
           p.returncode == 0 and doc and doc.get("ok") is True,
           "exit %d: %s" % (p.returncode, short(p.stdout + p.stderr)))
    p, doc = run_json(["verify", "--json", os.path.join(st, "hf-bf16.safetensors"),
                       os.path.join(st, "ft-bf16.safetensors")])
    bad = sorted(t["name"] for t in (doc or {}).get("tensors", []) if t.get("status") != "ok")
    want = ["model.layers.0.mlp.down_proj.weight", "model.layers.0.self_attn.k_proj.weight"]
    expect("verify hf-bf16 ft-bf16: exit 1, exactly the two changed tensors mismatch (corpus README)",
           p.returncode == 1 and bad == want, "exit %d, not ok: %s" % (p.returncode, bad))


# ----- 4. thread count -----

def check_threads():
    for rel in ["gguf/corpus-Q4_K_M.gguf", "safetensors/hf-bf16.safetensors", "safetensors/sharded",
                "gguf/corpus-f32.gguf"]:
        model = os.path.join(CORPUS, rel)
        outs = {}
        for n in ("1", "2", "7"):
            outs[n] = run(["hash", "--json", "--tensor-sha256", "--threads", n, model])
        ok = all(p.returncode == 0 for p in outs.values()) and outs["1"].stdout == outs["2"].stdout == outs["7"].stdout
        expect("hash --json --tensor-sha256 %s: --threads 1, 2 and 7 byte-identical" % rel, ok,
               "exit codes %s" % [p.returncode for p in outs.values()])


# ----- 5. damage -----

class Model:
    """A pristine copy in the temporary folder and its manifest."""

    def __init__(self, tag, src, file_rel=None):
        self.dir = new_dir("pristine-" + tag)
        if os.path.isdir(src):
            shutil.rmtree(self.dir)
            shutil.copytree(src, self.dir)
            self.path = self.dir
        else:
            shutil.copyfile(src, os.path.join(self.dir, os.path.basename(src)))
            self.path = os.path.join(self.dir, os.path.basename(src))
        self.tag = tag
        p = run(["hash", "--json", self.path])
        self.manifest = write(tmp_path("manifest-%s.json" % tag), p.stdout)
        self.ok = expect("hash --json of the pristine %s exits 0" % tag, p.returncode == 0,
                         "exit %d: %s" % (p.returncode, short(p.stderr)))

    def copy(self, what):
        """A fresh copy: (its model path, its folder)."""
        d = new_dir("%s-%s" % (self.tag, re.sub(r"[^A-Za-z0-9_.]+", "-", what)[:40]))
        shutil.rmtree(d)
        shutil.copytree(self.dir, d)
        return os.path.join(d, os.path.relpath(self.path, self.dir)) if self.path != self.dir else d, d

    def damaged(self, what, offset, mask=0x01):
        """A fresh copy (a single file) with the byte at offset flipped: its path."""
        path, _ = self.copy(what)
        flip(path, offset, mask)
        return path


def tensor_flips(m, name, tensors, label):
    """For each tensor with data, a fresh copy of model m with a byte in its middle flipped: verify
    MANIFEST COPY names it in the detail of file name, the only tensor mismatched. Yields (tensor, copy)."""
    for t in tensors:
        if t["nbytes"] == 0:
            continue
        path = m.damaged("tensor-" + t["name"], t["offset"] + t["nbytes"] // 2)
        verify_case(label % t["name"], m.manifest, path, name, ["SHA-256 differs", "damaged tensor '%s'" % t["name"]],
                    {t["name"]: ("mismatch",)})
        yield t, path


def text_says(label, evidence, model, pattern, code=None):
    """ckpt verify EVIDENCE MODEL (text): a line matches pattern (and the exit code is code)."""
    p = run(["verify", evidence, model])
    expect(label, (code is None or p.returncode == code)
           and re.search(pattern, p.stdout.decode("utf-8", "replace"), re.M) is not None, short(p.stdout))


def judge(doc, file_name, file_detail, tensors, other_files_ok=True):
    """Problems with a ckpt.verify/1 document: file_name must be "mismatch"
    with every word of file_detail in its detail; tensors {name: statuses}
    must have one of those statuses and every other tensor "ok"."""
    bad = []
    if not doc:
        return ["no JSON document"]
    if doc.get("schema") != "ckpt.verify/1":
        bad.append("schema %r" % doc.get("schema"))
    if doc.get("ok") is not False:
        bad.append("ok is %r" % doc.get("ok"))
    files = {f.get("path"): f for f in doc.get("files", [])}
    f = files.get(file_name)
    if f is None:
        bad.append("no files[] entry %r (have %s)" % (file_name, sorted(files)))
    else:
        if f.get("status") != "mismatch":
            bad.append("file status %r" % f.get("status"))
        detail = f.get("detail") or ""
        for w in file_detail:
            if w.lower() not in detail.lower():
                bad.append("file detail %r lacks %r" % (detail, w))
    if other_files_ok:
        for n, g in files.items():
            if n != file_name and g.get("status") != "ok":
                bad.append("file %s: %s (%s)" % (n, g.get("status"), g.get("detail")))
    seen = {}
    for t in doc.get("tensors", []):
        seen[t.get("name")] = t
        allowed = tensors.get(t.get("name"), ("ok",))
        if t.get("status") not in allowed:
            bad.append("tensor %s: %s (%s), expected %s" % (t.get("name"), t.get("status"), t.get("detail"),
                                                            "/".join(allowed)))
    for n in tensors:
        if n not in seen:
            bad.append("tensor %s not listed" % n)
    return bad


def verify_case(label, evidence, model, file_name, file_detail, tensors, other_files_ok=True):
    args = ["verify", "--json", evidence, model]
    p, doc = run_json(args)
    bad = judge(doc, file_name, file_detail, tensors, other_files_ok)
    if p.returncode != 1:
        bad.insert(0, "exit %d, expected 1" % p.returncode)
    expect(label, not bad, "%s: %s | stderr: %s" % (cmdline(args), "; ".join(bad), short(p.stderr, 300)))
    return doc


def pristine_ok(m):
    args = ["verify", "--json", m.manifest, m.path]
    p, doc = run_json(args)
    bad = []
    if p.returncode != 0:
        bad.append("exit %d" % p.returncode)
    if not doc or doc.get("ok") is not True:
        bad.append("ok %r" % (doc or {}).get("ok"))
    else:
        bad += ["%s %s: %s" % (k, x.get("path", x.get("name")), x.get("status"))
                for k in ("files", "tensors") for x in doc.get(k, []) if x.get("status") != "ok"]
        if doc.get("evidence", {}).get("kind") != "manifest":
            bad.append("evidence.kind %r" % doc.get("evidence", {}).get("kind"))
        if (doc.get("model_digest") or {}).get("status") != "ok":
            bad.append("model_digest %r" % doc.get("model_digest"))
        if not doc.get("tensors"):
            bad.append("no tensors listed")
    expect("verify MANIFEST %s (pristine copy): exit 0, ok true, every file and tensor ok" % m.tag, not bad,
           "%s: %s | %s" % (cmdline(args), "; ".join(bad), short(p.stderr, 300)))
    # A second, separate copy verifies too.
    copy, _ = m.copy("untouched")
    p = run(["verify", m.manifest, copy])
    expect("verify MANIFEST %s (an untouched copy elsewhere): exit 0" % m.tag, p.returncode == 0,
           "exit %d: %s" % (p.returncode, short(p.stdout + p.stderr)))


def check_damage(check, tag, name):
    """check(m, name) with m a pristine copy of the fixture name (Model tag) that verifies (pristine_ok)."""
    m = Model(tag, os.path.join(FIXTURES, name))
    if m.ok:
        pristine_ok(m)
        check(m, name)


def check_damage_gguf(m, name):
    b = read(m.path)
    g = parse_gguf(b)
    infos = [g.tensors[n] for n in g.tensor_order]
    tensors = fixture_tensors(name)
    expect("gguf: this script's parser agrees with the fixture generator's offsets",
           [(t.name, t.offset) for t in infos] == [(t["name"], t["offset"]) for t in tensors])
    size = len(b)

    # (a) header: a metadata string byte (still parses) and a length byte (does not).
    # the third byte of the general.name string: "alignment 64" -> "alXgnment 64"
    path = m.damaged("header-string", g.kv_at["general.name"][1] + 8 + 2)
    verify_case("gguf: a metadata string byte flipped: the header is damaged, every tensor ok", m.manifest, path, name,
                ["SHA-256 differs", "header", "damaged"], {})
    text_says("gguf: text output says 'MISMATCH  file %s: SHA-256 differs: the header ...'" % name, m.manifest, path,
              r"^MISMATCH  file %s: SHA-256 differs: the header \(metadata and tensor table\) is damaged"
              % re.escape(name))
    path = m.damaged("header-length", g.kv_at[g.kv_order[0]][0] + 7, 0x80)  # the first key's u64 length: huge
    verify_case("gguf: a key length byte flipped (unreadable): header damaged, tensors still checked, all ok",
                m.manifest, path, name, ["SHA-256 differs", "header"], {})

    # (b) one byte in the middle of each tensor.
    for t, path in tensor_flips(m, name, tensors, "gguf: a byte of tensor %s flipped: named in the file's detail, "
                                "the only tensor mismatched"):
        if t is tensors[1]:
            text_says("gguf: text output has 'MISMATCH  tensor %s: XXH3-128 differs'" % t["name"], m.manifest, path,
                      r"^MISMATCH  tensor %s: XXH3-128 differs" % re.escape(t["name"]), code=1)
            verify_case("gguf: verify PRISTINE COPY (two models) names the damaged tensor %s" % t["name"], m.path,
                        path, name, ["damaged tensor '%s'" % t["name"]], {t["name"]: ("mismatch",)})

    # (c) the alignment padding between two tensors.
    spans = sorted((t["offset"], t["offset"] + t["nbytes"]) for t in tensors)
    gaps = [(e, spans[i + 1][0]) for i, (_, e) in enumerate(spans[:-1]) if spans[i + 1][0] > e]
    if expect("gguf: the fixture has padding between two tensors", bool(gaps)):
        lo, hi = gaps[0]
        expect("gguf: the padding is zero bytes", b[lo:hi] == bytes(hi - lo))
        path = m.damaged("padding", (lo + hi) // 2)
        verify_case("gguf: a padding byte between tensors flipped (byte %d): padding or trailing bytes, all tensors ok"
                    % ((lo + hi) // 2), m.manifest, path, name, ["SHA-256 differs", "padding or trailing bytes"], {})

    # (d) trailing bytes after the data: a pristine copy that has them, then one of them flipped.
    mt = Model("gguf-trailing", os.path.join(FIXTURES, name))
    with open(mt.path, "ab") as f:
        f.write(b"trailing bytes after the tensor data\n" * 3)
    p = run(["hash", "--json", mt.path])
    write(mt.manifest, p.stdout)
    if expect("gguf: ckpt hash reads a GGUF with trailing bytes", p.returncode == 0, short(p.stderr)):
        pristine_ok(mt)
        path = mt.damaged("trailing-flip", os.path.getsize(mt.path) - 10)
        verify_case("gguf: a trailing byte flipped: padding or trailing bytes, all tensors ok", mt.manifest, path,
                    name, ["SHA-256 differs", "padding or trailing bytes"], {})
        added = os.path.getsize(mt.path)
        verify_case("gguf: trailing bytes added to the original: size %d bytes, expected %d" % (added, size),
                    m.manifest, mt.path, name, ["size %d bytes, expected %d" % (added, size)], {})

    # Truncated in the middle of the last tensor.
    last = max(tensors, key=lambda t: t["offset"] + t["nbytes"])
    cut = last["offset"] + last["nbytes"] // 2
    path, _ = m.copy("truncated")
    os.truncate(path, cut)
    gone = {t["name"]: ("mismatch", "missing") for t in tensors if t["offset"] + t["nbytes"] > cut}
    verify_case("gguf: truncated to %d bytes: 'size %d bytes, expected %d (truncated)', %s not ok, the rest ok"
                % (cut, cut, size, sorted(gone)), m.manifest, path, name,
                ["size %d bytes, expected %d" % (cut, size), "truncated"], gone)

    # Rebuilt without one tensor, and with one more.
    data = [(t["name"], x.type, x.ne, b[t["offset"]:t["offset"] + t["nbytes"]]) for t, x in zip(tensors, infos)]
    drop = data[3][0]
    path, _ = m.copy("without-" + drop)
    write(path, gguf_rebuilt(g, [x for x in data if x[0] != drop]))
    verify_case("gguf: rebuilt without tensor %s: it is missing, every other tensor ok" % drop, m.manifest, path,
                name, [], {drop: ("missing",)})
    text_says("gguf: text output has 'MISSING   tensor %s'" % drop, m.manifest, path,
              r"^MISSING   tensor %s\b" % re.escape(drop))
    path, _ = m.copy("with-extra")
    extra = ("zz.extra.weight", "F32", [4], struct.pack("<4f", 1, 2, 3, 4))
    write(path, gguf_rebuilt(g, data + [extra]))
    verify_case("gguf: rebuilt with an extra tensor: it is extra, every other tensor ok", m.manifest, path, name, [],
                {extra[0]: ("extra",)})
    text_says("gguf: text output has 'EXTRA     tensor %s'" % extra[0], m.manifest, path,
              r"^EXTRA     tensor %s\b" % re.escape(extra[0]))
    # The same layout rebuilt by this script is byte-identical to the fixture (the writer is right).
    expect("gguf: this script's writer reproduces the fixture from its parts", gguf_rebuilt(g, data) == b)


def check_damage_safetensors(m, name):
    b = read(m.path)
    n, meta, parts = st_parts(b)
    tensors = fixture_tensors(name)
    size = len(b)

    # "ckpt fixtures" -> "ckpu fixtures"
    path = m.damaged("header-string", b.index(b'"ckpt fixtures"', 8, 8 + n) + 4)
    verify_case("safetensors: a __metadata__ string byte flipped: the header is damaged, every tensor ok",
                m.manifest, path, name, ["SHA-256 differs", "header", "damaged"], {})
    path = m.damaged("header-length", 7, 0x80)  # the u64 header length becomes huge
    verify_case("safetensors: a header length byte flipped (unreadable): header damaged, tensors all ok",
                m.manifest, path, name, ["SHA-256 differs", "header"], {})

    for t, path in tensor_flips(m, name, tensors, "safetensors: a byte of tensor %s flipped: named, the only "
                                "tensor mismatched"):
        if t["name"] == "t_f32":
            verify_case("safetensors: verify PRISTINE COPY (two models) names the damaged tensor t_f32", m.path, path,
                        name, ["damaged tensor 't_f32'"], {"t_f32": ("mismatch",)})

    cut = size - 20
    path, _ = m.copy("truncated")
    os.truncate(path, cut)
    gone = {t["name"]: ("mismatch", "missing") for t in tensors if t["offset"] + t["nbytes"] > cut}
    verify_case("safetensors: truncated by 20 bytes: 'size %d bytes, expected %d (truncated)'" % (cut, size),
                m.manifest, path, name, ["size %d bytes, expected %d" % (cut, size), "truncated"], gone)

    drop = "t_i32"
    path, _ = m.copy("without-" + drop)
    write(path, st_build(meta, [x for x in parts if x[0] != drop]))
    verify_case("safetensors: rebuilt without tensor %s: it is missing, every other tensor ok" % drop, m.manifest,
                path, name, [], {drop: ("missing",)})
    path, _ = m.copy("with-extra")
    write(path, st_build(meta, parts + [("zz_extra", "F32", [2], struct.pack("<2f", 1.5, -2.5))]))
    verify_case("safetensors: rebuilt with an extra tensor: it is extra, every other tensor ok", m.manifest, path,
                name, [], {"zz_extra": ("extra",)})


def check_damage_shards(m, name):
    tensors = fixture_tensors(name)
    for shard in ("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"):
        t = [x for x in tensors if os.path.basename(x["file"]) == shard][2]
        path, d = m.copy("tensor-" + t["name"])
        flip(os.path.join(d, shard), t["offset"] + t["nbytes"] // 2)
        verify_case("shards: a byte of %s in %s flipped: that file names it, the other file and tensors ok"
                    % (t["name"], shard), m.manifest, path, shard,
                    ["SHA-256 differs", "damaged tensor '%s'" % t["name"]],
                    {t["name"]: ("mismatch",)})
        if shard.startswith("model-00002"):
            verify_case("shards: verify PRISTINE COPY (two models) names the damaged tensor %s" % t["name"], m.path,
                        path, shard, ["damaged tensor '%s'" % t["name"]], {t["name"]: ("mismatch",)})
    shard = "model-00002-of-00002.safetensors"
    path, d = m.copy("truncated")
    f = os.path.join(d, shard)
    size = os.path.getsize(f)
    os.truncate(f, size - 100)
    gone = {t["name"]: ("mismatch", "missing") for t in tensors
            if os.path.basename(t["file"]) == shard and t["offset"] + t["nbytes"] > size - 100}
    verify_case("shards: %s truncated by 100 bytes: size and truncated, shard 1 ok" % shard, m.manifest, path, shard,
                ["size %d bytes, expected %d" % (size - 100, size), "truncated"], gone)


# ----- 6. sha256sum files, LFS pointers, --sha256, malformed evidence -----

def one_error_line(p, rule=None):
    """Problems with an exit-2 refusal: one stderr line naming an evidence.* rule."""
    bad = []
    if p.returncode != 2:
        bad.append("exit %d, expected 2" % p.returncode)
    lines = p.stderr.decode("utf-8", "replace").splitlines()
    if len(lines) != 1:
        bad.append("%d stderr lines" % len(lines))
    elif not lines[0].startswith("ckpt: "):
        bad.append("stderr does not start with 'ckpt: '")
    if rule and ("[%s]" % rule).encode() not in p.stderr:
        bad.append("no [%s]" % rule)
    elif not rule and not EVIDENCE_RULE.search(p.stderr.decode("utf-8", "replace")):
        bad.append("no [evidence.*] rule")
    if p.stdout:
        bad.append("stdout not empty")
    return bad


def check_sums_and_lfs():
    # A sha256sum file for the two shards of a model folder; one shard damaged.
    src = os.path.join(FIXTURES, "st-sharded")
    d = new_dir("sums-pristine")
    shutil.rmtree(d)
    shutil.copytree(src, d)
    shards = sorted(x for x in os.listdir(d) if x.endswith(".safetensors"))
    sums = write(tmp_path("SHA256SUMS"), tool(["sha256sum"] + shards, cwd=d).encode())
    p, doc = run_json(["verify", "--json", sums, d])
    expect("verify SHA256SUMS DIR (sha256sum file, pristine): exit 0, both files ok, kind sha256sum",
           p.returncode == 0 and doc and doc.get("ok") is True and doc.get("evidence", {}).get("kind") == "sha256sum"
           and sorted(f.get("path") for f in doc.get("files", []) if f.get("status") == "ok") == shards,
           "exit %d: %s" % (p.returncode, short(p.stdout + p.stderr)))
    dmg = new_dir("sums-damaged")
    shutil.rmtree(dmg)
    shutil.copytree(d, dmg)
    t = [x for x in fixture_tensors("st-sharded") if os.path.basename(x["file"]) == shards[1]][0]
    flip(os.path.join(dmg, shards[1]), t["offset"] + 3)
    p, doc = run_json(["verify", "--json", sums, dmg])
    st = {f.get("path"): f.get("status") for f in (doc or {}).get("files", [])}
    expect("verify SHA256SUMS DIR (one shard damaged): exit 1, that shard mismatch, the other ok",
           p.returncode == 1 and st == {shards[0]: "ok", shards[1]: "mismatch"},
           "exit %d, files %s: %s" % (p.returncode, st, short(p.stderr)))
    text_says("verify SHA256SUMS DIR text: 'MISMATCH  file %s'" % shards[1], sums, dmg,
              r"^MISMATCH  file %s" % re.escape(shards[1]))
    # A checksum file with a '*' (binary mode) marker and a file that is not part of the model.
    extra = write(os.path.join(d, "README.md"), b"not a model file\n")
    sums2 = write(tmp_path("SHA256SUMS-2"), ("%s *%s\n%s  README.md\n" % (sha256sum(os.path.join(d, shards[0])),
                                                                         shards[0], sha256sum(extra))).encode())
    p = run(["verify", sums2, d])
    expect("verify: sha256sum '*' lines and a non-model file in the list: exit 0", p.returncode == 0,
           "exit %d: %s" % (p.returncode, short(p.stdout + p.stderr)))

    # Git LFS pointer of one GGUF file.
    name = "gguf-v3-le-align64.gguf"
    g = new_dir("lfs")
    good = os.path.join(g, name)
    shutil.copyfile(os.path.join(FIXTURES, name), good)
    oid, size = sha256sum(good), os.path.getsize(good)
    pointer = write(tmp_path("pointer"), ("version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n"
                                          % (oid, size)).encode())
    p, doc = run_json(["verify", "--json", pointer, good])
    expect("verify POINTER FILE (Git LFS pointer, a good copy): exit 0, ok, kind lfs",
           p.returncode == 0 and doc and doc.get("ok") is True and doc.get("evidence", {}).get("kind") == "lfs",
           "exit %d: %s" % (p.returncode, short(p.stdout + p.stderr)))
    bad_copy = os.path.join(new_dir("lfs-damaged"), name)
    shutil.copyfile(good, bad_copy)
    flip(bad_copy, 700)
    p, doc = run_json(["verify", "--json", pointer, bad_copy])
    fs = (doc or {}).get("files", [])
    expect("verify POINTER FILE (a byte flipped): exit 1, the file mismatch",
           p.returncode == 1 and len(fs) == 1 and fs[0].get("status") == "mismatch",
           "exit %d: %s" % (p.returncode, short(p.stdout + p.stderr)))
    short_copy = os.path.join(new_dir("lfs-truncated"), name)
    shutil.copyfile(good, short_copy)
    os.truncate(short_copy, size - 64)
    p, doc = run_json(["verify", "--json", pointer, short_copy])
    fs = (doc or {}).get("files", [])
    want = "size %d bytes, expected %d" % (size - 64, size)
    expect("verify POINTER FILE (truncated): exit 1, detail '%s'" % want,
           p.returncode == 1 and len(fs) == 1 and fs[0].get("status") == "mismatch"
           and want in (fs[0].get("detail") or ""), "exit %d: %s" % (p.returncode, short(p.stdout + p.stderr)))
    wrong_size = write(tmp_path("pointer-size"), ("version https://git-lfs.github.com/spec/v1\noid sha256:%s\n"
                                                  "size %d\n" % (oid, size + 1)).encode())
    p, doc = run_json(["verify", "--json", wrong_size, good])
    fs = (doc or {}).get("files", [])
    want = "size %d bytes, expected %d" % (size, size + 1)
    expect("verify POINTER FILE (pointer's size is one more): exit 1, detail '%s'" % want,
           p.returncode == 1 and len(fs) == 1 and want in (fs[0].get("detail") or ""),
           "exit %d: %s" % (p.returncode, short(p.stdout + p.stderr)))

    # --sha256 HEX FILE, both ways.
    p, doc = run_json(["verify", "--json", "--sha256", oid, good])
    expect("verify --sha256 HEX FILE (right): exit 0, ok, kind sha256",
           p.returncode == 0 and doc and doc.get("ok") is True and doc.get("evidence", {}).get("kind") == "sha256",
           "exit %d: %s" % (p.returncode, short(p.stdout + p.stderr)))
    p, doc = run_json(["verify", "--json", "--sha256", oid, bad_copy])
    expect("verify --sha256 HEX FILE (damaged): exit 1, ok false", p.returncode == 1 and doc and doc.get("ok") is False,
           "exit %d: %s" % (p.returncode, short(p.stdout + p.stderr)))

    # Malformed evidence: exit 2, one stderr line with the rule.
    p = run(["verify", "--sha256", oid[:63], good])
    b = one_error_line(p)
    expect("verify --sha256 with 63 hex digits: exit 2, one stderr line, an [evidence.*] rule", not b,
           "; ".join(b) + " | stderr: " + short(p.stderr))
    badsums = write(tmp_path("SHA256SUMS-bad"), ("%s  %s\n%s  %s\n" % (sha256sum(os.path.join(d, shards[0])), shards[0],
                                                                      oid[:62], shards[1])).encode())
    p = run(["verify", badsums, d])
    b = one_error_line(p, "evidence.line")
    expect("verify: a sha256sum line with 62 hex digits: exit 2, one line, [evidence.line]", not b,
           "; ".join(b) + " | stderr: " + short(p.stderr))
    nosize = write(tmp_path("pointer-nosize"), ("version https://git-lfs.github.com/spec/v1\noid sha256:%s\n"
                                                % oid).encode())
    p = run(["verify", nosize, good])
    b = one_error_line(p, "evidence.lfs")
    expect("verify: an LFS pointer without size: exit 2, one line, [evidence.lfs]", not b,
           "; ".join(b) + " | stderr: " + short(p.stderr))
    badoid = write(tmp_path("pointer-badoid"), ("version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n"
                                                % (oid[:40], size)).encode())
    p = run(["verify", badoid, good])
    b = one_error_line(p, "evidence.lfs")
    expect("verify: an LFS pointer with a 40-digit oid: exit 2, one line, [evidence.lfs]", not b,
           "; ".join(b) + " | stderr: " + short(p.stderr))


# ----- 7. llama-gguf-hash manifests -----

def llama_uuid(data_path):
    """UUIDv5 as llama-gguf-hash makes it: SHA-1 over the namespace bytes and
    all tensor data, version 5 and RFC 4122 variant bits set."""
    h = hashlib.sha1(uuid.UUID(LLAMA_UUID_NS).bytes)
    with open(data_path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    u = bytearray(h.digest()[:16])
    u[6] = (u[6] & 0x0F) | 0x50
    u[8] = (u[8] & 0x3F) | 0x80
    return str(uuid.UUID(bytes=bytes(u)))


def hash_line(kind, hexval, name):
    return "%-8s  %s  %s\n" % (kind, hexval, name)


def check_gguf_hash():
    name = "corpus-Q4_K_M.gguf"
    model = os.path.join(CORPUS, "gguf", name)
    r = ref("gguf/" + name)
    order = sorted(r["tensors"], key=lambda t: t["index"])
    g = parse_gguf(read(model))
    expect("gguf-hash: this script's parser agrees with ref.json on the tensor order and offsets",
           [(n, g.tensors[n].offset) for n in g.tensor_order] == [(t["name"], t["offset"]) for t in order])
    lines = []
    per = {}
    alldata = tmp_path("all-tensor-data.bin")
    with open(alldata, "wb") as out:
        for t in order:
            cut = extract(model, t["offset"], t["n_bytes"], tmp_path("tensor.bin"))
            per[t["name"]] = {"xxh64": xxh64sum(cut), "sha1": sha1sum(cut), "sha256": sha256sum(cut)}
            for k in ("xxh64", "sha1", "sha256"):
                lines.append(hash_line(k, per[t["name"]][k], "%s:%s" % (name, t["name"])))
            out.write(read(cut))
    whole = [hash_line("xxh64", xxh64sum(alldata), name), hash_line("sha1", sha1sum(alldata), name),
             hash_line("sha256", sha256sum(alldata), name), hash_line("uuid", llama_uuid(alldata), name)]
    text = "".join(lines + whole)
    mine = write(tmp_path(name + ".gguf-hash.txt"), text.encode())
    theirs = os.path.join(CORPUS, "gguf", name + ".gguf-hash.txt")
    expect("gguf-hash: the manifest computed here (xxhsum -H1, sha1sum, sha256sum, hashlib UUIDv5) equals the "
           "corpus's llama-gguf-hash output", read(theirs).decode() == text,
           "first difference: %s" % next((("mine %r, corpus %r" % (a, b)) for a, b in
                                          zip(text.splitlines(), read(theirs).decode().splitlines()) if a != b),
                                         "length"))
    for label, ev in [("computed here", mine), ("the corpus's own", theirs)]:
        p, doc = run_json(["verify", "--json", ev, model])
        bad = [t.get("name") for t in (doc or {}).get("tensors", []) if t.get("status") != "ok"]
        n_ok = len([t for t in (doc or {}).get("tensors", []) if t.get("status") == "ok"])
        expect("verify GGUF_HASH MODEL (%s): exit 0, ok, kind gguf-hash, %d tensors ok, nothing unchecked"
               % (label, len(order)), p.returncode == 0 and doc and doc.get("ok") is True
               and doc.get("evidence", {}).get("kind") == "gguf-hash" and not bad and n_ok == len(order)
               and not doc.get("unchecked"), "exit %d, not ok %s, %d ok: %s" % (p.returncode, bad, n_ok,
                                                                                short(p.stdout + p.stderr)))
    # xxh64 lines only (llama-gguf-hash's default).
    xonly = write(tmp_path("xxh64-only.txt"), "".join(x for x in lines + whole if x.startswith("xxh64")).encode())
    p = run(["verify", xonly, model])
    expect("verify GGUF_HASH MODEL with xxh64 lines only: exit 0", p.returncode == 0,
           "exit %d: %s" % (p.returncode, short(p.stdout + p.stderr)))
    # One wrong line: the sha256 of blk.0.attn_q.weight.
    victim = "blk.0.attn_q.weight"
    good = per[victim]["sha256"]
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    bad_text = text.replace(hash_line("sha256", good, "%s:%s" % (name, victim)),
                            hash_line("sha256", wrong, "%s:%s" % (name, victim)))
    assert bad_text != text
    ev = write(tmp_path("wrong-line.gguf-hash.txt"), bad_text.encode())
    p, doc = run_json(["verify", "--json", ev, model])
    bad = {t.get("name"): t.get("status") for t in (doc or {}).get("tensors", []) if t.get("status") != "ok"}
    expect("verify GGUF_HASH MODEL with one wrong sha256 line: exit 1, %s mismatch, no other tensor" % victim,
           p.returncode == 1 and bad == {victim: "mismatch"}, "exit %d, not ok %s: %s" % (p.returncode, bad,
                                                                                            short(p.stderr)))
    # A wrong whole-model line (the uuid): the data as a whole mismatches, every tensor is still ok.
    u = llama_uuid(alldata)
    wrong_u = u[:-1] + ("0" if u[-1] != "0" else "1")
    ev = write(tmp_path("wrong-uuid.gguf-hash.txt"), text.replace(hash_line("uuid", u, name),
                                                                  hash_line("uuid", wrong_u, name)).encode())
    p, doc = run_json(["verify", "--json", ev, model])
    bad = {t.get("name"): t.get("status") for t in (doc or {}).get("tensors", []) if t.get("status") != "ok"}
    expect("verify GGUF_HASH MODEL with a wrong uuid line: exit 1, ok false, every tensor ok",
           p.returncode == 1 and doc and doc.get("ok") is False and not bad,
           "exit %d, not ok %s: %s" % (p.returncode, bad, short(p.stdout + p.stderr)))
    # An unknown hash type: reported in "unchecked", and the rest still verifies.
    unknown = hash_line("blake3", "ab" * 32, "%s:%s" % (name, victim))
    ev = write(tmp_path("unknown-type.gguf-hash.txt"), (text + unknown).encode())
    p, doc = run_json(["verify", "--json", ev, model])
    un = (doc or {}).get("unchecked", [])
    n_lines = text.count("\n") + 1
    expect("verify GGUF_HASH MODEL with an unknown hash type line: exit 0, the line in 'unchecked'",
           p.returncode == 0 and doc and doc.get("ok") is True and len(un) == 1 and un[0].get("line") == n_lines
           and "blake3" in (un[0].get("text") or "") and un[0].get("why"),
           "exit %d, unchecked %s: %s" % (p.returncode, un, short(p.stderr)))
    # A damaged copy is caught by the corpus's own manifest, naming the tensor.
    d = new_dir("gguf-hash-damaged")
    copy = os.path.join(d, name)
    shutil.copyfile(model, copy)
    t = [x for x in order if x["name"] == victim][0]
    flip(copy, t["offset"] + t["n_bytes"] // 2)
    p, doc = run_json(["verify", "--json", theirs, copy])
    bad = {x.get("name"): x.get("status") for x in (doc or {}).get("tensors", []) if x.get("status") != "ok"}
    expect("verify CORPUS_GGUF_HASH DAMAGED_COPY: exit 1, %s mismatch, no other tensor" % victim,
           p.returncode == 1 and bad == {victim: "mismatch"}, "exit %d, not ok %s: %s" % (p.returncode, bad,
                                                                                            short(p.stderr)))


# ----- 8. ModelSpec -----

def check_modelspec():
    parts = [("a.weight", "F32", [2, 3], struct.pack("<6f", 0.5, -1, 2, 3.25, -4, 5)),
             ("b.bias", "BF16", [4], bytes([0x80, 0x3F, 0x00, 0x40, 0x40, 0x40, 0x80, 0xC0]))]
    data = b"".join(x[3] for x in parts)
    want = "0x" + hashlib.sha256(data).hexdigest()
    d = new_dir("modelspec")
    good = write(os.path.join(d, "model.safetensors"),
                 st_build({"modelspec.sai_model_spec": "1.0.0", "modelspec.hash_sha256": want}, parts))
    n, meta, _ = st_parts(read(good))
    expect("modelspec: the file written here carries 0x + SHA-256 of its data section",
           meta["modelspec.hash_sha256"] == "0x" + hashlib.sha256(read(good)[8 + n:]).hexdigest())
    p, doc = run_json(["verify", "--json", good])
    expect("verify FILE (modelspec.hash_sha256 matches): exit 0, ok, kind modelspec",
           p.returncode == 0 and doc and doc.get("ok") is True and doc.get("evidence", {}).get("kind") == "modelspec",
           "exit %d: %s" % (p.returncode, short(p.stdout + p.stderr)))
    bad = os.path.join(new_dir("modelspec-damaged"), "model.safetensors")
    shutil.copyfile(good, bad)
    flip(bad, 8 + n + 5)
    p, doc = run_json(["verify", "--json", bad])
    expect("verify FILE (one data byte flipped): exit 1, ok false",
           p.returncode == 1 and doc and doc.get("ok") is False,
           "exit %d: %s" % (p.returncode, short(p.stdout + p.stderr)))
    plain = write(os.path.join(new_dir("modelspec-none"), "model.safetensors"), st_build({"format": "pt"}, parts))
    p = run(["verify", plain])
    lines = p.stderr.decode("utf-8", "replace").splitlines()
    expect("verify FILE without modelspec.hash_sha256: exit 2, one stderr line", p.returncode == 2 and len(lines) == 1
           and lines[0].startswith("ckpt: ") and not p.stdout, "exit %d, stderr: %s" % (p.returncode, short(p.stderr)))
    # The embedded hash is checked in every form: a wrong one fails even when the file's SHA-256 matches.
    liar = write(os.path.join(new_dir("modelspec-wrong"), "model.safetensors"),
                 st_build({"modelspec.hash_sha256": "0x" + hashlib.sha256(b"other data").hexdigest()}, parts))
    p, doc = run_json(["verify", "--json", "--sha256", sha256sum(liar), liar])
    expect("verify --sha256 (right) on a file whose modelspec.hash_sha256 is wrong: exit 1",
           p.returncode == 1 and doc and doc.get("ok") is False,
           "exit %d: %s" % (p.returncode, short(p.stdout + p.stderr)))


# ----- main -----

SECTIONS = [("1 file SHA-256", check_file_sha256), ("2 per-tensor hashes", check_tensor_hashes),
            ("3 model_digest", check_model_digest), ("4 threads", check_threads),
            ("5a damage: GGUF", check_damage, check_damage_gguf, "gguf", "gguf-v3-le-align64.gguf"),
            ("5b damage: safetensors", check_damage, check_damage_safetensors, "st", "st-all-dtypes.safetensors"),
            ("5c damage: 2-shard set", check_damage, check_damage_shards, "shards", "st-sharded"),
            ("6 sha256sum, LFS, --sha256", check_sums_and_lfs), ("7 llama-gguf-hash", check_gguf_hash),
            ("8 ModelSpec", check_modelspec)]


def main():
    global FIXTURES, CORPUS, TMP
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    C.ckpt = os.path.abspath(sys.argv[1])
    FIXTURES, CORPUS = os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    for need in ("sha256sum", "sha1sum", "xxhsum", "dd"):
        if not shutil.which(need):
            print("check_integrity: %s not found (xxhsum: Debian package xxhash)" % need, file=sys.stderr)
            return 2
    if not os.access(C.ckpt, os.X_OK) or not os.path.isfile(os.path.join(FIXTURES, "expect.json")) \
            or not os.path.isfile(os.path.join(CORPUS, "MANIFEST.json")):
        print(__doc__, file=sys.stderr)
        return 2
    with checklib.temp_dir("ckpt-integrity-") as TMP:
        for title, fn, *args in SECTIONS:
            print("-- %s" % title)
            C.guard(title, fn, *args)
    print("integrity: %d checks, %d failure(s)" % (C.n, len(C.failures)))
    return 1 if C.failures else 0

if __name__ == "__main__":
    sys.exit(main())
