#!/usr/bin/env bash
# The stats benchmark: `ckpt stats --json` against numpy (bench/stats_numpy.py) and against `cat` on
# two large synthetic files made by bench/gen_stats_models.py on first use: a ~1.9 GB BF16
# safetensors (llama-3-8B shapes) and a ~1 GB GGUF whose weights are Q4_K.
#
# usage: bash bench/bench_stats.sh [RUNS]        (from anywhere; paths are relative to the repo root)
# environment:
#   CKPT=path          the ckpt binary (default build/ckpt, under the repo root)
#   RUNS=N             timed runs of ckpt and cat per file (default 5; the first argument also sets it)
#   NUMPY_RUNS=N       timed runs of numpy per file (default 3: numpy takes seconds per run)
#   BENCH_DIR=path     where the two files are (default build/bench; generated there if missing)
#   BENCH_NO_HYPERFINE=1   use the python timing loop even if hyperfine is installed
#   BENCH_ENFORCE=1    exit 1 when a goal is not met or ckpt's figures differ from numpy's
# Goals: ckpt at least 10x faster than numpy on each file; on the BF16 file, ckpt within 2x of cat.
# The numpy peer runs under Debian's /usr/bin/python3 with python3-numpy (installed with apt-get
# when missing), with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for it. The page cache is warmed
# (each file read once) and nothing is dropped from it: all tools read from memory.
# Before timing, ckpt's figures are compared with numpy's (bench/stats_compare.py) and the peak
# memory (max RSS, mapped file pages included) of each tool is measured.
# Prints a table and replaces the "## stats" section of bench/RESULTS.md (other sections are kept).
set -euo pipefail

GOAL_NUMPY=10
GOAL_CAT=2
PY=/usr/bin/python3
orig_pwd=$PWD
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

abs() { # a path given relative to the caller's directory, made absolute
	case "$1" in /*) printf '%s\n' "$1" ;; */*) printf '%s\n' "$orig_pwd/$1" ;; *) printf '%s\n' "$1" ;; esac
}
label() { # how a path is shown in the report: relative to the repo root, or just its name
	case "$1" in "$root"/*) printf '%s\n' "${1#"$root"/}" ;; */*) basename "$1" ;; *) printf '%s\n' "$1" ;; esac
}
if [ -n "${CKPT:-}" ]; then CKPT=$(abs "$CKPT"); else CKPT=$root/build/ckpt; fi
if [ -n "${BENCH_DIR:-}" ]; then dir=$(abs "$BENCH_DIR"); else dir=$root/build/bench; fi
ckpt_label=$(label "$CKPT")
RUNS=${1:-${RUNS:-5}}
NUMPY_RUNS=${NUMPY_RUNS:-3}
case "$RUNS" in '' | *[!0-9]* | 0) echo "bench_stats: RUNS must be a positive integer" >&2; exit 2 ;; esac
case "$NUMPY_RUNS" in '' | *[!0-9]* | 0) echo "bench_stats: NUMPY_RUNS must be a positive integer" >&2; exit 2 ;; esac
cd "$root"

die() { echo "bench_stats: $*" >&2; exit 2; }
command -v python3 >/dev/null || die "python3 not found"
[ -x "$PY" ] || die "$PY not found (the numpy peer runs under Debian's python3)"
if ! "$PY" -c 'import numpy' 2>/dev/null; then
	echo "bench_stats: numpy is missing for $PY: installing python3-numpy (apt-get install -y python3-numpy)" >&2
	[ "$(id -u)" = 0 ] || die "not root: install python3-numpy first (apt-get install -y python3-numpy)"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y python3-numpy >&2; then
		apt-get update >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y python3-numpy >&2
	fi
	"$PY" -c 'import numpy' || die "numpy still not importable by $PY"
fi
[ -x "$CKPT" ] || die "$ckpt_label is not an executable (build it first, or set CKPT)"

files=(bf16-2g.safetensors q4k-1g.gguf)
for f in "${files[@]}"; do
	if [ ! -s "$dir/$f" ]; then
		echo "bench_stats: generating $(label "$dir/$f")" >&2
		python3 bench/gen_stats_models.py "$dir" "$f"
	fi
done

load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
echo "bench_stats: warming the page cache (reading each file once)" >&2
for f in "${files[@]}"; do cat "$dir/$f" >/dev/null; done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
numpy_cmd=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" bench/stats_numpy.py)

# Each tool must succeed once, untimed; ckpt's figures are compared with numpy's; peak RSS recorded.
peak() { # peak OUT CMD...: run CMD with stdout to OUT, print its max RSS in KB
	python3 - "$@" <<'EOF'
import resource, subprocess, sys
out, cmd = sys.argv[1], sys.argv[2:]
with open(out, "wb") as f:
    subprocess.run(cmd, stdout=f, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
EOF
}
: >"$tmp/checks"
for f in "${files[@]}"; do
	p=$dir/$f
	echo "bench_stats: checking $(label "$p"): ckpt and numpy once, figures compared" >&2
	rss_ck=$(peak "$tmp/$f.ckpt.json" "$CKPT" stats --json "$p") || die "'$ckpt_label stats --json $(label "$p")' failed"
	rss_np=$(peak "$tmp/$f.numpy.json" "${numpy_cmd[@]}" "$p") || die "'$PY bench/stats_numpy.py $(label "$p")' failed"
	if python3 bench/stats_compare.py "$tmp/$f.numpy.json" "$tmp/$f.ckpt.json" >"$tmp/$f.cmp"; then agree=yes; else agree=no; fi
	sed 's/^/  /' "$tmp/$f.cmp" >&2
	printf '%s\t%s\t%s\t%s\t%s\n' "$f" "$rss_ck" "$rss_np" "$agree" "$(tail -n1 "$tmp/$f.cmp")" >>"$tmp/checks"
done

# time NAME RUNS WARMUP CMD...: append "NAME<TAB>median<TAB>runs" to $tmp/medians
: >"$tmp/medians"
if [ -z "${BENCH_NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null; then
	method="hyperfine $(hyperfine --version | awk '{print $2}'), output discarded"
	time_cmd() {
		local name=$1 runs=$2 warm=$3
		shift 3
		hyperfine -N --style basic --warmup "$warm" --runs "$runs" --export-json "$tmp/h.json" \
			-n "$name" "$(printf '%q ' "$@")" >&2
		python3 - "$tmp/h.json" "$name" "$runs" >>"$tmp/medians" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%s\t%r\t%s" % (sys.argv[2], r["median"], sys.argv[3]))
EOF
	}
else
	method="python timing loop (subprocess + perf_counter), stdout to /dev/null"
	time_cmd() {
		python3 - "$@" >>"$tmp/medians" <<'EOF'
import statistics, subprocess, sys, time
name, runs, warm, cmd = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
for _ in range(warm):
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
ts = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    ts.append(time.perf_counter() - t)
print("  %-24s median %.4f s  min %.4f  max %.4f" % (name, statistics.median(ts), min(ts), max(ts)), file=sys.stderr)
print("%s\t%r\t%d" % (name, statistics.median(ts), runs))
EOF
	}
fi
for f in "${files[@]}"; do
	p=$dir/$f
	time_cmd "$f:ckpt" "$RUNS" 1 "$CKPT" stats --json "$p"
	time_cmd "$f:ckpt1" "$RUNS" 1 "$CKPT" stats --json --threads 1 "$p"
	time_cmd "$f:numpy" "$NUMPY_RUNS" 0 "${numpy_cmd[@]}" "$p"
	time_cmd "$f:cat" "$RUNS" 1 cat "$p"
done

sizes=()
for f in "${files[@]}"; do sizes+=("$(wc -c <"$dir/$f" | tr -d ' ')"); done
np_ver=$("$PY" -c 'import numpy; print(numpy.__version__)')
py_ver=$("$PY" -c 'import platform; print(platform.python_version())')
cpu=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | sed 's/^[^:]*: *//' || true)
[ -n "$cpu" ] || cpu=$(uname -m)
ncpu=$(nproc)
when=$(date -u '+%Y-%m-%d %H:%M UTC')

python3 - "$tmp/medians" "$tmp/checks" "$GOAL_NUMPY" "$GOAL_CAT" "$ckpt_label" "$np_ver" "$py_ver" \
	"$method" "$when" "$ncpu" "$cpu" "$load" "$(label "$dir")" "${sizes[0]}" "${sizes[1]}" \
	bench/RESULTS.md >"$tmp/verdict" <<'EOF'
import os, re, sys
(medians, checks, goal_np, goal_cat, ckpt_label, np_ver, py_ver, method, when, ncpu, cpu, load, dir_label,
 size_bf16, size_q4k, results) = sys.argv[1:]
goal_np, goal_cat = float(goal_np), float(goal_cat)
t, runs = {}, {}
for line in open(medians):
    name, med, n = line.rstrip("\n").split("\t")
    t[name], runs[name] = float(med), int(n)
chk = {}
for line in open(checks):
    f, rss_ck, rss_np, agree, detail = line.rstrip("\n").split("\t")
    chk[f] = (int(rss_ck), int(rss_np), agree == "yes", detail)
files = [("bf16-2g.safetensors", "BF16 safetensors", int(size_bf16)), ("q4k-1g.gguf", "Q4_K GGUF", int(size_q4k))]
tools = [("ckpt", "ckpt stats --json"), ("ckpt1", "ckpt stats --json --threads 1"),
         ("numpy", "numpy %s (python %s, bench/stats_numpy.py)" % (np_ver, py_ver)), ("cat", "cat")]

rows, verdicts, all_met = [], [], True
for f, kind, size in files:
    ck = t[f + ":ckpt"]
    for key, desc in tools:
        x = t["%s:%s" % (f, key)]
        rows.append((f, desc, runs["%s:%s" % (f, key)], x, size / x / 1e9, x / ck))
    r_np = t[f + ":numpy"] / ck
    met = r_np >= goal_np
    all_met &= met
    verdicts.append("%s: ckpt is %.1fx faster than numpy (goal: at least %gx): %s"
                    % (kind, r_np, goal_np, "met" if met else "NOT met"))
    r_np1 = t[f + ":numpy"] / t[f + ":ckpt1"]
    verdicts.append("%s: ckpt --threads 1 is %.1fx faster than numpy (no goal)" % (kind, r_np1))
    r_cat = ck / t[f + ":cat"]
    if f.startswith("bf16"):
        met = r_cat <= goal_cat
        all_met &= met
        verdicts.append("%s: ckpt takes %.2fx the time of cat (goal: within %gx): %s"
                        % (kind, r_cat, goal_cat, "met" if met else "NOT met"))
    else:
        verdicts.append("%s: ckpt takes %.2fx the time of cat (no goal)" % (kind, r_cat))
agree_all = all(c[2] for c in chk.values())

w = [max(len(str(r[i])) for r in rows) for i in range(2)]
print("%-*s  %-*s  %4s  %10s  %7s  %8s" % (w[0], "file", w[1], "command", "runs", "median (s)", "GB/s", "vs ckpt"))
for f, desc, n, x, gbs, rt in rows:
    print("%-*s  %-*s  %4d  %10.4f  %7.2f  %7.2fx" % (w[0], f, w[1], desc, n, x, gbs, rt))
for f, (rss_ck, rss_np, agree, detail) in chk.items():
    print("%s: figures %s (%s); peak RSS ckpt %.0f MB, numpy %.0f MB"
          % (f, "agree" if agree else "DIFFER", detail, rss_ck / 1024, rss_np / 1024))
for v in verdicts:
    print(v)
print("all goals: %s" % ("met" if all_met and agree_all else "NOT met"))

lines = [
    "## stats",
    "",
    "`ckpt stats --json FILE` (per-tensor count, min, max, mean, std, rms, absmax, NaN/Inf/zero counts",
    "over the dequantized values) against numpy computing the same figures (`bench/stats_numpy.py`:",
    "np.memmap, vectorized BF16 widening and ggml's Q4_K dequantization, float64 sums, slices of 256Ki",
    "elements) and against `cat FILE` (reading the bytes, nothing else). Files are made by",
    "`bench/gen_stats_models.py`: llama-3-8B shapes (4096 wide, 14336 FFN, 128256x4096 embedding), BF16 of",
    "normal(0, 0.02) weights; Q4_K blocks with random scales and quants. The page cache is warm (each",
    "file read once before timing; nothing dropped). Run with `bash bench/bench_stats.sh`.",
    "",
    "- date: %s" % when,
    "- machine: %s cores (nproc), %s; load average at start: %s" % (ncpu, cpu, load),
    "- files: " + "; ".join("`%s/%s` (%s), %s bytes" % (dir_label, f, kind, format(size, ",")) for f, kind, size in files),
    "- timing: median of the runs shown per command, %s; ckpt and cat after 1 warm-up run, numpy after"
    " the untimed check run; numpy with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset" % method,
    "- ckpt: `%s`, default threads (all cores) and `--threads 1`" % ckpt_label,
]
for f, (rss_ck, rss_np, agree, detail) in chk.items():
    lines.append("- `%s`: ckpt's figures %s numpy's (%s); peak RSS, mapped file pages included: ckpt %.0f MB,"
                 " numpy %.0f MB" % (f, "agree with" if agree else "DIFFER from", detail, rss_ck / 1024, rss_np / 1024))
lines += [
    "",
    "| file | command | runs | median (s) | GB/s | vs ckpt |",
    "|---|---|---:|---:|---:|---:|",
] + ["| %s | %s | %d | %.4f | %.2f | %.2fx |" % r for r in rows] + [
    "",
    "Goals: ckpt at least %gx faster than numpy on each file; on the BF16 file, ckpt within %gx of cat." % (goal_np, goal_cat),
    "",
] + ["- %s." % v for v in verdicts] + [
    "",
    "Result: %s." % ("all goals met" if all_met else "NOT all goals met")
    + ("" if agree_all else " ckpt's figures DIFFER from numpy's."),
    "",
]
section = "\n".join(lines)
text = open(results, encoding="utf-8").read() if os.path.exists(results) else "# Benchmarks\n\n"
m = re.search(r"^## stats[ \t]*$", text, flags=re.M)
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
echo "bench_stats: wrote the \"## stats\" section of bench/RESULTS.md" >&2
if [ -n "${BENCH_ENFORCE:-}" ] && ! grep -q '^all goals: met$' "$tmp/verdict"; then
	exit 1
fi
