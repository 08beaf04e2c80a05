#!/usr/bin/env bash
# The hash benchmark: `ckpt hash` (file SHA-256 + XXH3-128 of every tensor, one pass) against
# `openssl dgst -sha256`, `sha256sum`, `b3sum`, `xxhsum -H2` and `cat` on a ~2 GB Q4_K_M llama-like
# GGUF made by bench/gen_hash_model.py on first use.
#
# usage: bash bench/bench_hash.sh [RUNS]        (from anywhere; paths are relative to the repo root)
# environment:
#   CKPT=path          the ckpt binary (default build/ckpt, under the repo root)
#   RUNS=N             timed runs per command (default 5; the first argument also sets it)
#   BENCH_FILE=path    the GGUF file (default build/bench/hash-2g.gguf; generated if missing)
#   BENCH_NO_HYPERFINE=1   use the python timing loop even if hyperfine is installed
#   BENCH_ENFORCE=1    exit 1 when a goal is not met or a check fails
# Goals: `ckpt hash FILE` within 1.10x the time of `openssl dgst -sha256 FILE` (SHA-256 is serial:
# that is the limit), and `ckpt hash --no-file-hash FILE` within 1.25x the time of `cat FILE`.
# `ckpt hash --threads 1` is timed for information. b3sum (Debian package b3sum) and xxhsum (package
# xxhash) are installed with apt-get when missing. The page cache is warmed (the file is read once)
# and nothing is dropped from it: every command reads from memory.
# Before timing, ckpt's SHA-256 is compared with sha256sum's and openssl's, the model digest with
# --threads 1 and --no-file-hash with the default's, and three tensors' XXH3-128 (from
# `ckpt hash --json`) with `xxhsum -H2` of their bytes.
# Prints a table and replaces the "## hash" section of bench/RESULTS.md (other sections are kept).
set -euo pipefail

GOAL_OPENSSL=1.10
GOAL_CAT=1.25
orig_pwd=$PWD
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

abs() { # a path given relative to the caller's directory, made absolute
	case "$1" in /*) printf '%s\n' "$1" ;; */*) printf '%s\n' "$orig_pwd/$1" ;; *) printf '%s\n' "$1" ;; esac
}
label() { # how a path is shown in the report: relative to the repo root, or just its name
	case "$1" in "$root"/*) printf '%s\n' "${1#"$root"/}" ;; */*) basename "$1" ;; *) printf '%s\n' "$1" ;; esac
}
if [ -n "${CKPT:-}" ]; then CKPT=$(abs "$CKPT"); else CKPT=$root/build/ckpt; fi
if [ -n "${BENCH_FILE:-}" ]; then file=$(abs "$BENCH_FILE"); else file=$root/build/bench/hash-2g.gguf; fi
ckpt_label=$(label "$CKPT")
file_label=$(label "$file")
RUNS=${1:-${RUNS:-5}}
case "$RUNS" in '' | *[!0-9]* | 0) echo "bench_hash: RUNS must be a positive integer" >&2; exit 2 ;; esac
cd "$root"

die() { echo "bench_hash: $*" >&2; exit 2; }
installed=()
need() { # need COMMAND DEBIAN-PACKAGE: install the package with apt-get when COMMAND is missing
	command -v "$1" >/dev/null && return 0
	echo "bench_hash: $1 is missing: installing $2 (apt-get install -y $2)" >&2
	[ "$(id -u)" = 0 ] || die "not root: install $2 first (apt-get install -y $2)"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >&2; then
		apt-get update >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >&2
	fi
	command -v "$1" >/dev/null || die "$1 still missing after installing $2"
	installed+=("$2")
}
command -v python3 >/dev/null || die "python3 not found"
need openssl openssl
need sha256sum coreutils
need b3sum b3sum
need xxhsum xxhash
[ -x "$CKPT" ] || die "$ckpt_label is not an executable (build it first, or set CKPT)"
"$CKPT" hash --help >/dev/null 2>&1 || die "'$ckpt_label hash --help' failed: this ckpt has no hash command"

if [ ! -s "$file" ]; then
	echo "bench_hash: generating $file_label" >&2
	python3 bench/gen_hash_model.py "$file"
fi

load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
echo "bench_hash: warming the page cache (reading $file_label once)" >&2
cat "$file" >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ----- checks, once, untimed: every command must succeed; the hashes must agree -----
echo "bench_hash: checking: ckpt's SHA-256 against sha256sum's and openssl's" >&2
"$CKPT" hash "$file" >"$tmp/ckpt.txt" || die "'$ckpt_label hash $file_label' failed"
"$CKPT" hash --threads 1 "$file" >"$tmp/ckpt1.txt" || die "'$ckpt_label hash --threads 1 $file_label' failed"
"$CKPT" hash --no-file-hash "$file" >"$tmp/ckptnf.txt" || die "'$ckpt_label hash --no-file-hash $file_label' failed"
"$CKPT" hash --json "$file" >"$tmp/ckpt.json" || die "'$ckpt_label hash --json $file_label' failed"
sha256sum "$file" >"$tmp/sha256sum.txt" || die "'sha256sum $file_label' failed"
openssl dgst -sha256 "$file" >"$tmp/openssl.txt" || die "'openssl dgst -sha256 $file_label' failed"
b3sum "$file" >/dev/null || die "'b3sum $file_label' failed"
xxhsum -H2 "$file" >/dev/null 2>&1 || die "'xxhsum -H2 $file_label' failed"

python3 - "$tmp" "$file" >"$tmp/checks" <<'EOF'
import json, re, subprocess, sys
tmp, path = sys.argv[1:]
def lines(name):
    return open("%s/%s" % (tmp, name), encoding="utf-8", errors="replace").read().splitlines()
def digest(name):
    d = [l.split()[-1] for l in lines(name) if l.startswith("model_digest")]
    return d[0] if d else None
out = []  # (what, ok, detail)
first = (lines("ckpt.txt") or [""])[0].split()
ck = first[0].lstrip("\\") if first else ""
ss = lines("sha256sum.txt")[0].split()[0].lstrip("\\")
m = re.search(r"=\s*([0-9a-f]{64})\s*$", lines("openssl.txt")[0])
os_ = m.group(1) if m else "?"
ok = bool(re.fullmatch(r"[0-9a-f]{64}", ck)) and ck == ss == os_
out.append(("sha256", ok, "ckpt %s, sha256sum %s, openssl %s" % (ck, "same" if ss == ck else ss, "same" if os_ == ck else os_)))
d, d1, dnf = digest("ckpt.txt"), digest("ckpt1.txt"), digest("ckptnf.txt")
ok = d is not None and d == d1 == dnf
out.append(("digest", ok, "model_digest %s with default threads, %s with --threads 1 and with --no-file-hash"
            % (d, "the same" if ok else "%s and %s" % (d1, dnf))))
try:
    man = json.load(open(tmp + "/ckpt.json"))
    ts = man["tensors"]
    picks = {min(ts, key=lambda t: t["nbytes"])["name"], max(ts, key=lambda t: t["nbytes"])["name"], ts[-1]["name"]}
    bad = []
    with open(path, "rb") as f:
        for t in ts:
            if t["name"] not in picks:
                continue
            f.seek(t["offset"])
            r = subprocess.run(["xxhsum", "-H2", "-"], input=f.read(t["nbytes"]), stdout=subprocess.PIPE, check=True)
            x = r.stdout.split()[0].decode()
            if x != t["xxh3_128"]:
                bad.append("%s: ckpt %s, xxhsum %s" % (t["name"], t["xxh3_128"], x))
    out.append(("xxh3", not bad, "; ".join(bad) if bad else "%d tensors (%s) agree with xxhsum -H2 of their bytes"
                % (len(picks), ", ".join(sorted(picks)))))
except Exception as e:  # a manifest that cannot be read is a failed check, not a crash
    out.append(("xxh3", False, "could not check: %s: %s" % (type(e).__name__, e)))
for what, ok, detail in out:
    print("%s\t%s\t%s" % (what, "yes" if ok else "no", detail))
EOF
while IFS=$'\t' read -r what ok detail; do
	echo "  $what: $([ "$ok" = yes ] && echo agree || echo DIFFER): $detail" >&2
done <"$tmp/checks"

# ----- timing -----
# time_cmd NAME RUNS WARMUP CMD...: append "NAME<TAB>median<TAB>runs" to $tmp/medians
: >"$tmp/medians"
if [ -z "${BENCH_NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null; then
	method="hyperfine $(hyperfine --version | awk '{print $2}'), 1 warm-up run, output discarded"
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
	method="python timing loop (subprocess + perf_counter), 1 warm-up run, output discarded"
	time_cmd() {
		python3 - "$@" >>"$tmp/medians" <<'EOF'
import statistics, subprocess, sys, time
name, runs, warm, cmd = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
for _ in range(warm):
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
ts = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    ts.append(time.perf_counter() - t)
print("  %-10s median %.4f s  min %.4f  max %.4f" % (name, statistics.median(ts), min(ts), max(ts)), file=sys.stderr)
print("%s\t%r\t%d" % (name, statistics.median(ts), runs))
EOF
	}
fi
# each goal's two commands run back to back, so that a change in the machine's load between them is unlikely
time_cmd ckpt "$RUNS" 1 "$CKPT" hash "$file"
time_cmd openssl "$RUNS" 1 openssl dgst -sha256 "$file"
time_cmd ckptnf "$RUNS" 1 "$CKPT" hash --no-file-hash "$file"
time_cmd cat "$RUNS" 1 cat "$file"
time_cmd ckpt1 "$RUNS" 1 "$CKPT" hash --threads 1 "$file"
time_cmd sha256sum "$RUNS" 1 sha256sum "$file"
time_cmd b3sum "$RUNS" 1 b3sum "$file"
time_cmd xxhsum "$RUNS" 1 xxhsum -H2 "$file"

# one core's SHA-256 speed with nothing to read (OpenSSL's own figure, bytes per second): for information
echo "bench_hash: openssl speed -seconds 2 -bytes 1048576 -evp sha256" >&2
sha_speed=$(openssl speed -seconds 2 -bytes 1048576 -evp sha256 2>/dev/null |
	awk '$1 == "sha256" && $2 ~ /k$/ { sub(/k$/, "", $2); printf "%.0f\n", $2 * 1000 }') || true
[ -n "$sha_speed" ] || sha_speed=0

load_end=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
size=$(wc -c <"$file" | tr -d ' ')
n_tensors=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["tensors"]))' "$tmp/ckpt.json" 2>/dev/null || echo '?')
ver_openssl=$(openssl version | awk '{print $2}')
ver_coreutils=$(sha256sum --version | head -n1 | awk '{print $NF}')
ver_b3sum=$(b3sum --version | awk '{print $2}')
ver_xxhsum=$(xxhsum --version 2>&1 | head -n1 | awk '{print $2}')
cpu=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | sed 's/^[^:]*: *//' || true)
[ -n "$cpu" ] || cpu=$(uname -m)
if grep -qw sha_ni /proc/cpuinfo 2>/dev/null; then shani="SHA extensions (sha_ni): yes"; else shani="SHA extensions (sha_ni): no"; fi
ncpu=$(nproc)
when=$(date -u '+%Y-%m-%d %H:%M UTC')

python3 - "$tmp/medians" "$tmp/checks" "$GOAL_OPENSSL" "$GOAL_CAT" "$ckpt_label" "$method" "$when" "$ncpu" \
	"$cpu" "$shani" "$load" "$load_end" "$file_label" "$size" "$n_tensors" "$ver_openssl" "$ver_coreutils" "$ver_b3sum" "$ver_xxhsum" \
	"${installed[*]:-}" "$sha_speed" bench/RESULTS.md >"$tmp/verdict" <<'EOF'
import os, re, sys
(medians, checks, goal_os, goal_cat, ckpt_label, method, when, ncpu, cpu, shani, load, load_end, file_label, size, n_tensors,
 v_openssl, v_coreutils, v_b3sum, v_xxhsum, installed, sha_speed, results) = sys.argv[1:]
goal_os, goal_cat, size, sha_speed = float(goal_os), float(goal_cat), int(size), float(sha_speed)
t, runs = {}, {}
for line in open(medians):
    name, med, n = line.rstrip("\n").split("\t")
    t[name], runs[name] = float(med), int(n)
chk = []
for line in open(checks):
    what, ok, detail = line.rstrip("\n").split("\t")
    chk.append((what, ok == "yes", detail))
checks_ok = all(ok for _, ok, _ in chk)

cmds = [
    ("ckpt", "ckpt hash FILE (file SHA-256 + tensor XXH3-128, default threads)"),
    ("ckpt1", "ckpt hash --threads 1 FILE"),
    ("ckptnf", "ckpt hash --no-file-hash FILE (tensor XXH3-128 only)"),
    ("openssl", "openssl dgst -sha256 FILE (OpenSSL %s)" % v_openssl),
    ("sha256sum", "sha256sum FILE (coreutils %s)" % v_coreutils),
    ("b3sum", "b3sum FILE (BLAKE3, b3sum %s, multi-threaded)" % v_b3sum),
    ("xxhsum", "xxhsum -H2 FILE (XXH3-128, xxhsum %s)" % v_xxhsum),
    ("cat", "cat FILE"),
]
rows = [(desc, runs[k], t[k], size / t[k] / 1e9, t[k] / t["openssl"], t[k] / t["cat"]) for k, desc in cmds]

r_os = t["ckpt"] / t["openssl"]
r_cat = t["ckptnf"] / t["cat"]
met_os, met_cat = r_os <= goal_os, r_cat <= goal_cat
verdicts = [
    "`ckpt hash` takes %.2fx the time of `openssl dgst -sha256` (goal: within %.2fx): %s"
    % (r_os, goal_os, "met" if met_os else "NOT met"),
    "`ckpt hash --no-file-hash` takes %.2fx the time of `cat` (goal: within %.2fx): %s"
    % (r_cat, goal_cat, "met" if met_cat else "NOT met"),
    "`ckpt hash --threads 1` takes %.2fx the time of `openssl dgst -sha256` (no goal)" % (t["ckpt1"] / t["openssl"]),
    "`ckpt hash` takes %.2fx the time of `sha256sum` and %.2fx the time of `b3sum` (no goal)"
    % (t["ckpt"] / t["sha256sum"], t["ckpt"] / t["b3sum"]),
    "`ckpt hash --no-file-hash` takes %.2fx the time of `xxhsum -H2` over the whole file (no goal)"
    % (t["ckptnf"] / t["xxhsum"]),
]
if sha_speed > 0:
    verdicts.append("one core's SHA-256 speed (`openssl speed -evp sha256`, 1 MiB blocks, nothing read from a file)"
                    " is %.2f GB/s, %.4f s for this file: `ckpt hash` reaches %.0f%% of it, `openssl dgst -sha256`"
                    " %.0f%% (no goal)" % (sha_speed / 1e9, size / sha_speed, 100 * size / sha_speed / t["ckpt"],
                                           100 * size / sha_speed / t["openssl"]))
all_met = met_os and met_cat and checks_ok

w = max(len(r[0]) for r in rows)
print("%-*s  %4s  %10s  %6s  %9s  %7s" % (w, "command", "runs", "median (s)", "GB/s", "x openssl", "x cat"))
for desc, n, x, gbs, ro, rc in rows:
    print("%-*s  %4d  %10.4f  %6.2f  %8.2fx  %6.2fx" % (w, desc, n, x, gbs, ro, rc))
for what, ok, detail in chk:
    print("check %s: %s (%s)" % (what, "agree" if ok else "DIFFER", detail))
for v in verdicts:
    print(v.replace("`", ""))
print("all goals: %s" % ("met" if all_met else "NOT met"))

lines = [
    "## hash",
    "",
    "`ckpt hash FILE` (the file's SHA-256, as sha256sum prints it, and the XXH3-128 of every tensor's",
    "bytes, in one pass) against the single-purpose tools reading the same file: `openssl dgst -sha256`",
    "(SHA-256 cannot be split across cores, so one core's SHA-256 is the limit), `sha256sum`, `b3sum`",
    "(BLAKE3, which does use every core), `xxhsum -H2` (XXH3-128 of the whole file) and `cat` (reading the",
    "bytes, nothing else). The file is made by `bench/gen_hash_model.py`: a GGUF v3 shaped like a Q4_K_M",
    "llama-3-8B cut to 15 blocks (Q4_K with Q6_K attn_v/ffn_down where llama.cpp puts them, Q6_K output,",
    "F32 norms; random block bytes) with an 8,000-token BPE tokenizer. The page cache is warm (the file is",
    "read once before timing; nothing dropped). Run with `bash bench/bench_hash.sh`.",
    "",
    "- date: %s" % when,
    "- machine: %s cores (nproc), %s, %s; load average at start: %s, at the end: %s"
    % (ncpu, cpu, shani, load, load_end),
    "- file: `%s`, %s bytes, %s tensors" % (file_label, format(size, ","), n_tensors),
    "- timing: median of %d runs per command, %s" % (runs["ckpt"], method),
    "- ckpt: `%s`, default threads (all cores) unless `--threads 1`" % ckpt_label,
]
if installed:
    lines.append("- installed with apt-get for this run: %s" % installed)
for what, ok, detail in chk:
    name = {"sha256": "SHA-256", "digest": "model digest", "xxh3": "tensor XXH3-128"}.get(what, what)
    lines.append("- check, %s: %s (%s)" % (name, "agree" if ok else "DIFFER", detail))
lines += [
    "",
    "x openssl and x cat: the command's median time divided by that of `openssl dgst -sha256` and of `cat`.",
    "",
    "| command | runs | median (s) | GB/s | x openssl | x cat |",
    "|---|---:|---:|---:|---:|---:|",
] + ["| %s | %d | %.4f | %.2f | %.2fx | %.2fx |" % r for r in rows] + [
    "",
    "Goals: `ckpt hash` within %.2fx the time of `openssl dgst -sha256`; `ckpt hash --no-file-hash` within"
    " %.2fx the time of `cat`." % (goal_os, goal_cat),
    "",
] + ["- %s." % v for v in verdicts] + [
    "",
    "Result: %s." % ("all goals met" if met_os and met_cat else "NOT all goals met")
    + ("" if checks_ok else " A check FAILED: the hashes above do not agree."),
    "",
]
section = "\n".join(lines)
text = open(results, encoding="utf-8").read() if os.path.exists(results) else "# Benchmarks\n\n"
m = re.search(r"^## hash[ \t]*$", text, flags=re.M)
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
echo "bench_hash: wrote the \"## hash\" section of bench/RESULTS.md" >&2
if [ -n "${BENCH_ENFORCE:-}" ] && ! grep -q '^all goals: met$' "$tmp/verdict"; then
	exit 1
fi
