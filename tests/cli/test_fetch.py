#!/usr/bin/env python3
"""CLI tests of `exportscreen fetch` against a local fault-injecting server.

Offline: the server (tests/fetch/faultserver.py) listens on 127.0.0.1 on a
random port and serves copies of the bundled lists (lists/, which are real
upstream files). After every fault case the data dir must still hold a
complete, valid set that `lists` reports correctly.

Env (set by ctest): EXPORTSCREEN, ES_LISTS_DIR, ES_SOURCE_DIR, ES_TEST_DATA.
"""
import calendar
import email.utils
import fcntl
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fetch"))
from faultserver import FaultServer, closed_port  # noqa: E402

EXE = os.environ.get("EXPORTSCREEN") or os.path.join(HERE, "..", "..", "build", "exportscreen")
LISTS = os.environ.get("ES_LISTS_DIR") or os.path.join(HERE, "..", "..", "lists")
TEST_DATA = os.environ.get("ES_TEST_DATA") or os.path.join(HERE, "..", "data")
RUN_TIMEOUT = 300  # a hang guard, not a timing assertion

FAST = ["--retry-delay", "0.02", "--connect-timeout", "5"]

failures = []
n_checks = 0


def check(cond, what):
    global n_checks
    n_checks += 1
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


def read_list(rel):
    with open(os.path.join(LISTS, rel), "rb") as f:
        b = f.read()
    return gzip.decompress(b) if rel.endswith(".gz") else b


# server name -> (source, role, bundled file, set path)
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
# sources the bundled set lacks (hand-made fixtures in tests/data/fetch/, see the README there)
EXTRA = [
    ("eu.xml", "eu_fsf", "eu_xml", "main", "eu-handmade-v1.1.xml", "eu-fsf/sanctions.xml",
     "sha256-xml-attr:generationDate"),
    ("uk.csv", "uk_fcdo", "uk_csv", "main", "uk-handmade.csv", "uk-fcdo/UK-Sanctions-List.csv",
     "sha256-skip-lines:1"),
]


def http_date(day):
    t = calendar.timegm(time.strptime(day + " 12:00:00", "%Y-%m-%d %H:%M:%S"))
    return email.utils.formatdate(t, usegmt=True)


def server_content():
    with open(os.path.join(LISTS, "manifest.json")) as f:
        man = json.load(f)
    dates = {s["id"]: s["data_date"] for s in man["sources"]}
    files, lm = {}, {}
    for name, sid, _fmt, _role, rel, _path, _ver in FILES:
        files[name] = read_list(rel)
        lm[name] = http_date(dates[sid])
    for name, _sid, _fmt, _role, rel, _path, _ver in EXTRA:
        with open(os.path.join(TEST_DATA, "fetch", rel), "rb") as f:
            files[name] = f.read()
    return files, lm


_case_no = [0]


def catalog(tmp, srv, modes=None, urls=None, sources=None, extra=False):
    """Writes a catalog pointing at srv; modes: {server name: modes}; urls: {name: url};
    extra: also the eu_fsf and uk_fcdo sources."""
    _case_no[0] += 1
    case = "c%d" % _case_no[0]
    lines = ["# test catalog\n"]
    for name, sid, fmt, role, _rel, path, ver in FILES + (EXTRA if extra else []):
        if sources and sid not in sources:
            continue
        url = (urls or {}).get(name) or srv.url(case, (modes or {}).get(name, "ok"), name)
        lines.append("\t".join([sid, fmt, role, path, ver, url]) + "\n")
    p = os.path.join(tmp, "catalog-%s.tsv" % case)
    with open(p, "w") as f:
        f.writelines(lines)
    return p, case


def run(args, env_extra=None, data=None):
    env = dict(os.environ)
    env.pop("EXPORTSCREEN_DATA", None)
    env.pop("EXPORTSCREEN_CA_BUNDLE", None)
    # the test server is on loopback: a proxy from the environment must not be used
    for k in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env.pop(k, None)
    env.update(env_extra or {})
    full = [EXE] + args + (["--data-dir", data] if data else [])
    p = subprocess.run(full, capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT)
    return p.returncode, p.stdout, p.stderr


def fetch(data, cat, *extra, env_extra=None):
    return run(["fetch", "--sources", cat] + FAST + list(extra), env_extra=env_extra, data=data)


def lists_json(data):
    rc, out, err = run(["lists", "--json"], data=data)
    check(rc == 0, "lists --json exits 0 (got %d: %s)" % (rc, err.strip()))
    try:
        return json.loads(out)
    except ValueError:
        check(False, "lists --json prints JSON: %r" % out[:200])
        return {"sources": [], "version": None, "in_use": None}


def by_id(lj):
    return {s["id"]: s for s in lj["sources"]}


def summary_row(out, sid):
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == sid:
            return f
    return None


def assert_valid_set(data, what, expect_version=None, n_sources=4):
    lj = lists_json(data)
    check(lj["in_use"] == "fetched", "%s: fetched set in use (got %s)" % (what, lj["in_use"]))
    check(all("error" not in s for s in lj["sources"]), "%s: every file matches its manifest" % what)
    check(len(lj["sources"]) == n_sources, "%s: %d sources in the set (got %d)" %
          (what, n_sources, len(lj["sources"])))
    if expect_version:
        check(lj["version"] == expect_version, "%s: set version unchanged" % what)
    return lj


def un_entries(body):
    return len(re.findall(rb"<INDIVIDUAL>", body)) + len(re.findall(rb"<ENTITY>", body))


# ---------------------------------------------------------------------------------------------


def test_cli_surface(tmp):
    rc, out, err = run(["fetch", "--print-sources"])
    with open(os.path.join(LISTS, "sources.tsv")) as f:
        bundled_cat = f.read()
    check(rc == 0 and out == bundled_cat, "--print-sources prints the bundled catalog")
    for sid in ("ofac_sdn", "ofac_cons", "us_csl", "un_sc", "eu_fsf", "uk_fcdo"):
        check(re.search(r"^%s\t" % sid, out, re.M) is not None, "bundled catalog has %s" % sid)
    check("SDN_COMMENTS.CSV" in out and "CONS_COMMENTS.CSV" in out, "catalog has the OFAC CSV quartets")
    rc, out, err = run(["fetch", "--help"])
    check(rc == 0 and "--max-shrink" in out and "--cacert" in out and "--retry-delay" in out,
          "fetch --help documents the options")
    # issue 10 item 12: the size limits --help states are the ones the docs state (and the code has)
    src = os.environ.get("ES_SOURCE_DIR") or os.path.join(HERE, "..", "..")
    with open(os.path.join(src, "docs", "fetch.md")) as f:
        doc = " ".join(f.read().split())
    check("256 MiB" in out and "512 MiB" in out and "256 MiB on the wire" in doc and "512 MiB after" in doc,
          "--help and docs/fetch.md state the same limits: 256 MiB on the wire, 512 MiB decoded")
    rc, out, err = run(["fetch", "no_such_source"], data=os.path.join(tmp, "u"))
    check(rc == 2 and "unknown source" in err, "unknown source is a usage error (rc %d)" % rc)
    rc, out, err = run(["fetch", "--max-shrink", "2"], data=os.path.join(tmp, "u"))
    check(rc == 2, "--max-shrink out of range is a usage error")
    bad = os.path.join(tmp, "bad.tsv")
    with open(bad, "w") as f:
        f.write("un_sc\tun_xml\tmain\tun.xml\tsha256\thttp://example.com/un.xml\n")
    rc, out, err = run(["fetch", "--sources", bad], data=os.path.join(tmp, "u"))
    check(rc == 3 and "loopback" in err, "plain http to a non-loopback host is refused (rc %d: %s)" % (rc, err))
    with open(bad, "w") as f:
        f.write("un_sc\tun_xml\tmain\t../un.xml\tsha256\thttps://example.com/un.xml\n")
    rc, out, err = run(["fetch", "--sources", bad], data=os.path.join(tmp, "u"))
    check(rc == 3 and "bad file path" in err, "a catalog path with '..' is refused")
    rc, out, err = run(["fetch", "--print-sources", "--sources", bad])
    check(rc == 0 and out.startswith("un_sc"), "--print-sources prints the catalog given with --sources")


def test_mirror_and_faults(tmp, srv, files):
    data = os.path.join(tmp, "data")
    bundled = lists_json(os.path.join(tmp, "no-data-dir"))
    check(bundled["in_use"] == "bundled", "an empty data dir uses the bundled set")

    # 1. a loopback mirror of the upstream files gives the bundled set back
    cat, _ = catalog(tmp, srv)
    rc, out, err = fetch(data, cat, "--force")
    check(rc == 0, "mirror fetch exits 0 (rc %d: %s)" % (rc, err))
    for sid in ("ofac_sdn", "ofac_cons", "us_csl", "un_sc"):
        row = summary_row(out, sid)
        check(row is not None and row[1] == "updated", "mirror fetch: %s updated (%s)" % (sid, row))
    lj = assert_valid_set(data, "after the mirror fetch")
    b, f = by_id(bundled), by_id(lj)
    for sid in b:
        for k in ("entries", "sha256", "data_date", "format"):
            check(b[sid][k] == f[sid][k], "mirror: %s %s matches the bundled set (%r vs %r)" %
                  (sid, k, f[sid][k], b[sid][k]))
        check(f[sid]["age_days"] == 0 and not f[sid]["stale"], "mirror: %s fresh" % sid)
    check(lj["version"] == bundled["version"], "mirror: set version equals the bundled one")
    v0 = lj["version"]
    with open(os.path.join(data, "current", "manifest.json")) as fh:
        man = json.load(fh)
    check(all(s.get("url", "").startswith("http://127.0.0.1") for s in man["sources"]),
          "manifest records the source URLs")

    # 2. nothing changed: unchanged, only fetched_at is rewritten (in place)
    mpath = os.path.join(data, "current", "manifest.json")
    for s in man["sources"]:
        s["fetched_at"] = "2020-01-01T00:00:00Z"
    with open(mpath, "w") as fh:
        json.dump(man, fh)
    set_dir = os.path.realpath(os.path.join(data, "current"))
    rc, out, err = fetch(data, cat)
    check(rc == 0, "unchanged fetch exits 0 (%s)" % err)
    for sid in ("ofac_sdn", "ofac_cons", "us_csl", "un_sc"):
        row = summary_row(out, sid)
        check(row is not None and row[1] == "unchanged", "second fetch: %s unchanged (%s)" % (sid, row))
    lj = assert_valid_set(data, "after the unchanged fetch", v0)
    check(all(s["fetched_at"] != "2020-01-01T00:00:00Z" and s["age_days"] == 0 for s in lj["sources"]),
          "unchanged fetch confirms every source now (fetched_at refreshed)")
    check(os.path.realpath(os.path.join(data, "current")) == set_dir, "unchanged fetch keeps the same set dir")

    # 3. UN regenerated (dateGenerated only): unchanged
    cat3, _ = catalog(tmp, srv, {"un.xml": "regen"})
    rc, out, err = fetch(data, cat3, "un_sc")
    check(rc == 0 and summary_row(out, "un_sc")[1] == "unchanged",
          "UN with a new dateGenerated only is unchanged (%s %s)" % (out, err))
    assert_valid_set(data, "after regen", v0)

    # 4. ETag: the second request is conditional and a 304 means unchanged
    cat4, case4 = catalog(tmp, srv, {"un.xml": "etag"})
    rc, out, err = fetch(data, cat4, "un_sc")
    check(rc == 0, "etag: first fetch exits 0 (%s)" % err)
    rc, out, err = fetch(data, cat4, "un_sc")
    reqs = srv.requests_for(case4)
    check(len(reqs) == 2 and reqs[0][1].get("If-None-Match") is None and reqs[1][1].get("If-None-Match"),
          "etag: the second request carries If-None-Match")
    check(rc == 0 and summary_row(out, "un_sc")[1] == "unchanged", "etag: 304 -> unchanged (%s)" % out)
    check(reqs[1][1].get("If-Modified-Since") == srv.last_modified["un.xml"],
          "etag: the second request carries If-Modified-Since")
    assert_valid_set(data, "after 304", v0)

    # 4b. conditional-request state is keyed by URL: a catalog whose URL for the
    # file changed never sends the old URL's ETag to the new one
    cat4b, case4b = catalog(tmp, srv, {"un.xml": "etag"})
    rc, out, err = fetch(data, cat4b, "un_sc")
    reqs = srv.requests_for(case4b)
    check(rc == 0 and len(reqs) == 1, "etag, new URL: one request (%s)" % err)
    check(reqs and reqs[0][1].get("If-None-Match") is None and reqs[0][1].get("If-Modified-Since") is None,
          "etag, new URL: the first request to it is unconditional")
    rc, out, err = fetch(data, cat4b, "un_sc")
    reqs = srv.requests_for(case4b)
    check(len(reqs) == 2 and reqs[1][1].get("If-None-Match"), "etag, new URL: its own ETag is sent back to it")
    with open(os.path.join(data, "current", "validators.json")) as f:
        vj = json.load(f)
    check(vj["un_sc"]["main"].get("url", "").endswith("/un.xml") and case4b in vj["un_sc"]["main"]["url"],
          "validators.json records the URL the validators came from")

    # 5. HTTP 500 twice, then success (a changed list: 2% fewer entries)
    cat5, case5 = catalog(tmp, srv, {"un.xml": "e500x2,drop2"})
    rc, out, err = fetch(data, cat5, "un_sc", "--retries", "3")
    expect = un_entries(__import__("faultserver").drop_entries("un.xml", files["un.xml"], 2))
    check(rc == 0, "500 twice then success exits 0 (rc %d: %s)" % (rc, err))
    check(len(srv.requests_for(case5)) == 3, "500 twice: three requests")
    row = summary_row(out, "un_sc")
    check(row is not None and row[1] == "updated" and row[2] == "1003" and row[4] == str(expect),
          "500 twice: un_sc updated 1003 -> %d (%s)" % (expect, row))
    lj = assert_valid_set(data, "after 500x2")
    check(by_id(lj)["un_sc"]["entries"] == expect, "lists shows the new UN count")
    check(lj["version"] != v0, "set version changed with the data")
    v1 = lj["version"]

    # failure cases: exit 4 (download failed), the set in use stays as it was
    fail_cases = [
        ("HTTP 500 on every try", {"un.xml": "e500x99"}, ["--retries", "1"], "HTTP 500"),
        ("a body slower than the timeout", {"un.xml": "trickle"}, ["--timeout", "1", "--retries", "0"],
         "timed out"),
        ("a truncated body", {"un.xml": "trunc"}, ["--retries", "1"], "un_sc failed"),
        ("an oversize body", {"un.xml": "ok"}, ["--max-bytes", "100000"], "larger than the limit"),
        ("an oversize gzip body (decoded size)", {"un.xml": "gzip"}, ["--max-bytes", "500000"],
         "larger than the limit"),
        ("too many redirects", {"un.xml": "redir20"}, [], "redirects"),
    ]
    for what, modes, extra, msg in fail_cases:
        c, case = catalog(tmp, srv, modes)
        rc, out, err = fetch(data, c, "un_sc", *extra)
        check(rc == 4, "%s: exit 4 (got %d: %s)" % (what, rc, err.strip()))
        check(msg in err + out, "%s: message mentions %r (%s)" % (what, msg, err.strip()))
        check("kept the last good copy" in err, "%s: says the last good copy is kept" % what)
        row = summary_row(out, "un_sc")
        check(row is not None and row[1] == "failed", "%s: summary says failed (%s)" % (what, row))
        assert_valid_set(data, "after %s" % what, v1)
    c, case = catalog(tmp, srv, {"un.xml": "e500x99"})
    fetch(data, c, "un_sc", "--retries", "2")
    check(len(srv.requests_for(case)) == 3, "--retries 2: three attempts on 500")

    # Retry-After: a 429 asking for 1 s is waited for (not the 0.02 s backoff), then the fetch
    # succeeds; a 503 asking for a day gives up at once instead of sleeping or hammering
    d_ra = os.path.join(tmp, "data-retry-after")
    c, case = catalog(tmp, srv, {"un.xml": "e429x1"})
    t0 = time.monotonic()
    rc, out, err = fetch(d_ra, c, "un_sc", "--retries", "2")
    waited = time.monotonic() - t0
    check(rc == 0 and len(srv.requests_for(case)) == 2,
          "429 with Retry-After: 1, then success: exit 0 after two requests (rc %d: %s)" % (rc, err.strip()))
    check(waited >= 0.95, "429 with Retry-After: 1: waited %.2f s, at least the second asked for" % waited)
    c, case = catalog(tmp, srv, {"un.xml": "e503wait"})
    rc, out, err = fetch(d_ra, c, "un_sc", "--retries", "3")
    check(rc == 4 and len(srv.requests_for(case)) == 1 and "retry after 86400 s" in err,
          "503 with Retry-After: 86400: exit 4 after one request, saying why (rc %d, %d requests: %s)"
          % (rc, len(srv.requests_for(case)), err.strip()))
    rc, out, err = fetch(d_ra, c, "un_sc", "--retries", "1", "--max-retry-after", "0")
    check(rc == 2 and "max-retry-after" in err, "--max-retry-after 0 is a usage error (rc %d: %s)" % (rc, err.strip()))

    # connection refused
    port = closed_port()
    c, _ = catalog(tmp, srv, urls={"un.xml": "http://127.0.0.1:%d/x/ok/un.xml" % port})
    rc, out, err = fetch(data, c, "un_sc", "--retries", "1")
    check(rc == 4 and ("connect" in err.lower() or "refused" in err.lower()),
          "connection refused: exit 4 (rc %d: %s)" % (rc, err.strip()))
    assert_valid_set(data, "after connection refused", v1)
    # ... with a second (mirror) URL on the catalog line: that one is used
    c, case = catalog(tmp, srv, urls={"un.xml": "http://127.0.0.1:%d/x/ok/un.xml %s" %
                                      (port, srv.url("fallback", "drop2", "un.xml"))})
    rc, out, err = fetch(data, c, "un_sc", "--retries", "0")
    check(rc == 0 and summary_row(out, "un_sc")[1] == "unchanged" and srv.requests_for("fallback"),
          "a failing first URL falls back to the next one (rc %d: %s)" % (rc, err.strip()))
    assert_valid_set(data, "after URL fallback", v1)

    # rejections: exit 3, reason given, the set in use stays as it was
    reject_cases = [
        ("an HTML error page with status 200", {"un.xml": "html"}, "HTML page"),
        ("a list that lost 30% of its entries", {"un.xml": "drop30"}, "would lose"),
        ("an empty body", {"un.xml": "empty"}, "empty"),
        ("a CSL file that lost 30% of its rows", {"csl.csv": "drop30"}, "would lose"),
    ]
    for what, modes, msg in reject_cases:
        c, _ = catalog(tmp, srv, modes)
        src = "us_csl" if "csl.csv" in modes else "un_sc"
        rc, out, err = fetch(data, c, src)
        check(rc == 3, "%s: exit 3 (got %d: %s)" % (what, rc, err.strip()))
        check(msg in err, "%s: reason %r given (%s)" % (what, msg, err.strip()))
        row = summary_row(out, src)
        check(row is not None and row[1] == "rejected", "%s: summary says rejected (%s)" % (what, row))
        assert_valid_set(data, "after %s" % what, v1)
    # ... and the threshold is configurable
    c, _ = catalog(tmp, srv, {"un.xml": "drop30"})
    rc, out, err = fetch(data, c, "un_sc", "--max-shrink", "0.5")
    check(rc == 0 and summary_row(out, "un_sc")[1] == "updated", "--max-shrink 0.5 accepts a 30%% loss (%s)" % err)
    assert_valid_set(data, "after accepted shrink")

    # gzip Content-Encoding and a redirect chain, both with changed content
    # (and the leftover of an interrupted fetch, removed by the next swap)
    os.makedirs(os.path.join(data, "sets", "20200101T000000.000000000Z-1-0.part", "un-sc"))
    c, case = catalog(tmp, srv, {"un.xml": "gzip"})
    rc, out, err = fetch(data, c, "un_sc")
    check(not os.path.exists(os.path.join(data, "sets", "20200101T000000.000000000Z-1-0.part")),
          "a half-built set of an interrupted fetch is removed")
    reqs = srv.requests_for(case)
    check(rc == 0 and summary_row(out, "un_sc")[1] == "updated" and summary_row(out, "un_sc")[4] == "1003",
          "gzip-encoded body: updated back to 1003 (%s %s)" % (out, err))
    check(reqs and "gzip" in reqs[0][1].get("Accept-Encoding", ""), "client offers gzip")
    lj = assert_valid_set(data, "after gzip")
    check(by_id(lj)["un_sc"]["sha256"] == by_id(bundled)["un_sc"]["sha256"],
          "gzip: stored content is the decoded file")
    c, case = catalog(tmp, srv, {"un.xml": "redir3,drop1"})
    rc, out, err = fetch(data, c, "un_sc")
    check(rc == 0 and summary_row(out, "un_sc")[1] == "updated", "redirect chain followed (%s)" % err)
    check(len(srv.requests_for(case)) == 4, "redirect chain: 3 redirects + the file")
    assert_valid_set(data, "after redirects")

    # several sources, one failing: the others are updated, exit 4
    c, _ = catalog(tmp, srv, {"un.xml": "e500x99"})
    rc, out, err = fetch(data, c, "--retries", "0")
    check(rc == 4, "one source failing among several: exit 4 (rc %d)" % rc)
    check(summary_row(out, "un_sc")[1] == "failed" and summary_row(out, "us_csl")[1] == "unchanged"
          and summary_row(out, "ofac_sdn")[1] == "unchanged", "the other sources are still fetched")
    assert_valid_set(data, "after a partial failure")

    # a rejection and a failure together: 4 wins
    c, _ = catalog(tmp, srv, {"un.xml": "e500x99", "csl.csv": "html"})
    rc, out, err = fetch(data, c, "un_sc", "us_csl", "--retries", "0")
    check(rc == 4, "failure + rejection: exit 4 (rc %d)" % rc)

    # the lock
    with open(os.path.join(data, "fetch.lock"), "a") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        rc, out, err = fetch(data, cat, "un_sc")
        fcntl.flock(lk, fcntl.LOCK_UN)
    check(rc == 4 and "another fetch is running" in err, "a held lock: exit 4 (rc %d: %s)" % (rc, err))
    assert_valid_set(data, "after the lock case")

    # old sets are cleaned up (current + two previous at most)
    sets = [d for d in os.listdir(os.path.join(data, "sets"))]
    check(len(sets) <= 3, "old sets removed (%d left: %s)" % (len(sets), sets))
    check(not any(d.endswith(".part") for d in sets), "no half-built set left")

    # first fetch where one source fails: it comes from the bundled copy
    d2 = os.path.join(tmp, "data2")
    c, _ = catalog(tmp, srv, {"un.xml": "e500x99"})
    rc, out, err = fetch(d2, c, "--retries", "0")
    check(rc == 4, "first fetch with a failure: exit 4")
    lj = assert_valid_set(d2, "first fetch with a failure")
    check(by_id(lj)["un_sc"]["sha256"] == by_id(bundled)["un_sc"]["sha256"]
          and by_id(lj)["un_sc"]["fetched_at"] == by_id(bundled)["un_sc"]["fetched_at"],
          "the failed source is the bundled copy, with its own date")


def test_new_sources(tmp, srv):
    """eu_fsf and uk_fcdo are not bundled: a fetch adds them; their version signals work."""
    data = os.path.join(tmp, "data-new")
    c, _ = catalog(tmp, srv, extra=True)
    rc, out, err = fetch(data, c)
    check(rc == 0, "new sources: first fetch exits 0 (rc %d: %s)" % (rc, err.strip()))
    for sid in ("eu_fsf", "uk_fcdo"):
        row = summary_row(out, sid)
        check(row is not None and row[1] == "updated" and row[2] == "-", "new sources: %s added (%s)" % (sid, row))
    for sid in ("ofac_sdn", "ofac_cons", "us_csl", "un_sc"):
        row = summary_row(out, sid)
        check(row is not None and row[1] == "unchanged", "new sources: bundled %s confirmed (%s)" % (sid, row))
    lj = assert_valid_set(data, "with eu_fsf and uk_fcdo", n_sources=6)
    f = by_id(lj)
    check(f.get("eu_fsf", {}).get("entries", 0) > 0 and f.get("uk_fcdo", {}).get("entries", 0) > 0,
          "new sources have entries")
    check(f.get("un_sc", {}).get("age_days") == 0, "a bundled source confirmed unchanged is fresh")
    v = lj["version"]
    c, _ = catalog(tmp, srv, {"eu.xml": "regen", "uk.csv": "redate"}, extra=True)
    rc, out, err = fetch(data, c, "eu_fsf", "uk_fcdo")
    check(rc == 0 and summary_row(out, "eu_fsf")[1] == "unchanged" and summary_row(out, "uk_fcdo")[1] == "unchanged",
          "a new EU generationDate / UK Report Date alone is no change (%s %s)" % (out, err))
    assert_valid_set(data, "after regen/redate", v, n_sources=6)
    # a damaged held file is not confirmed "unchanged": the download replaces it
    with open(os.path.join(data, "current", "manifest.json")) as fh:
        un_path = [x for x in json.load(fh)["sources"] if x["id"] == "un_sc"][0]["files"][0]["path"]
    held = os.path.join(data, "current", un_path)
    os.unlink(held)  # a new inode: never write through a link
    with open(held, "wb") as fh:
        fh.write(gzip.compress(b"<CONSOLIDATED_LIST>damaged</CONSOLIDATED_LIST>") if held.endswith(".gz")
                 else b"damaged")
    rc, _, _ = run(["lists", "--json"], data=data)
    check(rc == 3, "lists reports the damaged file (rc %d)" % rc)
    c, _ = catalog(tmp, srv, extra=True)
    rc, out, err = fetch(data, c, "un_sc")
    check(rc == 0 and summary_row(out, "un_sc")[1] == "updated",
          "a damaged held copy is replaced by the good download (rc %d: %s %s)" % (rc, out, err))
    lj = assert_valid_set(data, "after repairing a damaged file", n_sources=6)
    check(lj["version"] == v, "the repaired set has the version of the intact one")
    rc, _, _ = run(["lists"], data=os.path.join(tmp, "no-data-dir"))
    check(rc == 0, "the bundled lists are untouched by that damage")
    # a source never held that fails: not in the set, said so
    d2 = os.path.join(tmp, "data-new2")
    c, _ = catalog(tmp, srv, {"eu.xml": "e500x99"}, extra=True)
    rc, out, err = fetch(d2, c, "--retries", "0")
    check(rc == 4 and "eu_fsf failed" in err and "no copy held" in err,
          "a never-fetched source that fails: exit 4, 'no copy held' (rc %d: %s)" % (rc, err.strip()))
    row = summary_row(out, "eu_fsf")
    check(row is not None and row[2] == "-" and row[4] == "-", "summary shows no entries for it (%s)" % row)
    # ... and the set, lacking a source its catalog has, is not used: exit 3 saying what to fetch
    rc, out, err = run(["lists", "--json"], data=d2)
    check(rc == 3 and out == "" and "lack a source the catalog has: eu_fsf" in err
          and "run 'exportscreen fetch eu_fsf'" in err and len(err.strip().splitlines()) == 1,
          "a set lacking a catalog source: lists exits 3 in one line naming it (rc %d: %s)" % (rc, err.strip()))
    with open(os.path.join(d2, "current", "manifest.json")) as fh:
        m2 = json.load(fh)
    check("eu_fsf" not in [x["id"] for x in m2["sources"]] and "uk_fcdo" in [x["id"] for x in m2["sources"]]
          and "eu_fsf" in m2.get("required", []), "the failed new source is absent, the other added, "
          "and the manifest says the set must hold it")
    c, _ = catalog(tmp, srv, extra=True)
    rc, out, err = fetch(d2, c, "eu_fsf")
    check(rc == 0 and summary_row(out, "eu_fsf")[1] == "updated", "fetching the missing source (rc %d: %s)" %
          (rc, err.strip()))
    assert_valid_set(d2, "once the missing source is fetched", n_sources=6)


def one_line_error(rc, out, err, phrase):
    """exit 3, nothing on stdout, one line on stderr containing phrase and what to run."""
    lines = err.strip().splitlines()
    return (rc == 3 and out == "" and len(lines) == 1 and phrase in lines[0]
            and "run 'exportscreen fetch" in lines[0])


ORDER = ('{"order_id": "FC-1", "destination": "DE", "parties": [{"role": "buyer", "name": "Alpen Netz GmbH", '
         '"country": "DE", "type": "commercial"}], "items": [{"eccn": "EAR99"}]}\n')


def filter_run(data):
    env = dict(os.environ)
    env.pop("EXPORTSCREEN_DATA", None)
    p = subprocess.run([EXE, "filter", "--allow-stale", "--data-dir", data], input=ORDER, capture_output=True,
                       text=True, env=env, timeout=RUN_TIMEOUT)
    return p.returncode, p.stdout, p.stderr


def set_dir_of(data):
    return os.path.realpath(os.path.join(data, "current"))


def edit_manifest(data, fn):
    mp = os.path.join(data, "current", "manifest.json")
    with open(mp) as fh:
        man = json.load(fh)
    fn(man)
    os.unlink(mp)  # never write through a hard link shared with another set
    with open(mp, "w") as fh:
        json.dump(man, fh)


def test_fail_closed(tmp, srv, files):
    """issue 10 items 2, 3, 4, 11: vanished or damaged fetched lists are an error, never a silent
    fall-back to the bundled snapshot; a file failing its hash never builds an index; a 304 to an
    unconditional request confirms nothing; orphans of killed fetches are cleaned under the lock."""
    d0 = os.path.join(tmp, "fc-base")
    cat, _ = catalog(tmp, srv)
    rc, out, err = fetch(d0, cat, "--force")
    check(rc == 0, "fail-closed base: mirror fetch (rc %d: %s)" % (rc, err.strip()))
    assert_valid_set(d0, "fail-closed base")
    check(os.path.exists(os.path.join(d0, "fetched-once")), "the first swap leaves the durable fetched-once marker")
    with open(os.path.join(d0, "current", "manifest.json")) as fh:
        man0 = json.load(fh)
    check(sorted(man0.get("required", [])) == ["ofac_cons", "ofac_sdn", "un_sc", "us_csl"],
          "the manifest names the sources the set must hold (%s)" % man0.get("required"))
    un_rel = [x for x in man0["sources"] if x["id"] == "un_sc"][0]["files"][0]["path"]
    n = [0]

    def copy():
        n[0] += 1
        d = os.path.join(tmp, "fc-%d" % n[0])
        shutil.copytree(d0, d, symlinks=True)
        return d

    # item 2: every way the fetched set can vanish or be damaged is exit 3, never the bundled lists
    def dangling(d):
        os.rename(set_dir_of(d), os.path.join(d, "moved-away"))

    def loop(d):
        os.unlink(os.path.join(d, "current"))
        os.symlink("current", os.path.join(d, "current"))

    def no_current(d):
        os.unlink(os.path.join(d, "current"))

    def no_current_no_sets(d):
        os.unlink(os.path.join(d, "current"))
        shutil.rmtree(os.path.join(d, "sets"))

    def no_manifest(d):
        os.unlink(os.path.join(d, "current", "manifest.json"))

    def bad_manifest(d):
        mp = os.path.join(d, "current", "manifest.json")
        os.unlink(mp)
        with open(mp, "w") as fh:
            fh.write('{"set": "fetched", "sources": [{"id": "un_sc", ')

    def bad_date(d):
        edit_manifest(d, lambda m: m["sources"][0].update(data_date="2026-02-31"))

    def lacks_source(d):
        edit_manifest(d, lambda m: m.update(sources=[x for x in m["sources"] if x["id"] != "un_sc"]))

    def lacks_required(d):
        edit_manifest(d, lambda m: (m.pop("required", None), m.update(sources=m["sources"][:1])))

    def no_file(d):
        os.unlink(os.path.join(d, "current", un_rel))

    cases = [
        ("a dangling current", dangling, "points to a set that does not exist"),
        ("a current symlink loop", loop, "symlink loop"),
        ("current removed (the marker stays)", no_current, "current is missing"),
        ("current and every set removed", no_current_no_sets, "current is missing"),
        ("the manifest removed", no_manifest, "manifest.json: cannot open"),
        ("a truncated manifest", bad_manifest, "invalid manifest"),
        ("a manifest with an impossible data date", bad_date, "bad data_date '2026-02-31'"),
        ("a manifest lacking a source", lacks_source, "lack a source the catalog has: un_sc"),
        ("a manifest lacking a source and the list of required ones", lacks_required,
         "does not say which sources the set must hold"),
        ("a list file removed", no_file, "un_sc file %s is missing" % un_rel),
    ]
    repaired = []
    for what, damage, phrase in cases:
        d = copy()
        damage(d)
        rc, out, err = run(["lists", "--json"], data=d)
        check(one_line_error(rc, out, err, phrase),
              "%s: lists exits 3 in one line (%r, what to run), no bundled fall-back (rc %d: %s)"
              % (what, phrase, rc, err.strip()))
        rc, out, err = run(["check", "Osama bin Laden"], data=d)
        check(one_line_error(rc, out, err, phrase), "%s: check exits 3 (rc %d: %s)" % (what, rc, err.strip()))
        rc, out, err = filter_run(d)
        check(rc == 3 and phrase in err and '"CLEAR"' not in out,
              "%s: filter exits 3, nothing CLEAR (rc %d: %s)" % (what, rc, err.strip()))
        repaired.append((what, d))
    # ... and the fetch the message asks for repairs each of them (never from the bundled copies)
    for what, d in repaired:
        rc, out, err = fetch(d, cat)
        check(rc == 0, "%s: 'exportscreen fetch' repairs it (rc %d: %s)" % (what, rc, err.strip()))
        lj = assert_valid_set(d, "%s, repaired" % what)
        check(lj["version"] == v_of(d0), "%s: the repaired set is the served data" % what)
    # a fetch over a dangling current where a source fails: that source is not taken from the bundled
    # snapshot; the new set lacks it and says so
    d = copy()
    dangling(d)
    c, _ = catalog(tmp, srv, {"un.xml": "e500x99"})
    rc, out, err = fetch(d, c, "--retries", "0")
    check(rc == 4 and summary_row(out, "un_sc")[1] == "failed" and summary_row(out, "un_sc")[2] == "-",
          "dangling current: a failing source has no held copy (rc %d: %s)" % (rc, out))
    rc, out, err = run(["lists", "--json"], data=d)
    check(one_line_error(rc, out, err, "lack a source the catalog has: un_sc"),
          "dangling current + failed source: the new set lacks it, exit 3 (rc %d: %s)" % (rc, err.strip()))
    # a data dir that never fetched still uses the bundled snapshot, and says so
    lj = lists_json(os.path.join(tmp, "fc-never"))
    check(lj["in_use"] == "bundled", "a data dir that never fetched uses the bundled snapshot")

    # item 3: a list file that fails its manifest hash never rebuilds the index
    d = copy()
    held = os.path.join(d, "current", un_rel)
    os.unlink(held)
    body = __import__("faultserver").drop_entries("un.xml", files["un.xml"], 5)
    with open(held, "wb") as fh:
        fh.write(gzip.compress(body) if held.endswith(".gz") else body)
    os.unlink(os.path.join(d, "current", "index.bin"))
    for args in (["check", "Osama bin Laden"], ["check", "--json", "Foreign Trade Bank"]):
        rc, out, err = run(args, data=d)
        check(rc == 3 and "does not match the manifest sha256" in err and "exportscreen fetch" in err
              and out == "", "a list file failing its hash: %s exits 3, no index built from it (rc %d: %s)"
              % (args[0], rc, err.strip()))
    rc, out, err = filter_run(d)
    check(rc == 3 and "does not match the manifest sha256" in err and '"CLEAR"' not in out,
          "a list file failing its hash: filter exits 3 (rc %d: %s)" % (rc, err.strip()))
    check(not os.path.exists(os.path.join(d, "current", "index.bin")), "no index was written from that file")
    rc, out, err = fetch(d, cat, "un_sc")
    check(rc == 0 and summary_row(out, "un_sc")[1] == "updated", "fetch replaces the damaged file (%s)" % err)
    rc, out, err = run(["check", "Osama bin Laden"], data=d)
    check(rc == 1, "after the repair check finds matches again (rc %d: %s)" % (rc, err.strip()))

    # ... and a held copy failing its hash whose download fails is not carried into the new set that
    # another source's update makes: that set lacks it and says so (the update still lands)
    d = copy()
    held = os.path.join(d, "current", un_rel)
    os.unlink(held)
    with open(held, "wb") as fh:
        fh.write(gzip.compress(body) if held.endswith(".gz") else body)
    c, _ = catalog(tmp, srv, {"un.xml": "e500x99", "csl.csv": "drop2"})
    rc, out, err = fetch(d, c, "--retries", "0")
    check(rc == 4 and summary_row(out, "us_csl")[1] == "updated" and summary_row(out, "un_sc")[1] == "failed"
          and "fails its sha256 check and is not carried into a new set; no copy held" in err,
          "a damaged held copy whose download fails is dropped, the other update lands (rc %d: %s)"
          % (rc, err.strip()))
    rc, out, err = run(["lists", "--json"], data=d)
    check(one_line_error(rc, out, err, "lack a source the catalog has: un_sc"),
          "... and the new set, lacking it, is refused naming it (rc %d: %s)" % (rc, err.strip()))
    rc, out, err = fetch(d, cat, "un_sc")
    check(rc == 0 and summary_row(out, "un_sc")[1] == "updated", "fetching it repairs the set (%s)" % err.strip())
    assert_valid_set(d, "after repairing the dropped source")

    # item 4: a 304 to a request without validators is no confirmation and leaves staleness alone
    d = copy()
    edit_manifest(d, lambda m: [x.update(fetched_at="2020-01-01T00:00:00Z") for x in m["sources"]])
    c, case = catalog(tmp, srv, {"un.xml": "always304"})
    rc, out, err = fetch(d, c, "un_sc", "--force")
    reqs = srv.requests_for(case)
    check(reqs and not reqs[0][1].get("If-None-Match") and not reqs[0][1].get("If-Modified-Since"),
          "--force sends no validators")
    check(rc == 4 and summary_row(out, "un_sc")[1] == "failed" and "carried no validators" in err,
          "a 304 to an unconditional request: failed, exit 4 (rc %d: %s %s)" % (rc, out, err.strip()))
    lj = assert_valid_set(d, "after an unconditional 304")
    check(by_id(lj)["un_sc"]["fetched_at"] == "2020-01-01T00:00:00Z" and by_id(lj)["un_sc"]["stale"],
          "an unconditional 304 does not reset staleness (%s)" % by_id(lj)["un_sc"]["fetched_at"])
    # validators are keyed by the URL that gave them: make the held ones this catalog's URL's
    vpath = os.path.join(d, "current", "validators.json")
    with open(vpath) as f:
        vals = json.load(f)
    vals["un_sc"]["main"]["url"] = srv.url(case, "always304", "un.xml")
    with open(vpath, "w") as f:
        json.dump(vals, f)
    rc, out, err = fetch(d, c, "un_sc")
    reqs = srv.requests_for(case)
    check(len(reqs) == 2 and reqs[1][1].get("If-Modified-Since"), "without --force the request is conditional")
    check(rc == 0 and summary_row(out, "un_sc")[1] == "unchanged", "a 304 to a conditional request confirms (%s)"
          % err.strip())
    check(by_id(lists_json(d))["un_sc"]["age_days"] == 0, "... and resets staleness")
    dn = os.path.join(tmp, "fc-never-304")
    rc, out, err = fetch(dn, c, "un_sc")
    check(rc == 4 and summary_row(out, "un_sc")[1] == "failed" and not os.path.exists(os.path.join(dn, "current")),
          "first fetch answered by an unconditional 304: failed, no set (rc %d: %s)" % (rc, err.strip()))
    check(lists_json(dn)["in_use"] == "bundled", "... and the data dir still never fetched")

    # item 11: leftovers of killed fetches are removed at the start of every fetch, under the lock
    d = copy()
    sets = os.path.join(d, "sets")
    cur_id = os.path.basename(set_dir_of(d))
    part = os.path.join(sets, "20200101T000000.000000000Z-7-0.part")
    os.makedirs(os.path.join(part, "un-sc"))
    newer = "29991231T000000.000000000Z-7-0"  # renamed into place, killed before the swap
    shutil.copytree(set_dir_of(d), os.path.join(sets, newer))
    olds = ["20000101T000000.000000000Z-7-%d" % i for i in range(4)]
    for o in olds:
        os.makedirs(os.path.join(sets, o))
    os.symlink("sets/" + newer, os.path.join(d, "current.tmp-99999"))
    tmpman = os.path.join(set_dir_of(d), "manifest.json.tmpAbC123")
    with open(tmpman, "w") as fh:
        fh.write("{")
    leftovers = [part, os.path.join(sets, newer), os.path.join(d, "current.tmp-99999"), tmpman,
                 os.path.join(sets, olds[0]), os.path.join(sets, olds[1])]
    with open(os.path.join(d, "fetch.lock"), "a") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        rc, out, err = fetch(d, cat, "un_sc")
        fcntl.flock(lk, fcntl.LOCK_UN)
    check(rc == 4 and all(os.path.lexists(p) for p in leftovers),
          "a fetch that cannot take the lock removes nothing (rc %d)" % rc)
    c, _ = catalog(tmp, srv, {"un.xml": "e500x99"})
    rc, out, err = fetch(d, c, "un_sc", "--retries", "0")
    check(rc == 4, "a failing fetch (no swap) still runs the cleanup (rc %d)" % rc)
    left = [p for p in leftovers if os.path.lexists(p)]
    check(not left, "orphans of killed fetches removed at the start of a fetch (left: %s)" % left)
    check(sorted(os.listdir(sets)) == sorted(olds[2:] + [cur_id]),
          "the set in use and the two newest older sets are kept (%s)" % sorted(os.listdir(sets)))
    assert_valid_set(d, "after the cleanup")


def v_of(data):
    return lists_json(data)["version"]


def make_certs(tmp):
    ca_key, ca, key, csr, crt, ext = (os.path.join(tmp, n) for n in
                                      ("ca.key", "ca.pem", "srv.key", "srv.csr", "srv.pem", "ext.cnf"))
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    q = dict(capture_output=True, check=True, timeout=60)
    subprocess.run(["openssl", "req", "-x509"] + ec + ["-keyout", ca_key, "-out", ca, "-days", "2",
                    "-subj", "/CN=exportscreen test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign"], **q)
    subprocess.run(["openssl", "req"] + ec + ["-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"], **q)
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
                    "-out", crt, "-days", "2", "-extfile", ext], **q)
    return ca, crt, key


def test_https(tmp, files, lm, plain):
    if not shutil.which("openssl"):
        check(False, "openssl CLI present (scripts/install-deps.sh)")
        return
    ca, crt, key = make_certs(tmp)
    data = os.path.join(tmp, "data-https")
    with FaultServer(files, lm, certfile=crt, keyfile=key, plain_port=plain.port) as srv:
        c, _ = catalog(tmp, srv, {"un.xml": "drop1"})
        rc, out, err = fetch(data, c, "un_sc", "--retries", "0")
        check(rc == 4 and "certificate" in err.lower(),
              "https with an unknown CA is refused (rc %d: %s)" % (rc, err.strip()))
        check(not os.path.exists(os.path.join(data, "current")), "no set created after the TLS failure")
        rc, out, err = fetch(data, c, "un_sc", "--cacert", ca)
        check(rc == 0 and summary_row(out, "un_sc")[1] == "updated",
              "https with --cacert is accepted (rc %d: %s)" % (rc, err.strip()))
        rc, out, err = fetch(data, c, "un_sc", env_extra={"EXPORTSCREEN_CA_BUNDLE": ca})
        check(rc == 0 and summary_row(out, "un_sc")[1] == "unchanged",
              "https with $EXPORTSCREEN_CA_BUNDLE is accepted (rc %d: %s)" % (rc, err.strip()))
        v = assert_valid_set(data, "after https")["version"]
        c, case = catalog(tmp, srv, {"un.xml": "tohttp"})
        rc, out, err = fetch(data, c, "un_sc", "--cacert", ca, "--retries", "0")
        check(rc == 4 and "https to" in err and "refused" in err,
              "a redirect from https to http is refused (rc %d: %s)" % (rc, err.strip()))
        check(not plain.requests_for(case), "the http target of that redirect was never requested")
        assert_valid_set(data, "after https->http", v)


def test_concurrent_readers(tmp, srv):
    data = os.path.join(tmp, "data-conc")
    ok, _ = catalog(tmp, srv, {"un.xml": "ok"})
    rc, out, err = fetch(data, ok, "--force")
    check(rc == 0, "concurrency: initial fetch")
    versions = {lists_json(data)["version"]}
    rc_check, _, _ = run(["check", "Osama bin Laden"], data=data)
    use_check = rc_check in (0, 1)
    stop = threading.Event()
    seen, bad = [], []

    def reader():
        while not stop.is_set():
            rc, out, err = run(["lists", "--json"], data=data)
            if rc != 0:
                bad.append("lists rc %d: %s" % (rc, err.strip()))
                continue
            try:
                lj = json.loads(out)
            except ValueError:
                bad.append("lists printed no JSON")
                continue
            if lj["in_use"] != "fetched" or any("error" in s for s in lj["sources"]):
                bad.append("lists saw a damaged or mixed set: %s" % out[:300])
            seen.append(lj["version"])
            if use_check:
                rc, out, err = run(["check", "Osama bin Laden"], data=data)
                if rc not in (0, 1):
                    bad.append("check rc %d: %s" % (rc, err.strip()))

    th = [threading.Thread(target=reader) for _ in range(2)]
    for t in th:
        t.start()
    try:
        for i in range(4):
            c, _ = catalog(tmp, srv, {"un.xml": "drop%d" % (1 + i % 3)})
            rc, out, err = fetch(data, c, "un_sc")
            check(rc == 0 and summary_row(out, "un_sc")[1] == "updated",
                  "concurrency: swap %d (rc %d: %s)" % (i, rc, err.strip()))
            versions.add(lists_json(data)["version"])
    finally:
        stop.set()
        for t in th:
            t.join()
    check(not bad, "concurrent readers never fail or see a mix: %s" % bad[:3])
    check(len(seen) > 0, "the readers ran")
    unknown = [v for v in seen if v not in versions]
    check(not unknown, "readers only saw complete sets (%d unknown versions)" % len(unknown))
    print("concurrency: %d reader runs%s over 4 swaps, %d versions" %
          (len(seen), " (lists + check)" if use_check else " (lists)", len(versions)))


def main():
    tmp = tempfile.mkdtemp(prefix="es-fetch-test-")
    try:
        files, lm = server_content()
        test_cli_surface(tmp)
        with FaultServer(files, lm) as srv:
            test_mirror_and_faults(tmp, srv, files)
            test_new_sources(tmp, srv)
            test_fail_closed(tmp, srv, files)
            test_https(tmp, files, lm, srv)
            test_concurrent_readers(tmp, srv)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d of %d checks failed" % (len(failures), n_checks), file=sys.stderr)
        return 1
    print("all %d checks passed" % n_checks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
