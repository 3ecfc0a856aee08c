#!/usr/bin/env python3
"""CLI tests of `exportscreen filter` on orders as ERP systems write them:

- CSV dialects: ';' and tab detected, --delimiter, the output keeps the delimiter and
  the line endings (CRLF in, CRLF out; also for JSON Lines);
- encodings: --encoding latin1 / cp1252 / utf-16(le|be), BOMs detected without it; an
  undecodable byte makes that record an ERROR (never a guessed character);
- --columns: a column map for ERP headers; map-file errors as file:line;
- --catalog and <data-dir>/catalog.csv: SKU-only items classified, CLASSIFICATION_MISMATCH,
  SKU_NOT_IN_CATALOG naming the SKU, patterns; catalog errors as file:line;
- issue 10 items 5, 6, 9: a stray quote (the record limit; the stream goes on), a row over
  1 MiB (only that row is an ERROR, the header stays), a first line holding only a BOM.
"""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

EXE = os.environ.get("EXPORTSCREEN")
SRC = os.environ.get("ES_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE_CATALOG = os.path.join(SRC, "lists", "catalog", "juniper-example.csv")
FAILS = []
csv.field_size_limit(sys.maxsize)  # an ERROR row echoes up to 1 MiB of input in one field
DATA = tempfile.mkdtemp(prefix="es-erp-test-")  # empty data dir: the bundled snapshot is used
TMP = tempfile.mkdtemp(prefix="es-erp-files-")


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what, file=sys.stderr)


def run(args, data, data_dir=DATA):
    cmd = [EXE, "--data-dir", data_dir, "filter", "--allow-stale"] + args
    return subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


HDR = ["order_id", "destination", "buyer_name", "buyer_country", "end_user_name", "end_user_country",
       "end_user_type", "eccn", "enc"]
ROWS = [
    ["E-1", "DE", "Müller Netzwerk GmbH", "DE", "Société Générale Café", "FR", "commercial", "5A992.c;EAR99",
     "mass_market;none"],
    ["E-2", "IR", "Müller Netzwerk GmbH", "DE", "Tehran Carpet Weavers Co", "IR", "commercial", "EAR99", "none"],
]
WANT = {"E-1": "CLEAR", "E-2": "PROHIBITED"}


def csv_text(rows, delim=",", eol="\n", multi=";"):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delim, lineterminator=eol)
    for r in rows:
        w.writerow([c.replace(";", multi) for c in r])
    return buf.getvalue()


def decisions(out, delim=","):
    rows = list(csv.reader(io.StringIO(out), delimiter=delim))
    return rows[0], {r[0]: r for r in rows[1:]}


def test_dialects():
    for delim, multi, name in ((";", ",", "semicolon"), ("\t", ";", "tab"), (",", ";", "comma")):
        src = csv_text([HDR] + ROWS, delim, "\r\n", multi).encode()
        p = run([], src)
        out = p.stdout.decode()
        check(p.returncode == 1, f"{name}: exit {p.returncode}, want 1")
        head, got = decisions(out, delim)
        check(head == HDR + ["decision", "reasons", "hits"], f"{name}: header {head}")
        for k, v in WANT.items():
            check(got.get(k, [""])[-3] == v, f"{name}: {k} {got.get(k, [''])[-3]}, want {v}")
        check(got.get("E-1", [""])[:len(HDR)] == [c.replace(";", multi) for c in ROWS[0]], f"{name}: row not kept")
        check(out.count("\r\n") == 3 and out.count("\n") == 3, f"{name}: CRLF in -> CRLF out ({out.count(chr(13))} CR)")
    # LF stays LF
    p = run([], csv_text([HDR] + ROWS).encode())
    check(b"\r" not in p.stdout and p.stdout.count(b"\n") == 3, "LF in -> LF out")
    # --delimiter: '|' given, ';' inside fields is text
    src = csv_text([HDR] + ROWS, "|").encode()
    p = run(["--delimiter", "|"], src)
    head, got = decisions(p.stdout.decode(), "|")
    check(p.returncode == 1 and got.get("E-2", [""])[-3] == "PROHIBITED", f"--delimiter '|': exit {p.returncode}")
    p = run(["--delimiter", "tab"], csv_text([HDR] + ROWS, "\t").encode())
    check(p.returncode == 1 and p.stdout.split(b"\n")[0].endswith(b"\tdecision\treasons\thits"), "--delimiter tab")
    for bad in ("ab", '"', ""):
        p = run(["--delimiter", bad], src)
        check(p.returncode == 2 and b"--delimiter" in p.stderr, f"--delimiter {bad!r}: exit {p.returncode}")
    p = run(["--format", "jsonl", "--delimiter", ";"], src)
    check(p.returncode == 2, f"--delimiter with --format jsonl: exit {p.returncode}")
    # JSON Lines keeps CRLF too, the ERROR records included
    order = {"order_id": "J-1", "destination": "DE", "parties": [
        {"role": "end_user", "name": "Eifel Molkerei eG", "country": "DE", "type": "commercial"}],
        "items": [{"eccn": "EAR99", "enc": "none"}]}
    src = (json.dumps(order) + "\r\nnot json\r\n" + json.dumps(order)).encode()
    p = run([], src)
    recs = p.stdout.split(b"\r\n")
    check(p.stdout.count(b"\r\n") == 3 and p.stdout.endswith(b"\r\n") and p.returncode == 3,
          f"JSONL CRLF in -> CRLF out: {p.stdout[-40:]!r}")
    check(json.loads(recs[1])["line"] == 2 and json.loads(recs[2])["screening"]["decision"] == "CLEAR",
          "JSONL CRLF records")


def test_encodings():
    text = csv_text([HDR] + ROWS, eol="\r\n")
    cases = [
        ("latin1", text.encode("latin-1"), ["--encoding", "latin1"]),
        ("cp1252", text.replace("Café", "Café “Zum Löwen”").encode("cp1252"), ["--encoding", "cp1252"]),
        ("utf-16 BOM, told", text.encode("utf-16"), ["--encoding", "utf-16"]),
        ("utf-16le BOM, detected", b"\xff\xfe" + text.encode("utf-16-le"), []),
        ("utf-16be BOM, detected", b"\xfe\xff" + text.encode("utf-16-be"), []),
        ("utf-16 no BOM (LE)", text.encode("utf-16-le"), ["--encoding", "utf-16"]),
        ("utf-16be no BOM", text.encode("utf-16-be"), ["--encoding", "utf-16be"]),
        ("utf-8 BOM beats --encoding", b"\xef\xbb\xbf" + text.encode(), ["--encoding", "latin1"]),
    ]
    for name, data, args in cases:
        p = run(args, data)
        out = p.stdout.decode("utf-8")  # the output is UTF-8 whatever came in
        head, got = decisions(out.lstrip("\ufeff"))
        check(p.returncode == 1, f"{name}: exit {p.returncode}, want 1; {p.stderr[:200]!r}")
        for k, v in WANT.items():
            check(got.get(k, [""])[-3] == v, f"{name}: {k} {got.get(k, [''])[-3]}, want {v}")
        check(got.get("E-1", ["", "", "", "", ""])[4].startswith("Société Générale Café"),
              f"{name}: name not decoded: {got.get('E-1', [''] * 5)[4]!r}")
        check(out.count("\r\n") == 3, f"{name}: line endings")
    # JSON Lines in UTF-16 (a BOM tells)
    order = {"order_id": "U-1", "destination": "IR", "parties": [
        {"role": "end_user", "name": "Tehran Carpet Weavers Co", "country": "IR", "type": "commercial"}],
        "items": [{"eccn": "EAR99", "enc": "none"}]}
    p = run([], (json.dumps(order, ensure_ascii=False) + "\n").encode("utf-16"))
    o = json.loads(p.stdout.decode("utf-8").lstrip("\ufeff"))
    check(o["screening"]["decision"] == "PROHIBITED", f"UTF-16 JSONL: {o['screening']['decision']}")
    # undecodable text: that record is an ERROR, the others are screened
    bad = text.encode("cp1252").replace("Société".encode("cp1252"), b"Soci\x81t\xe9")
    p = run(["--encoding", "cp1252"], bad)
    head, got = decisions(p.stdout.decode("utf-8"))
    check(p.returncode == 3 and got.get("E-1", [""])[-3] == "ERROR" and got.get("E-2", [""])[-3] == "PROHIBITED",
          f"cp1252 undefined byte: exit {p.returncode}, {[(k, v[-3]) for k, v in got.items()]}")
    check("\ufffd" in got.get("E-1", [""] * 5)[4], "cp1252 undefined byte: shown as U+FFFD in the echo")
    check("(text that is not valid cp1252)" in got.get("E-1", [""] * 3)[-2], f"cp1252: the error says why: {got.get('E-1', [''] * 3)[-2]}")
    # Latin-1 read as UTF-8 (no --encoding): ERROR records, not guessed names
    p = run([], text.encode("latin-1"))
    head, got = decisions(p.stdout.decode("utf-8", "replace"))  # CSV echoes the bytes as received
    check(p.returncode == 3 and got.get("E-1", [""])[-3] == "ERROR", "latin1 without --encoding: ERROR")
    # UTF-16 cut in the middle of a character: the last record is an ERROR
    u16 = text.rstrip("\r\n").encode("utf-16-le")[:-1]  # the input ends inside its last character
    p = run(["--encoding", "utf-16le"], u16)
    head, got = decisions(p.stdout.decode("utf-8"))
    check(got.get("E-1", [""])[-3] == "CLEAR" and got.get("E-2", [""])[-3] == "ERROR" and p.returncode == 3,
          f"odd UTF-16 byte at the end: {[(k, v[-3]) for k, v in got.items()]}")
    for bad_enc in ("ebcdic", "utf-32"):
        p = run(["--encoding", bad_enc], text.encode())
        check(p.returncode == 2 and b"--encoding" in p.stderr, f"--encoding {bad_enc}: exit {p.returncode}")


SAP_HDR = ["Sales Document", "Ship-to Country", "Sold-To Party", "Sold-To Country", "End User Name",
           "Endkunde Land", "End User Type", "ECCN", "ENC Paragraph"]
MAP = """# SAP SD export -> exportscreen columns (hand-made test map)
Sales Document\torder_id
Ship-to Country\tdestination
Sold-To Party\tbuyer_name
Sold-To Country\tbuyer_country
End User Name\tend_user_name
Endkunde Land\tend_user_country
end user type\tend_user_type
ENC Paragraph\tenc
"""


def test_columns():
    path = write("sap.tsv", MAP)
    src = csv_text([SAP_HDR] + ROWS, ";", "\r\n", ",").encode("cp1252")
    p = run(["--columns", path, "--encoding", "cp1252"], src)
    head, got = decisions(p.stdout.decode("utf-8"), ";")
    check(head == SAP_HDR + ["decision", "reasons", "hits"], f"--columns: the ERP header passes through: {head}")
    for k, v in WANT.items():
        check(got.get(k, [""])[-3] == v, f"--columns: {k} {got.get(k, [''])[-3]}, want {v}")
    check(p.returncode == 1, f"--columns: exit {p.returncode}")
    # without the map the header is not understood: ERROR, exit 3 (and detection needs the map)
    p = run(["--format", "csv", "--encoding", "cp1252"], src)
    check(p.returncode == 3 and b"<role>_name" in p.stdout, f"no map: exit {p.returncode}")
    # map errors: file:line, exit 3, nothing screened
    for text, msg in ((MAP + "Material\tpart_no\n", ":10: 'part_no' is not a column"),
                      (MAP + "END USER NAME\tend_user_name\n", ":10: header 'END USER NAME' is mapped twice"),
                      ("Sold-To Party buyer_name\n", ":1: want 'ERP header<TAB>contract column'")):
        bad = write("bad.tsv", text)
        p = run(["--columns", bad], src)
        err = p.stderr.decode()
        check(p.returncode == 3 and p.stdout == b"" and (bad + msg) in err, f"bad map {msg}: exit {p.returncode} {err!r}")
    p = run(["--columns", os.path.join(TMP, "missing.tsv")], src)
    check(p.returncode == 3 and b"missing.tsv" in p.stderr, f"missing map: exit {p.returncode}")


def order(oid, items, country="DE", etype="commercial", name="Eifel Molkerei eG"):
    return {"order_id": oid, "destination": country, "parties": [
        {"role": "end_user", "name": name, "country": country, "type": etype}], "items": items}


def screen(args, orders, data_dir=DATA):
    p = run(args, "".join(json.dumps(o) + "\n" for o in orders).encode(), data_dir)
    recs = [json.loads(l) for l in p.stdout.decode().splitlines()]
    return p, {r["order_id"]: r["screening"] for r in recs}


CATALOG = """# hand-made test catalog
part_number,eccn,enc,ccats,note
SRX300-SYS-JB,5A002.a,b2,G000000,test value
SRX*,5A002.a,b1,,family
EX*,5A992.c,mass_market,,family
*-SFP-*,EAR99,none,,optics
"""


def test_catalog():
    cat = write("catalog.csv", CATALOG)
    india_gov = dict(country="IN", etype="government", name="Ministry of Finance")
    orders = [
        order("C-SKU", [{"sku": "SRX300-SYS-JB"}], **india_gov),        # SKU only: exact entry, (b)(2) to a gov
        order("C-PAT", [{"sku": "ex2300-24t"}, {"sku": "QFX-SFP-10GE-SR"}]),  # patterns, any case
        order("C-AGREE", [{"sku": "SRX345", "eccn": "5A002", "enc": "b1"}]),  # agrees (less specific ECCN)
        order("C-MISMATCH", [{"sku": "EX4300-48T", "eccn": "5A002.a", "enc": "b1"}]),
        order("C-ABSENT", [{"sku": "ZZ-UNKNOWN-9"}]),
        order("C-ABSENT-ECCN", [{"sku": "ZZ-UNKNOWN-9", "eccn": "EAR99", "enc": "none"}]),
        order("C-NOSKU", [{"eccn": "EAR99", "enc": "none"}]),
        order("C-ABSENT-TWO", [{"sku": "ZZ-ONE"}, {"sku": "EX2300-24T"}, {"sku": "ZZ-TWO"}]),
    ]
    p, got = screen(["--catalog", cat], orders)
    dec = {k: v["decision"] for k, v in got.items()}
    codes = {k: [r["code"] for r in v["reasons"]] for k, v in got.items()}
    msgs = {k: " | ".join(r["message"] for r in v["reasons"]) for k, v in got.items()}
    check(dec.get("C-SKU") == "LICENSE_REQUIRED" and "ENC_GOV_END_USER" in codes.get("C-SKU", []),
          f"SKU only: classified from the catalog: {dec.get('C-SKU')} {codes.get('C-SKU')}")
    check("MISSING_ECCN" not in codes.get("C-SKU", []), "SKU only: no MISSING_ECCN")
    check(dec.get("C-PAT") == "CLEAR", f"patterns: {dec.get('C-PAT')} {msgs.get('C-PAT')}")
    check(dec.get("C-AGREE") == "CLEAR", f"agreeing ECCN: {dec.get('C-AGREE')} {msgs.get('C-AGREE')}")
    check(dec.get("C-MISMATCH") == "REVIEW" and codes.get("C-MISMATCH") == ["CLASSIFICATION_MISMATCH"],
          f"mismatch: {dec.get('C-MISMATCH')} {codes.get('C-MISMATCH')}")
    check("EX4300-48T" in msgs.get("C-MISMATCH", "") and "5A002.a ENC b1" in msgs.get("C-MISMATCH", "")
          and "5A992.c ENC mass_market" in msgs.get("C-MISMATCH", ""), f"mismatch message: {msgs.get('C-MISMATCH')}")
    check(dec.get("C-ABSENT") == "REVIEW" and codes.get("C-ABSENT") == ["SKU_NOT_IN_CATALOG"]
          and "ZZ-UNKNOWN-9" in msgs.get("C-ABSENT", ""), f"absent SKU: {codes.get('C-ABSENT')} {msgs.get('C-ABSENT')}")
    check(dec.get("C-ABSENT-ECCN") == "REVIEW" and codes.get("C-ABSENT-ECCN") == ["SKU_NOT_IN_CATALOG"],
          f"absent SKU with an ECCN: {codes.get('C-ABSENT-ECCN')}")
    check(dec.get("C-NOSKU") == "CLEAR", f"no SKU: {dec.get('C-NOSKU')}")
    check(codes.get("C-ABSENT-TWO") == ["SKU_NOT_IN_CATALOG"] and "'ZZ-ONE', 'ZZ-TWO'" in msgs.get("C-ABSENT-TWO", ""),
          f"two absent SKUs named in one reason: {msgs.get('C-ABSENT-TWO')}")
    reason = next((r for r in got.get("C-ABSENT", {}).get("reasons", [])), {})
    check(reason.get("citation") and reason.get("decision") == "REVIEW", f"reason row: {reason}")
    # without a catalog: the old answers (MISSING_ECCN), the mismatch unseen
    p, got = screen([], orders)
    check(got["C-SKU"]["decision"] == "REVIEW" and [r["code"] for r in got["C-SKU"]["reasons"]] == ["MISSING_ECCN"],
          f"no catalog: SKU only -> MISSING_ECCN: {got['C-SKU']}")
    check(got["C-MISMATCH"]["decision"] == "CLEAR", "no catalog: the order's ECCN is taken")
    # the default catalog in the data dir
    dd = tempfile.mkdtemp(prefix="es-erp-data-")
    shutil.copy(cat, os.path.join(dd, "catalog.csv"))
    p, got = screen([], orders, dd)
    check(got["C-SKU"]["decision"] == "LICENSE_REQUIRED" and got["C-ABSENT"]["decision"] == "REVIEW",
          f"<data-dir>/catalog.csv used by default: {got['C-SKU']['decision']}")
    # CSV with a SKU column only
    src = "order_id,end_user_name,end_user_country,end_user_type,sku\r\nV-1,Ministry of Finance,IN,government,SRX300-SYS-JB\r\n" \
          "V-2,Eifel Molkerei eG,DE,commercial,EX2300-24T;ZZ-UNKNOWN-9\r\n"
    p = run(["--catalog", cat], src.encode())
    head, got = decisions(p.stdout.decode())
    check(got.get("V-1", [""])[-3] == "LICENSE_REQUIRED" and got.get("V-2", [""])[-3] == "REVIEW"
          and "ZZ-UNKNOWN-9" in got.get("V-2", [""] * 3)[-2], f"CSV sku column + catalog: {got}")
    # the bundled example parses and classifies a Juniper family
    p, got = screen(["--catalog", EXAMPLE_CATALOG], [order("X-1", [{"sku": "EX2300-24T"}])])
    check(p.returncode == 0 and got["X-1"]["decision"] == "CLEAR", f"example catalog: {p.returncode} {p.stderr[:200]!r}")
    # catalog errors: file:line, exit 3, nothing screened
    for text, msg in ((CATALOG + "EX*,5A992.c,,,dup\n", ":7: part number 'EX*' is listed twice (first at line 5)"),
                      (CATALOG + "MX204,5A002.a,b7,,\n", ":7: enc 'b7' is not"),
                      ("part,eccn\n", ":1: the header needs part_number and eccn columns")):
        bad = write("bad.csv", text)
        p = run(["--catalog", bad], b"")
        err = p.stderr.decode()
        check(p.returncode == 3 and (bad + msg) in err, f"bad catalog {msg}: exit {p.returncode} {err!r}")
    shutil.copy(os.path.join(TMP, "bad.csv"), os.path.join(dd, "catalog.csv"))
    p, got = screen([], orders, dd)
    check(p.returncode == 3 and b"catalog.csv:1:" in p.stderr and p.stdout == b"",
          f"a bad default catalog is an error, never skipped: {p.returncode}")


CSV_HDR = "order_id,destination,end_user_name,end_user_country,end_user_type,eccn,enc\n"
CSV_ROW = "R-{},DE,Eifel Molkerei eG,DE,commercial,EAR99,none\n"


def test_stray_quote():
    """Issue 10 item 5: the record limit applies to a quoted field that spans lines."""
    n = 60000  # ~2.6 MB after the quote: more than the 1 MiB record limit
    src = CSV_HDR + 'S-1,DE,"Stray Quote Co,DE,commercial,EAR99,none\n' + "".join(CSV_ROW.format(i) for i in range(n))
    p = run([], src.encode())
    rows = list(csv.reader(io.StringIO(p.stdout.decode())))
    err = [r for r in rows[1:] if r[-3] == "ERROR"]
    ok = [r for r in rows[1:] if r[-3] == "CLEAR"]
    check(p.returncode == 3 and len(err) == 1, f"stray quote: exit {p.returncode}, {len(err)} ERROR records, want 1")
    check(err and "line 2: a quoted CSV field runs on past 1048576 bytes" in err[0][-2], f"stray quote: {err[0][-2][:200] if err else ''}")
    check(ok and ok[-1][0] == f"R-{n - 1}" and len(ok) > n - 25000 and len(rows) == 2 + len(ok),
          f"stray quote: reading resumes after the limit ({len(ok)} CLEAR rows)")


def test_long_row_keeps_header():
    """Issue 10 item 6: one row over 1 MiB is the only ERROR; the header stays."""
    src = CSV_HDR + CSV_ROW.format(0) + "L-1,DE," + "x" * (1100 * 1024) + ",DE,commercial,EAR99,none\n" + \
        "".join(CSV_ROW.format(i) for i in range(1, 4))
    p = run([], src.encode())
    rows = list(csv.reader(io.StringIO(p.stdout.decode())))
    dec = [(r[0][:5], r[-3]) for r in rows[1:]]
    check(dec == [("R-0", "CLEAR"), ("L-1", "ERROR"), ("R-1", "CLEAR"), ("R-2", "CLEAR"), ("R-3", "CLEAR")],
          f"long row: {dec}")
    check(p.returncode == 3, f"long row: exit {p.returncode}")


def test_bom_only_first_line():
    """Issue 10 item 9: a first line holding only a BOM is no record."""
    o = json.dumps(order("B-1", [{"eccn": "EAR99", "enc": "none"}])) + "\n"
    for name, data in (("jsonl", b"\xef\xbb\xbf\n" + o.encode()), ("jsonl CRLF", b"\xef\xbb\xbf\r\n" + o.encode()),
                       ("csv", b"\xef\xbb\xbf\n" + (CSV_HDR + CSV_ROW.format(1)).encode()),
                       ("utf-16", ("\n" + o).encode("utf-16")), ("only a BOM", b"\xef\xbb\xbf")):
        p = run([], data)
        lines = p.stdout.decode().splitlines()
        want = 0 if name == "only a BOM" else (2 if name == "csv" else 1)
        check(p.returncode == 0 and len(lines) == want and b"ERROR" not in p.stdout,
              f"BOM-only first line ({name}): exit {p.returncode}, {len(lines)} records: {p.stdout[:120]!r}")


def main():
    if not EXE:
        print("EXPORTSCREEN not set", file=sys.stderr)
        return 2
    test_dialects()
    test_encodings()
    test_columns()
    test_catalog()
    test_stray_quote()
    test_long_row_keeps_header()
    test_bom_only_first_line()
    shutil.rmtree(TMP, ignore_errors=True)
    print(f"{len(FAILS)} failure(s)")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
