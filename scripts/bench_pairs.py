#!/usr/bin/env python3
"""Pairwise name-matching benchmark from the bundled lists (a benchmark, not a test).

    scripts/bench_pairs.py [BUILD_DIR] [--show N]

Positives: a listed name and one of its aliases on the same Consolidated
Screening List entry (acronyms left out): spellings, transliterations, left-out
middle names and surnames, titles, but also former and unrelated names that no
string comparison can match, so recall here is far below what variants of one
name get. Negatives: names of two entries of one type sharing a distinctive word
(hard negatives), leaving out pairs that are one name on two lists (the same
words, or one name's words all in the other's). Runs `exportscreen compare -`
on every pair, both columns in the order drawn, and prints precision, recall and
F1 at the default threshold, per type, and with --show the highest-scoring
misses and false matches. Then the pairs written by hand in
tests/data/pairs/written.tsv (other scripts, romanizations, shorter forms,
look-alikes): positives found, negatives clean."""
import collections, csv, gzip, json, os, random, re, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = [a for a in sys.argv[1:] if not a.startswith("--")]
show = int(sys.argv[sys.argv.index("--show") + 1]) if "--show" in sys.argv else 0
if show:
    args = [a for a in args if a != str(show)]
exe = os.path.join(args[0] if args else os.path.join(ROOT, "build"), "exportscreen")
random.seed(7)
rows = list(csv.DictReader(gzip.open(os.path.join(ROOT, "lists/us-csl/consolidated.csv.gz"), "rt", encoding="utf-8")))
GENERIC = set("the of and for company co ltd llc limited inc corporation corp group bank trading international "
              "industries industrial industry jsc ojsc pjsc ao oao zao ooo gmbh sa de s a al el bin ibn abu abd "
              "technology technologies electronics engineering research institute university".split())

def toks(s):
    return [t for t in re.split(r"[^\w]+", s.lower()) if t]

def core(s):
    return {t for t in toks(s) if t not in GENERIC}

pos, ents = [], []
for r in rows:
    n = (r["name"] or "").strip()
    if not n:
        continue
    typ = "person" if (r["type"] or "").lower() == "individual" else "entity"
    ents.append((n, typ))
    for a in (x.strip() for x in (r["alt_names"] or "").split(";")):
        if a and a.lower() != n.lower() and not re.fullmatch(r"[A-Z0-9.\- ]{1,6}", a):
            pos.append((n, a, typ))
random.shuffle(pos)
pos = pos[:1500]
idx = collections.defaultdict(list)
for i, (n, typ) in enumerate(ents):
    for t in sorted(core(n)):
        if len(t) >= 4:
            idx[(typ, t)].append(i)
keys = [k for k, v in idx.items() if 2 <= len(v) <= 200]
random.shuffle(keys)
neg, seen = [], set()
for k in keys:
    a, b = random.sample(idx[k], 2)
    na, nb = ents[a][0], ents[b][0]
    ca, cb = core(na), core(nb)
    if not ca or not cb or ca <= cb or cb <= ca or (na, nb) in seen:
        continue
    seen.add((na, nb))
    neg.append((na, nb, k[0]))
    if len(neg) >= 1500:
        break
pairs = [(a, b, t, 1) for a, b, t in pos] + [(a, b, t, 0) for a, b, t in neg]
def one_line(s):
    return re.sub(r"[\t\r\n\v\f\x85\u2028\u2029]", " ", s)
inp = "".join("%s\t%s\n" % (one_line(a), one_line(b)) for a, b, _, _ in pairs)
out = subprocess.run([exe, "-q", "compare", "-"], input=inp.encode(), capture_output=True).stdout.decode()
res = [json.loads(l) for l in out.splitlines()]
assert len(res) == len(pairs), "compare printed %d lines for %d pairs" % (len(res), len(pairs))
stats = collections.defaultdict(lambda: [0, 0, 0, 0])  # tp fp fn tn
misses, falses = [], []
for (a, b, t, lab), o in zip(pairs, res):
    for key in ("ALL", t):
        s = stats[key]
        s[0 if lab and o["match"] else 2 if lab else 1 if o["match"] else 3] += 1
    if lab and not o["match"]:
        misses.append((o["score"], a, b))
    elif not lab and o["match"]:
        falses.append((o["score"], a, b))
print("%-8s %6s %6s %6s %6s %9s %7s %6s" % ("pairs", "tp", "fp", "fn", "tn", "precision", "recall", "F1"))
for key in ("ALL", "person", "entity"):
    tp, fp, fn, tn = stats[key]
    p = tp / max(1, tp + fp)
    r = tp / max(1, tp + fn)
    print("%-8s %6d %6d %6d %6d %9.3f %7.3f %6.3f" % (key, tp, fp, fn, tn, p, r, 2 * p * r / max(1e-9, p + r)))
# the pairs written by hand (tests/data/pairs/written.tsv)
wp = [l.rstrip("\n").split("\t") for l in open(os.path.join(ROOT, "tests/data/pairs/written.tsv"), encoding="utf-8")
      if l.strip() and not l.startswith("#")]
out = subprocess.run([exe, "-q", "compare", "-"], input="".join("%s\t%s\n" % (a, b) for a, b, _ in wp).encode(),
                     capture_output=True).stdout.decode()
wr = [json.loads(l) for l in out.splitlines()]
found = sum(1 for (a, b, lab), o in zip(wp, wr) if lab == "1" and o["match"])
clean = sum(1 for (a, b, lab), o in zip(wp, wr) if lab == "0" and not o["match"])
print("written  positives found %d / %d, negatives clean %d / %d" % (found, sum(1 for p in wp if p[2] == "1"), clean,
                                                                 sum(1 for p in wp if p[2] == "0")))
for title, lst in (("misses", misses), ("false matches", falses)):
    if show:
        print("\nhighest-scoring %s:" % title)
        for s, a, b in sorted(lst, reverse=True)[:show]:
            print("  %.3f  %s | %s" % (s, a, b))
