"""The rules' own red-team orders (tests/data/rules-redteam, issue 15): every
order of orders.jsonl gets the decision expected.tsv gives it, and every order
of clean-orders.jsonl stays as clean-expected.tsv says (CLEAR, or the REVIEW
the rules give). These were written by the person who wrote the rules: they
keep what the rules cover from slipping, they do not measure blind accuracy."""
import csv
import json
import os
import subprocess
import sys
import tempfile

EXE = os.environ["EXPORTSCREEN"]
HERE = os.path.dirname(os.path.abspath(__file__))
RT = os.path.join(HERE, "..", "data", "rules-redteam")


def main():
    fails = 0
    data = tempfile.mkdtemp(prefix="es-redteam-")
    env = dict(os.environ, EXPORTSCREEN_DATA=data)
    for orders, expected in (("orders.jsonl", "expected.tsv"), ("clean-orders.jsonl", "clean-expected.tsv")):
        raw = open(os.path.join(RT, orders), "rb").read()
        p = subprocess.run([EXE, "-q", "filter", "--allow-stale"], input=raw, capture_output=True, env=env,
                           timeout=600)
        recs = [json.loads(l) for l in p.stdout.splitlines()]
        rows = list(csv.DictReader(open(os.path.join(RT, expected), encoding="utf-8"), delimiter="\t"))
        if len(recs) != len(rows):
            print("FAIL: %s: %d records for %d expected rows (%s)" % (orders, len(recs), len(rows), p.stderr[-300:]))
            fails += 1
            continue
        for rec, row in zip(recs, rows):
            got = rec.get("screening", {}).get("decision", "ERROR")
            if rec.get("order_id") != row["order_id"] or got != row["expected_decision"]:
                fails += 1
                print("FAIL: %s %s: expected %s, got %s (%s)" % (orders, row["order_id"], row["expected_decision"], got,
                      [r["code"] for r in rec.get("screening", {}).get("reasons", [])]))
        print("%s: %d orders" % (orders, len(rows)))
    subprocess.run(["rm", "-rf", data])
    print("%d failed" % fails)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
