#!/usr/bin/env bash
# The diff benchmark: `ckpt diff --json A B` against numpy (bench/diff_numpy.py) and against `cat A B`
# on two ~1.9 GB BF16 safetensors models with the same tensor names and shapes, made by
# bench/gen_stats_models.py on first use: A = bf16-2g.safetensors (llama-3-8B shapes, the stats
# benchmark's file) and B = bf16-2g-perturbed.safetensors (A with the 2 lowest mantissa bits of every
# BF16 value XORed with random bits: every tensor changed, rel_l2 ~0.009, cosine ~0.99996).
#
# usage: bash bench/bench_diff.sh [RUNS]        (from anywhere; paths are relative to the repo root)
# environment:
#   CKPT=path          the ckpt binary (default build/ckpt, under the repo root)
#   RUNS=N             timed runs of ckpt and cat (default 5; the first argument also sets it)
#   NUMPY_RUNS=N       timed runs of numpy (default 3: numpy takes seconds per run)
#   BENCH_DIR=path     where the two files are (default build/bench; generated there if missing)
#   BENCH_NO_HYPERFINE=1   use the python timing loop even if hyperfine is installed
#   BENCH_ENFORCE=1    exit 1 when a goal is not met or ckpt's figures differ from numpy's
# Goals: ckpt at least 10x faster than numpy; ckpt within 1.5x of `cat A B`.
# `ckpt diff --json --threads 1` is timed for information. The numpy peer runs under Debian's
# /usr/bin/python3 with python3-numpy (installed with apt-get when missing), with OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE unset for it. The page cache is warmed (both files read once) and nothing is dropped
# from it: all tools read from memory.
# Before timing, ckpt (default threads and --threads 1) and numpy run once: ckpt must exit 1 (the files
# differ) and report every tensor changed, and its cosine and rel_l2 must agree with numpy's for every
# tensor (cosine within 1e-12 absolute, rel_l2 within 1e-9 relative); the peak memory (max RSS, mapped
# file pages included) of each tool is measured. `ckpt diff` exits 1 on every timed run (a difference
# found): the timing accepts exit status 1.
# Prints a table and replaces the "## diff" section of bench/RESULTS.md (other sections are kept).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

GOAL_NUMPY=10
GOAL_CAT=1.5
TOL_COSINE=1e-12
TOL_REL_L2=1e-9
dir=$(env_path BENCH_DIR build/bench)
count RUNS 5 "${1:-}"
count NUMPY_RUNS 3
need_numpy
need_ckpt diff

fa=bf16-2g.safetensors
fb=bf16-2g-perturbed.safetensors
A=$dir/$fa
B=$dir/$fb
for f in "$fa" "$fb"; do ensure_file "$dir/$f" bench/gen_stats_models.py "$dir" "$f"; done # A first: B is made from it
[ "$B" -nt "$A" ] || die "$(label "$B") is older than $(label "$A"), from which it is made: delete it to make it again"

load=$(loadavg)
warm_cache "both files" "$A" "$B"

make_tmp
numpy_cmd=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" bench/diff_numpy.py)

# ----- checks, once, untimed -----
echo "$prog: checking: ckpt (default threads and --threads 1) and numpy once, figures compared" >&2
read -r rc_ck rss_ck < <(peak --status "$tmp/ckpt.json" "$CKPT" diff --json "$A" "$B")
read -r rc_ck1 rss_ck1 < <(peak --status "$tmp/ckpt1.json" "$CKPT" diff --json --threads 1 "$A" "$B")
read -r rc_np rss_np < <(peak --status "$tmp/numpy.json" "${numpy_cmd[@]}" "$A" "$B")
[ "$rc_np" = 0 ] || die "'$PY bench/diff_numpy.py $(label "$A") $(label "$B")' failed (exit status $rc_np)"
for r in "$rc_ck" "$rc_ck1"; do
	[ "$r" = 0 ] || [ "$r" = 1 ] || die "'$ckpt_label diff --json' failed (exit status $r)"
done

python3 - "$tmp" "$rc_ck" "$rc_ck1" "$TOL_COSINE" "$TOL_REL_L2" >"$tmp/checks" <<'EOF'
import json, math, sys
tmp, rc, rc1, tol_cos, tol_rel = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
out = []  # (what, ok, detail)
numpy = {t["name"]: t for t in json.load(open(tmp + "/numpy.json"))}

def rel(x, y):
    return abs(x - y) / max(abs(x), abs(y), 1e-300)

def compare(tag, path, rc):
    try:
        d = json.load(open(path))
        ts = {t["name"]: t for t in d["tensors"]}
    except Exception as e:  # output that cannot be read is a failed check, not a crash
        out.append((tag, False, "could not read ckpt's JSON: %s: %s" % (type(e).__name__, e)))
        return None
    bad, worst_cos, worst_rel, info = [], 0.0, 0.0, {"rmse": 0.0, "snr_db": 0.0}
    if rc != 1:
        bad.append("exit status %d, not 1 (a difference)" % rc)
    missing = sorted(set(numpy) - set(ts))
    extra = sorted(set(ts) - set(numpy))
    if missing or extra:
        bad.append("tensors only in numpy's output: %s; only in ckpt's: %s" % (missing or "none", extra or "none"))
    for name, n in numpy.items():
        c = ts.get(name)
        if c is None:
            continue
        if c.get("status") != "changed" or n["status"] != "changed":
            bad.append("%s: status ckpt %s, numpy %s (every tensor was changed)" % (name, c.get("status"), n["status"]))
        for k in ("cosine", "rel_l2"):
            x, y = c.get(k), n[k]
            if x is None or y is None:
                if x is not y:
                    bad.append("%s: %s ckpt %r, numpy %r" % (name, k, x, y))
                continue
            if k == "cosine":
                e = abs(x - y)
                worst_cos = max(worst_cos, e)
                if not e <= tol_cos:
                    bad.append("%s: cosine ckpt %r, numpy %r (difference %.3g)" % (name, x, y, e))
            else:
                e = rel(x, y)
                worst_rel = max(worst_rel, e)
                if not e <= tol_rel:
                    bad.append("%s: rel_l2 ckpt %r, numpy %r (relative difference %.3g)" % (name, x, y, e))
        for k in info:  # for information: no tolerance set
            x, y = c.get(k), n.get(k)
            if isinstance(x, (int, float)) and isinstance(y, (int, float)):
                info[k] = max(info[k], rel(x, y))
    s = d.get("summary", {})
    if s.get("changed") != len(numpy) or s.get("tensors") != len(numpy):
        bad.append("summary: %s tensors, %s changed (expected %d and %d)" % (s.get("tensors"), s.get("changed"),
                                                                            len(numpy), len(numpy)))
    if bad:
        detail = "; ".join(bad[:5]) + ("; and %d more" % (len(bad) - 5) if len(bad) > 5 else "")
    else:
        detail = ("%d tensors, all changed, exit status 1; worst cosine difference %.2e (tolerance %g absolute), "
                  "worst rel_l2 relative difference %.2e (tolerance %g); rmse and snr_db (no tolerance): worst "
                  "relative difference %.2e and %.2e" % (len(numpy), worst_cos, tol_cos, worst_rel, tol_rel,
                                                         info["rmse"], info["snr_db"]))
    out.append((tag, not bad, detail))
    return s

s = compare("ckpt", tmp + "/ckpt.json", rc)
compare("ckpt1", tmp + "/ckpt1.json", rc1)
fig = [t for t in numpy.values() if t["rel_l2"] is not None]
out.append(("figures", True, "numpy: rel_l2 %.4f to %.4f, cosine %.6f to %.6f over %d tensors"
            % (min(t["rel_l2"] for t in fig), max(t["rel_l2"] for t in fig),
               min(t["cosine"] for t in fig), max(t["cosine"] for t in fig), len(fig)) if fig else "none"))
out.append(("verdict", True, "%s (%s)" % (s.get("verdict"), s.get("evidence")) if s else "?"))
for what, ok, detail in out:
    print("%s\t%s\t%s" % (what, "yes" if ok else "no", " ".join(str(detail).split())))
EOF
while IFS=$'\t' read -r what ok detail; do
	echo "  $what: $([ "$ok" = yes ] && echo ok || echo FAILED): $detail" >&2
done <"$tmp/checks"

# ----- timing -----
# ckpt diff exits 1 (a difference found) on every timed run: exit status 1 is accepted
time_opts=(--accept-1)
method=$(timing_method "output discarded, exit status ignored (-i; ckpt diff exits 1, a difference found)" \
	"stdout to /dev/null, exit status 0 or 1 accepted (ckpt diff exits 1, a difference found)")
# each goal's commands run back to back, so that a change in the machine's load between them is unlikely
time_cmd ckpt "$RUNS" 1 "$CKPT" diff --json "$A" "$B"
time_cmd cat "$RUNS" 1 cat "$A" "$B"
time_cmd numpy "$NUMPY_RUNS" 0 "${numpy_cmd[@]}" "$A" "$B"
time_cmd ckpt1 "$RUNS" 1 "$CKPT" diff --json --threads 1 "$A" "$B"

load_end=$(loadavg)
size_a=$(fsize "$A")
size_b=$(fsize "$B")
np_ver=$("$PY" -c 'import numpy; print(numpy.__version__)')
py_ver=$("$PY" -c 'import platform; print(platform.python_version())')

report diff '^all goals: met$' "$tmp/medians" "$tmp/checks" "$GOAL_NUMPY" "$GOAL_CAT" "$ckpt_label" "$np_ver" \
	"$py_ver" "$method" "$(now_utc)" "$(machine)" "$load" "$load_end" "$(label "$A")" "$(label "$B")" "$size_a" \
	"$size_b" "$rss_ck" "$rss_ck1" "$rss_np" "${installed[*]:-}" <<'EOF'
import sys
import common
(medians, checks, goal_np, goal_cat, ckpt_label, np_ver, py_ver, method, when, machine, load, load_end,
 label_a, label_b, size_a, size_b, rss_ck, rss_ck1, rss_np, installed) = sys.argv[1:]
goal_np, goal_cat = float(goal_np), float(goal_cat)
size = int(size_a) + int(size_b)
t, runs, _, _ = common.read_medians(medians)
chk = {what: (ok == "yes", detail) for what, ok, detail in common.read_tsv(checks)}
checks_ok = all(ok for ok, _ in chk.values())

cmds = [
    ("ckpt", "ckpt diff --json A B"),
    ("ckpt1", "ckpt diff --json --threads 1 A B"),
    ("numpy", "numpy %s (python %s, bench/diff_numpy.py A B)" % (np_ver, py_ver)),
    ("cat", "cat A B"),
]
ck = t["ckpt"]
rows = [(desc, runs[k], t[k], size / t[k] / 1e9, t[k] / ck) for k, desc in cmds]
r_np, r_cat = t["numpy"] / ck, ck / t["cat"]
met_np, met_cat = r_np >= goal_np, r_cat <= goal_cat
verdicts = [
    "ckpt is %.1fx faster than numpy (goal: at least %gx): %s" % (r_np, goal_np, "met" if met_np else "NOT met"),
    "ckpt takes %.2fx the time of cat A B (goal: within %gx): %s" % (r_cat, goal_cat, "met" if met_cat else "NOT met"),
    "ckpt --threads 1 is %.1fx faster than numpy and takes %.2fx the time of cat A B (no goal)"
    % (t["numpy"] / t["ckpt1"], t["ckpt1"] / t["cat"]),
]
all_met = met_np and met_cat and checks_ok

w = max(len(r[0]) for r in rows)
print("%-*s  %4s  %10s  %6s  %8s" % (w, "command", "runs", "median (s)", "GB/s", "vs ckpt"))
for desc, n, x, gbs, rt in rows:
    print("%-*s  %4d  %10.4f  %6.2f  %7.2fx" % (w, desc, n, x, gbs, rt))
names = {"ckpt": "ckpt diff --json", "ckpt1": "ckpt diff --json --threads 1", "figures": "figures",
         "verdict": "ckpt's verdict"}
for what, (ok, detail) in chk.items():
    print("check %s: %s (%s)" % (names.get(what, what), "ok" if ok else "FAILED", detail))
print("peak RSS, mapped file pages included: ckpt %.0f MB, ckpt --threads 1 %.0f MB, numpy %.0f MB"
      % (int(rss_ck) / 1024, int(rss_ck1) / 1024, int(rss_np) / 1024))
common.print_verdicts(verdicts, all_met)

lines = [
    "## diff",
    "",
    "`ckpt diff --json A B` (per tensor: cosine, rel_l2, rmse, max_abs, snr_db, changed share; a verdict)",
    "against numpy computing cosine and rel_l2 the same way (`bench/diff_numpy.py`: np.memmap of both",
    "files, BF16 widened to float32 by a shift, then float64; four np.dot sums per slice of 32Ki elements;",
    "rmse and snr_db fall out of the same sums; max_abs and changed share are not computed) and against",
    "`cat A B` (reading the bytes, nothing else). A is `bench/gen_stats_models.py`'s BF16 file (llama-3-8B",
    "shapes: 128256x4096 embedding, 2 decoder layers, BF16 of normal(0, 0.02)); B (same generator) is A",
    "with the 2 lowest mantissa bits of every BF16 value XORed with random bits (a reused random mask, so",
    "B is written in seconds): same names, shapes and header, about 3 values in 4 changed by 1 to 3 units",
    "in the last place, every tensor changed. The page cache is warm (both files read once before timing;",
    "nothing dropped). Run with `bash bench/bench_diff.sh`.",
    "",
    "- date: %s" % when,
    "- machine: %s; load average at start: %s, at the end: %s" % (machine, load, load_end),
    "- files: A `%s`, %s bytes; B `%s`, %s bytes; GB/s below is of both together (%s bytes)"
    % (label_a, format(int(size_a), ","), label_b, format(int(size_b), ","), format(size, ",")),
    "- timing: median of the runs shown per command, %s; ckpt and cat after 1 warm-up run, numpy after the"
    " untimed check run; numpy with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset" % method,
    "- ckpt: `%s`, default threads (all cores) and `--threads 1`" % ckpt_label,
]
if installed:
    lines.append("- installed with apt-get for this run: %s" % installed)
for what, (ok, detail) in chk.items():
    if what in ("ckpt", "ckpt1"):
        lines.append("- check, `%s`: %s (%s)" % (names[what], "agrees with numpy" if ok else "FAILED", detail))
    else:
        lines.append("- %s: %s" % (names.get(what, what), detail))
lines += [
    "- peak RSS, mapped file pages included: ckpt %.0f MB, ckpt --threads 1 %.0f MB, numpy %.0f MB (numpy"
    " releases the pages it has read every 64 MiB)" % (int(rss_ck) / 1024, int(rss_ck1) / 1024, int(rss_np) / 1024),
    "",
] + common.md_table(["command", "runs", "median (s)", "GB/s", "vs ckpt"],
                    "| %s | %d | %.4f | %.2f | %.2fx |", rows) + common.goals_block(
    "Goals: ckpt at least %gx faster than numpy; ckpt within %gx the time of `cat A B`." % (goal_np, goal_cat),
    verdicts, met_np and met_cat, None if checks_ok else "A check FAILED: ckpt's figures do not agree with numpy's (see above).")
common.write_section("diff", lines)
EOF
