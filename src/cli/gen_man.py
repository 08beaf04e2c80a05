#!/usr/bin/env python3
"""Write the man page: ckpt.1.in with the version and the rules of rules.def.

usage: gen_man.py TEMPLATE RULES_DEF CKPT_H OUT

The rules table lives once, in rules.def; the man page is made from it so the
two cannot drift apart.
"""
import os
import re
import sys
import time


def roff_escape(s):
    return s.replace("\\", "\\\\").replace("-", "\\-")


def main():
    template, rules_def, ckpt_h, out = sys.argv[1:5]
    rows = re.findall(r'CK_RULE\((\w+),\s*"([^"]+)",\s*CK_SEV_(\w+),\s*"((?:[^"\\]|\\.)*)",\s*'
                      r'"((?:[^"\\]|\\.)*)"\)', open(rules_def, encoding="utf-8").read())
    if not rows:
        sys.exit("gen_man.py: no rules found in %s" % rules_def)
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
