"""What the check_*.py scripts share: running ckpt and other tools, counting checks and failures,
temporary folders, short messages.

Import it after setting sys.dont_write_bytecode = True, so that no __pycache__ appears in the
source tree. It puts tests/gen on sys.path: the checks read and write GGUF and safetensors files
with tests/gen/modelio.py, the readers and writers the generators use. Standard library only.
"""
import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import traceback

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.normpath(os.path.join(HERE, "..", "gen"))
CORPUS = os.path.abspath(os.path.join(HERE, "..", "..", "testdata", "corpus"))   # the default corpus
if GEN not in sys.path:
    sys.path.insert(0, GEN)

SANITIZER = re.compile(
    r"(AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|"
    r"MemorySanitizer|ThreadSanitizer|runtime error:|SUMMARY: \w+Sanitizer|"
    r"==\d+==ERROR)")


# ----- messages -----

def short(b, n=600):
    """Bytes or text on one line, cut after n characters."""
    s = b.decode("utf-8", "replace") if isinstance(b, bytes) else str(b)
    s = s.strip().replace("\n", "\\n")
    return s if len(s) <= n else s[:n] + "..."


def cmdline(args):
    return "ckpt " + " ".join(shlex.quote(a) for a in args)


def listing(items, n=6):
    """The first n items joined with "; " and how many more there are."""
    items = [str(x) for x in items]
    more = "" if len(items) <= n else " (+%d more)" % (len(items) - n)
    return "; ".join(items[:n]) + more


def parse_json(data):
    """data parsed as JSON, or None."""
    try:
        return json.loads(data)
    except ValueError:
        return None


# ----- running things -----

def run(argv, cwd=None, env=None, unset=(), timeout=300):
    """argv with stdin closed and stdout and stderr captured; env: variables set (unset: removed) in
    this process's environment. Raises subprocess.TimeoutExpired after timeout seconds."""
    e = None
    if env or unset:
        e = dict(os.environ)
        for k in unset:
            e.pop(k, None)
        e.update(env or {})
    return subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, env=e)


def output(argv, cwd=None, env=None, timeout=300):
    """The stdout (bytes) of a command that must exit 0; RuntimeError naming the command otherwise."""
    p = run(argv, cwd=cwd, env=env, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(argv), p.returncode, short(p.stderr)))
    return p.stdout


@contextlib.contextmanager
def temp_dir(prefix, keep=False):
    """A temporary folder, removed at the end (with keep: left, and its path printed)."""
    d = tempfile.mkdtemp(prefix=prefix)
    try:
        yield d
    finally:
        if keep:
            print("kept %s" % d)
        else:
            shutil.rmtree(d, ignore_errors=True)


# ----- counting checks -----

class Diffs:
    """The differences found in one file or document, as "WHERE: MESSAGE" lines."""

    def __init__(self):
        self.items = []

    def add(self, where, msg):
        self.items.append("%s: %s" % (where, msg))

    def check(self, what, expected, got):
        if expected != got:
            self.add(what, "expected %r, got %r" % (expected, got))

    def __len__(self):
        return len(self.items)


class Checks:
    """A count of checks and the names of the failed ones.

    expect() prints a line a check, "ok    NAME" or "FAIL  NAME: DETAIL" (quiet: only the failures,
    as "FAIL NAME: DETAIL"). run() and run_json() run ckpt; a crash or a sanitizer report on its
    stderr is a failed check of its own."""

    def __init__(self, ckpt=None, timeout=300, quiet=False):
        self.ckpt = ckpt
        self.timeout = timeout
        self.quiet = quiet
        self.n = 0
        self.failures = []

    def expect(self, name, cond, detail=""):
        self.n += 1
        if not self.quiet:
            print("%s  %s%s" % ("ok  " if cond else "FAIL", name, "" if cond else ": " + detail))
        elif not cond:
            print("FAIL %s%s" % (name, (": " + detail) if detail else ""))
        sys.stdout.flush()
        if not cond:
            self.failures.append(name)
        return cond

    def run(self, args, cwd=None, env=None, timeout=None):
        """ckpt ARGS, stdin closed, stdout and stderr captured."""
        p = run([self.ckpt] + list(args), cwd=cwd, env=env, timeout=timeout or self.timeout)
        if p.returncode < 0 or SANITIZER.search(p.stderr.decode("utf-8", "replace")):
            signal = " (signal %d)" % -p.returncode if p.returncode < 0 else ""
            self.expect("no crash or sanitizer report: %s" % cmdline(args), False,
                        "exit %d%s, stderr: %s" % (p.returncode, signal, short(p.stderr, 1500)))
        return p

    def run_json(self, args, **kw):
        """(the process, its stdout parsed as JSON or None)."""
        p = self.run(args, **kw)
        return p, parse_json(p.stdout)

    def guard(self, name, fn, *args):
        """fn(*args); an exception is the failed check "NAME: ran to the end" (and a short traceback),
        so that what comes after still runs."""
        try:
            return fn(*args)
        except Exception as e:  # a broken step is a failure; the others still run
            self.expect("%s: ran to the end" % name, False, "%s: %s" % (type(e).__name__, e))
            traceback.print_exc(limit=3, file=sys.stdout)
            return None
