#!/usr/bin/env python3
"""Check `ckpt lint` against the models of tests/gen/lint_models.py and the malformed suite.

Usage: check_lint.py CKPT LINT_DIR MALFORMED_DIR

For every fixture of LINT_DIR/expect.json (ckpt runs from inside LINT_DIR):
  - `ckpt lint --json MODEL`, with --strict, --no-data and both: the exit codes, and the findings
    compared with the expected set exactly, as a multiset of (code, severity, file, offset,
    tensor, key) (messages are not compared, except for a substring some findings name);
    the JSON fields and their types; models[] counts agree with the findings;
  - `ckpt lint MODEL` (text): one line per finding naming its code, and a final
    `result  N errors, N warnings, N infos` line that agrees.
Then `ckpt lint --json` over every case of MALFORMED_DIR/cases.json: exit 1, at least one error
finding, the case's code among them (a path that cannot be opened at all: exit 2, the code on
stderr, no JSON). A path that does not exist exits 2. Several models in one run: one document.

Prints failures as they come and "N checks, M failures"; exit 0 when all pass, 1 otherwise.
"""

import collections
import json
import os
import re
import subprocess
import sys
import time

sys.dont_write_bytecode = True   # importing checklib leaves no __pycache__ in the source tree
from checklib import SANITIZER, Checks, run  # noqa: E402

TIMEOUT = 20
FIELDS = ("severity", "code", "message", "file", "offset", "tensor", "key")
RESULT = re.compile(r"^result\s+(\d+) errors?, (\d+) warnings?, (\d+) infos?$")
LINE = re.compile(r"^\s+(error|warning|info)\s+(\S+)\s")


class Lint(Checks):
    """The checks of `ckpt lint`; only the failed ones are printed."""

    def __init__(self, ckpt):
        super().__init__(ckpt, timeout=TIMEOUT, quiet=True)

    def lint(self, args, cwd):
        """ckpt lint --no-progress ARGS from cwd, NO_COLOR=1: (exit code, or None after a timeout; stdout; stderr)."""
        try:
            p = run([self.ckpt, "lint", "--no-progress"] + args, cwd=cwd, env={"NO_COLOR": "1"}, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            return None, "", "timed out after %d s" % TIMEOUT
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        if SANITIZER.search(err):
            self.expect("ckpt lint %s" % " ".join(args), False, "sanitizer report: " + err[:400])
        return p.returncode, out, err

    def document(self, what, out):
        """stdout parsed as one JSON document, or None after a failed check."""
        try:
            return json.loads(out)
        except ValueError as e:
            self.expect(what + ": stdout is one JSON document", False, "%s: %r" % (e, out[:200]))
            return None


def norm_file(f):
    return os.path.normpath(f) if isinstance(f, str) else f


def key_of(f):
    return (f["code"], f["severity"], norm_file(f["file"]), f["offset"], f["tensor"], f["key"])


def show(keys):
    return "; ".join("%s %s file=%s offset=%s tensor=%s key=%s" % k for k in keys)


def check_document(c, what, doc, n_models):
    """Fields and types of a ckpt.lint/1 document. Returns the findings list (or [])."""
    if not c.expect(what + ": schema ckpt.lint/1", isinstance(doc, dict) and doc.get("schema") == "ckpt.lint/1"):
        return []
    models = doc.get("models")
    findings = doc.get("findings")
    c.expect(what + ": models[] has %d entries" % n_models, isinstance(models, list) and len(models) == n_models,
             repr(models)[:200])
    if not c.expect(what + ": findings is a list", isinstance(findings, list)):
        return []
    for m in models or []:
        c.expect(what + ": model entry {path: str, errors/warnings/infos: int >= 0}",
                 isinstance(m, dict) and isinstance(m.get("path"), str) and
                 all(isinstance(m.get(k), int) and not isinstance(m.get(k), bool) and m.get(k) >= 0
                     for k in ("errors", "warnings", "infos")), repr(m)[:200])
    bad = []
    for f in findings:
        ok = (isinstance(f, dict) and set(FIELDS) <= set(f) and f["severity"] in ("error", "warning", "info") and
              isinstance(f["code"], str) and isinstance(f["message"], str) and f["message"] != "" and
              (f["file"] is None or isinstance(f["file"], str)) and
              (f["offset"] is None or (isinstance(f["offset"], int) and not isinstance(f["offset"], bool)
                                       and f["offset"] >= 0)) and
              (f["tensor"] is None or isinstance(f["tensor"], str)) and
              (f["key"] is None or isinstance(f["key"], str)))
        if not ok:
            bad.append(f)
    c.expect(what + ": every finding has severity/code/message/file/offset/tensor/key of the right types", not bad,
             repr(bad[:2])[:300])
    if n_models == 1 and isinstance(models, list) and len(models) == 1 and isinstance(models[0], dict):
        cnt = collections.Counter(f.get("severity") for f in findings if isinstance(f, dict))
        got = (models[0].get("errors"), models[0].get("warnings"), models[0].get("infos"))
        want = (cnt["error"], cnt["warning"], cnt["info"])
        c.expect(what + ": models[0] counts agree with the findings", got == want,
                 "models[0] says %s, findings hold %s" % (got, want))
    return [f for f in findings if isinstance(f, dict) and set(FIELDS) <= set(f)]


def check_fixture(c, lint_dir, fx):
    path = fx["path"]
    expected_all = fx["findings"]
    for opts, exit_key in (([], "default"), (["--strict"], "strict"), (["--no-data"], "no_data"),
                           (["--strict", "--no-data"], "no_data_strict")):
        what = "%s [%s] lint %s" % (fx["id"], path, " ".join(opts + ["--json"]))
        expected = [f for f in expected_all if not (opts and "--no-data" in opts and f["code"].startswith("data."))]
        rc, out, err = c.lint(opts + ["--json", path], lint_dir)
        if rc is None:
            c.expect(what, False, err)
            continue
        c.expect(what + ": exit code", rc == fx["exit"][exit_key], "expected %d, got %d (stderr: %s)"
                 % (fx["exit"][exit_key], rc, err.strip()[:300]))
        doc = c.document(what, out)
        if doc is None:
            continue
        got = check_document(c, what, doc, 1)
        want_c = collections.Counter(key_of(f) for f in expected)
        got_c = collections.Counter(key_of(f) for f in got)
        missing = sorted((want_c - got_c).elements(), key=repr)
        extra = sorted((got_c - want_c).elements(), key=repr)
        c.expect(what + ": findings", not missing and not extra,
                 ("missing: %s" % show(missing) if missing else "") +
                 (" | " if missing and extra else "") + ("unexpected: %s" % show(extra) if extra else ""))
        for f in expected:
            s = f.get("message_contains")
            if not s:
                continue
            k = key_of(f)
            msgs = [g["message"] for g in got if key_of(g) == k]
            c.expect(what + ": a %s finding says %r" % (f["code"], s), any(s in m for m in msgs), repr(msgs)[:300])
        if opts:
            continue
        # the text report
        what = "%s [%s] lint (text)" % (fx["id"], path)
        rc2, text, err2 = c.lint([path], lint_dir)
        c.expect(what + ": same exit code as --json", rc2 == rc, "%s vs %s" % (rc2, rc))
        lines = text.rstrip("\n").split("\n")
        c.expect(what + ": first line names the model", lines[0].startswith("lint") and path in lines[0],
                 repr(lines[0])[:200])
        m = RESULT.match(lines[-1])
        if c.expect(what + ": last line is 'result  N errors, N warnings, N infos'", m is not None,
                    repr(lines[-1])[:200]):
            cnt = collections.Counter(f["severity"] for f in expected)
            got_n = tuple(int(x) for x in m.groups())
            c.expect(what + ": result line counts", got_n == (cnt["error"], cnt["warning"], cnt["info"]),
                     "expected %s, got %s" % ((cnt["error"], cnt["warning"], cnt["info"]), got_n))
        body = lines[1:-1]
        parsed = [LINE.match(ln) for ln in body]
        c.expect(what + ": every line between is a finding", all(parsed),
                 repr([ln for ln, p in zip(body, parsed) if not p][:2])[:300])
        text_codes = collections.Counter((p.group(1), p.group(2)) for p in parsed if p)
        want_codes = collections.Counter((f["severity"], f["code"]) for f in expected)
        c.expect(what + ": one line per finding, naming its severity and code", text_codes == want_codes,
                 "expected %s, got %s" % (dict(want_codes), dict(text_codes)))


def check_malformed(c, mal_dir):
    with open(os.path.join(mal_dir, "cases.json")) as f:
        cases = json.load(f)
    differ = []
    for case in cases:
        path = case["path"]
        codes = [case["code"]] + list(case.get("codes", []))
        what = "malformed %s [%s]" % (case["name"], path)
        rc, out, err = c.lint(["--json", path], mal_dir)
        if rc is None:
            c.expect(what, False, err)
            continue
        if case["code"] in ("io.open", "io.not_regular"):
            # cannot be opened at all: trouble, not a finding
            c.expect(what + ": exit 2 (cannot be opened)", rc == 2, "got %d" % rc)
            c.expect(what + ": no JSON on stdout", out == "", repr(out[:100]))
            c.expect(what + ": stderr names [%s]" % case["code"], any("[%s]" % k in err for k in codes),
                     repr(err[:200]))
            continue
        c.expect(what + ": exit 1", rc == 1, "got %d (stderr: %s)" % (rc, err.strip()[:200]))
        doc = c.document(what, out)
        if doc is None:
            continue
        got = check_document(c, what, doc, 1)
        c.expect(what + ": at least one error finding", any(f["severity"] == "error" for f in got))
        got_codes = [f["code"] for f in got]
        if not c.expect(what + ": %s among the findings" % " or ".join(codes), any(k in got_codes for k in codes),
                        "got %s" % got_codes):
            differ.append((case["name"], case["code"], [f["code"] for f in got if f["severity"] == "error"]))
    if differ:
        print("malformed cases whose expected code is not among lint's findings (%d):" % len(differ))
        for name, code, got in differ:
            print("  %-40s expected %-24s got %s" % (name, code, ", ".join(got) or "(none)"))


def check_misc(c, lint_dir, fixtures):
    # a path that does not exist
    rc, out, err = c.lint(["--json", "does/not/exist.gguf"], lint_dir)
    c.expect("lint of a path that does not exist: exit 2", rc == 2, "got %s" % rc)
    c.expect("lint of a path that does not exist: [io.open] on stderr", "[io.open]" in err, repr(err[:200]))
    # several models: one document, findings of all
    by_id = {f["id"]: f for f in fixtures}
    picks = [by_id[i] for i in ("clean", "nan", "st_template") if i in by_id]
    if len(picks) == 3:
        rc, out, err = c.lint(["--json"] + [f["path"] for f in picks], lint_dir)
        want_rc = max(f["exit"]["default"] for f in picks)
        c.expect("lint of 3 models: exit code", rc == want_rc, "expected %d, got %s" % (want_rc, rc))
        try:
            doc = json.loads(out)
        except ValueError as e:
            c.expect("lint of 3 models: one JSON document", False, str(e))
            return
        got = check_document(c, "lint of 3 models", doc, 3)
        want = collections.Counter(key_of(f) for p in picks for f in p["findings"])
        c.expect("lint of 3 models: the findings of all three", collections.Counter(key_of(f) for f in got) == want)
        paths = [m.get("path") for m in doc.get("models", []) if isinstance(m, dict)]
        c.expect("lint of 3 models: models[] in argument order", paths == [f["path"] for f in picks], repr(paths))


def main(argv):
    if len(argv) != 4:
        print("usage: check_lint.py CKPT LINT_DIR MALFORMED_DIR", file=sys.stderr)
        return 2
    ckpt = os.path.abspath(argv[1])
    lint_dir, mal_dir = argv[2], argv[3]
    if not os.access(ckpt, os.X_OK):
        print("check_lint: %s is not executable" % argv[1], file=sys.stderr)
        return 2
    try:
        with open(os.path.join(lint_dir, "expect.json")) as f:
            expect = json.load(f)
    except (OSError, ValueError) as e:
        print("check_lint: cannot read %s/expect.json: %s" % (lint_dir, e), file=sys.stderr)
        return 2
    t0 = time.time()
    c = Lint(ckpt)
    for fx in expect["fixtures"]:
        before = len(c.failures)
        check_fixture(c, lint_dir, fx)
        print("%s %-22s %s" % ("ok  " if len(c.failures) == before else "FAIL", fx["id"], fx["path"]))
        sys.stdout.flush()
    check_misc(c, lint_dir, expect["fixtures"])
    check_malformed(c, mal_dir)
    print("%d checks, %d failures (%d fixtures, %.1f s)" % (c.n, len(c.failures), len(expect["fixtures"]),
                                                           time.time() - t0))
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
