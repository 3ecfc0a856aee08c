#!/usr/bin/env python3
"""The review page (/review) in a real browser: Debian's chromium, headless,
driven by puppeteer-core from npm, which this test installs into the build
directory (tests/cli/review_browser.js does the clicking).

- a party named `<img src=x onerror=alert(1)>` is shown as text: no dialog,
  no <img> element, nothing fetched from anywhere but the server;
- a reviewer records a disposition by clicking on the page; the store holds it
  (`review list --json`) and the next screening of that party through
  /v1/screen shows the hit cleared (carries the disposition; decision lowered).

Without chromium, or when npm cannot reach the registry, the test says so loudly
and exits 77 (ctest: skipped), never passing silently.
Env (set by ctest): EXPORTSCREEN, ES_SOURCE_DIR.
"""
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EXE = os.environ.get("EXPORTSCREEN") or os.path.join(HERE, "..", "..", "build", "exportscreen")
SRC = os.environ.get("ES_SOURCE_DIR") or os.path.join(HERE, "..", "..")
CHROMIUM = os.environ.get("ES_CHROMIUM", "/usr/bin/chromium")
PUPPETEER = "puppeteer-core@24.9.0"
HANG = 300
SKIP = 77

FAILS = []
N = 0


def check(cond, what):
    global N
    N += 1
    if not cond:
        FAILS.append(what)
        print("FAIL:", what, file=sys.stderr)


def skip(why):
    print("SKIPPED (not passed): browser test of the review page: " + why, file=sys.stderr)
    print("SKIPPED: " + why)
    sys.exit(SKIP)


def node_modules():
    """puppeteer-core installed once per build directory."""
    d = os.path.join(os.path.dirname(os.path.abspath(EXE)), "test-node")
    mod = os.path.join(d, "node_modules", "puppeteer-core")
    if os.path.isdir(mod):
        return d
    if not shutil.which("npm") or not shutil.which("node"):
        skip("node/npm missing (scripts/install-deps.sh installs them)")
    os.makedirs(d, exist_ok=True)
    p = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", d, PUPPETEER],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=HANG,
                       env=dict(os.environ, PUPPETEER_SKIP_DOWNLOAD="1"))
    if p.returncode != 0 or not os.path.isdir(mod):
        skip("npm could not install %s (registry unreachable?): %s" % (PUPPETEER, p.stdout.decode()[-400:]))
    return d


ORDERS = [
    # a listed party (CSL copy of the SDN entry for the Nicaraguan police) as end user
    {"order_id": "BR-1", "destination": "NI",
     "parties": [{"role": "buyer", "name": "Distribuidora Central SA", "country": "NI", "type": "commercial"},
                 {"role": "end_user", "name": "Policía Nacional de Nicaragua", "country": "NI", "type": "police"}],
     "items": [{"sku": "X", "eccn": "EAR99", "quantity": 1}]},
    # markup as a party name and an order id, on an order that is held
    {"order_id": "<img src=x onerror=alert(1)>", "destination": "NI",
     "parties": [{"role": "end_user", "name": "<img src=x onerror=alert(1)>", "country": "NI", "type": "military"}],
     "items": [{"sku": "X", "eccn": "EAR99", "quantity": 1}]},
]


def main():
    if not os.path.exists(CHROMIUM):
        skip("%s missing (scripts/install-deps.sh installs Debian's chromium)" % CHROMIUM)
    mods = node_modules()
    tmp = tempfile.mkdtemp(prefix="es-review-browser-")
    srv = None
    try:
        data, store = os.path.join(tmp, "data"), os.path.join(tmp, "records.sqlite")
        lines = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in ORDERS).encode()
        p = subprocess.run([EXE, "--data-dir", data, "--records", store, "filter", "--record", "--allow-stale"],
                           input=lines, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=HANG)
        recs = [json.loads(x) for x in p.stdout.splitlines()]
        check(len(recs) == 2 and all(r["screening"]["decision"] != "CLEAR" for r in recs),
              "both orders are held (%s)" % [r["screening"]["decision"] for r in recs])
        before = recs[0]["screening"]
        police = [h for h in before["hits"] if h["party"] == 1]
        check(police, "the police end user has a list hit")

        srv = subprocess.Popen([EXE, "--data-dir", data, "--records", store, "serve", "--listen", "127.0.0.1:0",
                                "--allow-stale", "--reload-interval", "0.2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = srv.stdout.readline().decode()
        check(line.startswith("listening on "), "serve started (%r)" % line)
        host, port = line.split()[-1].rsplit(":", 1)
        base = "http://%s:%s" % (host, port)

        env = dict(os.environ, NODE_PATH=os.path.join(mods, "node_modules"))
        b = subprocess.run(["node", os.path.join(HERE, "review_browser.js"), CHROMIUM, base, os.path.join(tmp, "profile")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=HANG, env=env)
        try:
            out = json.loads(b.stdout.decode().strip().splitlines()[-1])
        except (IndexError, ValueError):
            out = {}
        check(b.returncode == 0 and out, "the browser ran (%d: %s)" % (b.returncode, b.stderr.decode()[-600:]))
        check(not out.get("errors"), "no page or driver errors: %s" % out.get("errors"))
        check(out.get("dialogs") == [], "no script ran (dialogs: %s)" % out.get("dialogs"))
        check(out.get("xss_text_shown") is True, "the markup party name is shown as text")
        check(out.get("img_elements") == 0, "no <img> element made from a party name")
        check(out.get("filter_value") == "<img src=x onerror=alert(1)>", "the filter field holds the text as typed")
        foreign = [u for u in out.get("foreign_requests", []) if not u.startswith("data:")]  # the date field's icon
        check(foreign == [], "nothing fetched from elsewhere: %s" % foreign)
        check(out.get("articles") == 1 and out.get("has_form"), "the police order is listed with a disposition form")
        check("disposition 1 recorded" in out.get("after_text", ""), "the page confirms the disposition (%s: %r)" %
              (out.get("after_url"), out.get("after_text", "")[:300]))
        check("now false positive by reviewer-browser" in out.get("after_text", ""),
              "the page shows the hit as cleared now")

        # the store holds it, audited
        p = subprocess.run([EXE, "--data-dir", data, "--records", store, "review", "list", "--json"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=HANG)
        ds = [json.loads(x) for x in p.stdout.splitlines()]
        check(len(ds) == 1 and ds[0]["kind"] == "false_positive" and ds[0]["by"] == "reviewer-browser"
              and ds[0]["party"] == "Policía Nacional de Nicaragua" and ds[0]["entry_id"] == police[0]["entry_id"]
              if ds and police else False, "review list shows the disposition: %s" % ds)
        p = subprocess.run([EXE, "--data-dir", data, "--records", store, "audit", "export"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=HANG)
        kinds = [json.loads(x)["kind"] for x in p.stdout.splitlines()]
        check(kinds.count("review_add") == 1, "the disposition is an audit record (%s)" % kinds)
        p = subprocess.run([EXE, "--data-dir", data, "--records", store, "audit", "verify"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=HANG)
        check(p.returncode == 0, "the audit chain is intact")

        # the next screening of that party through the API shows it cleared
        c = http.client.HTTPConnection(host, int(port), timeout=60)
        c.request("POST", "/v1/screen", json.dumps(ORDERS[0], ensure_ascii=False).encode())
        r = c.getresponse()
        after = json.loads(r.read())["screening"]
        src = ds[0]["source"] if ds else None
        hit = [h for h in after["hits"] if h["party"] == 1 and h["entry_id"] == police[0]["entry_id"] and h["source"] == src]
        check(r.status == 200 and hit and hit[0].get("disposition", {}).get("kind") == "false_positive",
              "the next screening carries the disposition: %s" % hit)
        order = ["CLEAR", "REVIEW", "LICENSE_REQUIRED", "PROHIBITED", "ERROR"]
        check(order.index(after["decision"]) < order.index(before["decision"]),
              "the decision is lowered: %s -> %s" % (before["decision"], after["decision"]))
        check(not any(x["code"] == police[0].get("list", "") for x in after["reasons"]),
              "no reason from the cleared hit remains: %s" % [x["code"] for x in after["reasons"]])
    finally:
        if srv:
            srv.terminate()
            try:
                srv.wait(60)
            except subprocess.TimeoutExpired:
                srv.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (N - len(FAILS), len(FAILS)))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
