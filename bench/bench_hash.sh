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
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

GOAL_OPENSSL=1.10
GOAL_CAT=1.25
file=$(env_path BENCH_FILE build/bench/hash-2g.gguf)
file_label=$(label "$file")
count RUNS 5 "${1:-}"
need_cmd openssl openssl
need_cmd sha256sum coreutils
need_cmd b3sum b3sum
need_cmd xxhsum xxhash
need_ckpt hash

ensure_file "$file" bench/gen_hash_model.py "$file"

load=$(loadavg)
warm_cache "$file_label" "$file"

make_tmp

# ----- checks, once, untimed: every command must succeed; the hashes must agree -----
echo "$prog: checking: ckpt's SHA-256 against sha256sum's and openssl's" >&2
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
time_opts=(--quiet)
method=$(timing_method "1 warm-up run, output discarded" "1 warm-up run, output discarded")
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
echo "$prog: openssl speed -seconds 2 -bytes 1048576 -evp sha256" >&2
sha_speed=$(openssl speed -seconds 2 -bytes 1048576 -evp sha256 2>/dev/null |
	awk '$1 == "sha256" && $2 ~ /k$/ { sub(/k$/, "", $2); printf "%.0f\n", $2 * 1000 }') || true
[ -n "$sha_speed" ] || sha_speed=0

load_end=$(loadavg)
size=$(fsize "$file")
n_tensors=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["tensors"]))' "$tmp/ckpt.json" 2>/dev/null || echo '?')
ver_openssl=$(openssl version | awk '{print $2}')
ver_coreutils=$(sha256sum --version | awk 'NR == 1 { print $NF }') # awk, not head: head's early exit can kill sha256sum (SIGPIPE), and pipefail the script
ver_b3sum=$(b3sum --version | awk '{print $2}')
ver_xxhsum=$(xxhsum --version 2>&1 | awk 'NR == 1 { print $2 }')
if grep -qw sha_ni /proc/cpuinfo 2>/dev/null; then shani="SHA extensions (sha_ni): yes"; else shani="SHA extensions (sha_ni): no"; fi

report hash '^all goals: met$' "$tmp/medians" "$tmp/checks" "$GOAL_OPENSSL" "$GOAL_CAT" "$ckpt_label" "$method" \
	"$(now_utc)" "$(machine "$shani")" "$load" "$load_end" "$file_label" "$size" "$n_tensors" "$ver_openssl" \
	"$ver_coreutils" "$ver_b3sum" "$ver_xxhsum" "${installed[*]:-}" "$sha_speed" <<'EOF'
import sys
import common
(medians, checks, goal_os, goal_cat, ckpt_label, method, when, machine, load, load_end, file_label, size, n_tensors,
 v_openssl, v_coreutils, v_b3sum, v_xxhsum, installed, sha_speed) = sys.argv[1:]
goal_os, goal_cat, size, sha_speed = float(goal_os), float(goal_cat), int(size), float(sha_speed)
t, runs, _, _ = common.read_medians(medians)
chk = [(what, ok == "yes", detail) for what, ok, detail in common.read_tsv(checks)]
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
common.print_verdicts(verdicts, all_met)

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
    "- machine: %s; load average at start: %s, at the end: %s" % (machine, load, load_end),
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
] + common.md_table(["command", "runs", "median (s)", "GB/s", "x openssl", "x cat"],
                    "| %s | %d | %.4f | %.2f | %.2fx | %.2fx |", rows) + common.goals_block(
    "Goals: `ckpt hash` within %.2fx the time of `openssl dgst -sha256`; `ckpt hash --no-file-hash` within"
    " %.2fx the time of `cat`." % (goal_os, goal_cat),
    verdicts, met_os and met_cat, None if checks_ok else "A check FAILED: the hashes above do not agree.")
common.write_section("hash", lines)
EOF
