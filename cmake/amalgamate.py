#!/usr/bin/env python3
"""Writes OUT: SRC/exportscreen.h with every "es_*.h" it includes (recursively)
inlined once, so the installed public header is one self-contained file.
usage: amalgamate.py SRC OUT"""
import os
import re
import sys

src, out = sys.argv[1], sys.argv[2]
headers = {}
for d, _, files in os.walk(src):
    for f in files:
        if re.fullmatch(r"es_[a-z0-9_]+\.h", f):
            headers[f] = os.path.join(d, f)
done = set()
inc = re.compile(r'^#include "(es_[a-z0-9_]+\.h)"\s*$')


def inline(path):
    text = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = inc.match(line)
            if not m:
                text.append(line)
                continue
            name = m.group(1)
            if name in done:
                continue
            if name not in headers:
                sys.exit("%s: %s not found under %s" % (path, name, src))
            done.add(name)
            text.append("/* ---- %s ---- */\n" % name)
            text.append(inline(headers[name]))
    return "".join(text)


body = inline(os.path.join(src, "exportscreen.h"))
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out + ".tmp", "w", encoding="utf-8") as f:
    f.write(body)
os.replace(out + ".tmp", out)
