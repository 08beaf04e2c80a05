#!/usr/bin/env python3
"""Run ckpt on every case of the malformed-input suite and check the refusal.

Usage: check_malformed.py CKPT_BINARY OUTDIR [--command inspect] [--timeout S]

OUTDIR is a folder made by tests/malformed/make_malformed.py. For each case of
OUTDIR/cases.json, runs `CKPT_BINARY <command> <path>` from inside OUTDIR
(paths stay relative) and asserts:
  - it ends within the timeout (10 s: a hang is a failure) and is not killed
    by a signal (a crash is a failure);
  - exit code exactly 2, nothing on stdout;
  - stderr is exactly one line, starting with "ckpt: ", containing
    "[<code>]" (or one of the case's alternative "codes"), the case file's base
    name (or one of the case's "names"; for a missing path, the path itself),
    and "byte " when the case's "offset" is true;
  - no sanitizer report (AddressSanitizer, UBSan "runtime error:", ...).

Prints one line per case and "N malformed files refused, M failures";
exits 0 when every case passes, 1 on any failure, 2 on a usage error.
"""

import argparse
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True   # importing checklib leaves no __pycache__ in the source tree
from checklib import SANITIZER, run  # noqa: E402


def check_case(binary, command, outdir, case, timeout):
    """Returns (ok, message)."""
    path = case["path"]
    try:
        p = run([binary, command, path], cwd=outdir, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, "timed out after %g s (a hang)" % timeout
    except OSError as e:
        return False, "cannot run %s: %s" % (binary, e)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    problems = []
    if p.returncode < 0:
        problems.append("killed by signal %d (crash)" % -p.returncode)
    elif p.returncode != 2:
        problems.append("exit code %d, expected 2" % p.returncode)
    if SANITIZER.search(err) or SANITIZER.search(out):
        problems.append("sanitizer report")
    if out:
        problems.append("stdout not empty (%d bytes)" % len(p.stdout))
    lines = err.splitlines()
    if len(lines) != 1:
        problems.append("stderr has %d lines, expected 1" % len(lines))
    line = lines[0] if lines else ""
    if lines:
        if not line.startswith("ckpt: "):
            problems.append('stderr does not start with "ckpt: "')
        codes = [case["code"]] + list(case.get("codes", []))
        if not any("[%s]" % c in line for c in codes):
            problems.append("no [%s] in stderr" % "] or [".join(codes))
        if case["code"] == "io.open":
            names = [path]
        else:
            names = case.get("names") or [os.path.basename(path.rstrip("/"))]
        if not any(n in line for n in names):
            problems.append("stderr names none of: %s" % ", ".join(names))
        if case.get("offset") and "byte " not in line:
            problems.append('no "byte " offset in stderr')
    if problems:
        shown = err if len(err) <= 600 else err[:600] + "..."
        return False, "; ".join(problems) + " | stderr: " + shown.strip().replace("\n", "\\n")
    return True, line


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary")
    ap.add_argument("outdir")
    ap.add_argument("--command", default="inspect")
    ap.add_argument("--timeout", type=float, default=10.0)
    args = ap.parse_args(argv[1:])

    binary = args.binary
    if os.sep in binary:
        binary = os.path.abspath(binary)
    if not os.path.isfile(binary) or not os.access(binary, os.X_OK):
        print("check_malformed: %s is not an executable file" % args.binary,
              file=sys.stderr)
        return 2
    try:
        with open(os.path.join(args.outdir, "cases.json")) as f:
            cases = json.load(f)
    except (OSError, ValueError) as e:
        print("check_malformed: cannot read cases.json in %s: %s"
              % (args.outdir, e), file=sys.stderr)
        return 2

    passed = failed = 0
    for case in cases:
        ok, msg = check_case(binary, args.command, args.outdir, case,
                             args.timeout)
        if ok:
            passed += 1
            print("ok   %-40s %s" % (case["name"], case["code"]))
        else:
            failed += 1
            print("FAIL %-40s %s: %s" % (case["name"], case["code"], msg))
        sys.stdout.flush()
    print("%d malformed files refused, %d failures" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
