"""GGUF and safetensors, read and written: what the generators of tests/gen and the check scripts share.

Standard library only.  Written from the format facts (GGUF layout, value types, the ggml type
table, the safetensors rules), independently of ckpt's C code, so that a reader bug cannot hide
behind a shared writer bug.  Holds:
  - the format tables (GGUF value types, ggml types, safetensors dtype widths) and Arr, a GGUF array;
  - float32 / float16 / bfloat16 values and their bytes;
  - a GGUF reader (both byte orders, every value type, every ggml type of the table) and writer;
  - a safetensors reader (one file, or an index with its shards) and writer;
  - llama.cpp's q/k row permutation (convert_hf_to_gguf.py LlamaModel.permute);
  - Out, an output folder that counts what was written, and the OUTDIR [CORPUS_DIR] command line.

Importing it writes no __pycache__ (the importer sets sys.dont_write_bytecode first).
"""

import array
import json
import math
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "testdata", "corpus")

# ---------------------------------------------------------------------------------------------
# Format tables

GGUF_VALUE_TYPES = {
    "UINT8": 0, "INT8": 1, "UINT16": 2, "INT16": 3, "UINT32": 4, "INT32": 5, "FLOAT32": 6,
    "BOOL": 7, "STRING": 8, "ARRAY": 9, "UINT64": 10, "INT64": 11, "FLOAT64": 12,
}
GGUF_TYPE_NAMES = {v: k for k, v in GGUF_VALUE_TYPES.items()}
SCALAR_FMT = {
    "UINT8": "B", "INT8": "b", "UINT16": "H", "INT16": "h", "UINT32": "I", "INT32": "i",
    "FLOAT32": "f", "BOOL": "B", "UINT64": "Q", "INT64": "q", "FLOAT64": "d",
}

# name: (id, elements per block, bytes per block)
GGML_TYPES = [
    ("F32", 0, 1, 4), ("F16", 1, 1, 2), ("Q4_0", 2, 32, 18), ("Q4_1", 3, 32, 20),
    ("Q5_0", 6, 32, 22), ("Q5_1", 7, 32, 24), ("Q8_0", 8, 32, 34), ("Q8_1", 9, 32, 36),
    ("Q2_K", 10, 256, 84), ("Q3_K", 11, 256, 110), ("Q4_K", 12, 256, 144), ("Q5_K", 13, 256, 176),
    ("Q6_K", 14, 256, 210), ("Q8_K", 15, 256, 292), ("IQ2_XXS", 16, 256, 66), ("IQ2_XS", 17, 256, 74),
    ("IQ3_XXS", 18, 256, 98), ("IQ1_S", 19, 256, 50), ("IQ4_NL", 20, 32, 18), ("IQ3_S", 21, 256, 110),
    ("IQ2_S", 22, 256, 82), ("IQ4_XS", 23, 256, 136), ("I8", 24, 1, 1), ("I16", 25, 1, 2),
    ("I32", 26, 1, 4), ("I64", 27, 1, 8), ("F64", 28, 1, 8), ("IQ1_M", 29, 256, 56),
    ("BF16", 30, 1, 2), ("TQ1_0", 34, 256, 54), ("TQ2_0", 35, 256, 66), ("MXFP4", 39, 32, 17),
    ("NVFP4", 40, 64, 36), ("Q1_0", 41, 128, 18), ("Q2_0", 42, 64, 18),
]
GGML = {name: (tid, blk, nb) for name, tid, blk, nb in GGML_TYPES}
GGML_BY_ID = {tid: (name, blk, nb) for name, (tid, blk, nb) in GGML.items()}

# safetensors dtype -> bits per element
ST_BITS = {
    "BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "F8_E4M3FNUZ": 8,
    "F8_E5M2FNUZ": 8, "I16": 16, "U16": 16, "F16": 16, "BF16": 16, "I32": 32, "U32": 32,
    "F32": 32, "C64": 64, "F64": 64, "I64": 64, "U64": 64, "F6_E2M3": 6, "F6_E3M2": 6, "F4": 4,
}


def prod(xs):
    return math.prod(xs)


def pad_to(x, n):
    return (x + n - 1) // n * n


# ---------------------------------------------------------------------------------------------
# float32 / float16 / bfloat16 values

def f32(x):
    """Round a Python float to float32 (returned as a Python float)."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def f32_list(xs):
    """Round float64 values to float32 (round to nearest even), as Python floats."""
    return array.array("f", xs).tolist()


def f32_bytes(xs):
    return array.array("f", xs).tobytes()  # little-endian on the machines this runs on


def f32_from_bytes(b):
    a = array.array("f")
    a.frombytes(b)
    if sys.byteorder != "little":
        a.byteswap()
    return a.tolist()


def f16_bytes(vals):
    """float -> IEEE half, round to nearest even (struct's 'e')."""
    return struct.pack("<%de" % len(vals), *vals)


def f16_from_bytes(b):
    return [x[0] for x in struct.iter_unpack("<e", b)]


def bf16_round(xs):
    """float32 values -> the bfloat16 values (round to nearest even; no NaN here), as floats."""
    u = array.array("I")
    u.frombytes(f32_bytes(xs))
    r = array.array("I", [((x + 0x7FFF + ((x >> 16) & 1)) >> 16) << 16 for x in u])
    return f32_from_bytes(r.tobytes())


def bf16_bytes(xs):
    """Bytes of bfloat16 values that are exactly representable (asserted)."""
    u = array.array("I")
    u.frombytes(f32_bytes(xs))
    assert all(x & 0xFFFF == 0 for x in u), "value not representable in bfloat16"
    return array.array("H", [x >> 16 for x in u]).tobytes()


def bf16_from_bytes(b):
    h = array.array("H")
    h.frombytes(b)
    return f32_from_bytes(array.array("I", [x << 16 for x in h]).tobytes())


def gauss_f32(rng, n, std, mean=0.0):
    return f32_list(mean + rng.gauss(0.0, std) for _ in range(n))


# ---------------------------------------------------------------------------------------------
# GGUF metadata values

class Arr:
    """A GGUF array: element type name and items (items are Arr objects when elem == 'ARRAY')."""

    def __init__(self, elem, items):
        self.elem = elem
        self.items = list(items)


def enc_value(t, v, e):
    """Serialise one value of GGUF type t (no leading type id) with struct byte order e."""
    if t == "STRING":
        b = v.encode("utf-8")
        return struct.pack(e + "Q", len(b)) + b
    if t == "ARRAY":
        out = [struct.pack(e + "iQ", GGUF_VALUE_TYPES[v.elem], len(v.items))]
        out.extend(enc_value(v.elem, x, e) for x in v.items)
        return b"".join(out)
    if t == "BOOL":
        return struct.pack("B", 1 if v else 0)
    return struct.pack(e + SCALAR_FMT[t], v)


def kv_bytes(t, v):
    """Canonical little-endian encoding of a kv value: compares values exactly (NaN, -0.0, arrays)."""
    return enc_value(t, v, "<")


def tensor_nbytes(typ, ne):
    """Bytes of a ggml tensor of type typ and dimensions ne (ne[0] innermost; n_dims 0: one element)."""
    _, blk, nb = GGML[typ]
    if not ne:
        return nb
    if ne[0] % blk:
        raise ValueError("ne[0] %d is not a multiple of the %s block %d" % (ne[0], typ, blk))
    return ne[0] // blk * nb * prod(ne[1:])


# ---------------------------------------------------------------------------------------------
# GGUF reader

class GGUFTensor:
    __slots__ = ("name", "type", "ne", "rel", "offset", "nbytes", "raw")

    def __init__(self, name, typ, ne, rel, offset, nbytes, raw):
        self.name, self.type, self.ne, self.rel = name, typ, ne, rel
        self.offset, self.nbytes, self.raw = offset, nbytes, raw


class GGUFFile:
    """version, byte_order ('little'|'big'), alignment, header_end, data_offset, size,
    kv: {key: (type name, value)} (arrays are Arr), kv_order,
    kv_at: {key: (offset of the entry (its key length), offset of the value)},
    tensors: {name: GGUFTensor}, tensor_order."""


def parse_gguf(b, what="GGUF"):
    """Parse the bytes of a GGUF file completely; raises ValueError on anything malformed."""
    if b[:4] != b"GGUF":
        raise ValueError("%s: not a GGUF file" % what)
    v, = struct.unpack_from("<I", b, 4)
    e = "<" if v < 0x10000 else ">"
    g = GGUFFile()
    g.byte_order = "little" if e == "<" else "big"
    g.version, n_t, n_kv = struct.unpack_from(e + "IQQ", b, 4)
    pos = 24

    def string(pos):
        n, = struct.unpack_from(e + "Q", b, pos)
        if pos + 8 + n > len(b):
            raise ValueError("string past EOF")
        return b[pos + 8:pos + 8 + n].decode("utf-8", "surrogateescape"), pos + 8 + n

    def value(t, pos):
        if t == "STRING":
            return string(pos)
        if t == "ARRAY":
            et, n = struct.unpack_from(e + "iQ", b, pos)
            pos += 12
            etn = GGUF_TYPE_NAMES[et]
            if etn in SCALAR_FMT and etn != "BOOL":
                size = struct.calcsize(SCALAR_FMT[etn])
                items = list(struct.unpack_from(e + "%d%s" % (n, SCALAR_FMT[etn]), b, pos))
                return Arr(etn, items), pos + n * size
            items = []
            for _ in range(n):
                x, pos = value(etn, pos)
                items.append(x)
            return Arr(etn, items), pos
        if t == "BOOL":
            return bool(b[pos]), pos + 1
        fmt = SCALAR_FMT[t]
        return struct.unpack_from(e + fmt, b, pos)[0], pos + struct.calcsize(fmt)

    g.kv = {}
    g.kv_order = []
    g.kv_at = {}
    for _ in range(n_kv):
        at = pos
        k, pos = string(pos)
        t, = struct.unpack_from(e + "i", b, pos)
        tn = GGUF_TYPE_NAMES[t]
        val, end = value(tn, pos + 4)
        if k in g.kv:
            raise ValueError("duplicate key %s" % k)
        g.kv[k] = (tn, val)
        g.kv_order.append(k)
        g.kv_at[k] = (at, pos + 4)
        pos = end
    infos = []
    for _ in range(n_t):
        name, pos = string(pos)
        nd, = struct.unpack_from(e + "I", b, pos)
        ne = list(struct.unpack_from(e + "%dq" % nd, b, pos + 4))
        pos += 4 + 8 * nd
        typ, rel = struct.unpack_from(e + "iQ", b, pos)
        pos += 12
        infos.append((name, ne, GGML_BY_ID[typ][0], rel))
    g.alignment = g.kv["general.alignment"][1] if "general.alignment" in g.kv else 32
    g.header_end = pos
    g.data_offset = (pos + g.alignment - 1) // g.alignment * g.alignment
    g.size = len(b)
    g.tensors = {}
    g.tensor_order = []
    for name, ne, typ, rel in infos:
        nb = tensor_nbytes(typ, ne)
        off = g.data_offset + rel
        if off + nb > len(b):
            raise ValueError("tensor %s past EOF" % name)
        g.tensors[name] = GGUFTensor(name, typ, ne, rel, off, nb, b[off:off + nb])
        g.tensor_order.append(name)
    return g


def read_gguf(path):
    """Parse a GGUF file completely; raises ValueError on anything malformed."""
    with open(path, "rb") as f:
        return parse_gguf(f.read(), path)


# ---------------------------------------------------------------------------------------------
# GGUF writer

def gguf_bytes(kvs, tensors, big_endian=False, align=32, version=3):
    """kvs: [(key, type name, value)]; tensors: [(name, ggml type name, ne, raw bytes)] (raw already in
    the file's byte order). The data section starts at the aligned end of the tensor infos; every
    tensor is padded with zeros to the alignment."""
    e = ">" if big_endian else "<"
    out = [b"GGUF", struct.pack(e + "IQQ", version, len(tensors), len(kvs))]
    for k, t, v in kvs:
        out.append(enc_value("STRING", k, e))
        out.append(struct.pack(e + "i", GGUF_VALUE_TYPES[t]))
        out.append(enc_value(t, v, e))
    rel = 0
    blobs = []
    for name, typ, ne, raw in tensors:
        assert len(raw) == tensor_nbytes(typ, ne), name
        out.append(enc_value("STRING", name, e))
        out.append(struct.pack(e + "I", len(ne)) + b"".join(struct.pack(e + "q", d) for d in ne))
        out.append(struct.pack(e + "iQ", GGML[typ][0], rel))
        blobs.append(raw + b"\x00" * (-len(raw) % align))
        rel += len(blobs[-1])
    head = b"".join(out)
    if tensors:
        head += b"\x00" * (-len(head) % align)
    return head + b"".join(blobs)


# ---------------------------------------------------------------------------------------------
# safetensors reader and writer

def st_nbytes(dtype, shape):
    """Bytes of a safetensors tensor; ValueError for an unknown dtype or a fraction of a byte."""
    if dtype not in ST_BITS:
        raise ValueError("unknown dtype %s" % dtype)
    bits = prod(shape) * ST_BITS[dtype]
    if bits % 8:
        raise ValueError("%s %s is not a whole number of bytes" % (dtype, shape))
    return bits // 8


class STModel:
    """meta (the __metadata__ of the first file, or None), tensors {name: (dtype, shape, raw)},
    files [(path, header_len, [names in offset order], metadata)], index (dict or None)."""


def parse_st(b, what="safetensors"):
    """(__metadata__ or None, {name: (dtype, shape, raw)} in data offset order, header length) of the
    bytes of a safetensors file; ValueError unless the tensors tile the buffer up to EOF."""
    n, = struct.unpack_from("<Q", b, 0)
    h = json.loads(b[8:8 + n].decode("utf-8"))
    meta = h.pop("__metadata__", None)
    out = {}
    end = 0
    for name, ent in sorted(h.items(), key=lambda kv: kv[1]["data_offsets"]):
        s, t = ent["data_offsets"]
        if s != end:
            raise ValueError("%s: hole or overlap before %s" % (what, name))
        if t - s != st_nbytes(ent["dtype"], ent["shape"]):
            raise ValueError("%s: %s has the wrong byte count" % (what, name))
        end = t
        out[name] = (ent["dtype"], list(ent["shape"]), b[8 + n + s:8 + n + t])
    if 8 + n + end != len(b):
        raise ValueError("%s: buffer does not end at EOF" % what)
    return meta, out, n


def read_st_file(path):
    with open(path, "rb") as f:
        return parse_st(f.read(), path)


def read_st(path):
    """A single .safetensors file or a model.safetensors.index.json with its shards."""
    m = STModel()
    m.tensors = {}
    m.files = []
    m.index = None
    m.meta = None
    if path.endswith(".index.json"):
        with open(path, "rb") as f:
            m.index = json.loads(f.read().decode("utf-8"))
        d = os.path.dirname(path)
        names = []
        for fn in m.index["weight_map"].values():
            if fn not in names:
                names.append(fn)
        paths = [os.path.join(d, fn) for fn in sorted(names)]
    else:
        paths = [path]
    for i, p in enumerate(paths):
        meta, ts, n = read_st_file(p)
        if i == 0:
            m.meta = meta
        for k in ts:
            if k in m.tensors:
                raise ValueError("%s twice" % k)
        m.tensors.update(ts)
        m.files.append((p, n, list(ts), meta))
    return m


def st_file(header, data, ensure_ascii=True, sort_keys=False):
    """A safetensors file from a header dict, written as given (compact JSON, padded with spaces to a
    multiple of 8; nothing checked, so malformed files too), and a data buffer."""
    h = json.dumps(header, sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=ensure_ascii).encode("utf-8")
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def st_bytes(tensors, metadata=None, keep_order=False, ensure_ascii=True):
    """tensors: [(name, dtype, shape, raw)]. By default as the Hugging Face writer lays them out: header
    keys sorted, data in name order; keep_order: __metadata__ first, then the tensors, header and data,
    in the given order."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    blobs = []
    off = 0
    for name, dtype, shape, raw in (tensors if keep_order else sorted(tensors)):
        assert len(raw) == st_nbytes(dtype, shape), name
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    return st_file(header, b"".join(blobs), ensure_ascii, sort_keys=not keep_order)


# ---------------------------------------------------------------------------------------------
# llama.cpp's q/k permutation

def permute_rows(vals, shape, n_head):
    """convert_hf_to_gguf.py LlamaModel.permute for one head count (the caller picks n_head for q and
    n_head_kv for k): w.reshape(n_head, 2, rows // n_head // 2, *rest).swapaxes(1, 2).reshape(w.shape)."""
    rows, cols = shape[0], prod(shape[1:])
    half = rows // n_head // 2
    out = [None] * rows
    for h in range(n_head):
        for i in range(half):
            for j in range(2):
                out[h * 2 * half + i * 2 + j] = h * 2 * half + j * half + i   # new row <- old row
    res = []
    for r in range(rows):
        o = out[r]
        res.extend(vals[o * cols:(o + 1) * cols])
    return res


def unpermute_rows(vals, shape, n_head):
    rows, cols = shape[0], prod(shape[1:])
    half = rows // n_head // 2
    res = [None] * len(vals)
    for h in range(n_head):
        for i in range(half):
            for j in range(2):
                src = h * 2 * half + i * 2 + j       # permuted row
                dst = h * 2 * half + j * half + i    # original row
                res[dst * cols:(dst + 1) * cols] = vals[src * cols:(src + 1) * cols]
    return res


def permute_reference(vals, shape, n_head, n_head_kv):
    """LlamaModel.permute(w, n_head, n_head_kv) written out literally: the n_head_kv override, then
    reshape(n_head, 2, rows // n_head // 2, cols) as nested lists, swapaxes(1, 2), flatten."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    rows, cols = shape[0], prod(shape[1:])
    half = rows // n_head // 2
    rowl = [vals[r * cols:(r + 1) * cols] for r in range(rows)]
    t = [[[rowl[(h * 2 + a) * half + i] for i in range(half)] for a in range(2)] for h in range(n_head)]
    sw = [[[t[h][a][i] for a in range(2)] for i in range(half)] for h in range(n_head)]
    return [x for h in sw for i in h for row in i for x in row]


def perm_heads(hf_name, n_head, n_head_kv):
    """The head count a Hugging Face tensor's rows are permuted by (q: n_head, k: n_head_kv), or None."""
    if hf_name.endswith("self_attn.q_proj.weight"):
        return n_head
    if hf_name.endswith("self_attn.k_proj.weight"):
        return n_head_kv
    return None


# ---------------------------------------------------------------------------------------------
# Output

class Out:
    """An output folder: write(rel, data) and write_json(rel, obj) take paths relative to root and
    count the files and bytes written."""

    def __init__(self, root, ensure_ascii=False):
        self.root = root
        self.ensure_ascii = ensure_ascii
        self.total = 0
        self.files = []

    def path(self, rel):
        return os.path.join(self.root, *rel.split("/"))

    def write(self, rel, data):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        self.total += len(data)
        self.files.append((rel, len(data)))
        return rel

    def write_json(self, rel, obj):
        return self.write(rel, (json.dumps(obj, indent=2, ensure_ascii=self.ensure_ascii) + "\n").encode("utf-8"))


def out_and_corpus(prog, usage):
    """(OUTDIR, CORPUS_DIR) of the command line OUTDIR [CORPUS_DIR] (CORPUS_DIR defaults to testdata/corpus
    next to tests/); exits 2 after saying why on stderr when they are not that."""
    if len(sys.argv) not in (2, 3):
        print(usage, file=sys.stderr)
        sys.exit(2)
    corpus = sys.argv[2] if len(sys.argv) == 3 else DEFAULT_CORPUS
    if not os.path.isfile(os.path.join(corpus, "MANIFEST.json")):
        print("%s: corpus not found at %s" % (prog, corpus), file=sys.stderr)
        sys.exit(2)
    return sys.argv[1], corpus
