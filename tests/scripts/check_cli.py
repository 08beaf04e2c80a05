#!/usr/bin/env python3
"""The command-line contract: help, exit codes, JSON, colour, escaping.

usage: check_cli.py CKPT FIXTURES_DIR

FIXTURES_DIR is what tests/gen/fixtures.py wrote. The reference corpus is
found at testdata/corpus relative to this script's repository.
"""
import json
import os
import sys

sys.dont_write_bytecode = True   # importing checklib leaves no __pycache__ in the source tree
import checklib  # noqa: E402

CORPUS = checklib.CORPUS
C = checklib.Checks()
expect = C.expect


def run(args, env=None):
    """ckpt ARGS without NO_COLOR in the environment (and with env)."""
    return checklib.run([C.ckpt] + args, env=env, unset=("NO_COLOR",), timeout=60)


def check_help():
    r = run(["--help"])
    expect("--help exits 0 and lists inspect", r.returncode == 0 and b"inspect" in r.stdout, repr(r))
    r = run(["inspect", "--help"])
    expect("inspect --help exits 0 with usage on stdout",
           r.returncode == 0 and r.stdout.startswith(b"usage: ckpt inspect") and not r.stderr, repr(r))
    r = run(["--version"])
    expect("--version", r.returncode == 0 and r.stdout.startswith(b"ckpt "), repr(r))


def check_usage_errors():
    for cmd in ("hash", "verify", "diff"):
        r = run([cmd, "--help"])
        expect("%s --help exits 0 with usage on stdout" % cmd,
               r.returncode == 0 and r.stdout.startswith(b"usage: ckpt " + cmd.encode()) and not r.stderr)
    for args, why in [(["hash"], "hash without a model"), (["verify"], "verify without arguments"),
                      (["verify", "a", "b", "c"], "verify with three arguments"),
                      (["verify", "--sha256", "00", "a", "b"], "--sha256 with two files"),
                      (["hash", "--sha256sum", "--json", "x"], "--sha256sum with --json"),
                      (["diff", "a"], "diff with one model"),
                      (["diff", "--map", "gpt5", "a", "b"], "diff --map with an unknown map"),
                      (["diff", "--top", "-1", "a", "b"], "diff --top -1")]:
        r = run(args)
        expect("usage error exits 2: %s" % why, r.returncode == 2 and not r.stdout, repr(r))
    for args, why in [([], "no command"), (["frobnicate"], "unknown command"),
                      (["inspect"], "no model"), (["inspect", "a", "b"], "two models"),
                      (["inspect", "--bogus", "x"], "unknown option"),
                      (["inspect", "--threads", "0", "x"], "--threads 0"),
                      (["inspect", "--threads", "many", "x"], "--threads many"),
                      (["inspect", "--color", "sometimes", "x"], "--color sometimes")]:
        r = run(args)
        expect("usage error exits 2: %s" % why, r.returncode == 2 and not r.stdout, repr(r))


def check_json(fixtures):
    model = os.path.join(CORPUS, "gguf", "corpus-Q4_K_M.gguf")
    r = run(["inspect", "--json", model])
    doc = json.loads(r.stdout)
    expect("--json: one document with the schema", r.returncode == 0 and doc["schema"] == "ckpt.inspect/1")
    # Independent figures: the corpus reference says 525,056 elements in
    # 352,384 bytes of tensor data, and llama-quantize wrote file type 15.
    expect("--json: param_count and tensor_bytes", doc["param_count"] == 525056 and doc["tensor_bytes"] == 352384)
    expect("--json: bits_per_weight", abs(doc["bits_per_weight"] - 352384 * 8 / 525056) < 1e-12)
    expect("--json: file_type from general.file_type", doc["file_type"] == "Q4_K_M" and not doc["file_type_guessed"])
    long_arr = doc["metadata"]["tokenizer.ggml.tokens"]
    expect("--json: long arrays summarised", long_arr == {"type": "STRING", "count": 320,
                                                         "head": long_arr.get("head", [])[:8]}
           and long_arr["head"][:3] == ["<unk>", "<s>", "</s>"], repr(long_arr)[:200])
    expect("--json: hparams from GGUF", doc["hparams"]["layers"] == 1 and doc["hparams"]["head_count"] == 4
           and doc["architecture"] == "llama")
    st = run(["inspect", "--json", os.path.join(CORPUS, "safetensors", "hf-bf16.safetensors")])
    sdoc = json.loads(st.stdout)
    expect("--json: safetensors guessed file type and config.json hparams",
           sdoc["file_type"] == "BF16" and sdoc["file_type_guessed"] and sdoc["hparams"]["source"] == "config.json"
           and sdoc["hparams"]["feed_forward_length"] == 128 and sdoc["architecture"] == "llama", repr(sdoc)[:300])
    r = run(["inspect", "--json", "--color", "always", model])
    expect("--json never carries colour", b"\x1b" not in r.stdout)


def check_text(fixtures):
    model = os.path.join(CORPUS, "gguf", "corpus-Q4_K_M.gguf")
    r = run(["inspect", model])
    out = r.stdout.decode()
    expect("text: summary facts", r.returncode == 0 and "Q4_K_M" in out and "525,056" in out
           and "5.37 bits per weight" in out, out[:400])
    expect("text: no colour when stdout is not a terminal", b"\x1b" not in r.stdout)
    r = run(["inspect", "--color", "always", model])
    expect("text: --color always colours", b"\x1b[" in r.stdout)
    r = run(["inspect", "--color", "always", model], env={"NO_COLOR": "1"})
    expect("text: --color always wins over NO_COLOR", b"\x1b[" in r.stdout)
    r = run(["inspect", "--tensors", model])
    expect("text: --tensors lists every tensor", r.stdout.count(b"blk.0.") == 9 and b"output.weight" in r.stdout)
    # The fixture holds a string with control characters: text output must
    # escape them (no raw ESC, BEL or CR reaches the terminal).
    hostile = os.path.join(fixtures, "gguf-v3-le-all-types.gguf")
    r = run(["inspect", "--full", "--color", "never", hostile])
    raw = [c for c in r.stdout if c < 0x20 and c not in (0x0a,)]
    expect("text: control characters in metadata are escaped", r.returncode == 0 and not raw, repr(raw[:5]))


def check_stats(fixtures):
    model = os.path.join(CORPUS, "gguf", "corpus-Q4_K_M.gguf")
    r = run(["stats", "--help"])
    expect("stats --help", r.returncode == 0 and r.stdout.startswith(b"usage: ckpt stats"))
    r = run(["stats", "--json", "--tensor", "blk.0.attn_*", "--tensor", "output.weight", "--hist", model])
    doc = json.loads(r.stdout)
    names = [t["name"] for t in doc["tensors"]]
    expect("stats --tensor globs select tensors", r.returncode == 0 and names == [
        "output.weight", "blk.0.attn_k.weight", "blk.0.attn_norm.weight", "blk.0.attn_output.weight",
        "blk.0.attn_q.weight", "blk.0.attn_v.weight"], repr(names))
    h = doc["tensors"][0]["hist"]
    expect("stats --hist: 32 bins holding every value, over [min, max]",
           len(h["counts"]) == 32 and sum(h["counts"]) == doc["tensors"][0]["count"]
           and h["lo"] == doc["tensors"][0]["min"] and h["hi"] == doc["tensors"][0]["max"], repr(h)[:200])
    expect("stats summary counts the selected values",
           doc["summary"]["count"] == sum(t["count"] for t in doc["tensors"])
           and doc["summary"]["bits_per_weight"] == {"Q4_K": 4.5, "Q6_K": 6.5625})
    r = run(["stats", "--json", model])
    doc = json.loads(r.stdout)
    ratios = {t["name"]: t["absmax"] / t["std"] for t in doc["tensors"] if t["std"]}
    top = sorted(ratios, key=lambda n: -ratios[n])[:5]
    expect("stats summary: the five largest absmax/std, largest first, each once",
           [o["name"] for o in doc["summary"]["outliers"]] == top, repr(doc["summary"]["outliers"]))
    r = run(["stats", "--tensor", "no.such.*", model])
    expect("stats: a pattern that matches nothing exits 2", r.returncode == 2 and b"no tensor matches" in r.stderr)
    r = run(["stats", os.path.join(fixtures, "gguf-v3-be-all-types.gguf")])
    expect("stats: big-endian blocks without a defined layout exit 2 with data.byte_order",
           r.returncode == 2 and b"[data.byte_order]" in r.stderr and len(r.stderr.splitlines()) == 1, repr(r.stderr))
    r = run(["stats", "--hist", "--color", "always", model])
    expect("stats text: the histogram is drawn with block characters", "\u2588".encode() in r.stdout or
           "\u2587".encode() in r.stdout)


def check_errors():
    bad = os.path.join(CORPUS, "README.md")
    r = run(["inspect", bad])
    lines = r.stderr.decode().splitlines()
    expect("malformed input: exit 2, one line, a rule code", r.returncode == 2 and len(lines) == 1
           and lines[0].startswith("ckpt: ") and "[model.unknown_format]" in lines[0] and not r.stdout, repr(r))


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    C.ckpt, fixtures = sys.argv[1], sys.argv[2]
    check_help()
    check_usage_errors()
    check_json(fixtures)
    check_text(fixtures)
    check_stats(fixtures)
    check_errors()
    print("cli: %d failure(s)" % len(C.failures))
    return 1 if C.failures else 0


if __name__ == "__main__":
    sys.exit(main())
