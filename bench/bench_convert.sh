#!/usr/bin/env bash
# The convert benchmark: `ckpt convert` of a ~1.9 GB BF16 safetensors model (bf16-2g.safetensors,
# llama-3-8B shapes, made by bench/gen_stats_models.py on first use) to GGUF, keeping BF16 and
# quantizing to Q8_0 and to Q4_K, against `cp` of the same file (the I/O limit), all in one run.
#
# usage: bash bench/bench_convert.sh [RUNS]        (from anywhere; paths are relative to the repo root)
# environment:
#   CKPT=path          the ckpt binary (default build/ckpt, under the repo root)
#   RUNS=N             timed runs of cp, cp && sync, ckpt keeping BF16 and ckpt to Q8_0 (default 5; the
#                      first argument also sets it)
#   Q4K_RUNS=N         timed runs of ckpt to Q4_K (default 3: it takes tens of seconds per run)
#   BENCH_DIR=path     where the input is (default build/bench; generated there if missing); the outputs
#                      are written to BENCH_DIR/convert-out, on the input's file system, one at a time
#   BENCH_NO_HYPERFINE=1   use the python timing loop even if hyperfine is installed
#   BENCH_ENFORCE=1    exit 1 when a goal is not met or a check fails
# Goals (the issue's): `ckpt convert IN OUT.gguf` (BF16 kept) within 1.5x the time of `cp IN OUT`, and
# `ckpt convert --dtype q8_0` at 1 GB/s of input or better. `ckpt convert` fsyncs its output before
# linking it into place and plain `cp` does not, so `cp IN OUT && sync` is timed too and shown beside
# it (no goal: the goal ratio uses plain cp, as the issue says). Q4_K is timed for information.
# Free disk space needed: the input (~1.9 GB, when it is generated) plus one output at a time (at most
# the input's size): about 2 GB + 2 GB. The scratch folder is removed at the end.
# The page cache is warmed (the input read once); before every run (warm-up runs included) the
# previous output is removed and `sync` run, untimed, so each run writes a new file and no run pays
# for another's write-back.
# Before timing, each ckpt command runs once with --json: the output must open with
# `ckpt inspect --json`, hold the expected dtypes (BF16 everywhere; or Q8_0 resp. Q4_K for matrices,
# fallbacks counted, F32 for 1-D tensors), and, keeping BF16, the same tensor bytes as the input
# (XXH3-128 of every tensor, `ckpt hash --json --no-file-hash`); the SNR figures are taken from its
# report, and its peak memory measured: max RSS (mapped input pages included) and the peak of its
# anonymous memory (RssAnon, sampled every 5 ms), which must stay well under the input's size.
# Prints a table and replaces the "## convert" section of bench/RESULTS.md (other sections are kept).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

GOAL_CP=1.5
GOAL_Q8_GBS=1.0
dir=$(env_path BENCH_DIR build/bench)
count RUNS 5 "${1:-}"
count Q4K_RUNS 3
need_ckpt convert

in_name=bf16-2g.safetensors
in=$dir/$in_name
in_label=$(label "$in")
ensure_file "$in" bench/gen_stats_models.py "$dir" "$in_name"
size=$(fsize "$in")

out=$dir/convert-out
out_label=$(label "$out")
rm -rf "$out"
mkdir -p "$out"
make_tmp "$out"
# One output at a time, at most the input's size (BF16 kept; the GGUF header is smaller than 64 MiB).
avail_kb=$(df -Pk "$out" | awk 'NR == 2 { print $4 }')
need_kb=$((size / 1024 + 65536))
[ "$avail_kb" -ge "$need_kb" ] ||
	die "$out_label: $((avail_kb / 1024)) MiB free, $((need_kb / 1024)) MiB needed (one output as large as the input)"

load=$(loadavg)
warm_cache "$in_label" "$in"

# The commands: NAME, output file, argv. Every run writes a new output file in $out.
ck_bf16=("$CKPT" convert --quiet "$in" "$out/bf16.gguf")
ck_bf16_nosync=("$CKPT" convert --quiet --no-sync "$in" "$out/bf16-nosync.gguf")
cp_plain=(cp "$in" "$out/cp.bin")
# shellcheck disable=SC2016 # $1 and $2 are sh's, not this script's
cp_sync=(sh -c 'cp -- "$1" "$2" && sync' sh "$in" "$out/cp-sync.bin")
ck_q8=("$CKPT" convert --quiet --dtype q8_0 "$in" "$out/q8_0.gguf")
ck_q4k=("$CKPT" convert --quiet --dtype q4_k "$in" "$out/q4_k.gguf")

# ----- checks, once, untimed: each ckpt output opens with the expected dtypes; peak memory -----
# peak --anon OUT CMD... prints "max RSS KB<TAB>peak RssAnon KB<TAB>seconds"
"$CKPT" hash --json --no-file-hash "$in" >"$tmp/in.hash.json" || die "'$ckpt_label hash --json --no-file-hash $in_label' failed"
: >"$tmp/checks"
for kind in bf16 q8_0 q4_k; do
	o=$out/$kind.gguf
	dtype_opt=()
	[ "$kind" = bf16 ] || dtype_opt=(--dtype "$kind")
	echo "$prog: checking $ckpt_label convert ${dtype_opt[*]:-(BF16 kept)}: once with --json, output inspected" >&2
	rm -f "$o"
	sync
	m=$(peak --anon "$tmp/$kind.convert.json" "$CKPT" convert --json "${dtype_opt[@]}" "$in" "$o") ||
		die "'$ckpt_label convert --json ${dtype_opt[*]} $in_label $(label "$o")' failed"
	"$CKPT" inspect --json "$o" >"$tmp/$kind.inspect.json" 2>"$tmp/$kind.inspect.err" || true
	if [ "$kind" = bf16 ]; then
		"$CKPT" hash --json --no-file-hash "$o" >"$tmp/$kind.hash.json" 2>/dev/null || : >"$tmp/$kind.hash.json"
	fi
	python3 - "$kind" "$m" "$tmp" >>"$tmp/checks" <<'EOF'
import json, statistics, sys
kind, m, tmp = sys.argv[1:]
rss, anon, secs = m.split("\t")
problems, notes = [], []
try:
    conv = json.load(open("%s/%s.convert.json" % (tmp, kind)))
except Exception as e:
    conv = None
    problems.append("the --json report cannot be read: %s" % e)
try:
    ins = json.load(open("%s/%s.inspect.json" % (tmp, kind)))
except Exception as e:
    ins = None
    err = open("%s/%s.inspect.err" % (tmp, kind), errors="replace").read().strip().splitlines()
    problems.append("ckpt inspect --json cannot open the output (%s)" % (err[-1] if err else e))
want = {"bf16": "BF16", "q8_0": "Q8_0", "q4_k": "Q4_K"}[kind]
mix, fallbacks, snr = {}, 0, "-"
if conv and ins:
    rep = {t["name"]: t for t in conv["tensors"]}
    got = {t["name"]: t for t in ins["tensors"]}
    if set(rep) != set(got):
        problems.append("inspect lists %d tensors, convert reported %d" % (len(got), len(rep)))
    if ins["files"][0]["size"] != conv["bytes_out"]:
        problems.append("file size %d, convert reported %d" % (ins["files"][0]["size"], conv["bytes_out"]))
    for name, t in got.items():
        mix[t["dtype"]] = mix.get(t["dtype"], 0) + 1
        r = rep.get(name)
        if kind == "bf16":
            expect = "BF16"
        elif len(t["shape"]) < 2:
            expect = "F32"
        elif r and r["fallback_for"]:
            expect = r["dtype"]
            fallbacks += 1
        else:
            expect = want
        if t["dtype"] != expect:
            problems.append("%s is %s, not %s" % (name, t["dtype"], expect))
        if r and r["dtype"] != t["dtype"]:
            problems.append("%s: convert reported %s, the file holds %s" % (name, r["dtype"], t["dtype"]))
    lossy = sorted(t["snr_db"] for t in conv["tensors"] if t["snr_db"] is not None)
    if kind == "bf16":
        if lossy or any(not t["exact"] for t in conv["tensors"]):
            problems.append("keeping BF16 reported a lossy tensor")
        try:
            a = {t["name"]: t["xxh3_128"] for t in json.load(open(tmp + "/in.hash.json"))["tensors"]}
            b = {t["name"]: t["xxh3_128"] for t in json.load(open(tmp + "/bf16.hash.json"))["tensors"]}
            same = sum(1 for n in a if b.get(n) == a[n])
            if same != len(a) or len(b) != len(a):
                problems.append("%d of %d tensors' bytes differ from the input's (XXH3-128)" % (len(a) - same, len(a)))
            else:
                notes.append("every tensor's bytes identical to the input's (XXH3-128 of %d tensors)" % len(a))
        except Exception as e:
            problems.append("tensor hashes cannot be compared: %s" % e)
    else:
        if not lossy or conv["min_snr_db"] is None:
            problems.append("no SNR reported")
        else:
            snr = "%.2f" % conv["min_snr_db"]
            notes.append("SNR %.2f dB worst, %.2f dB median over %d quantized tensors"
                         % (conv["min_snr_db"], statistics.median(lossy), len(lossy)))
        nf = sum(t["nonfinite"] + t["overflow"] for t in conv["tensors"])
        if nf:
            problems.append("%d non-finite or overflowed values" % nf)
mixs = ", ".join("%s x%d" % (d, n) for d, n in sorted(mix.items(), key=lambda x: -x[1]))
detail = "opens with ckpt inspect --json; %d tensors: %s; %d fallbacks" % (sum(mix.values()), mixs or "none", fallbacks)
if notes:
    detail += "; " + "; ".join(notes)
if problems:
    detail += "; PROBLEMS: " + "; ".join(problems)
out_bytes = conv["bytes_out"] if conv else 0
print("\t".join([kind, "no" if problems else "yes", rss, anon, snr, str(out_bytes), secs, detail]))
EOF
	tail -n1 "$tmp/checks" | awk -F'\t' '{ printf "  %s: %s; peak RSS %.0f MB, peak anonymous %.0f MB\n", $1, $8, $3 / 1024, $4 / 1024 }' >&2
	rm -f "$o"
done

# ----- timing -----
# before each run (warm-up runs included) the previous output is removed and sync run (time_cmd --fresh);
# user and sys (mean seconds a run) are used here
time_opts=(--quiet)
method=$(timing_method "output discarded, --prepare removing the previous output and running sync" \
	"output discarded, the previous output removed and sync run before each run")
# the goal's commands run back to back, so that a change in the machine's load between them is unlikely;
# Q4_K has no warm-up run (a run takes tens of seconds; the input is warm already)
time_cmd --fresh "$out/bf16.gguf" bf16 "$RUNS" 1 "${ck_bf16[@]}"
time_cmd --fresh "$out/cp.bin" cp "$RUNS" 1 "${cp_plain[@]}"
time_cmd --fresh "$out/bf16-nosync.gguf" bf16nosync "$RUNS" 1 "${ck_bf16_nosync[@]}"
time_cmd --fresh "$out/cp-sync.bin" cpsync "$RUNS" 1 "${cp_sync[@]}"
time_cmd --fresh "$out/q8_0.gguf" q8_0 "$RUNS" 1 "${ck_q8[@]}"
time_cmd --fresh "$out/q4_k.gguf" q4_k "$Q4K_RUNS" 0 "${ck_q4k[@]}"

load_end=$(loadavg)
ver_cp=$(cp --version | awk 'NR == 1 { print $NF }')
fs=$(df -PT "$out" | awk 'NR == 2 { print $2 }')
avail_gb=$(df -Pk "$out" | awk 'NR == 2 { printf "%.0f", $4 / 1048576 }')
mem=$(awk '/^MemTotal:/ { printf "%.0f GB RAM", $2 / 1048576 }' /proc/meminfo 2>/dev/null || echo "RAM unknown")

report convert '^all goals: met$' "$tmp/medians" "$tmp/checks" "$GOAL_CP" "$GOAL_Q8_GBS" "$ckpt_label" "$method" \
	"$(now_utc)" "$(machine "$mem")" "$load" "$load_end" "$in_label" "$size" "$out_label" "$fs" "$avail_gb" \
	"$ver_cp" <<'EOF'
import sys
import common
(medians, checks, goal_cp, goal_q8, ckpt_label, method, when, machine, load, load_end, in_label, size,
 out_label, fs, avail_gb, ver_cp) = sys.argv[1:]
goal_cp, goal_q8, size = float(goal_cp), float(goal_q8), int(size)
t, runs, usr, sy = common.read_medians(medians)
chk = {}
for kind, ok, rss, anon, snr, out_bytes, secs, detail in common.read_tsv(checks):
    chk[kind] = (ok == "yes", int(rss), int(anon), snr, int(out_bytes), detail)
checks_ok = all(c[0] for c in chk.values())

cmds = [
    ("bf16", "ckpt convert --quiet IN OUT.gguf (BF16 kept)", chk["bf16"][4]),
    ("cp", "cp IN OUT (coreutils %s; copy_file_range, no fsync)" % ver_cp, size),
    ("bf16nosync", "ckpt convert --quiet --no-sync IN OUT.gguf (BF16 kept, no fsync, like cp)", chk["bf16"][4]),
    ("cpsync", "cp IN OUT && sync", size),
    ("q8_0", "ckpt convert --quiet --dtype q8_0 IN OUT.gguf", chk["q8_0"][4]),
    ("q4_k", "ckpt convert --quiet --dtype q4_k IN OUT.gguf", chk["q4_k"][4]),
]
rows = [(desc, runs[k], t[k], size / t[k] / 1e9, usr[k], sy[k], format(ob, ","), t[k] / t["cp"], t[k] / t["cpsync"])
        for k, desc, ob in cmds]

r_cp = t["bf16"] / t["cp"]
gbs_q8 = size / t["q8_0"] / 1e9
met_cp, met_q8 = r_cp <= goal_cp, gbs_q8 >= goal_q8
verdicts = [
    "`ckpt convert` keeping BF16 takes %.2fx the time of `cp` (goal: within %gx): %s"
    % (r_cp, goal_cp, "met" if met_cp else "NOT met"),
    "`ckpt convert --dtype q8_0` reads %.2f GB/s of input (goal: at least %g GB/s): %s"
    % (gbs_q8, goal_q8, "met" if met_q8 else "NOT met"),
    "`ckpt convert` keeping BF16 takes %.2fx the time of `cp && sync`, the baseline that also puts the bytes"
    " on disk, as ckpt's fsync does (no goal)" % (t["bf16"] / t["cpsync"]),
    "`ckpt convert --no-sync` keeping BF16 (no fsync, as cp) takes %.2fx the time of `cp`"
    % (t["bf16nosync"] / t["cp"]),
    "`ckpt convert --dtype q4_k` reads %.2f GB/s of input, %.1fx the time of `--dtype q8_0` (no goal)"
    % (size / t["q4_k"] / 1e9, t["q4_k"] / t["q8_0"]),
]
all_met = met_cp and met_q8 and checks_ok
names = {"bf16": "BF16 kept", "q8_0": "--dtype q8_0", "q4_k": "--dtype q4_k"}

w = max(len(r[0]) for r in rows)
print("%-*s  %4s  %10s  %9s  %8s  %7s  %13s  %6s  %9s" % (w, "command", "runs", "median (s)", "in GB/s", "user (s)",
                                                          "sys (s)", "output bytes", "x cp", "x cp+sync"))
for desc, n, x, gbs, u, s, ob, rc, rs in rows:
    print("%-*s  %4d  %10.4f  %9.2f  %8.2f  %7.2f  %13s  %5.2fx  %8.2fx" % (w, desc, n, x, gbs, u, s, ob, rc, rs))
for kind, (ok, rss, anon, snr, ob, detail) in chk.items():
    print("check %s: %s (%s); peak RSS %.0f MB, peak anonymous %.0f MB"
          % (names[kind], "ok" if ok else "FAILED", detail, rss / 1024, anon / 1024))
common.print_verdicts(verdicts, all_met)

lines = [
    "## convert",
    "",
    "`ckpt convert IN OUT.gguf` of a BF16 safetensors model to GGUF, keeping BF16 (a copy of the tensor",
    "bytes under a new header) and quantizing to Q8_0 and to Q4_K (matrices; 1-D tensors become F32; every",
    "lossy tensor decoded again and its SNR measured), against `cp IN OUT` (the I/O limit, as the issue",
    "says) and `cp IN OUT && sync`: ckpt fsyncs its output before linking it into place, plain cp leaves",
    "the bytes in the page cache, so the second is the like-for-like baseline. The input is",
    "`bench/gen_stats_models.py`'s BF16 file (llama-3-8B shapes: 128256x4096 embedding, 2 decoder layers,",
    "BF16 of normal(0, 0.02); every matrix is a slice of the same value pool, hence the same SNR for all;",
    "no config.json beside it, so tensor names are kept and no q/k rows are permuted).",
    "The page cache is warm (the input read once; nothing dropped); outputs go to a scratch folder on the",
    "input's file system, and before every run the previous output is removed and `sync` run, untimed.",
    "Free disk space needed: the input plus one output, about 2 GB + 2 GB. Run with",
    "`bash bench/bench_convert.sh`.",
    "",
    "- date: %s" % when,
    "- machine: %s; load average at start: %s, at the end: %s" % (machine, load, load_end),
    "- input: `%s`, %s bytes; outputs in `%s` (%s, %s GB free after the run)"
    % (in_label, format(size, ","), out_label, fs, avail_gb),
    "- timing: median of the runs shown per command, %s; 1 warm-up run each except Q4_K (none: a run"
    " takes tens of seconds, and the input is already warm)" % method,
    "- ckpt: `%s`, default threads (all cores)" % ckpt_label,
]
for kind, (ok, rss, anon, snr, ob, detail) in chk.items():
    lines.append("- check, `ckpt convert --json` %s: %s (%s); peak RSS, mapped input pages included, %.0f MB;"
                 " peak anonymous memory %.0f MB" % (names[kind], "ok" if ok else "FAILED", detail, rss / 1024, anon / 1024))
lines += [
    "- min SNR: Q8_0 %s dB, Q4_K %s dB" % (chk["q8_0"][3], chk["q4_k"][3]),
    "",
    "in GB/s: the input's bytes over the median time. user and sys: mean CPU seconds a run (all threads)."
    " x cp and x cp+sync: the median time over that of `cp` and of `cp && sync`.",
    "",
] + common.md_table(["command", "runs", "median (s)", "in GB/s", "user (s)", "sys (s)", "output bytes", "x cp", "x cp+sync"],
                    "| %s | %d | %.4f | %.2f | %.2f | %.2f | %s | %.2fx | %.2fx |", rows) + common.goals_block(
    "Goals: `ckpt convert` keeping BF16 within %gx the time of `cp` (plain cp, as the issue says; the ratio"
    " to `cp && sync` is shown beside it); `--dtype q8_0` at %g GB/s of input or better." % (goal_cp, goal_q8),
    verdicts, met_cp and met_q8, None if checks_ok else "A check FAILED: see the check lines above.")
common.write_section("convert", lines)
EOF
