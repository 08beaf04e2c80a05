#!/usr/bin/env bash
# The inspect benchmark: `ckpt inspect --json` against @huggingface/gguf on a large llama-like GGUF
# (150,000-token BPE tokenizer, 1,000 tensors), built by bench/gen_big_gguf.py on first use.
#
# usage: bash bench/bench_inspect.sh [RUNS]        (from anywhere; paths are relative to the repo root)
# environment:
#   CKPT=path          the ckpt binary (default build/ckpt, under the repo root)
#   RUNS=N             timed runs per tool (default 10; the first argument also sets it)
#   BENCH_FILE=path    the GGUF file (default build/bench/big-vocab.gguf; generated if missing)
#   BENCH_NO_HYPERFINE=1   use the python timing loop even if hyperfine is installed
#   BENCH_ENFORCE=1    exit 1 when ckpt is not at least 20x faster
# Prints a table (tool, median seconds, ratio) and replaces the "## inspect" section of
# bench/RESULTS.md (other sections are kept).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

GOAL=20
big=$(env_path BENCH_FILE build/bench/big-vocab.gguf)
big_label=$(label "$big")
count RUNS 10 "${1:-}"
command -v node >/dev/null || die "node not found"

ensure_file "$big" bench/gen_big_gguf.py "$big"
if [ ! -f tests/peer/node_modules/@huggingface/gguf/package.json ]; then
	echo "$prog: installing the peer (npm ci in tests/peer)" >&2
	(cd tests/peer && npm ci --no-audit --no-fund >&2)
fi
need_ckpt

# both must succeed before they are timed
"$CKPT" inspect --json "$big" >/dev/null || die "'$ckpt_label inspect --json $big_label' failed"
node bench/inspect_peer.mjs "$big" >/dev/null || die "'node bench/inspect_peer.mjs $big_label' failed"

make_tmp
time_opts=(--width 5)
if use_hyperfine; then warm=2; else warm=1; fi
method=$(timing_method "2 warm-up runs, output discarded" "1 warm-up run, stdout to /dev/null")
time_cmd ckpt "$RUNS" "$warm" "$CKPT" inspect --json "$big"
time_cmd peer "$RUNS" "$warm" node bench/inspect_peer.mjs "$big"

size=$(fsize "$big")
peer_ver=$(node -p 'require("./tests/peer/node_modules/@huggingface/gguf/package.json").version')
node_ver=$(node --version)

report inspect ': met$' "$tmp/medians" "$GOAL" "$ckpt_label" "$peer_ver" "$node_ver" "$RUNS" "$method" \
	"$(now_utc)" "$(machine)" "$big_label" "$size" <<'EOF'
import sys
import common
medians, goal, ckpt_label, peer_ver, node_ver, runs, method, when, machine, big_label, size = sys.argv[1:]
t = common.read_medians(medians)[0]
t_ckpt, t_peer, goal, size = t["ckpt"], t["peer"], float(goal), int(size)
ratio = t_peer / t_ckpt if t_ckpt > 0 else float("inf")
met = ratio >= goal
rows = [("ckpt inspect --json (%s)" % ckpt_label, t_ckpt, 1.0),
        ("@huggingface/gguf %s (node %s, bench/inspect_peer.mjs)" % (peer_ver, node_ver), t_peer, ratio)]
w = max(len(r[0]) for r in rows)
print("%-*s  %12s  %8s" % (w, "tool", "median (s)", "ratio"))
for name, t, rt in rows:
    print("%-*s  %12.4f  %7.1fx" % (w, name, t, rt))
print("ckpt is %.1fx faster than @huggingface/gguf (goal: at least %gx): %s" % (ratio, goal, "met" if met else "NOT met")
      if ratio >= 1 else "ckpt is %.1fx SLOWER than @huggingface/gguf (goal: at least %gx faster): NOT met" % (1 / ratio, goal))

lines = [
    "## inspect",
    "",
    "`ckpt inspect --json FILE` against `@huggingface/gguf` reading the same file and printing the same",
    "information as JSON (`node bench/inspect_peer.mjs FILE`), on a synthetic llama-like GGUF v3 made by",
    "`bench/gen_big_gguf.py`: a 150,000-token BPE tokenizer (tokens, scores, token types, ~150,000 merges)",
    "and 1,000 tensor infos. Run with `bash bench/bench_inspect.sh`.",
    "",
    "- date: %s" % when,
    "- machine: %s" % machine,
    "- file: `%s`, %s bytes" % (big_label, format(size, ",")),
    "- timing: median of %s runs per tool, %s" % (runs, method),
    "",
] + common.md_table(["tool", "median (s)", "ratio"],
                    "| %s | %.4f | %.1fx |", rows) + [
    "",
    "Goal: ckpt at least %gx faster. Result: %.1fx, %s." % (goal, ratio, "met" if met else "NOT met"),
    "",
]
common.write_section("inspect", lines)
EOF
