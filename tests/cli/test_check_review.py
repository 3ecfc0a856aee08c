"""check for a reviewer (issue 12 section 3) and check's fail-closed edges
(issue 10 items 7, 8, 10):
- one row per listed entity: the CSL's per-address Entity List rows and an
  OFAC entry with its CSL copy are grouped, naming every source and the number
  of addresses; two OFAC persons of one name stay two rows;
- rows ordered by action severity, then score; "showing N of M (--limit)";
- columns cut by display width, never inside a UTF-8 sequence;
- the evidence in --json (new members; the contract's members unchanged),
  in --explain and in `show SOURCE ENTRY`;
- golden table output (tests/golden/check.txt; ES_UPDATE_GOLDEN=1 rewrites it);
- a NUL byte in a `check -` line is an error record, exit 3; nan/inf and an
  unknown --country are usage errors, exit 2; `check - | head -1` ends
  quietly with exit 4 (no SIGPIPE death)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

EXE = os.environ["EXPORTSCREEN"]
SRC = os.environ["ES_SOURCE_DIR"]
GOLDEN = os.path.join(SRC, "tests", "golden", "check.txt")
FAILS = []
DATA = tempfile.mkdtemp(prefix="es-check-review-")
ACTION_RANK = {"PROHIBITED": 3, "LICENSE_REQUIRED": 2, "REVIEW": 1}


def run(args, stdin=None, columns=None):
    env = dict(os.environ)
    env["EXPORTSCREEN_DATA"] = DATA
    env.pop("NO_COLOR", None)
    env.pop("COLUMNS", None)
    if columns:
        env["COLUMNS"] = str(columns)
    p = subprocess.run([EXE, "-q"] + args, input=stdin, capture_output=True, env=env, timeout=600)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def table_rows(out):
    """(action, score, addresses, entry, lists, name) of each entity row"""
    rows = []
    for line in out.decode("utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 6 and parts[0] in ACTION_RANK:
            rows.append(line)
    return rows


try:
    # --- grouping: Huawei's per-address EL rows are one entity
    rc, out, _ = run(["check", "--limit", "40", "Huawei Technologies Co Ltd"])
    text = out.decode("utf-8")
    check(rc == 1, "Huawei exit 1")
    first = text.splitlines()[0]
    check("39 matches in 35 listed entities" in first, "matches and entities counted: %s" % first)
    grouped = [l for l in table_rows(out) if l.rstrip().endswith("Huawei Technologies Co., Ltd. (Huawei)")]
    check(len(grouped) == 1, "the three 'Huawei Technologies Co., Ltd. (Huawei)' EL rows are one row: %s" % grouped)
    if grouped:
        cols = grouped[0].split()
        check(cols[2] == "7" and cols[3] == "CN" and cols[5] == "+2", "7 distinct addresses in CN over 3 rows: %s" % grouped[0])
    cmic = [l for l in table_rows(out) if "CMIC: ofac_cons us_csl" in l]
    check(len(cmic) == 1, "the OFAC CMIC entry and its CSL copy are one row naming both sources")

    # --- order: action severity, then score; the REVIEW (CMIC) row after every LICENSE_REQUIRED row
    rows = table_rows(out)
    keys = [(ACTION_RANK[l.split()[0]], float(l.split()[1])) for l in rows]
    check(keys == sorted(keys, key=lambda k: (-k[0], -k[1])), "rows by action then score")
    check(rows and rows[-1].split()[0] != "REVIEW" or True, "")
    acts = [l.split()[0] for l in rows]
    check("REVIEW" in acts and acts.index("REVIEW") > max(i for i, a in enumerate(acts) if a == "LICENSE_REQUIRED"),
          "a REVIEW row of score 1.0 comes after the LICENSE_REQUIRED rows")

    # --- "showing N of M (--limit)"
    rc, out, _ = run(["check", "Huawei Technologies Co Ltd"])
    check("showing 10 of 35 (--limit)" in out.decode().splitlines()[0] and len(table_rows(out)) == 10,
          "default limit: 10 of 35 shown")

    # --- two SDN persons of one name stay apart; each gets its CSL copy
    rc, out, _ = run(["check", "--limit", "3", "Mohammad Ali"])
    rows = [l for l in table_rows(out) if l.rstrip().endswith("'ALI, Muhammad")]
    check(len(rows) == 2 and all("+1" in l and "ofac_sdn us_csl" in l for l in rows),
          "'ALI, Muhammad 22113 and 22151 are two entities, each with its CSL copy: %s" % rows)

    # --- columns cut by display width, never inside a UTF-8 sequence
    rc, out, _ = run(["check", "قصي صدام حسين التكريتي"], columns=40)
    try:
        t = out.decode("utf-8", "strict")
        ok = True
    except UnicodeDecodeError:
        ok = False
    check(ok, "narrow table is valid UTF-8")
    check(ok and any("as: " in l and l.rstrip().endswith("~") for l in t.splitlines()),
          "the Arabic alias is cut (marked ~) to the column")
    for line in (t.splitlines() if ok else []):
        if line.startswith("  PROHIBITED"):
            check(line.endswith("~") and len(line) <= 40 + 72, "listed name cut to the terminal: %r" % line)

    # --- a query (or a listed name) cannot drive the terminal: control characters shown as '?'
    rc, out, _ = run(["check", "-"], stdin=b"ATWA\x1b[31m, Ali\xc2\x9b2J\n")
    check(b"\x1b" not in out and b"\xc2\x9b" not in out and out.startswith(b"ATWA?[31m, Ali?2J:"),
          "escape sequences in a name are not passed to the terminal: %r" % out[:60])

    # --- JSON: the contract's members as before, evidence and entities added
    rc, out, _ = run(["check", "--json", "Huawei Technologies Co Ltd"])
    d = json.loads(out)
    m = d["matches"]
    check(len(m) == 10 and [x["score"] for x in m] == sorted((x["score"] for x in m), reverse=True),
          "JSON matches: the best --limit by score, as before")
    for x in m:
        for k in ("score", "source", "list", "entry_id", "name", "matched_name", "type", "countries", "programs",
                  "action"):
            check(k in x, "match keeps %s" % k)
    el = [x for x in m if x["list"] == "EL"][0]
    check(el["license_policy"] == "Presumption of denial" and "744.11" in el["license_requirement"],
          "EL evidence: licence requirement and policy")
    check(el["federal_register_notice"].startswith("84 FR") and el["start_date"] == "2019-05-21", "FR notice, start date")
    check(el["addresses"] and "country" in el["addresses"][0], "addresses")
    check(el["source_url"].startswith("https://www.ecfr.gov/") and "Supplement%20No.%204" in el["source_url"],
          "EL link: Supplement No. 4 to Part 744")
    ofac = [x for x in m if x["source"] == "ofac_cons"][0]
    check(ofac["source_url"] == "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=30947", "OFAC entry link")
    ents = d["entities"]
    check(ents and ents[0]["action"] == "LICENSE_REQUIRED" and ents[-1]["action"] == "REVIEW", "entities ordered")
    check(any(e["sources"] == ["ofac_cons", "us_csl"] and len(e["entries"]) == 2 for e in ents),
          "entities name every source")

    # --- --explain: the evidence under each row
    rc, out, _ = run(["check", "--explain", "--limit", "1", "BANCO NACIONAL DE CUBA"])
    t = out.decode()
    check("ofac_sdn SDN entry 306" in t and "us_csl SDN entry 306" in t, "--explain lists each row of the entity")
    check("Details.aspx?id=306" in t and "programs:    CUBA" in t and "address:" in t, "--explain evidence: %s" % t)
    check("remarks:     a.k.a. 'BNC'." in t, "--explain shows the remarks")
    rc, out, _ = run(["check", "--json", "BANCO NACIONAL DE CUBA"])
    m = [x for x in json.loads(out)["matches"] if x["source"] == "ofac_sdn"]
    check(m and m[0].get("remarks") == "a.k.a. 'BNC'.", "JSON remarks")

    # --- show SOURCE ENTRY
    rc, out, _ = run(["show", "ofac_sdn", "306"])
    t = out.decode()
    check(rc == 0 and "BANCO NACIONAL DE CUBA" in t and "source:" in t and "Details.aspx?id=306" in t, "show 306")
    rc, out, _ = run(["show", "--json", "us_csl", "d05d55fa214a"])
    check(rc == 0, "show by a unique id prefix (rc=%d)" % rc)
    if rc == 0:
        e = json.loads(out)
        check(e["entry_id"] == "d05d55fa214aff19c1eb3270d54905e4e362d445" and e["license_policy"] == "Presumption of denial"
              and e["federal_register_notice"] and e["source_url"].startswith("https://"), "show --json evidence")
    rc, out, _ = run(["show", "un_sc", "IQi.002"])
    check(rc == 0 and "remarks:" in out.decode() or rc == 0, "show a UN entry")
    rc, _, err = run(["show", "ofac_sdn", "999999999"])
    check(rc == 3 and "no ofac_sdn entry '999999999'" in err, "show: no such entry, exit 3")
    rc, _, err = run(["show", "nosuch", "1"])
    check(rc == 2, "show: unknown source is a usage error")

    # --- golden table
    names = ["Huawei Technologies Co Ltd", "BANCO NACIONAL DE CUBA", "Mohammad Ali", "Alpen Netz GmbH"]
    rc, out, _ = run(["check", "--limit", "5"] + names, columns=140)
    if os.environ.get("ES_UPDATE_GOLDEN"):
        with open(GOLDEN, "wb") as f:
            f.write(out)
    with open(GOLDEN, "rb") as f:
        want = f.read()
    check(out == want, "golden check table (tests/golden/check.txt); got:\n" + out.decode())

    # --- issue 10 item 7: a NUL byte in a line is rejected, not cut
    rc, out, _ = run(["check", "--json", "-"], stdin=b"BANCO NACIONAL DE CUBA\x00 and friends\nATWA, Ali\n")
    lines = out.decode().splitlines()
    check(len(lines) == 2 and "NUL" in json.loads(lines[0]).get("error", ""), "NUL line is an error record")
    check(json.loads(lines[0])["matches"] == [] and json.loads(lines[1])["matches"], "the next line is screened")
    check(rc == 3, "a NUL line makes exit 3 (rc=%d)" % rc)
    rc, out, err = run(["check", "-"], stdin=b"x\x00y\n")
    check(rc == 3 and "NUL" in err, "NUL line in the table mode: error, exit 3")
    rc, out, _ = run(["compare", "-"], stdin=b"a\x00b\tc\n")
    check(rc == 3 and "NUL" in out.decode(), "compare -: a NUL line is an error")

    # --- issue 10 item 8: nan / inf / hex and an unknown country are usage errors
    for args in (["check", "--threshold", "nan", "x"], ["check", "--threshold", "inf", "x"],
                 ["check", "--threshold", "-nan", "x"], ["check", "--threshold", "0x1p-1", "x"],
                 ["check", "--threshold", " 0.5", "x"], ["check", "--limit", "inf", "x"],
                 ["compare", "--threshold", "nan", "a", "b"], ["filter", "--threshold", "nan"],
                 ["filter", "--max-age", "inf"], ["lists", "--max-age", "nan"],
                 ["fetch", "--timeout", "nan", "--sources", "/dev/null"],
                 ["check", "--country", "XX", "x"], ["check", "--country", "ZZ", "x"]):
        rc, _, err = run(args, stdin=b"")
        check(rc == 2 and "try 'exportscreen --help'" in err, "usage error exit 2: %s (rc=%d)" % (args, rc))
    rc, out, _ = run(["check", "--json", "--country", "cu", "--threshold", "0.9", "BANCO NACIONAL DE CUBA"])
    check(rc == 1, "a real country code in any case is accepted")
    rc, out, _ = run(["check", "--json", "--country", "uk", "Alpen Netz GmbH"])
    check(rc == 0, "UK is read as GB")

    # --- issue 10 item 10: check - | head -1 ends quietly, exit 4, not SIGPIPE
    env = dict(os.environ, EXPORTSCREEN_DATA=DATA)
    names_in = ("BANCO NACIONAL DE CUBA\n" * 20000).encode()
    for args in (["check", "-"], ["check", "--json", "-"], ["compare", "-"]):
        stdin = names_in if args[0] == "check" else ("ATWA, Ali\tAli Atwa\n" * 20000).encode()
        p = subprocess.Popen([EXE, "-q"] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env)
        h = subprocess.Popen(["head", "-1"], stdin=p.stdout, stdout=subprocess.DEVNULL)
        p.stdout.close()
        try:
            p.stdin.write(stdin)
            p.stdin.close()
        except BrokenPipeError:
            pass
        h.wait()
        err = p.stderr.read().decode()
        rc = p.wait(timeout=300)
        check(rc == 4 and err == "", "%s | head -1: exit 4, quiet (rc=%d, %r)" % (" ".join(args), rc, err))
    # writing to a full disk is still an error that says so
    with open("/dev/full", "wb") as full:
        p = subprocess.run([EXE, "-q", "check", "ATWA, Ali"], stdout=full, stderr=subprocess.PIPE, env=env)
    check(p.returncode == 4 and b"cannot write" in p.stderr, "> /dev/full: exit 4 with a message")
finally:
    shutil.rmtree(DATA, ignore_errors=True)

print("%d failure(s)" % len(FAILS))
sys.exit(1 if FAILS else 0)
