#!/usr/bin/env python3
"""Write a large llama-like GGUF v3 file for the `ckpt inspect` benchmark (stdlib only).

usage: python3 bench/gen_big_gguf.py [--vocab N] [--tensors N] [--seed N] OUT.gguf

What makes it "big" is what a real model's header holds: a byte-level BPE tokenizer with
150,000 vocabulary strings (tokenizer.ggml.tokens), tokenizer.ggml.scores FLOAT32[150000],
tokenizer.ggml.token_type INT32[150000] and ~150,000 BPE merges (tokenizer.ggml.merges, built the
way BPE training builds them: every merge "a b" creates the vocabulary entry "ab"), plus 1,000
tensor infos with llama.cpp names (token_embd, blk.N.attn_q ... blk.N.ffn_down for ~110 blocks,
output_norm, output). Tensors have small shapes (n_embd 256) in a mix of F32/F16/Q8_0/Q4_K with their
exact ggml byte sizes, every offset aligned to 32; tensor data is zeros. The last block may hold
fewer than 9 tensors so that the tensor count is exact. Output is deterministic for a given seed.
The file is written to OUT.tmp and renamed, so a partial file is never left under OUT's name.
"""
import argparse
import os
import random
import struct
import sys

ALIGN = 32
# ggml type: (id, elements per block, bytes per block)
GGML = {"F32": (0, 1, 4), "F16": (1, 1, 2), "Q8_0": (8, 32, 34), "Q4_K": (12, 256, 144)}

T_UINT32, T_INT32, T_FLOAT32, T_BOOL, T_STRING, T_ARRAY, T_UINT64 = 4, 5, 6, 7, 8, 9, 10

CHAT_TEMPLATE = (
    "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- messages[0]['content'] }}\n    {%- else %}\n        {{- 'You are a helpful assistant.' }}\n"
    "    {%- endif %}\n    {{- \"\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query."
    "\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>\" }}\n"
    "    {%- for tool in tools %}\n        {{- \"\\n\" }}\n        {{- tool | tojson }}\n    {%- endfor %}\n"
    "    {{- \"\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments "
    "within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\\"name\\\": <function-name>, \\\"arguments\\\": "
    "<args-json-object>}\\n</tool_call><|im_end|>\\n\" }}\n{%- else %}\n    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n    {%- else %}\n"
    "        {{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}\n    {%- endif %}\n{%- endif %}\n"
    "{%- for message in messages %}\n    {%- if (message.role == 'user') or (message.role == 'system' and not loop.first)"
    " or (message.role == 'assistant' and not message.tool_calls) %}\n"
    "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n"
    "    {%- elif message.role == 'assistant' %}\n        {{- '<|im_start|>' + message.role }}\n"
    "        {%- if message.content %}\n            {{- '\\n' + message.content }}\n        {%- endif %}\n"
    "        {%- for tool_call in message.tool_calls %}\n            {%- if tool_call.function is defined %}\n"
    "                {%- set tool_call = tool_call.function %}\n            {%- endif %}\n"
    "            {{- '\\n<tool_call>\\n{\"name\": \"' }}\n            {{- tool_call.name }}\n"
    "            {{- '\", \"arguments\": ' }}\n            {{- tool_call.arguments | tojson }}\n"
    "            {{- '}\\n</tool_call>' }}\n        {%- endfor %}\n        {{- '<|im_end|>\\n' }}\n"
    "    {%- elif message.role == 'tool' %}\n        {{- '<|im_start|>user\\n<tool_response>\\n' }}\n"
    "        {{- message.content }}\n        {{- '\\n</tool_response><|im_end|>\\n' }}\n    {%- endif %}\n"
    "{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n{%- endif %}\n"
)

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
           "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
           "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>", "<tool_call>",
           "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>",
           "<|repo_name|>", "<|file_sep|>"]


def bytes_to_unicode():
    """GPT-2's byte -> printable character map used by byte-level BPE vocabularies."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for _, c in sorted(zip(bs, cs))]


def make_vocab(n_vocab, rng):
    """Byte-level BPE vocabulary: 256 byte tokens, merged tokens (one per merge), special tokens."""
    base = bytes_to_unicode()
    n_merge = n_vocab - len(base) - len(SPECIAL)
    if n_merge < 0:
        raise SystemExit("gen_big_gguf: --vocab too small")
    tokens = list(base)
    seen = set(tokens)
    merges = []
    # lower-case letters (in English frequency) and the space marker are merged far more often than
    # other bytes, as in real text; a few upper-case letters, digits, punctuation and other bytes
    common = []
    for k, c in enumerate("etaoinshrdlcumwfgypbvkjxqz"):
        common += [c] * (26 - k)
    common += ["Ġ"] * 60 + list("ABCDEFGHIJKLMNOPRSTW") + list("0123456789.,'-_():") + ["Ċ", "ĉ"]
    while len(merges) < n_merge:
        r = rng.random()
        if r < 0.3:
            a = rng.choice(common)
        else:  # prefer recent (longer) tokens as the left part, like later BPE merges
            a = tokens[int(len(tokens) * (1 - rng.random() ** 2)) - 1]
        r = rng.random()
        b = rng.choice(common) if r < 0.8 else rng.choice(base) if r < 0.83 else tokens[rng.randrange(len(tokens))]
        if b[0] == "Ġ":
            continue  # a space starts a word: it is never merged onto the end of one
        t = a + b
        if len(t) > 12 or t in seen:
            continue
        seen.add(t)
        tokens.append(t)
        merges.append(a + " " + b)
    tokens += SPECIAL
    types = [1] * (len(tokens) - len(SPECIAL)) + [3] * len(SPECIAL)  # NORMAL, CONTROL
    return tokens, types, merges


class W:
    """Little-endian GGUF v3 header writer."""

    def __init__(self):
        self.b = bytearray()
        self.n_kv = 0

    def str_(self, s):
        e = s.encode("utf-8")
        self.b += struct.pack("<Q", len(e))
        self.b += e

    def key(self, k, t):
        self.n_kv += 1
        self.str_(k)
        self.b += struct.pack("<i", t)

    def u32(self, k, v):
        self.key(k, T_UINT32)
        self.b += struct.pack("<I", v)

    def u64(self, k, v):
        self.key(k, T_UINT64)
        self.b += struct.pack("<Q", v)

    def f32(self, k, v):
        self.key(k, T_FLOAT32)
        self.b += struct.pack("<f", v)

    def bool_(self, k, v):
        self.key(k, T_BOOL)
        self.b += b"\x01" if v else b"\x00"

    def string(self, k, v):
        self.key(k, T_STRING)
        self.str_(v)

    def arr_str(self, k, vals):
        self.key(k, T_ARRAY)
        self.b += struct.pack("<iQ", T_STRING, len(vals))
        pack = struct.Struct("<Q").pack
        parts = []
        for s in vals:
            e = s.encode("utf-8")
            parts.append(pack(len(e)))
            parts.append(e)
        self.b += b"".join(parts)

    def arr_num(self, k, et, fmt, vals):
        self.key(k, T_ARRAY)
        self.b += struct.pack("<iQ", et, len(vals))
        self.b += struct.pack("<%d%s" % (len(vals), fmt), *vals)


def tensor_plan(n_tensors, n_embd=256, n_ff=128, n_q=64, n_kv=16, n_vocab_rows=1024):
    """Names, ne (ggml order) and types, in the order llama.cpp's converters write them."""
    layer = [
        ("attn_norm", [n_embd], "F32"),
        ("attn_q", [n_embd, n_q], "Q4_K"),
        ("attn_k", [n_embd, n_kv], "Q4_K"),
        ("attn_v", [n_embd, n_kv], "Q8_0"),
        ("attn_output", [n_q, n_embd], "Q8_0"),
        ("ffn_norm", [n_embd], "F32"),
        ("ffn_gate", [n_embd, n_ff], "Q4_K"),
        ("ffn_up", [n_embd, n_ff], "Q4_K"),
        ("ffn_down", [n_ff, n_embd], "Q8_0"),
    ]
    head = [("token_embd.weight", [n_embd, n_vocab_rows], "F16")]
    tail = [("output_norm.weight", [n_embd], "F32"), ("output.weight", [n_embd, n_vocab_rows], "Q8_0")]
    n_body = n_tensors - len(head) - len(tail)
    if n_body < 0:
        raise SystemExit("gen_big_gguf: --tensors too small")
    body = []
    blk = 0
    while len(body) < n_body:
        for name, ne, ty in layer:
            if len(body) == n_body:
                break
            body.append(("blk.%d.%s.weight" % (blk, name), ne, ty))
        blk += 1
    return head + body + tail, blk


def nbytes(ne, ty):
    _, be, bb = GGML[ty]
    assert ne[0] % be == 0, (ne, ty)
    n = ne[0] // be * bb
    for d in ne[1:]:
        n *= d
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--vocab", type=int, default=150000)
    ap.add_argument("--tensors", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    rng = random.Random(a.seed)
    tokens, types, merges = make_vocab(a.vocab, rng)
    plan, n_blocks = tensor_plan(a.tensors)
    n_embd = 256

    w = W()
    w.string("general.architecture", "llama")
    w.string("general.type", "model")
    w.string("general.name", "Bench Big Llama")
    w.string("general.basename", "bench-big-llama")
    w.string("general.size_label", "30M")
    w.string("general.license", "apache-2.0")
    w.arr_str("general.tags", ["text-generation", "benchmark", "synthetic"])
    w.arr_str("general.languages", ["en", "zh", "fr", "de", "es"])
    w.u32("llama.block_count", n_blocks)
    w.u32("llama.context_length", 32768)
    w.u32("llama.embedding_length", n_embd)
    w.u32("llama.feed_forward_length", 128)
    w.u32("llama.attention.head_count", 4)
    w.u32("llama.attention.head_count_kv", 1)
    w.f32("llama.rope.freq_base", 1000000.0)
    w.f32("llama.attention.layer_norm_rms_epsilon", 1e-6)
    w.u32("llama.rope.dimension_count", 64)
    w.u32("llama.vocab_size", len(tokens))
    w.u32("general.file_type", 15)  # Q4_K_M
    w.string("tokenizer.ggml.model", "gpt2")
    w.string("tokenizer.ggml.pre", "qwen2")
    w.arr_str("tokenizer.ggml.tokens", tokens)
    w.arr_num("tokenizer.ggml.scores", T_FLOAT32, "f", [float(-i) for i in range(len(tokens))])
    w.arr_num("tokenizer.ggml.token_type", T_INT32, "i", types)
    w.arr_str("tokenizer.ggml.merges", merges)
    w.u32("tokenizer.ggml.eos_token_id", tokens.index("<|im_end|>"))
    w.u32("tokenizer.ggml.padding_token_id", tokens.index("<|endoftext|>"))
    w.u32("tokenizer.ggml.bos_token_id", tokens.index("<|endoftext|>"))
    w.bool_("tokenizer.ggml.add_bos_token", False)
    w.string("tokenizer.chat_template", CHAT_TEMPLATE)
    w.u32("general.quantization_version", 2)
    w.u64("general.parameter_count_hint", 30_000_000)

    infos = bytearray()
    sizes = []
    off = 0
    for name, ne, ty in plan:
        n = nbytes(ne, ty)
        e = name.encode()
        infos += struct.pack("<Q", len(e)) + e + struct.pack("<I", len(ne))
        infos += struct.pack("<%dq" % len(ne), *ne)
        infos += struct.pack("<iQ", GGML[ty][0], off)
        sizes.append(n)
        off += (n + ALIGN - 1) // ALIGN * ALIGN

    header = b"GGUF" + struct.pack("<IQQ", 3, len(plan), w.n_kv) + bytes(w.b) + bytes(infos)
    header += bytes((-len(header)) % ALIGN)

    tmp = a.out + ".tmp"
    d = os.path.dirname(a.out)
    if d:
        os.makedirs(d, exist_ok=True)
    with open(tmp, "wb") as f:
        f.write(header)
        zero = bytes(1 << 20)
        left = off
        while left:
            k = min(left, len(zero))
            f.write(zero[:k])
            left -= k
    os.replace(tmp, a.out)
    print("gen_big_gguf: wrote %s: %d bytes (header %d), %d kv, %d tensors in %d blocks, %d tokens, %d merges"
          % (a.out, len(header) + off, len(header), w.n_kv, len(plan), n_blocks, len(tokens), len(merges)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
