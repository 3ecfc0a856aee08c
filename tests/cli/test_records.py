#!/usr/bin/env python3
"""CLI tests of the compliance records (docs/records.md): filter --record,
audit verify|head|export, review add|list|revoke, rescreen, fetch --rescreen,
report.

Every case runs in its own temporary data dir and store. The changed list set
for re-screening is served by the fetch tests' loopback fault server
(tests/fetch/faultserver.py) with a modified UN list.

Env (set by ctest): EXPORTSCREEN, ES_LISTS_DIR, ES_SOURCE_DIR, ES_TEST_DATA.
"""
import csv
import gzip
import io
import json
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fetch"))
from faultserver import FaultServer  # noqa: E402

EXE = os.environ.get("EXPORTSCREEN") or os.path.join(HERE, "..", "..", "build", "exportscreen")
LISTS = os.environ.get("ES_LISTS_DIR") or os.path.join(HERE, "..", "..", "lists")
RUN_TIMEOUT = 300  # a hang guard, not a timing assertion

failures = []
n_checks = 0


def check(cond, what):
    global n_checks
    n_checks += 1
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


class Env:
    def __init__(self, tmp, name):
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir)
        self.data = os.path.join(self.dir, "data")
        self.store = os.path.join(self.dir, "records.sqlite")
        self.key = self.store + ".key"
        self.home = os.path.join(self.dir, "home")
        os.makedirs(self.home)

    def env(self, extra=None):
        e = dict(os.environ)
        for k in ("EXPORTSCREEN_DATA", "EXPORTSCREEN_RECORDS", "EXPORTSCREEN_RECORDS_KEY", "http_proxy",
                  "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            e.pop(k, None)
        e["HOME"] = self.home
        e["USER"] = "tester"
        e.update(extra or {})
        return e

    def argv(self, args):
        return [EXE, "--data-dir", self.data, "--records", self.store] + args

    def run(self, args, stdin=None, extra=None, preexec=None):
        p = subprocess.run(self.argv(args), input=stdin, capture_output=True, env=self.env(extra),
                           timeout=RUN_TIMEOUT, preexec_fn=preexec)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")

    def verify(self):
        rc, out, err = self.run(["audit", "verify", "--json"])
        try:
            return rc, json.loads(out)
        except ValueError:
            return rc, {"intact": None, "raw": out + err}

    def export(self, *args):
        rc, out, err = self.run(["audit", "export"] + list(args))
        check(rc == 0, "audit export exits 0 (%d: %s)" % (rc, err.strip()))
        return [json.loads(x) for x in out.splitlines() if x.strip()]


def order(oid, buyer="Rheinufer Netzwerk GmbH", country="DE", dest="DE"):
    return json.dumps({"order_id": oid, "destination": dest, "parties": [
        {"role": "buyer", "name": buyer, "country": country, "type": "commercial"},
        {"role": "end_user", "name": "Alpen Netz GmbH", "country": "DE", "type": "commercial"}],
        "items": [{"eccn": "EAR99", "quantity": 1}]})


def screened_ids(out):
    ids = []
    for line in out.splitlines():
        try:
            ids.append(json.loads(line)["order_id"])
        except (ValueError, KeyError):
            pass
    return ids


# ---------------------------------------------------------------------------

def test_record_and_export(tmp):
    e = Env(tmp, "basic")
    golden = open(os.path.join(HERE, "..", "golden", "orders.jsonl"), "rb").read()
    golden += b'{"order_id": "BAD-1", "parties": [{"role": "buyer"}]}\nnot json at all\n'

    rc, out, err = e.run(["filter", "--record", "--allow-stale"], stdin=golden)
    check(rc in (1, 3), "filter --record on the golden orders exits as filter does (%d: %s)" % (rc, err))
    rc2, out2, _ = e.run(["filter", "--allow-stale"], stdin=golden)
    check(out == out2, "--record does not change the output")
    n_out = len(out.splitlines())
    check(os.path.exists(e.store) and os.path.exists(e.key), "store and key created")
    check(os.stat(e.key).st_mode & 0o777 == 0o600, "key file is mode 0600")
    check(os.stat(e.store).st_mode & 0o077 == 0, "store is not readable by others")
    recs = e.export()
    check(len(recs) == n_out, "one record per output line (%d vs %d)" % (len(recs), n_out))
    raw_lines = [x for x in golden.split(b"\n") if x.strip()]
    ok = all(r["input"].encode() == raw_lines[i] for i, r in enumerate(recs) if r["input"] is not None)
    check(ok, "each record holds its input line as received")
    import hashlib
    check(all(hashlib.sha256(raw_lines[i]).hexdigest() == r["input_sha256"] for i, r in enumerate(recs)),
          "input_sha256 is the sha256 of the input bytes")
    out_lines = out.splitlines()
    check(all(json.dumps(r["output"], ensure_ascii=False, separators=(",", ":")) is not None for r in recs),
          "outputs exported")
    check(all((r["output"]["screening"]["decision"] == r["decision"]) for r in recs if isinstance(r["output"], dict)),
          "record decision equals the output's decision")
    check(json.loads(out_lines[0]) == recs[0]["output"], "the first record's output is the first output line")
    r0 = recs[0]
    check(r0["tool"] and r0["host"] and r0["user"] == "tester" and len(r0["list_version"]) == 64
          and len(r0["rules_hash"]) == 64, "run data: tool, host, user, list version, rules hash (%r)" % (
              {k: r0[k] for k in ("tool", "host", "user")}))
    errs = [r for r in recs if r["decision"] == "ERROR"]
    check(errs and all(r["extra"]["line"] >= 1 for r in errs), "ERROR records are recorded with their line")
    # export filters and CSV
    prohib = e.export("--decision", "PROHIBITED")
    check(prohib and all(r["decision"] == "PROHIBITED" for r in prohib), "--decision filters")
    one = e.export("--order", recs[0]["order_id"])
    check(len(one) >= 1 and all(r["order_id"] == recs[0]["order_id"] for r in one), "--order filters")
    check(e.export("--since", "2999-01-01") == [], "--since in the future: nothing")
    check(len(e.export("--until", "2999-01-01")) == len(recs), "--until far ahead: everything")
    rc, out, err = e.run(["audit", "export", "--format", "csv"])
    rows = list(csv.reader(io.StringIO(out)))
    check(rc == 0 and rows[0][:5] == ["seq", "kind", "at", "order_id", "decision"] and len(rows) == len(recs) + 1,
          "CSV export: header and one row per record")
    rc, v = e.verify()
    check(rc == 0 and v["intact"] and v["checked"] == len(recs), "verify: intact (%r)" % v)
    rc, out, err = e.run(["audit", "head"])
    check(rc == 0 and re.search(r"^seq %d$" % len(recs), out, re.M) and re.search(r"^mac [0-9a-f]{64}$", out, re.M)
          and ("key " + e.key) in out, "head: seq, mac and key path (%s)" % out)
    # CSV input is recorded too
    csv_in = b"order_id,destination,buyer_name,buyer_country\nC-1,DE,Alpen Netz GmbH,DE\nC-2,CU,Havana Foods,CU\n"
    rc, out, err = e.run(["filter", "--record", "--allow-stale", "--format", "csv"], stdin=csv_in)
    c = [r for r in e.export() if r["order_id"] in ("C-1", "C-2")]
    check(len(c) == 2 and c[0]["input"] == "C-1,DE,Alpen Netz GmbH,DE" and c[1]["decision"] == "PROHIBITED",
          "CSV rows recorded (%r)" % [(r["order_id"], r["decision"]) for r in c])
    rc, v = e.verify()
    check(rc == 0 and v["intact"], "verify after a CSV run")
    rc, out, err = e.run(["rescreen", "--allow-stale", "--json"])
    check(rc == 0 and out == "" and re.search(r"\b0 changes", err),
          "rescreen of JSON and CSV orders with the same lists: no change (%d %r %r)" % (rc, out[:200], err))
    # usage
    for args in (["audit"], ["audit", "bogus"], ["audit", "export", "--since", "2026-02-31"],
                 ["audit", "export", "--decision", "MAYBE"], ["audit", "verify", "--since", "2026-01-01"]):
        rc, out, err = e.run(args)
        check(rc == 2 and "try 'exportscreen --help'" in err, "usage error exits 2: %s" % args)
    rc, out, err = e.run(["audit", "--help"])
    check(rc == 0 and "verify" in out and "--since" in out, "audit --help")
    # a missing store is an error, not an empty trail
    rc, out, err = e.run(["--records", os.path.join(e.dir, "nope.sqlite"), "audit", "verify"])
    check(rc == 3 and "no records store" in err, "verify of a missing store exits 3 (%d %s)" % (rc, err))
    # a store that is not a database
    bad = os.path.join(e.dir, "bad.sqlite")
    with open(bad, "wb") as f:
        f.write(b"not a database at all" * 100)
    rc, out, err = e.run(["--records", bad, "filter", "--record", "--allow-stale"], stdin=order("Z").encode())
    check(rc in (3, 4) and out == "" and len(err.strip().splitlines()) == 1,
          "a damaged store: one error line, no output (%d %r)" % (rc, err))


def tamper_store(e, name):
    """A copy of e's store and key, tampered one way; returns (store, key)."""
    st = os.path.join(e.dir, "t-%s.sqlite" % name)
    shutil.copy(e.store, st)
    shutil.copy(e.key, st + ".key")
    os.chmod(st + ".key", 0o600)
    db = sqlite3.connect(st)
    if name == "edit":
        db.execute("UPDATE audit SET decision = 'PROHIBITED' WHERE seq = 4")
    elif name == "edit_input":
        db.execute("UPDATE audit SET input = CAST('{\"order_id\": \"forged\"}' AS BLOB) WHERE seq = 2")
    elif name == "edit_run":
        db.execute("UPDATE runs SET usr = 'mallory'")
    elif name == "delete":
        db.execute("DELETE FROM audit WHERE seq = 3")
    elif name == "delete_tail":
        db.execute("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)")
    elif name == "reorder":
        db.execute("UPDATE audit SET seq = -1 WHERE seq = 2")
        db.execute("UPDATE audit SET seq = 2 WHERE seq = 3")
        db.execute("UPDATE audit SET seq = 3 WHERE seq = -1")
    elif name == "insert":
        top = db.execute("SELECT max(seq) FROM audit").fetchone()[0]
        for s in range(top, 2, -1):
            db.execute("UPDATE audit SET seq = seq + 1 WHERE seq = ?", (s,))
        db.execute("INSERT INTO audit (seq, n, kind, at, order_id, decision, body_mac, mac) VALUES "
                   "(3, 3, 'screen', '2026-01-01T00:00:00Z', 'forged', 'CLEAR', ?, ?)", ("0" * 64, "1" * 64))
    elif name == "key":
        with open(st + ".key", "w") as f:
            f.write("%064x\n" % random.getrandbits(256))
    db.commit()
    db.close()
    return st


def test_tamper(tmp):
    e = Env(tmp, "tamper")
    lines = "\n".join(order("T-%d" % i, buyer="Buyer %d GmbH" % i) for i in range(8)) + "\n"
    rc, out, err = e.run(["filter", "--record", "--allow-stale"], stdin=lines.encode())
    check(rc in (0, 1), "tamper: filter --record ran (%d %s)" % (rc, err))
    rc, v = e.verify()
    check(rc == 0 and v["intact"], "untouched store verifies")
    expect = {"edit": ("edited", 4), "edit_input": ("edited", 2), "edit_run": ("edited", 1),
              "delete": ("deleted", 3), "delete_tail": ("deleted", 8), "reorder": ("reordered", 2),
              "insert": ("inserted", 3), "key": ("key", 0)}
    for name, (problem, seq) in expect.items():
        st = tamper_store(e, name)
        rc, out, err = e.run(["--records", st, "audit", "verify", "--json"])
        try:
            v = json.loads(out)
        except ValueError:
            v = {}
        check(rc == 3 and v.get("intact") is False and v.get("problem") == problem and v.get("record") == seq,
              "tamper %s: caught as %s at record %d (rc %d, %r)" % (name, problem, seq, rc, v))
        rc, out, err = e.run(["--records", st, "audit", "verify"])
        check(rc == 3 and "BROKEN" in out and problem in out, "tamper %s: human verify names it (%s)" % (name, out))
    # a swapped key is refused for writing too: the chain must not fork
    st = tamper_store(e, "key")
    rc, out, err = e.run(["--records", st, "filter", "--record", "--allow-stale"], stdin=order("K").encode())
    check(rc == 3 and out == "" and "not the key" in err, "a wrong key cannot append (%d %s)" % (rc, err))
    # a missing key for an existing store is refused, never replaced
    os.unlink(st + ".key")
    rc, out, err = e.run(["--records", st, "filter", "--record", "--allow-stale"], stdin=order("K").encode())
    check(rc == 3 and out == "" and "key is missing" in err and not os.path.exists(st + ".key"),
          "a missing key is not re-created (%d %s)" % (rc, err))
    # a key readable by others is refused
    os.chmod(e.key, 0o644)
    rc, out, err = e.run(["filter", "--record", "--allow-stale"], stdin=order("K").encode())
    check(rc != 0 and out == "" and "chmod 600" in err, "a world-readable key is refused (%d %s)" % (rc, err))
    os.chmod(e.key, 0o600)


def feeder(p, n, prefix, stop):
    try:
        for i in range(n):
            if stop.is_set():
                break
            p.stdin.write((order("%s-%d" % (prefix, i), buyer="Kill Test Buyer %d" % (i % 50)) + "\n").encode())
            if i % 50 == 0:
                p.stdin.flush()
        p.stdin.close()
    except (BrokenPipeError, OSError, ValueError):
        pass


def test_kill9(tmp):
    e = Env(tmp, "kill9")
    seen = []
    rnd = random.Random(1234)
    for k in range(20):
        p = subprocess.Popen(e.argv(["filter", "--record", "--allow-stale"]), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=e.env())
        stop = threading.Event()
        t = threading.Thread(target=feeder, args=(p, 100000, "K%d" % k, stop))
        t.start()
        want = rnd.randint(1, 3000)
        got = 0
        buf = b""
        while got < want:
            chunk = p.stdout.read1(65536) if hasattr(p.stdout, "read1") else p.stdout.read(4096)
            if not chunk:
                break
            buf += chunk
            got = buf.count(b"\n")
        os.kill(p.pid, signal.SIGKILL)
        rest = p.stdout.read()
        buf += rest
        p.wait()
        stop.set()
        t.join()
        for line in buf.split(b"\n"):
            if line.endswith(b"}"):
                seen.append(json.loads(line)["order_id"])
    rc, v = e.verify()
    check(rc == 0 and v.get("intact"), "kill -9 x20: the chain verifies (%r)" % v)
    stored = {r["order_id"] for r in e.export()}
    missing = [x for x in seen if x not in stored]
    check(seen and not missing, "kill -9 x20: every order seen on stdout is in the store (%d seen, %d missing)" %
          (len(seen), len(missing)))
    print("kill -9: %d orders seen on stdout over 20 kills, %d records stored" % (len(seen), len(stored)))


def test_concurrent_writers(tmp):
    e = Env(tmp, "concurrent")
    # create the store first so four writers race on appends, not on creation
    e.run(["filter", "--record", "--allow-stale"], stdin=order("INIT").encode())
    n = 600
    procs = []
    for w in range(4):
        data = "".join(order("W%d-%d" % (w, i), buyer="Writer %d Buyer %d" % (w, i % 30)) + "\n" for i in range(n))
        p = subprocess.Popen(e.argv(["filter", "--record", "--allow-stale"]), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e.env())
        procs.append((p, data))
    # feed in small pieces so the writers' commits interleave
    outs = [b""] * 4

    def drain(i, p):
        outs[i] = p.stdout.read()

    ts = [threading.Thread(target=drain, args=(i, p)) for i, (p, _) in enumerate(procs)]
    for t in ts:
        t.start()
    pieces = [[d[i:i + 4096] for i in range(0, len(d), 4096)] for _, d in procs]
    for j in range(max(len(x) for x in pieces)):
        for i, (p, _) in enumerate(procs):
            if j < len(pieces[i]):
                p.stdin.write(pieces[i][j].encode())
                p.stdin.flush()
    for p, _ in procs:
        p.stdin.close()
    rcs = [p.wait() for p, _ in procs]
    for t in ts:
        t.join()
    check(all(rc in (0, 1) for rc in rcs), "4 writers all succeed (%r)" % rcs)
    check(all(len(o.splitlines()) == n for o in outs), "4 writers: every order answered")
    rc, v = e.verify()
    check(rc == 0 and v.get("intact") and v.get("checked") == 4 * n + 1, "4 writers: chain intact with all %d "
          "records (%r)" % (4 * n + 1, v))
    stored = [r["order_id"] for r in e.export()]
    check(len(stored) == len(set(stored)) == 4 * n + 1, "4 writers: no record lost or doubled")
    runs = {r["seq"]: r for r in e.export()}
    # the writers' batches interleave (not four consecutive blocks): real concurrency was exercised
    owners = [x.split("-")[0] for x in stored[1:]]
    switches = sum(1 for a, b in zip(owners, owners[1:]) if a != b)
    print("concurrent writers: %d records, writer switches in the chain: %d" % (len(runs), switches))


def test_disk_full(tmp):
    e = Env(tmp, "diskfull")
    rc, out, err = e.run(["filter", "--record", "--allow-stale"], stdin=order("F-0").encode())
    check(rc == 0, "disk full: store created (%d %s)" % (rc, err))
    size = os.path.getsize(e.store) + os.path.getsize(e.store + "-wal") if os.path.exists(e.store + "-wal") \
        else os.path.getsize(e.store)
    limit = size + 300 * 1024

    def limited():
        # writes past the limit fail with EFBIG (SIGXFSZ ignored): an injected disk-full
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    data = "".join(order("F-%d" % i, buyer="Disk Full Buyer %d" % i) + "\n" for i in range(1, 5000))
    rc, out, err = e.run(["filter", "--record", "--allow-stale"], stdin=data.encode(), preexec=limited)
    lines = err.strip().splitlines()
    check(rc == 4, "disk full: exit 4 (got %d)" % rc)
    check(len(lines) == 1 and "records.sqlite" in lines[0], "disk full: one clear error line (%r)" % lines)
    rc2, v = e.verify()
    check(rc2 == 0 and v.get("intact"), "disk full: the chain still verifies (%r)" % v)
    stored = {r["order_id"] for r in e.export()}
    seen = screened_ids(out)
    check(all(x in stored for x in seen), "disk full: every order written to stdout is in the store")
    check(0 < len(seen) < 4999, "disk full: stopped part-way (%d orders out)" % len(seen))
    check(all(out.endswith("\n") for _ in [0]) if out else True, "disk full: no half-written output line")
    # the next run (space back) appends to the same intact chain
    rc, out, err = e.run(["filter", "--record", "--allow-stale"], stdin=order("F-after").encode())
    rc2, v = e.verify()
    check(rc == 0 and rc2 == 0 and v.get("intact"), "after disk full: appending works and verifies")


# ---------------------------------------------------------------------------

def un_changed(body):
    """The bundled UN list with CDe.002 renamed and CDe.003's listing date changed."""
    s = body.decode("utf-8")
    a = s.count("<FIRST_NAME>BUTEMBO AIRLINES (BAL)</FIRST_NAME>")
    s = s.replace("<FIRST_NAME>BUTEMBO AIRLINES (BAL)</FIRST_NAME>",
                  "<FIRST_NAME>ZEPHYRION QUANTUM TRADING</FIRST_NAME>")
    i = s.index("<REFERENCE_NUMBER>CDe.003</REFERENCE_NUMBER>")
    j = s.index("<LISTED_ON>", i)
    k = s.index("</LISTED_ON>", j)
    s = s[:j] + "<LISTED_ON>2021-01-01" + s[k:]
    s = re.sub(r'dateGenerated="[^"]*"', 'dateGenerated="2026-12-01T00:00:00.000Z"', s, count=1)
    assert a == 1
    return s.encode("utf-8")


FILES = [
    ("sdn.csv", "ofac_sdn", "ofac_csv", "main", "ofac-sdn/sdn.csv.gz", "ofac-sdn/sdn.csv", "sha256"),
    ("cons_prim.csv", "ofac_cons", "ofac_csv", "main", "ofac-cons/cons_prim.csv", "ofac-cons/cons_prim.csv", "sha256"),
    ("cons_add.csv", "ofac_cons", "ofac_csv", "add", "ofac-cons/cons_add.csv", "ofac-cons/cons_add.csv", "sha256"),
    ("cons_alt.csv", "ofac_cons", "ofac_csv", "alt", "ofac-cons/cons_alt.csv", "ofac-cons/cons_alt.csv", "sha256"),
    ("cons_comments.csv", "ofac_cons", "ofac_csv", "comments", "ofac-cons/cons_comments.csv",
     "ofac-cons/cons_comments.csv", "sha256"),
    ("csl.csv", "us_csl", "csl_csv", "main", "us-csl/consolidated.csv.gz", "us-csl/consolidated.csv", "sha256"),
    ("un.xml", "un_sc", "un_xml", "main", "un-sc/consolidated.xml.gz", "un-sc/consolidated.xml",
     "sha256-xml-attr:dateGenerated"),
]


def served_files(changed):
    files = {}
    for name, _sid, _fmt, _role, rel, _path, _ver in FILES:
        with open(os.path.join(LISTS, rel), "rb") as f:
            b = f.read()
        files[name] = gzip.decompress(b) if rel.endswith(".gz") else b
    if changed:
        files["un.xml"] = un_changed(files["un.xml"])
    return files


def catalog(e, srv, case):
    p = os.path.join(e.dir, "catalog-%s.tsv" % case)
    with open(p, "w") as f:
        for name, sid, fmt, role, _rel, path, ver in FILES:
            f.write("\t".join([sid, fmt, role, path, ver, srv.url(case, "ok", name)]) + "\n")
    return p


def hits_of(out_line):
    r = json.loads(out_line)
    return r["screening"]["decision"], r["screening"]["hits"]


def test_dispositions_and_rescreen(tmp):
    e = Env(tmp, "lifecycle")
    lacs = "Compagnie Aerienne des Grands Lacs"
    orders = [order("R-NEW", buyer="Zephyrion Quantum Trading"), order("R-GONE", buyer="Butembo Airlines"),
              order("R-FP", buyer=lacs), order("R-CLEAN", buyer="Rheinufer Netzwerk GmbH")]
    data = ("\n".join(orders) + "\n").encode()
    rc, out, err = e.run(["filter", "--allow-stale"], stdin=data)
    lines = out.splitlines()
    dec_fp, hits_fp = hits_of(lines[2])
    check(dec_fp == "REVIEW" and len(hits_fp) == 3, "R-FP is a REVIEW with three hits before review (%s %d)" %
          (dec_fp, len(hits_fp)))
    # review add: usage
    for args, what in (
            (["review", "add", "--party", lacs, "--source", "un_sc", "--entry", "CDe.003", "--false-positive"],
             "no reason"),
            (["review", "add", "--party", lacs, "--source", "un_sc", "--entry", "CDe.003", "--reason", "x"],
             "no kind"),
            (["review", "add", "--party", lacs, "--source", "un_sc", "--entry", "CDe.003", "--false-positive",
              "--true-match", "--reason", "x"], "both kinds"),
            (["review", "add", "--party", lacs, "--source", "un_sc", "--entry", "CDe.003", "--false-positive",
              "--reason", "x", "--expires", "2020-01-01"], "expiry in the past"),
            (["review", "add", "--party", lacs, "--source", "un_sc", "--entry", "CDe.003", "--false-positive",
              "--reason", "x", "--expires", "2030-02-30"], "impossible date"),
            (["review", "revoke", "1"], "revoke without reason")):
        rc, out, err = e.run(args)
        check(rc == 2, "review usage: %s exits 2 (%d %s)" % (what, rc, err.strip()))
    rc, out, err = e.run(["review", "add", "--party", lacs, "--source", "un_sc", "--entry", "NOPE.999",
                          "--false-positive", "--reason", "x"])
    check(rc == 3 and "NOPE.999" in err, "review add of an unknown entry exits 3 (%d %s)" % (rc, err))
    # clear all three hits of R-FP (OFAC, CSL and UN copies of one listing)
    ids = []
    for src, ent in (("ofac_sdn", hits_fp[0]["entry_id"]), ("us_csl", hits_fp[1]["entry_id"]),
                     ("un_sc", "CDe.003")):
        src_ent = [(h["source"], h["entry_id"]) for h in hits_fp]
        rc, out, err = e.run(["review", "add", "--party", lacs.upper(), "--country", "de", "--source", src,
                              "--entry", dict(src_ent).get(src, ent), "--false-positive",
                              "--reason", "Namesake <b>Lacs</b> & Co, checked the register", "--by", "alice"])
        check(rc == 0, "review add %s (%d %s)" % (src, rc, err))
        m = re.search(r"disposition (\d+)", out)
        ids.append(int(m.group(1)) if m else -1)
    rc, out, err = e.run(["filter", "--allow-stale"], stdin=data)
    dec, hits = hits_of(out.splitlines()[2])
    check(dec == "CLEAR", "the false-positive dispositions clear R-FP (%s)" % dec)
    check(len(hits) == 3 and all(h.get("disposition", {}).get("kind") == "false_positive" and
                                 h["disposition"]["by"] == "alice" for h in hits),
          "cleared hits stay in hits with their disposition (%r)" % hits)
    d_other, _ = hits_of(out.splitlines()[1])
    check(d_other == "REVIEW", "a cleared hit clears nothing else (R-GONE still REVIEW)")
    # a different party or country: not applied
    rc, out, err = e.run(["filter", "--allow-stale"], stdin=(order("R-FP2", buyer=lacs, country="FR") + "\n").encode())
    d2, h2 = hits_of(out)
    check(d2 == "REVIEW" and not any("disposition" in h for h in h2), "a disposition bound to DE does not apply "
          "to the same name in FR")
    # check applies them too
    rc, out, err = e.run(["check", "--json", "--country", "DE", lacs])
    m = json.loads(out.splitlines()[0])["matches"]
    check(rc == 0 and m and all(x.get("disposition") for x in m if x["source"] in ("un_sc", "ofac_sdn", "us_csl")),
          "check: cleared matches carry the disposition, exit 0 (%d)" % rc)
    rc, out, err = e.run(["check", "--json", lacs])
    check(rc == 1, "check without the country: the disposition does not apply, exit 1")
    # list
    rc, out, err = e.run(["review", "list", "--json"])
    lst = [json.loads(x) for x in out.splitlines()]
    check(rc == 0 and len(lst) == 3 and all(x["status"] == "active" and x["country"] == "DE" for x in lst),
          "review list: three active dispositions (%r)" % lst)
    # record the orders, then the lists change
    rc, out, err = e.run(["filter", "--record", "--allow-stale"], stdin=data)
    before = out.splitlines()
    rc, out, err = e.run(["rescreen", "--json", "--allow-stale"])
    check(rc == 0 and out == "", "rescreen with unchanged lists: no change, exit 0 (%d %r)" % (rc, out[:300]))

    with FaultServer(served_files(True), {}) as srv:
        cat = catalog(e, srv, "changed")
        rc, out, err = e.run(["fetch", "--sources", cat, "--force", "--retry-delay", "0.02", "--rescreen"])
    check(rc == 1, "fetch --rescreen: exit 1 when a re-screen raises a decision (%d %s)" % (rc, err[-400:]))
    changes = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
    by = {(c["order_id"], c["change"]): c for c in changes}
    nh = by.get(("R-NEW", "new_hit"))
    check(nh and nh["hit"]["source"] == "un_sc" and nh["hit"]["entry_id"] == "CDe.002" and nh["role"] == "buyer"
          and nh["party"] == 0 and nh["name"] == "Zephyrion Quantum Trading",
          "re-screen: the renamed UN entry is a new hit for R-NEW (%r)" % nh)
    dc = by.get(("R-NEW", "decision_changed"))
    check(dc and dc["before"] == "CLEAR" and dc["after"] == "REVIEW", "re-screen: R-NEW CLEAR -> REVIEW (%r)" % dc)
    hg = by.get(("R-GONE", "hit_gone"))
    check(hg and hg["hit"]["source"] == "un_sc" and hg["hit"]["entry_id"] == "CDe.002",
          "re-screen: the UN hit of R-GONE is gone (%r)" % hg)
    check(("R-GONE", "decision_changed") not in by, "R-GONE keeps its decision (other copies still hit)")
    fp = by.get(("R-FP", "decision_changed"))
    check(fp and fp["before"] == "CLEAR" and fp["after"] == "REVIEW",
          "the UN entry changed: its disposition stops applying, R-FP rises (%r)" % fp)
    check(not any(c["order_id"] == "R-CLEAN" for c in changes), "an unaffected order has no change")
    recs = [r for r in e.export() if r["kind"] == "rescreen"]
    check(len(recs) == len(changes) and all(r["extra"]["change"] for r in recs), "every change is an audit record")
    rc, out, err = e.run(["rescreen", "--json"])
    check(rc == 0 and out == "", "a second rescreen finds nothing new (%d %r)" % (rc, out[:300]))
    rc, out, err = e.run(["review", "list", "--all", "--json"])
    st = {x["entry_id"]: x["status"] for x in map(json.loads, out.splitlines())}
    check(st.get("CDe.003") == "entry_changed", "review list --all: the UN disposition shows entry_changed (%r)" % st)
    rc, out, err = e.run(["review", "list", "--json"])
    check(len(out.splitlines()) == 2, "review list: only the two still active")
    # revoke
    rc, out, err = e.run(["review", "revoke", str(ids[0]), "--reason", "wrong reviewer", "--by", "bob"])
    check(rc == 0, "revoke (%d %s)" % (rc, err))
    rc, out, err = e.run(["review", "revoke", str(ids[0]), "--reason", "again"])
    check(rc == 2 and "already revoked" in err, "revoking twice exits 2")
    rc, out, err = e.run(["review", "revoke", "999", "--reason", "x"])
    check(rc == 3 and "no disposition 999" in err, "revoking an unknown id exits 3")
    rc, out, err = e.run(["filter", "--allow-stale"], stdin=data)
    _, hits = hits_of(out.splitlines()[2])
    check(not any(h.get("disposition", {}).get("id") == ids[0] for h in hits), "a revoked disposition no longer applies")
    check(any(h.get("disposition", {}).get("id") == ids[1] for h in hits), "the others still apply")
    # true match: gives the list action although the country contradicts
    rc, out, err = e.run(["review", "add", "--party", "Butembo Airlines", "--source", "un_sc", "--entry", "CDe.003",
                          "--true-match", "--reason", "same company"])
    rc, out, err = e.run(["review", "add", "--party", "Butembo Airlines", "--source", "ofac_sdn", "--entry",
                          [h for h in hits_of(before[1])[1] if h["source"] == "ofac_sdn"][0]["entry_id"],
                          "--true-match", "--reason", "same company, confirmed"])
    check(rc == 0, "review add --true-match")
    rc, out, err = e.run(["filter", "--allow-stale"], stdin=data)
    dec, hits = hits_of(out.splitlines()[1])
    tm = [h for h in hits if h.get("disposition", {}).get("kind") == "true_match"]
    check(dec == "PROHIBITED" and tm and tm[0]["action"] == "PROHIBITED",
          "a true-match disposition gives the list action (%s %r)" % (dec, [(h["source"], h["action"]) for h in hits]))
    # expiry: the day after it expires it no longer applies (time moved by editing the date)
    # expiry: applies through its last day, not the day after (EXPORTSCREEN_TODAY moves the day)
    rc, out, err = e.run(["review", "list", "--json"])
    for x in map(json.loads, out.splitlines()):
        if x["kind"] == "true_match":
            e.run(["review", "revoke", str(x["id"]), "--reason", "replaced by one with an expiry"])
    rc, out, err = e.run(["review", "add", "--party", "Butembo Airlines", "--source", "us_csl", "--entry",
                          [h for h in hits_of(before[1])[1] if h["source"] == "us_csl"][0]["entry_id"],
                          "--true-match", "--reason", "confirmed", "--expires", "2099-06-30"])
    check(rc == 0, "review add --expires")
    rc, out, err = e.run(["filter", "--allow-stale"], stdin=data, extra={"EXPORTSCREEN_TODAY": "2099-06-30"})
    dec, hits = hits_of(out.splitlines()[1])
    check(any(h.get("disposition", {}).get("kind") == "true_match" and h["source"] == "us_csl" for h in hits),
          "a disposition applies on its expiry date")
    rc, out, err = e.run(["filter", "--allow-stale"], stdin=data, extra={"EXPORTSCREEN_TODAY": "2099-07-01"})
    dec, hits = hits_of(out.splitlines()[1])
    check(dec == "REVIEW" and not any("disposition" in h for h in hits),
          "expired dispositions no longer apply (%s %r)" % (dec, hits))
    rc, out, err = e.run(["review", "list", "--all", "--json"], extra={"EXPORTSCREEN_TODAY": "2099-07-01"})
    check(sum(json.loads(x)["status"] == "expired" for x in out.splitlines()) == 1, "review list --all shows expired")
    # a disposition edited in the database is not applied, and verify names it
    db = sqlite3.connect(e.store)
    db.execute("UPDATE dispositions SET kind = 'false_positive' WHERE kind = 'true_match'")
    db.commit()
    db.close()
    rc, out, err = e.run(["filter", "--allow-stale"], stdin=data)
    dec, hits = hits_of(out.splitlines()[1])
    check(dec == "REVIEW" and not any("disposition" in h for h in hits) and "not applied" in err,
          "an edited disposition is not applied, with a warning (%s %s)" % (dec, err.strip()))
    rc, v = e.verify()
    check(rc == 3 and v.get("problem") == "edited" and "disposition" in v.get("detail", ""),
          "verify names an edited disposition (%r)" % v)
    rc, out, err = e.run(["review", "list", "--all", "--json"])
    check(sum(json.loads(x)["status"] == "tampered" for x in out.splitlines()) == 3, "review list shows tampered")
    db = sqlite3.connect(e.store)
    db.execute("UPDATE dispositions SET kind = 'true_match' WHERE kind = 'false_positive' AND reason LIKE 'same%'")
    db.execute("UPDATE dispositions SET kind = 'true_match' WHERE reason = 'confirmed'")
    db.commit()
    db.close()
    rc, v = e.verify()
    check(rc == 0 and v.get("intact"), "the trail verifies after reviews and re-screens (and the rows are "
          "restored) (%r)" % v)
    kinds = {r["kind"] for r in e.export()}
    check({"screen", "review_add", "review_revoke", "rescreen"} <= kinds, "review and re-screen actions are "
          "audit records (%r)" % kinds)
    return e


def test_rescreen_paging(tmp):
    """More parties than one page (2,000), pages splitting an order's parties."""
    e = Env(tmp, "paging")
    data = "".join(json.dumps({"order_id": "P-%d" % i, "destination": "DE", "parties": [
        {"role": "buyer", "name": "Paging Buyer %d" % i, "country": "DE"},
        {"role": "end_user", "name": "Paging User %d" % i, "country": "DE"},
        {"role": "ship_to", "name": "Paging Ship %d" % (i % 1000), "country": "DE"}],
        "items": [{"eccn": "EAR99"}]}) + "\n" for i in range(2001))
    rc, out, err = e.run(["filter", "--record", "--allow-stale"], stdin=data.encode())
    rc, out, err = e.run(["rescreen", "--allow-stale"])
    m = re.search(r"(\d+) parties \((\d+) orders\)", err)
    # 2001 buyers + 2001 end users + 1000 ship-tos (each re-screened through its latest order)
    check(rc == 0 and out == "" and m and m.group(1) == "5002" and m.group(2) == "2001",
          "rescreen: every distinct party once, across pages (%d %r)" % (rc, err.strip()))
    rc, out, err = e.run(["rescreen", "--since", "2999-01-01"])
    check(rc == 0 and "0 parties" in err, "rescreen --since in the future: nothing")


def test_report(tmp):
    e = Env(tmp, "report")
    evil = '<script>alert("x")</script> & \'Sons\''
    data = "\n".join([order("<img src=x onerror=alert(1)>", buyer="Banco Nacional de Cuba", country="CU", dest="CU"),
                      order("REP-2", buyer=evil, dest="SY"), order("REP-3")]) + "\n"
    rc, out, err = e.run(["filter", "--record", "--allow-stale"], stdin=data.encode())
    rc, out, err = e.run(["review", "add", "--party", "Banco Nacional de Cuba", "--source", "ofac_sdn", "--entry",
                          "306", "--true-match", "--reason", "</td><script>bad()</script>"])
    rc, html, err = e.run(["report", "--since", "2000-01-01"])
    check(rc == 0 and html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>"),
          "report: one HTML document (%d %s)" % (rc, err))
    check("<script" not in html and "<img" not in html and "onerror=alert(1)&gt;" in html,
          "report: every field escaped")
    check(not re.search(r"<[^>]*\b(src|href)\s*=", html, re.I) and "<link" not in html and "@import" not in html,
          "report: self-contained (no external assets)")
    check("BANCO NACIONAL DE CUBA" in html and "CUBA" in html and "306" in html,
          "report: hit evidence (listed name, entry, programs)")
    check("REP-3" not in html, "report: CLEAR orders left out")
    check("&lt;/td&gt;&lt;script&gt;bad()" in html, "report: review actions listed, escaped")
    rc, out, err = e.run(["report", "--since", "2000-01-01", "--format", "csv"])
    rows = list(csv.reader(io.StringIO(out)))
    check(rc == 0 and rows[0][:4] == ["seq", "at", "order_id", "decision"] and len(rows) == 2 + 1 and
          rows[1][2] == "<img src=x onerror=alert(1)>" and rows[1][3] == "PROHIBITED",
          "report CSV: one row per order not CLEAR (%r)" % rows[:3])
    rc, out, err = e.run(["report", "--since", "2999-01-01", "--format", "csv"])
    check(rc == 0 and len(out.splitlines()) == 1, "report: empty period, header only")
    for args in (["report"], ["report", "--since", "2026-13-01"], ["report", "--since", "2026-01-02", "--until",
                                                                   "2026-01-01"],
                 ["report", "--since", "2026-01-01", "--format", "pdf"]):
        rc, out, err = e.run(args)
        check(rc == 2, "report usage: %s exits 2" % args)


def main():
    tmp = tempfile.mkdtemp(prefix="es-records-test-")
    try:
        test_record_and_export(tmp)
        test_tamper(tmp)
        test_concurrent_writers(tmp)
        test_disk_full(tmp)
        test_kill9(tmp)
        test_dispositions_and_rescreen(tmp)
        test_rescreen_paging(tmp)
        test_report(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d of %d checks failed" % (len(failures), n_checks), file=sys.stderr)
        return 1
    print("all %d checks passed" % n_checks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
