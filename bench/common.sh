# shellcheck shell=bash
# What the bench/bench_*.sh scripts share. Each sources it right after `set -euo pipefail`:
#   . "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# Sourcing it sets prog (the script's name, for messages), orig_pwd (the caller's directory), root
# (the repo root), CKPT (made absolute; default build/ckpt under the root) and ckpt_label, PY
# (Debian's python3, for the numpy peers) and installed (what apt_install installed), checks that
# python3 is there, and makes the root the working directory.
# The Python half, bench/common.py, does the timing and memory measurements and the RESULTS.md writing.

abs() { # a path given relative to the caller's directory, made absolute
	case "$1" in /*) printf '%s\n' "$1" ;; */*) printf '%s\n' "$orig_pwd/$1" ;; *) printf '%s\n' "$1" ;; esac
}
label() { # how a path is shown in the report: relative to the repo root, or just its name
	case "$1" in "$root"/*) printf '%s\n' "${1#"$root"/}" ;; */*) basename "$1" ;; *) printf '%s\n' "$1" ;; esac
}
env_path() { # env_path VAR DEFAULT: $VAR made absolute (see abs), or DEFAULT under the repo root
	if [ -n "${!1:-}" ]; then abs "${!1}"; else printf '%s\n' "$root/$2"; fi
}
die() { echo "$prog: $*" >&2; exit 2; }

count() { # count VAR DEFAULT [VALUE]: VAR becomes VALUE, else its value from the environment, else DEFAULT
	local v=${3:-${!1:-$2}}
	case "$v" in '' | *[!0-9]* | 0) die "$1 must be a positive integer" ;; esac
	printf -v "$1" '%s' "$v"
}

# ----- what must be installed -----
# shellcheck disable=SC2120 # COMMAND is optional
need_ckpt() { # need_ckpt [COMMAND]: $CKPT is an executable (with that command)
	[ -x "$CKPT" ] || die "$ckpt_label is not an executable (build it first, or set CKPT)"
	[ $# = 0 ] || "$CKPT" "$1" --help >/dev/null 2>&1 || die "'$ckpt_label $1 --help' failed: this ckpt has no $1 command"
}
apt_install() { # apt_install PACKAGE: as root, with apt-get (apt-get update first if that fails)
	[ "$(id -u)" = 0 ] || die "not root: install $1 first (apt-get install -y $1)"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y "$1" >&2; then
		apt-get update >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y "$1" >&2
	fi
	installed+=("$1")
}
need_cmd() { # need_cmd COMMAND DEBIAN-PACKAGE: install the package when COMMAND is missing
	command -v "$1" >/dev/null && return 0
	echo "$prog: $1 is missing: installing $2 (apt-get install -y $2)" >&2
	apt_install "$2"
	command -v "$1" >/dev/null || die "$1 still missing after installing $2"
}
need_numpy() { # $PY must import numpy: python3-numpy is installed when it does not
	[ -x "$PY" ] || die "$PY not found (the numpy peer runs under Debian's python3)"
	"$PY" -c 'import numpy' 2>/dev/null && return 0
	echo "$prog: numpy is missing for $PY: installing python3-numpy (apt-get install -y python3-numpy)" >&2
	apt_install python3-numpy
	"$PY" -c 'import numpy' || die "numpy still not importable by $PY"
}

# ----- files -----
ensure_file() { # ensure_file FILE GENERATOR.py ARGS...: run the generator when FILE is missing or empty
	local f=$1
	shift
	[ ! -s "$f" ] || return 0
	echo "$prog: generating $(label "$f")" >&2
	python3 "$@"
}
warm_cache() { # warm_cache WHAT FILE...: read the files once, so that every tool reads from memory
	echo "$prog: warming the page cache (reading $1 once)" >&2
	shift
	cat "$@" >/dev/null
}
fsize() { wc -c <"$1" | tr -d ' '; }
# shellcheck disable=SC2120 # PATH is optional
make_tmp() { # make_tmp [PATH...]: $tmp, a scratch folder, removed at exit with the PATHs; $tmp/medians empty
	tmp=$(mktemp -d)
	scratch=("$tmp" "$@")
	trap 'rm -rf "${scratch[@]}"' EXIT
	: >"$tmp/medians"
}

# ----- the machine -----
loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown; }
now_utc() { date -u '+%Y-%m-%d %H:%M UTC'; }
# shellcheck disable=SC2120 # EXTRA is optional
machine() { # machine [EXTRA...]: "N cores (nproc), CPU model[, EXTRA...]"
	local cpu
	cpu=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | sed 's/^[^:]*: *//' || true)
	[ -n "$cpu" ] || cpu=$(uname -m)
	printf '%s cores (nproc), %s' "$(nproc)" "$cpu"
	[ $# = 0 ] || printf ', %s' "$@"
	echo
}

# ----- timing and memory (bench/common.py) -----
use_hyperfine() { [ -z "${BENCH_NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null; }
timing_method() { # timing_method HYPERFINE-NOTE LOOP-NOTE: how the commands are timed, for the report
	if use_hyperfine; then
		echo "hyperfine $(hyperfine --version | awk '{print $2}'), $1"
	else
		echo "python timing loop (subprocess + perf_counter), $2"
	fi
}
# time_cmd [--fresh FILE] NAME RUNS WARMUP CMD...: time CMD with hyperfine (or the python loop, when
# BENCH_NO_HYPERFINE is set or hyperfine missing); append "NAME<TAB>median<TAB>runs<TAB>user<TAB>sys"
# to $tmp/medians. time_opts, set by the script, go to every call: --quiet (the loop discards stderr),
# --accept-1 (exit status 1 is no failure), --width N (of the name in the loop's summary line).
time_opts=()
time_cmd() {
	local hf=()
	if use_hyperfine; then hf=(--hyperfine); fi
	python3 "$root/bench/common.py" time --prog "$prog" "${hf[@]}" "${time_opts[@]}" "$@" >>"$tmp/medians"
}
# peak [--status] [--anon] OUT CMD...: run CMD once, stdout to OUT; print its max RSS in KB (see common.py)
peak() { python3 "$root/bench/common.py" peak "$@"; }

# ----- the report -----
# report SECTION GOAL-REGEX ARGS... <<'EOF' (Python) EOF: run the Python with ARGS, bench/ on its
# PYTHONPATH (`import common`; it writes the section with common.write_section); show what it prints;
# with BENCH_ENFORCE set, exit 1 unless that matches GOAL-REGEX.
report() {
	local section=$1 goal=$2
	shift 2
	PYTHONPATH=$root/bench${PYTHONPATH:+:$PYTHONPATH} python3 - "$@" >"$tmp/verdict"
	cat "$tmp/verdict"
	echo "$prog: wrote the \"## $section\" section of bench/RESULTS.md" >&2
	if [ -n "${BENCH_ENFORCE:-}" ] && ! grep -q "$goal" "$tmp/verdict"; then
		exit 1
	fi
}

prog=$(basename "$0" .sh)
orig_pwd=$PWD
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=/usr/bin/python3
installed=()
CKPT=$(env_path CKPT build/ckpt)
ckpt_label=$(label "$CKPT")
cd "$root" || die "cannot enter $root"
command -v python3 >/dev/null || die "python3 not found"
