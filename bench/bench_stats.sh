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
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

GOAL_NUMPY=10
GOAL_CAT=2
dir=$(env_path BENCH_DIR build/bench)
count RUNS 5 "${1:-}"
count NUMPY_RUNS 3
need_numpy
need_ckpt

files=(bf16-2g.safetensors q4k-1g.gguf)
for f in "${files[@]}"; do ensure_file "$dir/$f" bench/gen_stats_models.py "$dir" "$f"; done

load=$(loadavg)
warm_cache "each file" "${files[@]/#/$dir/}"

make_tmp
numpy_cmd=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" bench/stats_numpy.py)

# Each tool must succeed once, untimed; ckpt's figures are compared with numpy's; peak RSS recorded.
: >"$tmp/checks"
for f in "${files[@]}"; do
	p=$dir/$f
	echo "$prog: checking $(label "$p"): ckpt and numpy once, figures compared" >&2
	rss_ck=$(peak "$tmp/$f.ckpt.json" "$CKPT" stats --json "$p") || die "'$ckpt_label stats --json $(label "$p")' failed"
	rss_np=$(peak "$tmp/$f.numpy.json" "${numpy_cmd[@]}" "$p") || die "'$PY bench/stats_numpy.py $(label "$p")' failed"
	if python3 bench/stats_compare.py "$tmp/$f.numpy.json" "$tmp/$f.ckpt.json" >"$tmp/$f.cmp"; then agree=yes; else agree=no; fi
	sed 's/^/  /' "$tmp/$f.cmp" >&2
	printf '%s\t%s\t%s\t%s\t%s\n' "$f" "$rss_ck" "$rss_np" "$agree" "$(tail -n1 "$tmp/$f.cmp")" >>"$tmp/checks"
done

time_opts=(--width 24)
method=$(timing_method "output discarded" "stdout to /dev/null")
for f in "${files[@]}"; do
	p=$dir/$f
	time_cmd "$f:ckpt" "$RUNS" 1 "$CKPT" stats --json "$p"
	time_cmd "$f:ckpt1" "$RUNS" 1 "$CKPT" stats --json --threads 1 "$p"
	time_cmd "$f:numpy" "$NUMPY_RUNS" 0 "${numpy_cmd[@]}" "$p"
	time_cmd "$f:cat" "$RUNS" 1 cat "$p"
done

sizes=()
for f in "${files[@]}"; do sizes+=("$(fsize "$dir/$f")"); done
np_ver=$("$PY" -c 'import numpy; print(numpy.__version__)')
py_ver=$("$PY" -c 'import platform; print(platform.python_version())')

report stats '^all goals: met$' "$tmp/medians" "$tmp/checks" "$GOAL_NUMPY" "$GOAL_CAT" "$ckpt_label" "$np_ver" \
	"$py_ver" "$method" "$(now_utc)" "$(machine)" "$load" "$(label "$dir")" "${sizes[0]}" "${sizes[1]}" <<'EOF'
import sys
import common
(medians, checks, goal_np, goal_cat, ckpt_label, np_ver, py_ver, method, when, machine, load, dir_label,
 size_bf16, size_q4k) = sys.argv[1:]
goal_np, goal_cat = float(goal_np), float(goal_cat)
t, runs, _, _ = common.read_medians(medians)
chk = {}
for f, rss_ck, rss_np, agree, detail in common.read_tsv(checks):
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
common.print_verdicts(verdicts, all_met and agree_all)

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
    "- machine: %s; load average at start: %s" % (machine, load),
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
] + common.md_table(["file", "command", "runs", "median (s)", "GB/s", "vs ckpt"],
                    "| %s | %s | %d | %.4f | %.2f | %.2fx |", rows) + common.goals_block(
    "Goals: ckpt at least %gx faster than numpy on each file; on the BF16 file, ckpt within %gx of cat." % (goal_np, goal_cat),
    verdicts, all_met, None if agree_all else "ckpt's figures DIFFER from numpy's.")
common.write_section("stats", lines)
EOF
