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

GOAL=20
orig_pwd=$PWD
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

abs() { # a path given relative to the caller's directory, made absolute
	case "$1" in /*) printf '%s\n' "$1" ;; */*) printf '%s\n' "$orig_pwd/$1" ;; *) printf '%s\n' "$1" ;; esac
}
label() { # how a path is shown in the report: relative to the repo root, or just its name
	case "$1" in "$root"/*) printf '%s\n' "${1#"$root"/}" ;; */*) basename "$1" ;; *) printf '%s\n' "$1" ;; esac
}
if [ -n "${CKPT:-}" ]; then CKPT=$(abs "$CKPT"); else CKPT=$root/build/ckpt; fi
if [ -n "${BENCH_FILE:-}" ]; then big=$(abs "$BENCH_FILE"); else big=$root/build/bench/big-vocab.gguf; fi
ckpt_label=$(label "$CKPT")
big_label=$(label "$big")
RUNS=${1:-${RUNS:-10}}
case "$RUNS" in '' | *[!0-9]* | 0) echo "bench_inspect: RUNS must be a positive integer" >&2; exit 2 ;; esac
cd "$root"

die() { echo "bench_inspect: $*" >&2; exit 2; }
command -v python3 >/dev/null || die "python3 not found"
command -v node >/dev/null || die "node not found"

if [ ! -s "$big" ]; then
	echo "bench_inspect: generating $big_label" >&2
	python3 bench/gen_big_gguf.py "$big"
fi
if [ ! -f tests/peer/node_modules/@huggingface/gguf/package.json ]; then
	echo "bench_inspect: installing the peer (npm ci in tests/peer)" >&2
	(cd tests/peer && npm ci --no-audit --no-fund >&2)
fi
[ -x "$CKPT" ] || die "$ckpt_label is not an executable (build it first, or set CKPT)"

# both must succeed before they are timed
"$CKPT" inspect --json "$big" >/dev/null || die "'$ckpt_label inspect --json $big_label' failed"
node bench/inspect_peer.mjs "$big" >/dev/null || die "'node bench/inspect_peer.mjs $big_label' failed"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -z "${BENCH_NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null; then
	method="hyperfine $(hyperfine --version | awk '{print $2}'), 2 warm-up runs, output discarded"
	hyperfine -N --style basic --warmup 2 --runs "$RUNS" --export-json "$tmp/h.json" \
		-n ckpt "$(printf '%q ' "$CKPT" inspect --json "$big")" \
		-n peer "$(printf '%q ' node bench/inspect_peer.mjs "$big")" >&2
	python3 - "$tmp/h.json" >"$tmp/medians" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
print(r["ckpt"]["median"], r["peer"]["median"])
EOF
else
	method="python timing loop (subprocess + perf_counter), 1 warm-up run, stdout to /dev/null"
	python3 - "$RUNS" "$CKPT" "$big" >"$tmp/medians" <<'EOF'
import statistics, subprocess, sys, time
runs, ckpt, big = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def bench(cmd):
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        ts.append(time.perf_counter() - t)
    print("  %-5s median %.4f s  min %.4f  max %.4f" % (cmd[0].rsplit("/", 1)[-1], statistics.median(ts), min(ts), max(ts)), file=sys.stderr)
    return statistics.median(ts)
print(bench([ckpt, "inspect", "--json", big]), bench(["node", "bench/inspect_peer.mjs", big]))
EOF
fi
read -r t_ckpt t_peer <"$tmp/medians"

size=$(wc -c <"$big" | tr -d ' ')
peer_ver=$(node -p 'require("./tests/peer/node_modules/@huggingface/gguf/package.json").version')
node_ver=$(node --version)
cpu=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | sed 's/^[^:]*: *//' || true)
[ -n "$cpu" ] || cpu=$(uname -m)
ncpu=$(nproc)
when=$(date -u '+%Y-%m-%d %H:%M UTC')

python3 - "$t_ckpt" "$t_peer" "$GOAL" "$ckpt_label" "$peer_ver" "$node_ver" "$RUNS" "$method" \
	"$when" "$ncpu" "$cpu" "$big_label" "$size" bench/RESULTS.md >"$tmp/verdict" <<'EOF'
import os, re, sys
(t_ckpt, t_peer, goal, ckpt_label, peer_ver, node_ver, runs, method, when, ncpu, cpu, big_label, size,
 results) = sys.argv[1:]
t_ckpt, t_peer, goal, size = float(t_ckpt), float(t_peer), float(goal), int(size)
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

section = "\n".join([
    "## inspect",
    "",
    "`ckpt inspect --json FILE` against `@huggingface/gguf` reading the same file and printing the same",
    "information as JSON (`node bench/inspect_peer.mjs FILE`), on a synthetic llama-like GGUF v3 made by",
    "`bench/gen_big_gguf.py`: a 150,000-token BPE tokenizer (tokens, scores, token types, ~150,000 merges)",
    "and 1,000 tensor infos. Run with `bash bench/bench_inspect.sh`.",
    "",
    "- date: %s" % when,
    "- machine: %s cores (nproc), %s" % (ncpu, cpu),
    "- file: `%s`, %s bytes" % (big_label, format(size, ",")),
    "- timing: median of %s runs per tool, %s" % (runs, method),
    "",
    "| tool | median (s) | ratio |",
    "|---|---:|---:|",
] + ["| %s | %.4f | %.1fx |" % (n, t, rt) for n, t, rt in rows] + [
    "",
    "Goal: ckpt at least %gx faster. Result: %.1fx, %s." % (goal, ratio, "met" if met else "NOT met"),
    "",
])
text = open(results, encoding="utf-8").read() if os.path.exists(results) else "# Benchmarks\n\n"
m = re.search(r"^## inspect[ \t]*$", text, flags=re.M)
if m:
    nxt = re.search(r"^## ", text[m.end():], flags=re.M)
    end = m.end() + nxt.start() if nxt else len(text)
    text = text[:m.start()] + section + ("\n" if nxt else "") + text[end:]
else:
    text = text.rstrip("\n") + "\n\n" + section
open(results + ".tmp", "w", encoding="utf-8").write(text)
os.replace(results + ".tmp", results)
EOF
cat "$tmp/verdict"
echo "bench_inspect: wrote the \"## inspect\" section of bench/RESULTS.md" >&2
if [ -n "${BENCH_ENFORCE:-}" ] && ! grep -q ': met$' "$tmp/verdict"; then
	exit 1
fi
