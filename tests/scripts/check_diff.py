#!/usr/bin/env python3
"""`ckpt diff` against model pairs with known answers.

usage: check_diff.py CKPT OUTDIR [CORPUS_DIR]

OUTDIR is what tests/gen/diff_pairs.py wrote (OUTDIR/pairs.json); CORPUS_DIR defaults to
testdata/corpus next to this script's tests/ folder. Every expected value comes from pairs.json,
whose figures were computed by the generator from the values it wrote (exact sums) or from the
corpus's ref.json -- never from ckpt's output.

For each pair:
  1. `ckpt diff --json [ARGS] A B`: exit code, schema, verdict, map, summary counts, metadata changes,
     the set of tensor names, and per tensor status, b_name, dtypes, shapes, layer, role, every listed
     figure (cosine, rel_l2, rmse, max_abs, snr_db, changed_share; relative tolerance from pairs.json,
     null where null is expected), delta_rank and singular values where listed (--rank pairs);
     pairs with "threads" are checked again with each --threads N;
  2. `ckpt diff [ARGS] A B` (text, NO_COLOR=1): the same exit code, the verdict in the output, no
     escape sequences;
  3. for the pairs marked "html": `ckpt diff --html FILE A B`: one self-contained, well-formed HTML
     document with an <svg> and a <table> with one row per tensor; again without --force: exit 2
     and FILE untouched; with --force: rewritten; nothing else left in FILE's folder.

Prints one line per check and a summary; exits 1 on any failure, 2 on a usage error.
"""
import html.parser
import json
import math
import os
import re
import sys
import tempfile

sys.dont_write_bytecode = True   # importing checklib leaves no __pycache__ in the source tree
import checklib  # noqa: E402
from checklib import short, cmdline, listing  # noqa: E402

FIGURES = ("cosine", "rel_l2", "rmse", "max_abs", "snr_db", "changed_share")
STATUSES = ("identical", "changed", "added", "removed", "shape_changed")
VERDICTS = ("identical", "reencoded", "quantized", "finetuned", "merged", "unrelated", "restructured")

OUT = CORPUS = TMP = None
REL = 1e-6
SV_NOISE_REL = 0.05
C = checklib.Checks(timeout=600)
expect, run, run_json = C.expect, C.run, C.run_json


# ----- comparing numbers -----

def close(got, want, rel):
    if want is None:
        return got is None
    if isinstance(got, bool) or not isinstance(got, (int, float)) or not math.isfinite(got):
        return False
    if want == 0:
        return got == 0
    return abs(got - want) <= rel * abs(want)


def fmt(x):
    return "null" if x is None else ("%.17g" % x if isinstance(x, float) else repr(x))


# ----- one pair -----

def resolve(ref):
    base = OUT if ref["root"] == "out" else CORPUS
    return os.path.join(base, *ref["path"].split("/"))


def check_tensors(pid, pair, doc, cmd):
    exp = {e["name"]: e for e in pair["tensors"]}
    ignored = set(pair.get("ignored") or [])
    got_list = doc.get("tensors")
    if not expect("%s: tensors is a list" % pid, isinstance(got_list, list), "%s: got %s" % (cmd, type(got_list))):
        return
    got = {}
    dup = []
    for t in got_list:
        n = t.get("name") if isinstance(t, dict) else None
        if n in got:
            dup.append(str(n))
        got[n] = t
    missing = sorted(set(exp) - set(got))
    extra = sorted(n for n in set(got) - set(exp) if n not in ignored)
    expect("%s: the %d expected tensors, no other, none twice" % (pid, len(exp)), not missing and not extra and not dup,
           "%s: missing %s; unexpected %s; twice %s" % (cmd, missing, extra, dup))
    bad_ign = ["%s is %s" % (n, got[n].get("status")) for n in ignored if n in got and
               got[n].get("status") in ("added", "removed")]
    if ignored:
        expect("%s: ignored tensors (%s) are not reported added or removed" % (pid, ", ".join(sorted(ignored))),
               not bad_ign, "%s: %s" % (cmd, "; ".join(bad_ign)))

    st_bad, attr_bad, fig_bad, rank_bad, sv_bad = [], [], [], [], []
    n_fig = n_rank = 0
    for name, e in exp.items():
        t = got.get(name)
        if t is None:
            continue
        if t.get("status") != e["status"]:
            st_bad.append("%s: expected %s, got %s" % (name, e["status"], t.get("status")))
        want_b = e.get("b_name")
        if e["status"] == "removed":
            want_b = None
        if t.get("b_name") != want_b:
            attr_bad.append("%s: b_name expected %s, got %s" % (name, fmt(want_b), fmt(t.get("b_name"))))
        for k in ("a_dtype", "b_dtype"):
            w, g = e.get(k), t.get(k)
            if (w is None and g is not None) or (w is not None and (not isinstance(g, str) or g.upper() != w.upper())):
                attr_bad.append("%s: %s expected %s, got %s" % (name, k, fmt(w), fmt(g)))
        if t.get("shape") != e["shape"]:
            attr_bad.append("%s: shape expected %s, got %s" % (name, e["shape"], t.get("shape")))
        if "b_shape" in e and t.get("b_shape") != e["b_shape"]:
            attr_bad.append("%s: b_shape expected %s, got %s" % (name, e["b_shape"], t.get("b_shape")))
        if e.get("layer") is None:
            if t.get("layer") not in (None, -1):
                attr_bad.append("%s: layer expected null (or -1), got %s" % (name, fmt(t.get("layer"))))
        elif t.get("layer") != e["layer"]:
            attr_bad.append("%s: layer expected %s, got %s" % (name, e["layer"], fmt(t.get("layer"))))
        if e.get("role") is not None and str(t.get("role")).lower() != e["role"]:
            attr_bad.append("%s: role expected %s, got %s" % (name, e["role"], fmt(t.get("role"))))
        for f, w in e["figures"].items():
            n_fig += 1
            if f not in t:
                fig_bad.append("%s: %s missing (expected %s)" % (name, f, fmt(w)))
            elif not close(t[f], w, REL):
                rel = ""
                if w and isinstance(t[f], (int, float)) and not isinstance(t[f], bool):
                    rel = " (rel err %.2g)" % (abs(t[f] - w) / abs(w))
                fig_bad.append("%s: %s expected %s, got %s%s" % (name, f, fmt(w), fmt(t[f]), rel))
        if "delta_rank" in e:
            n_rank += 1
            if t.get("delta_rank") != e["delta_rank"]:
                rank_bad.append("%s: delta_rank expected %s, got %s" % (name, e["delta_rank"],
                                                                         fmt(t.get("delta_rank"))))
        if "singular_values" in e:
            w = e["singular_values"]
            g = t.get("singular_values")
            sig = e.get("sv_signal", len(w))
            if not isinstance(g, list) or len(g) < len(w):
                sv_bad.append("%s: singular_values expected %d values, got %s" % (name, len(w), fmt(g)))
            else:
                for i, x in enumerate(w):
                    tol = REL if i < sig else SV_NOISE_REL
                    if not close(g[i], x, tol):
                        sv_bad.append("%s: singular_values[%d] expected %s, got %s (tolerance %g%s)"
                                      % (name, i, fmt(x), fmt(g[i]), tol, "" if i < sig else ", noise floor"))
    expect("%s: per-tensor status (%s)" % (pid, ", ".join("%d %s" % (pair["summary"][k], k) for k in STATUSES
                                                           if pair.get("summary") and pair["summary"].get(k))),
           not st_bad, "%s: %s" % (cmd, listing(st_bad, 8)))
    expect("%s: b_name, a_dtype, b_dtype, shape, b_shape, layer, role" % pid, not attr_bad,
           "%s: %s" % (cmd, listing(attr_bad, 8)))
    expect("%s: %d figures within %g relative (null where null)" % (pid, n_fig, REL), not fig_bad,
           "%s: %s" % (cmd, listing(fig_bad, 12)))
    if n_rank:
        expect("%s: delta_rank of the %d changed 2-D tensors" % (pid, n_rank), not rank_bad,
               "%s: %s" % (cmd, listing(rank_bad, 8)))
    if any("singular_values" in e for e in pair["tensors"]):
        expect("%s: leading singular values of B - A (signal %g, noise floor %g relative)" % (pid, REL, SV_NOISE_REL),
               not sv_bad, "%s: %s" % (cmd, listing(sv_bad, 8)))


def check_pair(pair, extra=()):
    pid = pair["id"] + ("" if not extra else " [%s]" % " ".join(extra))
    a, b = resolve(pair["a"]), resolve(pair["b"])
    args = ["diff", "--json"] + list(extra) + pair["args"] + [a, b]
    cmd = cmdline(args)
    p, doc = run_json(args)
    expect("%s: exit %d" % (pid, pair["exit"]), p.returncode == pair["exit"],
           "%s: got exit %d, stderr: %s" % (cmd, p.returncode, short(p.stderr, 300)))
    if not expect("%s: one JSON document on stdout" % pid, isinstance(doc, dict),
                  "%s: stdout %s, stderr %s" % (cmd, short(p.stdout, 300), short(p.stderr, 300))):
        return None
    head = []
    if doc.get("schema") != "ckpt.diff/1":
        head.append("schema %s" % fmt(doc.get("schema")))
    for k, path in (("a", a), ("b", b)):
        g = doc.get(k)
        if not (g == path or (isinstance(g, str) and os.path.exists(g) and os.path.samefile(g, path))):
            head.append("%s is %s, given %s" % (k, fmt(g), path))
    if pair.get("map") is not None and doc.get("map") != pair["map"]:
        head.append("map expected %s, got %s" % (pair["map"], fmt(doc.get("map"))))
    expect("%s: schema ckpt.diff/1, a and b as given%s" % (pid, ", map %s" % pair["map"] if pair.get("map") else ""),
           not head, "%s: %s" % (cmd, "; ".join(head)))
    summ = doc.get("summary") if isinstance(doc.get("summary"), dict) else {}
    verdict = summ.get("verdict")
    if pair.get("verdict"):
        expect("%s: verdict %s" % (pid, " or ".join(pair["verdict"])), verdict in pair["verdict"],
               "%s: got %s (evidence: %s)" % (cmd, fmt(verdict), short(str(summ.get("evidence")), 300)))
    else:
        expect("%s: verdict is one of the contract's" % pid, verdict in VERDICTS, "%s: got %s" % (cmd, fmt(verdict)))
    expect("%s: evidence text" % pid, isinstance(summ.get("evidence"), str) and summ["evidence"].strip() != "",
           "%s: got %s" % (cmd, fmt(summ.get("evidence"))))
    if pair.get("summary"):
        bad = ["%s expected %d, got %s" % (k, v, fmt(summ.get(k))) for k, v in pair["summary"].items()
               if summ.get(k) != v]
        expect("%s: summary counts %s" % (pid, json.dumps(pair["summary"], separators=(",", ":"))), not bad,
               "%s: %s" % (cmd, "; ".join(bad)))
    else:
        bad = ["%s expected 0, got %s" % (k, fmt(summ.get(k))) for k in ("added", "removed", "shape_changed")
               if summ.get(k) != 0]
        expect("%s: summary: nothing added, removed or reshaped" % pid, not bad, "%s: %s" % (cmd, "; ".join(bad)))
    if pair.get("metadata") is not None:
        md = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
        w = pair["metadata"]
        bad = []
        for k in ("added", "removed"):
            if sorted(md.get(k) or []) != sorted(w[k]):
                bad.append("%s expected %s, got %s" % (k, w[k], md.get(k)))
        gch = {c.get("key"): c for c in (md.get("changed") or []) if isinstance(c, dict)}
        if sorted(gch) != sorted(c["key"] for c in w["changed"]):
            bad.append("changed keys expected %s, got %s" % ([c["key"] for c in w["changed"]], sorted(gch)))
        for c in w["changed"]:
            g = gch.get(c["key"])
            if g and not (c["a"] in str(g.get("a")) and c["b"] in str(g.get("b"))):
                bad.append("changed %s: expected a %r b %r, got a %r b %r" % (c["key"], c["a"], c["b"], g.get("a"),
                                                                             g.get("b")))
        expect("%s: metadata changes %s" % (pid, json.dumps(w, separators=(",", ":"))), not bad,
               "%s: %s" % (cmd, "; ".join(bad)))
    check_tensors(pid, pair, doc, cmd)
    return verdict


def check_text(pair, verdict):
    pid = pair["id"]
    args = ["diff"] + pair["args"] + [resolve(pair["a"]), resolve(pair["b"])]
    p = run(args, env={"NO_COLOR": "1"})
    text = p.stdout.decode("utf-8", "replace")
    words = [verdict] if verdict in VERDICTS else pair.get("verdict") or list(VERDICTS)
    expect("%s: text form exits %d and names the verdict (%s)" % (pid, pair["exit"], " or ".join(words)),
           p.returncode == pair["exit"] and any(re.search(r"\b%s\b" % w, text, re.I) for w in words),
           "NO_COLOR=1 %s: exit %d, stdout: %s, stderr: %s" % (cmdline(args), p.returncode, short(text, 400),
                                                               short(p.stderr, 300)))
    expect("%s: text form under NO_COLOR has no escape sequences" % pid, "\x1b" not in text,
           "NO_COLOR=1 %s: %s" % (cmdline(args), short(repr(text[:300]))))


# ----- HTML -----

MAIN = ("html", "head", "body", "svg", "table")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.errors = []
        self.external = []
        self.stack = []        # open main elements
        self.counts = {t: [0, 0] for t in MAIN}
        self.tables = []       # rows with a <td>, per table
        self.table_stack = []
        self.row_has_td = []   # per open table: None (no row open), False/True (open row has a <td>)
        self.text = []
        self.in_style = False
        self.styles = []

    def _attrs(self, tag, attrs):
        for k, v in attrs:
            k = k.lower()
            v = (v or "").strip()
            if k in ("src", "href", "xlink:href", "data", "action", "formaction", "poster", "srcset", "background"):
                if not (v.startswith("#") or v.lower().startswith("data:")):
                    self.external.append("<%s %s=%r>" % (tag, k, v[:80]))
            if k == "style":
                self.styles.append(v)
        if tag == "link":
            self.external.append("<link %s>" % " ".join("%s=%r" % (k, v) for k, v in attrs))
        if tag == "script" and any(k.lower() == "src" for k, _ in attrs):
            self.external.append("<script src>")

    def _end_row(self):
        """Close the open row of the innermost table, counting it when it holds a <td>."""
        if self.row_has_td and self.row_has_td[-1]:
            self.tables[self.table_stack[-1]] += 1
        if self.row_has_td:
            self.row_has_td[-1] = None

    def handle_starttag(self, tag, attrs):
        self._attrs(tag, attrs)
        if tag in MAIN:
            self.counts[tag][0] += 1
            self.stack.append(tag)
        if tag == "table":
            self.tables.append(0)
            self.table_stack.append(len(self.tables) - 1)
            self.row_has_td.append(None)      # no row open in this table yet
        if tag == "tr" and self.table_stack:
            self._end_row()                    # </tr> may be omitted in HTML
            self.row_has_td[-1] = False
        if tag == "td" and self.table_stack and self.row_has_td[-1] is not None:
            self.row_has_td[-1] = True
        if tag == "style":
            self.in_style = True

    def handle_startendtag(self, tag, attrs):
        self._attrs(tag, attrs)
        if tag in MAIN:
            self.errors.append("<%s/> self-closed" % tag)

    def handle_endtag(self, tag):
        if tag in MAIN:
            self.counts[tag][1] += 1
            if not self.stack or self.stack[-1] != tag:
                self.errors.append("</%s> while %s is open" % (tag, self.stack[-1] if self.stack else "nothing"))
                if tag in self.stack:
                    while self.stack and self.stack.pop() != tag:
                        pass
            else:
                self.stack.pop()
        if tag in ("tr", "tbody", "thead", "tfoot") and self.table_stack:
            self._end_row()
        if tag == "table" and self.table_stack:
            self._end_row()
            self.table_stack.pop()
            self.row_has_td.pop()
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.styles.append(data)
        else:
            self.text.append(data)


def check_html_doc(pid, path, pair, verdict, cmd):
    raw = open(path, "rb").read()
    try:
        doc = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        expect("%s: HTML is UTF-8" % pid, False, "%s: %s" % (cmd, e))
        return
    pg = Page()
    pg.feed(doc)
    pg.close()
    # external resources
    ext = list(pg.external)
    for css in pg.styles:
        for m in re.finditer(r"url\(\s*['\"]?([^'\")]*)", css, re.I):
            if not (m.group(1).startswith("#") or m.group(1).lower().startswith("data:")):
                ext.append("CSS url(%s)" % m.group(1)[:80])
        if re.search(r"@import", css, re.I):
            ext.append("CSS @import")
    no_ns = re.sub(r"""\sxmlns(:\w+)?\s*=\s*("[^"]*"|'[^']*')""", " ", doc)
    for m in re.finditer(r"(https?:|ftp:|file:)", no_ns, re.I):
        ext.append("%r" % no_ns[max(0, m.start() - 40):m.end() + 40])
    expect("%s: HTML is self-contained (no link, external src/href, url(), http:/https: outside xmlns)" % pid,
           not ext, "%s: %s" % (cmd, listing(ext, 5)))
    # one well-formed document
    bad = list(pg.errors)
    for t in MAIN:
        s, e = pg.counts[t]
        if s != e:
            bad.append("<%s> opened %d times, closed %d" % (t, s, e))
    for t in ("html", "head", "body"):
        if pg.counts[t][0] != 1:
            bad.append("%d <%s> elements" % (pg.counts[t][0], t))
    if pg.stack:
        bad.append("still open at the end: %s" % pg.stack)
    end = doc.lower().rfind("</html>")
    if end < 0 or doc[end + 7:].strip():
        bad.append("content after </html>: %r" % doc[end + 7:][:80] if end >= 0 else "no </html>")
    if not re.match(r"\s*<!doctype html", doc, re.I):
        bad.append("no <!DOCTYPE html> at the start")
    expect("%s: HTML is one well-formed document (html, head, body, svg, table balanced and nested)" % pid,
           not bad, "%s: %s" % (cmd, listing(bad, 6)))
    n = len(pair["tensors"])
    expect("%s: HTML has an <svg> and a <table> with one row per tensor (%d)" % (pid, n),
           pg.counts["svg"][0] >= 1 and n in pg.tables,
           "%s: %d <svg>, tables with %s rows holding <td>" % (cmd, pg.counts["svg"][0], pg.tables))
    text = " ".join(pg.text)
    missing = [e["name"] for e in pair["tensors"] if e["name"] not in text]
    words = [verdict] if verdict in VERDICTS else pair.get("verdict") or []
    expect("%s: HTML names the verdict and every tensor" % pid,
           not missing and (not words or any(re.search(r"\b%s\b" % w, text, re.I) for w in words)),
           "%s: verdict %s %s; tensors not in the text: %s" % (cmd, words, "found" if any(
               re.search(r"\b%s\b" % w, text, re.I) for w in words) else "not found", listing(missing, 5)))


def check_html(pair, verdict):
    pid = pair["id"]
    d = tempfile.mkdtemp(prefix="html-", dir=TMP)
    path = os.path.join(d, "diff.html")
    a, b = resolve(pair["a"]), resolve(pair["b"])
    args = ["diff", "--html", path] + pair["args"] + [a, b]
    p = run(args)
    ok = expect("%s: --html FILE exits %d and writes FILE" % (pid, pair["exit"]),
                p.returncode == pair["exit"] and os.path.isfile(path),
                "%s: exit %d, file %s, stderr: %s" % (cmdline(args), p.returncode,
                                                      "exists" if os.path.exists(path) else "missing", short(p.stderr)))
    if ok:
        try:
            check_html_doc(pid, path, pair, verdict, cmdline(args))
        except Exception as e:
            expect("%s: HTML checks ran" % pid, False, "%s: %s" % (type(e).__name__, e))
    # refusal without --force
    before = b"<!-- an existing file that ckpt must not touch -->\n"
    with open(path, "wb") as f:
        f.write(before)
    st = os.stat(path)
    p = run(args)
    after = open(path, "rb").read()
    st2 = os.stat(path)
    expect("%s: --html to an existing FILE without --force exits 2 and leaves it untouched" % pid,
           p.returncode == 2 and after == before and st2.st_mtime_ns == st.st_mtime_ns and st2.st_ino == st.st_ino,
           "%s: exit %d, file %s, stderr: %s" % (cmdline(args), p.returncode,
                                                 "unchanged" if after == before else "CHANGED", short(p.stderr)))
    fargs = ["diff", "--html", path, "--force"] + pair["args"] + [a, b]
    p = run(fargs)
    after = open(path, "rb").read() if os.path.isfile(path) else b""
    expect("%s: --html FILE --force replaces it" % pid,
           p.returncode == pair["exit"] and after != before and b"<svg" in after.lower(),
           "%s: exit %d, file %s, stderr: %s" % (cmdline(fargs), p.returncode,
                                                 "rewritten" if after != before else "unchanged", short(p.stderr)))
    left = sorted(os.listdir(d))
    expect("%s: nothing but FILE left in its folder (atomic write)" % pid, left == ["diff.html"],
           "%s: folder holds %s" % (cmdline(fargs), left))


# ----- main -----

def check_all(pair):
    """Every check of one pair: the JSON (again with each --threads N), the text form, the HTML."""
    verdict = check_pair(pair)
    for n in pair.get("threads") or []:
        check_pair(pair, ["--threads", str(n)])
    check_text(pair, verdict)
    if pair.get("html"):
        check_html(pair, verdict)


def main():
    global OUT, CORPUS, TMP, REL, SV_NOISE_REL
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    C.ckpt = os.path.abspath(sys.argv[1])
    OUT = os.path.abspath(sys.argv[2])
    CORPUS = os.path.abspath(sys.argv[3]) if len(sys.argv) == 4 else checklib.CORPUS
    if not os.access(C.ckpt, os.X_OK) or not os.path.isfile(os.path.join(OUT, "pairs.json")) \
            or not os.path.isfile(os.path.join(CORPUS, "MANIFEST.json")):
        print(__doc__, file=sys.stderr)
        return 2
    with open(os.path.join(OUT, "pairs.json")) as f:
        spec = json.load(f)
    if spec.get("schema") != "ckpt-diff-pairs/1":
        print("check_diff: %s is not a ckpt-diff-pairs/1 file" % os.path.join(OUT, "pairs.json"), file=sys.stderr)
        return 2
    REL = spec["tolerance"]["rel"]
    SV_NOISE_REL = spec["tolerance"]["sv_noise_rel"]
    with checklib.temp_dir("ckpt-diff-") as TMP:
        for pair in spec["pairs"]:
            print("-- %s: %s" % (pair["id"], pair["description"]))
            C.guard(pair["id"], check_all, pair)
    print("diff: %d checks, %d failure(s)" % (C.n, len(C.failures)))
    return 1 if C.failures else 0


if __name__ == "__main__":
    sys.exit(main())
