#!/usr/bin/env python3
"""CLI tests of `exportscreen filter` (interface.md "filter"):

- golden: tests/golden/orders.jsonl -> tests/golden/expected.jsonl, exact (the list-set
  hash is replaced by <VERSION>); every order also states the decision it must get (_expect);
- malformed input: one ERROR record per non-blank line, physical line numbers, raw carried;
- stream contract: input object unchanged (byte-exact prefix), one record per line, order kept;
- exit codes 0 / 1 / 2 / 3 / 4; `filter | head -1` ends quietly; >/dev/full exits 4;
- stale lists: LISTS_STALE without --allow-stale;
- CSV: header-driven input, same rows out with decision, reasons, hits columns.

Set ES_UPDATE_GOLDEN=1 to rewrite expected.jsonl after an intended change (then review the diff).
"""
import codecs
import csv
import io
import json
import os
import subprocess
import sys
import tempfile

EXE = os.environ.get("EXPORTSCREEN")
SRC = os.environ.get("ES_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
GOLDEN = os.path.join(SRC, "tests", "golden")
FAILS = []
codecs.register_error("es_fffd_per_byte", lambda e: ("\ufffd", e.start + 1))
DATA = tempfile.mkdtemp(prefix="es-filter-test-")  # empty data dir: the bundled snapshot is used


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what, file=sys.stderr)


def run(args, data, **kw):
    cmd = [EXE, "--data-dir", DATA, "filter"] + args
    return subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300, **kw)


def version():
    p = subprocess.run([EXE, "--data-dir", DATA, "lists", "--json"], stdout=subprocess.PIPE, timeout=60)
    return json.loads(p.stdout)["version"]


def normalise(line, ver):
    return line.replace(ver, "<VERSION>")


def test_golden():
    src = open(os.path.join(GOLDEN, "orders.jsonl"), "rb").read()
    p = run(["--allow-stale"], src)
    check(p.returncode == 1, f"golden: exit {p.returncode}, want 1 (some orders are not CLEAR)")
    ver = version()
    got = [normalise(l, ver) for l in p.stdout.decode().splitlines()]
    inl = src.decode().splitlines()
    check(len(got) == len(inl), f"golden: {len(got)} records for {len(inl)} orders")
    for i, (a, b) in enumerate(zip(inl, got)):
        o = json.loads(b)
        check(o["screening"]["decision"] == o["_expect"],
              f"golden {o['order_id']} ({o['_family']}): {o['screening']['decision']}, want {o['_expect']}")
        # the input object byte for byte, then the screening member
        check(b.startswith(a[:-1] + ',"screening":{'), f"golden {o['order_id']}: input not kept byte-exact")
        for r in o["screening"]["reasons"]:
            check(r["code"] and r["message"] and r["citation"] and "\n" not in r["message"],
                  f"golden {o['order_id']}: reason without code/message/citation: {r}")
    exp_path = os.path.join(GOLDEN, "expected.jsonl")
    if os.environ.get("ES_UPDATE_GOLDEN"):
        open(exp_path, "w").write("\n".join(got) + "\n")
    exp = open(exp_path).read().splitlines()
    check(len(exp) == len(got), "golden: expected.jsonl has a different number of records")
    for e, g in zip(exp, got):
        check(e == g, f"golden: record differs:\n  want {e[:300]}\n  got  {g[:300]}")


def test_malformed():
    raw = open(os.path.join(GOLDEN, "malformed.jsonl"), "rb").read()
    p = run(["--allow-stale"], raw)
    check(p.returncode == 3, f"malformed: exit {p.returncode}, want 3")
    lines = raw.split(b"\n")
    nonblank = [(i + 1, l) for i, l in enumerate(lines) if l.strip(b" \t\r")]
    out = p.stdout.decode("utf-8").splitlines()
    check(len(out) == len(nonblank), f"malformed: {len(out)} records for {len(nonblank)} non-blank lines")
    for (ln, l), rec in zip(nonblank, out):
        o = json.loads(rec)
        if "line" not in o:
            check(o.get("order_id") == "M-OK", f"malformed line {ln} was screened: {rec[:120]}")
            continue
        check(o["line"] == ln, f"malformed: record says line {o['line']}, want {ln}")
        try:
            want = {l.decode("utf-8")}
        except UnicodeDecodeError:
            want = {l.decode("utf-8", "replace"), l.decode("utf-8", "es_fffd_per_byte")}
        check(o["raw"] in want, f"malformed line {ln}: raw differs")
        check(o["error"].startswith(f"line {ln}: ") and "\n" not in o["error"], f"malformed line {ln}: error {o['error']!r}")
        check(o["screening"] == {"decision": "ERROR", "reasons": [], "hits": []}, f"malformed line {ln}: screening")


ORDER = {"order_id": "X-1", "destination": "DE", "parties": [
    {"role": "buyer", "name": "Rheinufer Netzwerk GmbH", "country": "DE", "type": "commercial"},
    {"role": "end_user", "name": "Eifel Molkerei eG", "country": "DE", "type": "commercial"}],
    "items": [{"sku": "A", "eccn": "5A992.c", "enc": "mass_market", "quantity": 2}]}


def jl(*orders):
    return "".join(json.dumps(o) + "\n" for o in orders).encode()


def test_exit_codes_and_passthrough():
    clear = jl(ORDER)
    p = run(["--allow-stale"], clear)
    check(p.returncode == 0, f"all CLEAR: exit {p.returncode}, want 0")
    review = dict(ORDER, order_id="X-2", items=[{"sku": "A"}])
    p = run(["--allow-stale"], jl(ORDER, review))
    check(p.returncode == 1, f"one REVIEW: exit {p.returncode}, want 1")
    p = run(["--allow-stale"], jl(ORDER) + b"not json\n")
    check(p.returncode == 3, f"one ERROR: exit {p.returncode}, want 3")
    p = run(["--bogus"], clear)
    check(p.returncode == 2 and b"try 'exportscreen --help'" in p.stderr, f"bad option: exit {p.returncode}")
    p = run(["--format", "xml"], clear)
    check(p.returncode == 2, f"bad format: exit {p.returncode}")
    p = run(["--allow-stale"], b"")
    check(p.returncode == 0 and p.stdout == b"", "empty input: no output, exit 0")
    # unknown members, member order, integer/real types, unicode escapes pass through untouched
    odd = b'{"z_first": 1, "order_id": "X-3", "big": 123456789012345678901234567890, "real": 1.50, ' \
          b'"esc": "\\u00e9\\n", "nested": {"a": [1, {"b": null}]}, "parties": [{"role": "end_user", ' \
          b'"name": "Eifel Molkerei eG", "country": "DE", "type": "commercial", "extra": true}], ' \
          b'"items": [{"eccn": "EAR99", "enc": "none"}]}   \n'
    p = run(["--allow-stale"], odd)
    out = p.stdout.decode()
    check(out.startswith(odd.decode().rstrip()[:-1] + ',"screening":{'), "pass-through: input bytes not kept")
    check(json.loads(out)["screening"]["decision"] == "CLEAR", "pass-through order: CLEAR")
    # a line over the 1 MiB limit is one ERROR record and the stream goes on
    long = b'{"order_id": "L", "pad": "' + b"x" * (1100 * 1024) + b'", "parties": []}\n'
    p = run(["--allow-stale"], long + jl(ORDER))
    recs = p.stdout.decode().splitlines()
    check(len(recs) == 2 and json.loads(recs[0]).get("line") == 1 and "longer than" in json.loads(recs[0])["error"]
          and json.loads(recs[1])["screening"]["decision"] == "CLEAR" and p.returncode == 3,
          f"over-long line: {len(recs)} records, exit {p.returncode}")
    # CRLF line, blank lines, last line without newline
    data = jl(ORDER).replace(b"\n", b"\r\n") + b"\n   \n" + json.dumps(ORDER).encode()
    p = run(["--allow-stale"], data)
    recs = p.stdout.decode().splitlines()
    check(len(recs) == 2 and all(json.loads(r)["screening"]["decision"] == "CLEAR" for r in recs),
          f"CRLF/blank/no-newline: {len(recs)} records")


def test_branch_of_listed_party():
    """A listed company's branch or subsidiary abroad ("<listed> Europe B.V.")
    is reviewed, not cleared; a clean company's branch stays clear."""
    def order(oid, name, cc):
        return json.dumps({"order_id": oid, "destination": "DE", "parties": [
            {"role": "buyer", "name": name, "country": cc},
            {"role": "end_user", "name": "Eifel Molkerei eG", "country": "DE", "type": "commercial"}],
            "items": [{"sku": "EX2300", "eccn": "5A992.c", "quantity": 1, "enc": "mass_market"}]})
    src = "\n".join([order("BR-1", "Bank Tejarat Europe B.V.", "NL"),
                      order("BR-2", "Bank Tejarat Paris Branch", "FR"),
                      order("BR-3", "Deutsche Bank AG London Branch", "GB")]) + "\n"
    p = run(["--allow-stale"], src.encode())
    recs = [json.loads(l) for l in p.stdout.decode().splitlines()]
    check(len(recs) == 3, "branch orders: 3 records")
    for r in recs[:2]:
        sc = r["screening"]
        check(sc["decision"] == "REVIEW" and any(x["code"] == "FUZZY_MATCH" for x in sc["reasons"]),
              f"{r['order_id']}: a listed bank's branch is REVIEW ({sc['decision']})")
    check(recs[2]["screening"]["decision"] == "CLEAR", "a clean bank's branch stays CLEAR")


def test_stale():
    p = run([], jl(ORDER))
    o = json.loads(p.stdout)
    codes = [r["code"] for r in o["screening"]["reasons"]]
    check(o["screening"]["decision"] == "REVIEW" and "LISTS_STALE" in codes, "stale lists: LISTS_STALE, REVIEW")
    check(o["screening"]["lists"]["stale"] is True, "stale lists: lists.stale true")
    check(p.returncode == 1 and b"stale" in p.stderr.lower(), "stale lists: exit 1 and a warning")
    p = run(["--max-age", "99999"], jl(ORDER))
    o = json.loads(p.stdout)
    check(o["screening"]["decision"] == "CLEAR" and o["screening"]["lists"]["stale"] is False,
          "--max-age large: not stale")


def test_pipes():
    many = jl(*[dict(ORDER, order_id=f"P-{i}") for i in range(20000)])
    with tempfile.NamedTemporaryFile() as f:
        f.write(many)
        f.flush()
        sh = f"'{EXE}' --data-dir '{DATA}' filter --allow-stale < '{f.name}' | head -1"
        p = subprocess.run(["sh", "-c", sh], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        check(p.stdout.count(b"\n") == 1 and p.stderr == b"", f"filter | head -1: out {p.stdout[:80]!r} err {p.stderr[:200]!r}")
        if os.path.exists("/dev/full"):
            sh = f"'{EXE}' --data-dir '{DATA}' filter --allow-stale < '{f.name}' > /dev/full; echo rc=$?"
            p = subprocess.run(["sh", "-c", sh], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
            check(b"rc=4" in p.stdout and b"cannot write" in p.stderr, f">/dev/full: {p.stdout!r} {p.stderr[:200]!r}")


def test_csv():
    rows = [
        ["order_id", "destination", "buyer_name", "buyer_country", "end_user_name", "end_user_address",
         "end_user_city", "end_user_country", "end_user_type", "eccn", "enc", "note"],
        ["C-1", "DE", "Rheinufer Netzwerk GmbH", "DE", "Eifel Molkerei eG", "Molkereistrasse 2", "Bitburg", "DE",
         "commercial", "5A992.c;EAR99", "mass_market;none", "multi\nline, \"quoted\""],
        ["C-2", "IR", "Rheinufer Netzwerk GmbH", "DE", "Tehran Carpet Weavers Co", "", "Tehran", "IR", "commercial",
         "EAR99", "none", ""],
        ["C-3", "GER", "Rheinufer Netzwerk GmbH", "DE", "Eifel Molkerei eG", "", "", "DE", "", "EAR99", "none", ""],
        ["C-4", "UA", "Rheinufer Netzwerk GmbH", "DE", "Yalta Seaside Hotel LLC", "Naberezhna 1", "Yalta", "UA",
         "commercial", "5A992.c", "mass_market", ""],
    ]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    src = buf.getvalue().encode() + b'C-5,DE,"unterminated\n'
    p = run(["--allow-stale", "--format", "csv"], src)
    check(p.returncode == 3, f"csv: exit {p.returncode}, want 3 (one bad destination, one bad row)")
    out = list(csv.reader(io.StringIO(p.stdout.decode())))
    check(out[0] == rows[0] + ["decision", "reasons", "hits"], f"csv header: {out[0] if out else None}")
    got = {r[0]: r for r in out[1:]}
    for r in rows[1:]:
        check(got.get(r[0], [])[: len(r)] == r, f"csv row {r[0]}: fields not kept")
    dec = {k: v[-3] for k, v in got.items()}
    check(dec.get("C-1") == "CLEAR", f"csv C-1: {dec.get('C-1')}")
    check(dec.get("C-2") == "PROHIBITED", f"csv C-2: {dec.get('C-2')}")
    check(dec.get("C-3") == "ERROR", f"csv C-3: {dec.get('C-3')}")
    check(dec.get("C-4") == "PROHIBITED", f"csv C-4: {dec.get('C-4')}")
    check(len(out) == 6 and dec.get("C-5") == "ERROR", f"csv: {len(out)} rows out, want header + 5, C-5 ERROR")
    reasons = json.loads(got["C-2"][-2])
    check(any(r["code"] == "EMBARGO" for r in reasons), "csv C-2: EMBARGO reason as JSON text")
    # detection without --format
    p2 = run(["--allow-stale"], buf.getvalue().encode())
    check(p2.stdout.decode().splitlines()[0].endswith(",decision,reasons,hits"), "csv detected from the header")
    # a header with a UTF-8 BOM (Excel) and in other case: the columns are still known
    src3 = b"\xef\xbb\xbfDestination, End_User_Name ,END_USER_COUNTRY,eccn,enc\r\nIR,Tehran Carpet Weavers Co,IR,EAR99,none\r\n"
    p3 = run(["--allow-stale"], src3)
    out3 = list(csv.reader(io.StringIO(p3.stdout.decode("utf-8-sig"))))
    check(p3.returncode == 1 and len(out3) == 2 and out3[1][-3] == "PROHIBITED",
          f"csv with BOM and mixed-case header: {out3[1][-3] if len(out3) > 1 else out3}, want PROHIBITED")
    check(p3.stdout.startswith(b"\xef\xbb\xbfDestination,"), "csv with BOM: the header passes through unchanged")


def test_csv_same_as_jsonl():
    """Every golden order with one party per role, written as a CSV row, gets the same decision."""
    roles = ["buyer", "ship_to", "end_user", "intermediate_consignee", "forwarder", "payer", "other"]
    fields = ["name", "address", "city", "region", "postal_code", "country", "type", "relationship",
              "ownership_percent"]
    hdr = ["order_id", "destination", "ship_date", "payment_terms", "end_use", "notes", "sku", "eccn", "enc"] + \
          [f"{r}_{f}" for r in roles for f in fields]
    rows, want = [], {}
    for line in open(os.path.join(GOLDEN, "orders.jsonl")):
        o = json.loads(line)
        if len({p["role"] for p in o["parties"]}) != len(o["parties"]):
            continue
        row = {h: "" for h in hdr}
        row.update(order_id=o["order_id"], destination=o.get("destination", ""), ship_date=o.get("ship_date", ""),
                   payment_terms=o.get("payment_terms", ""), end_use=o.get("end_use", ""),
                   notes=o.get("notes", ""),
                   sku=";".join(i.get("sku") or "" for i in o["items"]),
                   eccn=";".join(i.get("eccn") or "" for i in o["items"]),
                   enc=";".join(i.get("enc") or "" for i in o["items"]))
        for p in o["parties"]:
            for f in fields:
                v = p.get(f)
                row[f"{p['role']}_{f}"] = ("null" if f in p else "") if v is None else str(v)
        rows.append(row)
        want[o["order_id"]] = o["_expect"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=hdr, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    p = run(["--allow-stale", "--format", "csv"], buf.getvalue().encode())
    out = list(csv.reader(io.StringIO(p.stdout.decode())))
    check(len(out) == len(rows) + 1, f"csv vs jsonl: {len(out)} rows for {len(rows)} orders")
    for r in out[1:]:
        check(r[-3] == want.get(r[0]), f"csv vs jsonl {r[0]}: {r[-3]}, want {want.get(r[0])}")


def main():
    if not EXE:
        print("EXPORTSCREEN not set", file=sys.stderr)
        return 2
    test_golden()
    test_malformed()
    test_exit_codes_and_passthrough()
    test_branch_of_listed_party()
    test_stale()
    test_pipes()
    test_csv()
    test_csv_same_as_jsonl()
    print(f"{len(FAILS)} failure(s)")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
