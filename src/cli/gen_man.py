#!/usr/bin/env python3
"""Write the man page: ckpt.1.in with the version and the rules of rules.def.

usage: gen_man.py TEMPLATE RULES_DEF CKPT_H OUT
       gen_man.py --readme README RULES_DEF [--check]

The rules table lives once, in rules.def; the man page and the README's table
(between its rules:begin and rules:end markers) are made from it so that they
cannot drift apart. --check only says whether the README is up to date.
"""
import os
import re
import sys
import time


def roff_escape(s):
    return s.replace("\\", "\\\\").replace("-", "\\-")


def read_rules(rules_def):
    rows = re.findall(r'CK_RULE\((\w+),\s*"([^"]+)",\s*CK_SEV_(\w+),\s*"((?:[^"\\]|\\.)*)",\s*'
                      r'"((?:[^"\\]|\\.)*)"\)', open(rules_def, encoding="utf-8").read())
    if not rows:
        sys.exit("gen_man.py: no rules found in %s" % rules_def)
    return rows


def md_escape(s):
    return s.replace("\\\"", '"').replace("|", "\\|")


def readme(path, rules_def, check):
    rows = read_rules(rules_def)
    table = ["| code | severity | what | why |", "|---|---|---|---|"]
    for _, code, sev, title, why in rows:
        table.append("| `%s` | %s | %s | %s |" % (code, sev.lower(), md_escape(title), md_escape(why)))
    text = open(path, encoding="utf-8").read()
    begin, end = "<!-- rules:begin -->", "<!-- rules:end -->"
    if begin not in text or end not in text:
        sys.exit("gen_man.py: %s has no %s ... %s markers" % (path, begin, end))
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    new = head + begin + "\n" + "\n".join(table) + "\n" + end + tail
    if check:
        if new != text:
            sys.exit("gen_man.py: the rules table of %s is out of date: run "
                     "python3 src/cli/gen_man.py --readme %s %s" % (path, path, rules_def))
        return
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)


def main():
    if sys.argv[1:2] == ["--readme"]:
        readme(sys.argv[2], sys.argv[3], "--check" in sys.argv[4:])
        return
    template, rules_def, ckpt_h, out = sys.argv[1:5]
    rows = read_rules(rules_def)
    version = re.search(r'CKPT_VERSION "([^"]+)"', open(ckpt_h, encoding="utf-8").read()).group(1)
    items = []
    for _, code, sev, title, why in rows:
        items.append(".TP\n.B %s\n%s (%s). Source: %s." % (code, roff_escape(title[0].upper() + title[1:]),
                                                           sev.lower(), roff_escape(why)))
    page = open(template, encoding="utf-8").read()
    page = page.replace("@READER_RULES@", "\n".join(items)).replace("@VERSION@", version)
    stamp = int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))
    page = page.replace("@DATE@", time.strftime("%Y-%m-%d", time.gmtime(stamp)))
    with open(out, "w", encoding="utf-8") as f:
        f.write(page)


if __name__ == "__main__":
    main()
