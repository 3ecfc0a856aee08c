#!/usr/bin/env python3
"""HTTP tests of `exportscreen serve`, started by this test on 127.0.0.1 (port 0).

- every endpoint against the CLI: /v1/check == `check --json`, /v1/compare ==
  `compare --json`, /v1/lists == `lists --json`, /v1/screen == `filter` for each
  golden and malformed order (one order per request, and the whole file as
  application/x-ndjson);
- every error status: 400, 401, 403, 404, 405, 413, 503; auth with a token file;
  non-loopback listen without tokens refused;
- limits: body over --max-body (declared and chunked), a slow client is dropped
  and does not hold the only thread;
- /metrics counts requests and decisions; the request log names no party;
- list reload during a request stream: zero failed requests, every response
  names one version (header == records), both versions seen; a long-running
  `filter` picks up the swap between records.

Env (set by ctest): EXPORTSCREEN, ES_LISTS_DIR, ES_SOURCE_DIR.
"""
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
EXE = os.environ.get("EXPORTSCREEN") or os.path.join(HERE, "..", "..", "build", "exportscreen")
SRC = os.environ.get("ES_SOURCE_DIR") or os.path.join(HERE, "..", "..")
LISTS = os.environ.get("ES_LISTS_DIR") or os.path.join(SRC, "lists")
GOLDEN = os.path.join(SRC, "tests", "golden")
HANG = 300  # a hang guard, not a timing assertion

FAILS = []
N_CHECKS = 0


def check(cond, what):
    global N_CHECKS
    N_CHECKS += 1
    if not cond:
        FAILS.append(what)
        print("FAIL:", what, file=sys.stderr)


class Server:
    def __init__(self, data, *args, env=None):
        self.log = tempfile.TemporaryFile()
        e = dict(os.environ, **(env or {}))
        self.p = subprocess.Popen([EXE, "--data-dir", data, "serve", "--listen", "127.0.0.1:0"] + list(args),
                                  stdout=subprocess.PIPE, stderr=self.log, env=e)
        line = self.p.stdout.readline().decode()
        if not line.startswith("listening on "):
            self.p.kill()
            self.log.seek(0)
            raise RuntimeError("serve did not start: %r %s" % (line, self.log.read().decode()))
        self.host, port = line.split()[-1].rsplit(":", 1)
        self.port = int(port)

    def conn(self):
        return http.client.HTTPConnection(self.host, self.port, timeout=60)

    def req(self, method, path, body=None, headers=None, conn=None):
        c = conn or self.conn()
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        if not conn:
            c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

    def stop(self):
        self.p.terminate()
        try:
            rc = self.p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = -9
        self.log.seek(0)
        return rc, self.log.read().decode(errors="replace")


def cli(data, *args, stdin=None):
    p = subprocess.run([EXE, "--data-dir", data] + list(args), input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=HANG)
    return p.returncode, p.stdout


def get_json(srv, path, **kw):
    st, h, body = srv.req("GET", path, **kw)
    return st, h, json.loads(body) if body else None


def q(path, **params):
    return path + "?" + urllib.parse.urlencode(params)


# ---- the endpoints against the CLI -------------------------------------------------

CHECK_NAMES = [
    ({"name": "Huawei Technologies"}, ["Huawei Technologies"]),
    ({"name": "Olaf Scholze", "limit": "3", "threshold": "0.5"}, ["--limit", "3", "--threshold", "0.5", "Olaf Scholze"]),
    ({"name": "Banco Nacional de Cuba", "country": "cu", "type": "entity"},
     ["--country", "CU", "--type", "entity", "Banco Nacional de Cuba"]),
    ({"name": "Мохаммед Али", "explain": "1"}, ["--explain", "Мохаммед Али"]),
    ({"name": "Rheinufer Netzwerk GmbH"}, ["Rheinufer Netzwerk GmbH"]),
    ({"name": "P\u0430ypal Holdings"}, ["P\u0430ypal Holdings"]),         # a Cyrillic a among Latin letters
    ({"name": "\u0e1a\u0e23\u0e34\u0e29\u0e31\u0e17 \u0e08\u0e33\u0e01\u0e31\u0e14"},
     ["\u0e1a\u0e23\u0e34\u0e29\u0e31\u0e17 \u0e08\u0e33\u0e01\u0e31\u0e14"]),  # Thai
]


def test_read_endpoints(srv, data):
    for params, args in CHECK_NAMES:
        st, h, body = srv.req("GET", q("/v1/check", **params))
        rc, out = cli(data, "check", "--json", *args)
        check(st == 200 and body == out, "check %s: HTTP %d body %r != CLI %r" % (params, st, body[:200], out[:200]))
        check(h.get("x-lists-version") and h.get("content-type") == "application/json",
              "check: version header and JSON content type")
    # %20 and + both decode to a space
    st, _, b1 = srv.req("GET", "/v1/check?name=Huawei%20Technologies")
    st2, _, b2 = srv.req("GET", "/v1/check?name=Huawei+Technologies")
    check(st == st2 == 200 and b1 == b2, "check: %20 and + are the same space")

    for a, b, t in [("Olaf Scholze", "Olaf Scholz", None), ("Huawei Technologies Co Ltd", "HUAWEI TECHNOLOGIES CO., LTD.", "entity"),
                    ("Ali Hassan", "Hassan Ali Mohamed", "person")]:
        body = {"name1": a, "name2": b}
        args = ["compare", "--json", a, b]
        if t:
            body["type"] = t
            args += ["--type", t]
        st, h, got = srv.req("POST", "/v1/compare", json.dumps(body), {"Content-Type": "application/json"})
        rc, out = cli(data, *args)
        check(st == 200 and got == out, "compare %s/%s: HTTP %d %r != CLI %r" % (a, b, st, got[:200], out[:200]))

    st, h, got = srv.req("GET", "/v1/lists")
    rc, out = cli(data, "lists", "--json")
    check(st == 200 and got == out, "lists: HTTP %d %r != CLI %r" % (st, got[:200], out[:200]))
    check(h.get("x-lists-version") == json.loads(out)["version"], "lists: X-Lists-Version is the set hash")

    st, h, got = get_json(srv, "/healthz")
    check(st == 200 and got["status"] == "ok" and got["version"] == h["x-lists-version"], "healthz: 200 ok (%d %s)" % (st, got))
    st, h, _ = srv.req("HEAD", "/healthz")
    check(st == 200, "HEAD /healthz: 200")


def test_screen_equals_filter(srv, data):
    for name in ("orders.jsonl", "malformed.jsonl"):
        raw = open(os.path.join(GOLDEN, name), "rb").read()
        rc, want = cli(data, "filter", "--allow-stale", stdin=raw)
        want_lines = want.splitlines(keepends=True)
        # the whole file as x-ndjson: exactly the filter's output
        st, h, got = srv.req("POST", "/v1/screen", raw, {"Content-Type": "application/x-ndjson"})
        check(st == 200 and got == want, "%s as x-ndjson: %d, %d bytes vs filter %d bytes" % (name, st, len(got), len(want)))
        check(h.get("content-type") == "application/x-ndjson", "x-ndjson response type")
        # one order per request on one keep-alive connection: the filter's line for it
        c = srv.conn()
        k = 0
        for lineno, line in enumerate(raw.split(b"\n"), 1):
            if not line.strip(b" \t\r"):
                continue
            exp = want_lines[k]
            k += 1
            st, h, got = srv.req("POST", "/v1/screen", line, {"Content-Type": "application/json"}, conn=c)
            o = json.loads(exp)
            if "error" in o:
                # as the first line of a request it is line 1: what filter writes for it alone
                rc, alone = cli(data, "filter", "--allow-stale", stdin=line + b"\n")
                check(st == 400 and got == alone, "%s line %d: 400 with the filter's ERROR record (%d %r / %r)" %
                      (name, lineno, st, got[:200], alone[:200]))
            else:
                check(st == 200 and got == exp, "%s line %d: HTTP %d differs from filter:\n  %r\n  %r" %
                      (name, lineno, st, got[:300], exp[:300]))
                check(h.get("x-lists-version") == o["screening"]["lists"]["version"], "screen: header version == record version")
        c.close()
        check(k == len(want_lines), "%s: every record compared" % name)


def test_errors(srv):
    st, h, b = get_json(srv, "/nope")
    check(st == 404 and "error" in b, "404 with {error}")
    st, h, b = get_json(srv, "/v1/screen")
    check(st == 405 and h.get("allow") == "POST" and "error" in b, "GET /v1/screen: 405, Allow: POST")
    st, h, b = srv.req("POST", "/v1/check", b"x")
    check(st == 405 and h.get("allow") == "GET, HEAD", "POST /v1/check: 405")
    st, h, b = srv.req("DELETE", "/v1/lists")
    check(st == 405, "DELETE /v1/lists: 405")
    for params, what in [({}, "no name"), ({"name": "x", "limit": "0"}, "limit 0"), ({"name": "x", "limit": "abc"}, "limit abc"),
                         ({"name": "x", "threshold": "2"}, "threshold 2"), ({"name": "x", "country": "Germany"}, "country"),
                         ({"name": "x", "type": "alien"}, "type"), ({"name": "x", "nmae": "y"}, "unknown parameter"),
                         ({"name": "x" * 5000}, "name too long")]:
        st, h, b = get_json(srv, q("/v1/check", **params))
        check(st == 400 and isinstance(b.get("error"), str), "check %s: 400 with error (%d %s)" % (what, st, b))
    st, h, b = get_json(srv, "/v1/check?name=%FF%FE")
    check(st == 400 and "error" in b, "check with invalid UTF-8: 400 (%d %s)" % (st, b))
    for body, what in [(b"{", "bad JSON"), (b"[]", "not an object"), (b'{"name1":"a"}', "name2 missing"),
                       (b'{"name1":"a","name2":3}', "name2 not a string"), (b'{"name1":"a","name2":"b","type":"x"}', "type"),
                       (b'{"name1":"a","name2":"b","extra":1}', "unknown member"), (b'{"name1":"a","name1":"b","name2":"c"}', "duplicate")]:
        st, h, b = srv.req("POST", "/v1/compare", body)
        check(st == 400 and "error" in json.loads(b), "compare %s: 400 (%d %r)" % (what, st, b[:100]))
    st, h, b = srv.req("POST", "/v1/screen", b"")
    check(st == 400 and "error" in json.loads(b), "empty screen body: 400")
    first = open(os.path.join(GOLDEN, "orders.jsonl"), "rb").readline()
    st, h, plain = srv.req("POST", "/v1/screen", first)
    st2, h, bom = srv.req("POST", "/v1/screen", b"\xef\xbb\xbf" + first)
    check(st == st2 == 200 and plain == bom, "a byte order mark before the order is skipped, as filter does")
    st, h, b = srv.req("POST", "/v1/screen", b'{"order_id": "X", "parties": []}')
    o = json.loads(b)
    check(st == 400 and o["error"].startswith("line 1: ") and o["screening"]["decision"] == "ERROR",
          "order without parties: 400 with the ERROR record (%d %r)" % (st, b[:200]))
    # a browser page of another origin cannot post
    order = open(os.path.join(GOLDEN, "orders.jsonl"), "rb").readline()
    st, h, b = srv.req("POST", "/v1/screen", order, {"Origin": "http://evil.example"})
    check(st == 403 and "error" in json.loads(b), "cross-origin POST: 403")
    st, h, b = srv.req("POST", "/v1/screen", order, {"Sec-Fetch-Site": "cross-site"})
    check(st == 403, "Sec-Fetch-Site cross-site: 403")
    st, h, b = srv.req("POST", "/v1/screen", order, {"Origin": "http://%s:%d" % (srv.host, srv.port)})
    check(st == 200, "same-origin POST: 200 (%d)" % st)


def test_limits(data):
    srv = Server(data, "--allow-stale", "--max-body", "4096", "--timeout", "1", "--threads", "1")
    try:
        big = b'{"order_id":"' + b"x" * 5000 + b'","parties":[]}'
        st, h, b = srv.req("POST", "/v1/screen", big)
        check(st == 413 and "error" in json.loads(b), "declared body over --max-body: 413 (%d)" % st)
        # chunked upload (no Content-Length) over the limit
        c = srv.conn()
        c.putrequest("POST", "/v1/screen")
        c.putheader("Transfer-Encoding", "chunked")
        c.endheaders()
        for _ in range(3):
            chunk = b"y" * 2000
            c.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        c.send(b"0\r\n\r\n")
        r = c.getresponse()
        check(r.status == 413, "chunked body over --max-body: 413 (%d)" % r.status)
        r.read()
        c.close()
        # a line longer than the filter's limit inside x-ndjson is refused, not cut
        # (needs a bigger body limit: own server below)
        # a slow client: headers never finished; the only thread still answers others
        s = socket.create_connection((srv.host, srv.port))
        s.sendall(b"POST /v1/screen HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        st, h, b = srv.req("GET", "/healthz")
        check(st == 200, "a slow client does not hold the only thread (%d)" % st)
        s.settimeout(HANG)
        t0 = time.monotonic()
        try:
            got = s.recv(1000)
        except OSError:
            got = b""
        check((got == b"" or got.startswith(b"HTTP/1.1")) and time.monotonic() - t0 < 60,
              "an idle half-sent request is dropped by the timeout (%r)" % got[:40])
        s.close()
        # a client trickling its body: dropped when the request takes longer than 3 x --timeout
        s = socket.create_connection((srv.host, srv.port))
        s.sendall(b"POST /v1/screen HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        dropped = False
        t0 = time.monotonic()
        for _ in range(200):  # bounded: at most 100 s
            try:
                s.sendall(b" ")
            except OSError:
                dropped = True
                break
            time.sleep(0.5)
            if time.monotonic() - t0 > 8:
                s.setblocking(False)
                try:
                    dropped = s.recv(100) == b""
                except BlockingIOError:
                    pass
                except OSError:
                    dropped = True
                s.setblocking(True)
                if dropped:
                    break
        check(dropped, "a body trickled in over the request time limit is dropped")
        s.close()
    finally:
        rc, log = srv.stop()
        check(rc == 0, "serve exits 0 on SIGTERM (%d)" % rc)
    srv = Server(data, "--allow-stale", "--max-body", str(3 << 20))
    try:
        body = b'{"order_id": "L1", "parties": [{"role": "buyer", "name": "A", "country": "DE"}]}\n' + b" " * (1 << 20) + b"{}\n"
        st, h, b = srv.req("POST", "/v1/screen", body, {"Content-Type": "application/x-ndjson"})
        check(st == 413 and "line 2" in json.loads(b)["error"], "x-ndjson line over 1 MiB: 413 naming the line (%d %r)" % (st, b[:100]))
    finally:
        srv.stop()


def test_auth(data, tmp):
    tokens = os.path.join(tmp, "tokens")
    with open(tokens, "w") as f:
        f.write("# reviewers\nalice  s3cr3t-token-alice-0123456789\nbob s3cr3t-token-bob-0123456789xyz\n")
    os.chmod(tokens, 0o644)
    p = subprocess.run([EXE, "--data-dir", data, "serve", "--listen", "127.0.0.1:0", "--token-file", tokens],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=HANG)
    check(p.returncode != 0 and b"chmod 600" in p.stderr, "a token file readable by others is refused (%d %r)" % (p.returncode, p.stderr))
    os.chmod(tokens, 0o600)
    p = subprocess.run([EXE, "--data-dir", data, "serve", "--listen", "0.0.0.0:0"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=HANG)
    check(p.returncode == 2 and b"--token-file" in p.stderr, "non-loopback listen without --token-file: exit 2 (%d)" % p.returncode)
    srv = Server(data, "--allow-stale", "--token-file", tokens)
    try:
        for hdr, want, what in [({}, 401, "no Authorization"), ({"Authorization": "Bearer wrong-token-0123456789"}, 401, "wrong token"),
                                ({"Authorization": "Basic YWxpY2U6eA=="}, 401, "Basic auth"),
                                ({"Authorization": "Bearer s3cr3t-token-alice-0123456789"}, 200, "alice's token"),
                                ({"Authorization": "Bearer s3cr3t-token-bob-0123456789xyz"}, 200, "bob's token"),
                                ({"Authorization": "Bearer s3cr3t-token-alice-012345678"}, 401, "a prefix of a token")]:
            st, h, b = srv.req("GET", q("/v1/check", name="Huawei"), headers=hdr)
            check(st == want, "auth %s: %d, want %d" % (what, st, want))
            if want == 401:
                check(h.get("www-authenticate", "").startswith("Bearer") and "error" in json.loads(b), "401 names Bearer")
        st, h, b = srv.req("POST", "/v1/screen", b"{}", {})
        check(st == 401, "POST without token: 401 before the body is read")
        st, h, b = srv.req("GET", "/healthz")
        check(st == 200, "healthz needs no token")
        st, h, b = srv.req("GET", "/metrics")
        check(st == 401, "metrics needs a token")
    finally:
        rc, log = srv.stop()
    check(" by alice" in log and " by bob" in log, "the log names the caller")


def test_metrics_and_log(srv_log_stop, srv):
    st, h, b = srv.req("GET", "/metrics")
    text = b.decode()
    check(st == 200 and h.get("content-type", "").startswith("text/plain"), "metrics: 200 text/plain")
    def val(prefix):
        for line in text.splitlines():
            if line.startswith(prefix + " "):
                return float(line.split()[-1])
        return None
    check((val('exportscreen_requests_total{endpoint="check",status="200"}') or 0) >= 5, "metrics count check requests")
    check((val('exportscreen_requests_total{endpoint="other",status="404"}') or 0) >= 1, "metrics count 404s")
    check((val('exportscreen_decisions_total{decision="PROHIBITED"}') or 0) >= 1, "metrics count decisions")
    check((val('exportscreen_decisions_total{decision="ERROR"}') or 0) >= 1, "metrics count ERROR records")
    check(val('exportscreen_list_age_days{source="ofac_sdn"}') is not None, "metrics: list age per source")
    check(val('exportscreen_request_duration_seconds_count{endpoint="screen"}') is not None, "metrics: latency histogram")
    check(val("exportscreen_list_reloads_total") == 0, "metrics: no reloads yet")
    rc, log = srv_log_stop()
    check(rc == 0, "serve exits 0 (%d)" % rc)
    check("/v1/screen 200" in log and "/v1/check 200" in log, "the log has one line per request")
    for secret in ("Huawei", "Rheinufer", "GOLD-0", "Scholz", "evil.example"):
        check(secret not in log, "the log carries no order or name data (%s found)" % secret)


def test_stale_health(data):
    srv = Server(data)
    try:
        st, h, b = get_json(srv, "/healthz")
        check(st == 503 and "stale" in b["error"], "healthz on stale lists: 503 with the reason (%d %s)" % (st, b))
        order = open(os.path.join(GOLDEN, "orders.jsonl"), "rb").readline()
        st, h, b = srv.req("POST", "/v1/screen", order)
        o = json.loads(b)
        check(st == 200 and any(r["code"] == "LISTS_STALE" for r in o["screening"]["reasons"]),
              "without --allow-stale, screening adds LISTS_STALE")
    finally:
        srv.stop()


# ---- the review page over HTTP (the browser test clicks; this one checks the rules) ---------------

XSS = "<img src=x onerror=alert(1)>"


def review_orders():
    return [
        {"order_id": "RV-1", "destination": "NI",
         "parties": [{"role": "end_user", "name": "Policía Nacional de Nicaragua", "country": "NI", "type": "police"}],
         "items": [{"sku": "X", "eccn": "EAR99", "quantity": 1}]},
        {"order_id": XSS, "destination": "NI",
         "parties": [{"role": "end_user", "name": XSS, "country": "NI", "type": "military"}],
         "items": [{"sku": "X", "eccn": "EAR99", "quantity": 1}]},
        {"order_id": "RV-CLEAR", "destination": "DE",
         "parties": [{"role": "buyer", "name": "Rheinufer Netzwerk GmbH", "country": "DE", "type": "commercial"},
                     {"role": "end_user", "name": "Eifel Molkerei eG", "country": "DE", "type": "commercial"}],
         "items": [{"sku": "X", "eccn": "5A992.c", "enc": "mass_market", "quantity": 1}]},
    ]


def form(**kv):
    return urllib.parse.urlencode(kv).encode()


def csrf_of(html):
    i = html.find('name="csrf" value="')
    return html[i + 19:i + 19 + 64] if i >= 0 else ""


def test_review_http(tmp):
    data, store = os.path.join(tmp, "rv-data"), os.path.join(tmp, "rv.sqlite")
    # no store yet: the page says how to make one
    srv = Server(data, "--allow-stale", env={"EXPORTSCREEN_RECORDS": store})
    try:
        st, h, b = srv.req("GET", "/review")
        check(st == 200 and b"No records store yet" in b, "review without a store: 200 and how to make one")
        check("script-src" not in h.get("content-security-policy", "x") and
              h.get("content-security-policy", "").startswith("default-src 'none'"), "review: CSP allows no script")
        check(not os.path.exists(store), "viewing the page creates no store")
    finally:
        srv.stop()
    # orders recorded through the API (--record)
    srv = Server(data, "--allow-stale", "--record", "--reload-interval", "0.2", env={"EXPORTSCREEN_RECORDS": store})
    try:
        for o in review_orders():
            st, h, b = srv.req("POST", "/v1/screen", json.dumps(o, ensure_ascii=False).encode())
            check(st == 200, "screen %s with --record: 200" % o["order_id"])
        rc, out = cli(data, "--records", store, "audit", "export")
        recs = [json.loads(x) for x in out.splitlines()]
        check(len(recs) == 3 and all(r["kind"] == "screen" for r in recs), "--record: one audit record per API screening")
        check(recs[2]["decision"] == "CLEAR", "the third order is CLEAR (%s)" % recs[2]["decision"])
        rc, _ = cli(data, "--records", store, "audit", "verify")
        check(rc == 0, "--record: the chain is intact")

        st, h, b = srv.req("GET", "/review")
        html = b.decode()
        check(st == 200 and h.get("content-type", "").startswith("text/html"), "review: 200 HTML")
        check("RV-1" in html and "RV-CLEAR" not in html, "review lists held orders only")
        check(XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html, "review: markup in names is escaped")
        check(html.find("RV-1") > html.find("&lt;img"), "review: newest first")
        st, h, b = srv.req("GET", q("/review", party="policía"))
        check(st == 200 and b"RV-1" in b and b"&lt;img" not in b.replace(b'value="', b""), "review: filter by party")
        st, h, b = srv.req("GET", q("/review", list="SDN"))
        check(st == 200 and b"RV-1" in b, "review: filter by list")
        st, h, b = srv.req("GET", q("/review", decision="REVIEW"))
        check(st == 200 and b"RV-1" not in b, "review: filter by decision")
        st, h, b = srv.req("GET", q("/review", since="2026-02-31"))
        check(st == 400, "review: an impossible date is a 400")
        st, h, b = srv.req("GET", q("/review", since="2000-01-01", until="2000-01-02"))
        check(st == 200 and b"RV-1" not in b, "review: filter by date")
        check(b"official entry" in srv.req("GET", "/review")[2] or b"official list" in srv.req("GET", "/review")[2],
              "review: a link to the official source")

        html = srv.req("GET", q("/review", party="Policía"))[2].decode()
        token = csrf_of(html)
        check(len(token) == 64, "review: the form carries a CSRF token")
        i = html.find('name="entry_id" value="')
        entry = html[i + 23:html.find('"', i + 23)]
        j = html.rfind('name="source" value="', 0, i)
        source = html[j + 21:html.find('"', j + 21)]
        good = dict(csrf=token, party="Policía Nacional de Nicaragua", country="NI", source=source, entry_id=entry,
                    kind="false_positive", reason="another police force", by="carol", back="/review?party=x")
        hdr = {"Content-Type": "application/x-www-form-urlencoded"}
        for bad, want, what in [(dict(good, csrf=""), 403, "no CSRF token"), (dict(good, csrf="0" * 64), 403, "a wrong CSRF token"),
                                (dict(good, reason=""), 400, "no reason"), (dict(good, kind="maybe"), 400, "a bad kind"),
                                (dict(good, by=""), 400, "no reviewer name"), (dict(good, entry_id="no-such"), 400, "an unknown entry")]:
            st, h, b = srv.req("POST", "/review/disposition", form(**bad), hdr)
            check(st == want and XSS not in b.decode(), "disposition with %s: %d (got %d)" % (what, want, st))
        st, h, b = srv.req("POST", "/review/disposition", form(**good), dict(hdr, Origin="http://evil.example"))
        check(st == 403, "disposition from another origin: 403")
        rc, out = cli(data, "--records", store, "review", "list", "--json")
        check(out.strip() == b"", "no disposition recorded by refused posts")
        st, h, b = srv.req("POST", "/review/disposition", form(**good), hdr)
        check(st == 303 and h.get("location", "").startswith("/review?party=x&msg=disposition"), "disposition: 303 back (%d %s)" % (st, h.get("location")))
        rc, out = cli(data, "--records", store, "review", "list", "--json")
        ds = [json.loads(x) for x in out.splitlines()]
        check(len(ds) == 1 and ds[0]["by"] == "carol" and ds[0]["reason"] == "another police force", "the disposition is in the store")
        st, h, b = srv.req("POST", "/v1/screen", json.dumps(review_orders()[0], ensure_ascii=False).encode())
        hit = [x for x in json.loads(b)["screening"]["hits"] if x["entry_id"] == entry and x["source"] == source]
        check(hit and hit[0].get("disposition", {}).get("by") == "carol", "the next API screening carries it")
        # a disposition added elsewhere (review add) applies without restart
        rc, out = cli(data, "--records", store, "review", "revoke", str(ds[0]["id"]), "--reason", "checked again", "--by", "dave")
        check(rc == 0, "review revoke (CLI)")
        for _ in range(200):
            st, h, b = srv.req("POST", "/v1/screen", json.dumps(review_orders()[0], ensure_ascii=False).encode())
            hit = [x for x in json.loads(b)["screening"]["hits"] if x["entry_id"] == entry and x["source"] == source]
            if hit and "disposition" not in hit[0]:
                break
            time.sleep(0.05)
        check(hit and "disposition" not in hit[0], "a revocation made by the CLI applies to the next screenings (%r; healthz %r)"
              % (hit[:1], srv.req("GET", "/healthz")[2][:300]))

        st, h, b = srv.req("GET", q("/review/report", since="2000-01-01"))
        check(st == 200 and h.get("content-type", "").startswith("text/html") and "attachment" in h.get("content-disposition", "")
              and b"RV-1" in b and XSS.encode() not in b, "report export: HTML attachment, escaped")
        st, h, b = srv.req("GET", q("/review/report", since="2000-01-01", format="csv"))
        check(st == 200 and h.get("content-type", "").startswith("text/csv") and b"RV-1" in b, "report export: CSV")
        st, h, b = srv.req("GET", q("/review/report", since="nope"))
        check(st == 400, "report with a bad date: 400")
        st, h, b = srv.req("GET", "/review/nope")
        check(st == 404, "unknown review path: 404")
    finally:
        rc, log = srv.stop()
    check("Policía" not in log and "police force" not in log and "carol" not in log, "the log holds no names or reasons")

    # with tokens: the browser signs in once (cookie), the reviewer is the token's name
    tokens = os.path.join(tmp, "rv-tokens")
    with open(tokens, "w") as f:
        f.write("erin s3cr3t-token-erin-0123456789\n")
    os.chmod(tokens, 0o600)
    srv = Server(data, "--allow-stale", "--token-file", tokens, env={"EXPORTSCREEN_RECORDS": store})
    try:
        st, h, b = srv.req("GET", "/review")
        check(st == 401 and b"/review/login" in b, "review without a token: 401 pointing at sign-in")
        st, h, b = srv.req("POST", "/review/login", form(token="wrong-token-0123456789"), {"Content-Type": "application/x-www-form-urlencoded"})
        check(st == 401, "sign-in with a wrong token: 401")
        st, h, b = srv.req("POST", "/review/login", form(token="s3cr3t-token-erin-0123456789"), {"Content-Type": "application/x-www-form-urlencoded"})
        cookie = h.get("set-cookie", "")
        check(st == 303 and "HttpOnly" in cookie and "SameSite=Strict" in cookie, "sign-in: 303 with an HttpOnly SameSite=Strict cookie")
        ck = {"Cookie": cookie.split(";")[0]}
        st, h, b = srv.req("GET", q("/review", party="Policía"), headers=ck)
        html = b.decode()
        check(st == 200 and "Signed in as erin" in html and 'name="by"' not in html, "review with the cookie: signed in, no name field")
        i = html.find('name="entry_id" value="')
        entry = html[i + 23:html.find('"', i + 23)]
        d = dict(csrf=csrf_of(html), party="Policía Nacional de Nicaragua", country="NI", source="us_csl", entry_id=entry,
                 kind="true_match", reason="confirmed", by="mallory", back="/review?")
        st, h, b = srv.req("POST", "/review/disposition", form(**d), dict(ck, **{"Content-Type": "application/x-www-form-urlencoded"}))
        check(st == 303, "disposition signed in: 303 (%d)" % st)
        rc, out = cli(data, "--records", store, "review", "list", "--json")
        ds = [json.loads(x) for x in out.splitlines()]
        check(any(x["by"] == "erin" and x["kind"] == "true_match" for x in ds) and not any(x["by"] == "mallory" for x in ds),
              "the reviewer is the token's name, not a form field")
        other = dict(d, csrf="0" * 64)
        st, h, b = srv.req("POST", "/review/disposition", form(**other), dict(ck, **{"Content-Type": "application/x-www-form-urlencoded"}))
        check(st == 403, "another identity's or a made-up CSRF token: 403")
    finally:
        srv.stop()


# ---- reload ---------------------------------------------------------------------------

def make_set(data, name, drop=()):
    """A fetched set built from the bundled files: DATA/sets/NAME (manifest minus the dropped sources)."""
    d = os.path.join(data, "sets", name)
    os.makedirs(d)
    man = json.load(open(os.path.join(LISTS, "manifest.json")))
    man["set"] = name
    man["sources"] = [s for s in man["sources"] if s["id"] not in drop]
    man["required"] = [s["id"] for s in man["sources"]]  # a fetched set names what it must hold
    for s in man["sources"]:
        for f in s["files"]:
            dst = os.path.join(d, f["path"])
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.symlink(os.path.join(LISTS, f["path"]), dst)
    json.dump(man, open(os.path.join(d, "manifest.json"), "w"))
    return d


def point_current(data, name):
    tmp = os.path.join(data, "current.tmp")
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(os.path.join("sets", name), tmp)
    os.rename(tmp, os.path.join(data, "current"))


def test_reload(tmp):
    data = os.path.join(tmp, "reload-data")
    make_set(data, "A", drop=("un_sc",))
    make_set(data, "B")
    versions = {}
    for n in ("A", "B"):  # build each set's index once (as fetch does before it swaps)
        point_current(data, n)
        rc, out = cli(data, "check", "--json", "x")
        rc, out = cli(data, "lists", "--json")
        versions[n] = json.loads(out)["version"]
    check(versions["A"] != versions["B"], "reload: two different sets")
    point_current(data, "A")
    orders = open(os.path.join(GOLDEN, "orders.jsonl"), "rb").read().splitlines()
    srv = Server(data, "--allow-stale", "--reload-interval", "0.1", "--threads", "2")
    results = []  # (status, header version, body versions)
    stop = threading.Event()

    def client(kind):
        c = srv.conn()
        i = 0
        deadline = time.monotonic() + HANG
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                if kind == "one":
                    st, h, b = srv.req("POST", "/v1/screen", orders[i % len(orders)], {"Content-Type": "application/json"}, conn=c)
                    bv = {json.loads(b)["screening"]["lists"]["version"]}
                else:
                    st, h, b = srv.req("POST", "/v1/screen", b"\n".join(orders), {"Content-Type": "application/x-ndjson"}, conn=c)
                    recs = [json.loads(x) for x in b.splitlines()]
                    bv = {r["screening"]["lists"]["version"] for r in recs}
                    if len(recs) != len(orders):
                        bv.add("missing records")
                results.append((st, h.get("x-lists-version"), bv))
            except Exception as e:  # a failed request is what this test counts
                results.append((0, None, {repr(e)}))
                c.close()
                c = srv.conn()
            i += 1
        c.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in ("one", "one", "ndjson")]
    try:
        for t in threads:
            t.start()
        for target in ("B", "A", "B"):
            time.sleep(0.5)
            point_current(data, target)
            # wait (bounded) until the server answers with the new set
            for _ in range(600):
                st, h, b = srv.req("GET", "/healthz")
                if h.get("x-lists-version") == versions[target]:
                    break
                time.sleep(0.05)
            check(h.get("x-lists-version") == versions[target], "reload: serve took set %s" % target)
        # enough requests whatever the machine's speed (a count, not a time)
        deadline = time.monotonic() + HANG
        while len(results) < 40 and time.monotonic() < deadline:
            time.sleep(0.1)
        stop.set()
        for t in threads:
            t.join(HANG)
        bad = [r for r in results if r[0] != 200 or r[2] != {r[1]} or r[1] not in versions.values()]
        check(len(results) >= 40 and not bad, "reload: %d requests, %d failed or mixed versions: %s" %
              (len(results), len(bad), bad[:3]))
        seen = {r[1] for r in results}
        check(seen == set(versions.values()), "reload: responses from both sets (%d seen)" % len(seen))
        st, h, b = srv.req("GET", "/metrics")
        line = [x for x in b.decode().splitlines() if x.startswith("exportscreen_list_reloads_total ")]
        check(line and int(line[0].split()[1]) == 3, "metrics: 3 reloads (%s)" % line)
        # a damaged new set: kept screening with the old one, healthz says why
        os.makedirs(os.path.join(data, "sets", "C"))
        open(os.path.join(data, "sets", "C", "manifest.json"), "w").write("{not json")
        point_current(data, "C")
        for _ in range(600):
            st, h, b = get_json(srv, "/healthz")
            if st == 503:
                break
            time.sleep(0.05)
        check(st == 503 and "reload failed" in b["error"] and h.get("x-lists-version") == versions["B"],
              "a damaged new set: 503 with the reason, still screening with the old set (%d %s)" % (st, b))
        st, h, b = srv.req("POST", "/v1/screen", orders[0])
        check(st == 200 and h.get("x-lists-version") == versions["B"], "a damaged new set: requests still answered")
        point_current(data, "A")
        for _ in range(600):
            st, h, b = get_json(srv, "/healthz")
            if st == 200:
                break
            time.sleep(0.05)
        check(st == 200 and h.get("x-lists-version") == versions["A"], "healthy again once current names a good set")
    finally:
        stop.set()
        srv.stop()

    # a long-running filter: orders written one by one, the set swapped in between
    point_current(data, "A")
    p = subprocess.Popen([EXE, "--data-dir", data, "filter", "--allow-stale"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        p.stdin.write(orders[0] + b"\n")
        p.stdin.flush()
        first = json.loads(p.stdout.readline())
        point_current(data, "B")
        time.sleep(1.5)
        p.stdin.write(orders[1] + b"\n")
        p.stdin.flush()
        second = json.loads(p.stdout.readline())
        p.stdin.close()
        rest = p.stdout.read()
        p.wait(HANG)
        err = p.stderr.read().decode()
    finally:
        if p.poll() is None:
            p.kill()
    check(first["screening"]["lists"]["version"] == versions["A"], "filter: first record with set A")
    check(second["screening"]["lists"]["version"] == versions["B"], "filter: after the swap, set B (%s)" % err)
    check("lists reloaded" in err, "filter: the swap is reported on stderr")


def main():
    if not os.path.exists(EXE):
        print("EXPORTSCREEN not set", file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix="es-serve-test-")
    try:
        data = os.path.join(tmp, "data")  # empty: the bundled snapshot
        srv = Server(data, "--allow-stale")
        try:
            test_read_endpoints(srv, data)
            test_screen_equals_filter(srv, data)
            test_errors(srv)
        finally:
            test_metrics_and_log(srv.stop, srv) if srv.p.poll() is None else None
        test_stale_health(data)
        test_auth(data, tmp)
        test_limits(data)
        test_review_http(tmp)
        test_reload(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (N_CHECKS - len(FAILS), len(FAILS)))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
