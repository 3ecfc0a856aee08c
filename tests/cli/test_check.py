"""CLI tests of `check` and `compare` (interface.md): output, exit codes,
stdin batches, usage errors, the index cache (built, reused, rebuilt when
damaged, in memory when the cache is not writable), --exhaustive parity."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

EXE = os.environ["EXPORTSCREEN"]
FAILS = []


def run(args, stdin=None, data=None):
    env = dict(os.environ)
    env["EXPORTSCREEN_DATA"] = data or DATA
    p = subprocess.run([EXE] + args, input=stdin, capture_output=True, env=env, timeout=300)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


DATA = tempfile.mkdtemp(prefix="es-check-test-")
try:
    # first run builds and caches the index
    rc, out, err = run(["check", "--json", "ATWA, Ali"])
    check(rc == 1, "exact listed name exits 1 (rc=%d, %s)" % (rc, err.strip()))
    d = json.loads(out)
    check(d["query"] == "ATWA, Ali", "query echoed")
    top = d["matches"][0]
    check(top["score"] == 1.0, "exact name scores 1.0")
    for k in ("source", "list", "entry_id", "name", "matched_name", "type", "countries", "programs", "action"):
        check(k in top, "match has %s" % k)
    check(top["action"] == "PROHIBITED", "SDN hit is PROHIBITED")
    # check and filter start without libcurl and libmicrohttpd (and the
    # libraries they link): fetch and serve load them when they need them
    for args, stdin in ((["check", "ATWA, Ali"], None), (["filter", "--allow-stale"], b"")):
        env = dict(os.environ, EXPORTSCREEN_DATA=DATA, LD_DEBUG="files")
        p = subprocess.run([EXE] + args, input=stdin, capture_output=True, env=env, timeout=300)
        loaded = p.stderr.decode("utf-8", "replace")
        check("libc.so" in loaded, "LD_DEBUG=files lists what %s loads" % args[0])
        for lib in ("libcurl", "libmicrohttpd", "libgnutls"):
            check(lib not in loaded, "%s starts without %s" % (args[0], lib))
    cache = os.path.join(DATA, "cache")
    idx = [f for f in os.listdir(cache) if f.endswith(".idx")] if os.path.isdir(cache) else []
    check(len(idx) == 1, "index cached under DATA/cache")

    # a clean name: exit 0, no matches
    rc, out, _ = run(["check", "--json", "Alpen Netz GmbH"])
    check(rc == 0, "clean name exits 0")
    check(json.loads(out)["matches"] == [], "clean name has no matches")

    # a branch of a listed bank: found by containment, and the match says so
    rc, out, _ = run(["check", "--json", "Bank Tejarat Paris Branch", "BANK TEJARAT", "Sian Bank"])
    recs = [json.loads(l) for l in out.splitlines()]
    br = [m for m in recs[0]["matches"] if m["name"] == "BANK TEJARAT"]
    check(br and all(m["by"] == "contains" for m in br), "branch found by containment")
    check(all(m["by"] == "name" for m in recs[1]["matches"]) and recs[1]["matches"], "listed name: by name")
    check(any(m["name"] == "SINA BANK" for m in recs[2]["matches"]), "one typo in a short word found")
    rc, out, _ = run(["-q", "check", "Bank Tejarat Paris Branch"])
    check("contains the listed name" in out, "table says containment")

    # compare infers a person without --type (a left-out middle name costs
    # little) and keeps the order around bin
    rc, out, _ = run(["compare", "--json", "Kellen Johnson", "Kellen Lamon Johnson"])
    check(rc == 1 and json.loads(out)["score"] >= 0.84, "compare infers a person")
    rc, out, _ = run(["compare", "--json", "Salman bin Mohammed", "Mohammed bin Salman"])
    check(rc == 0 and json.loads(out)["score"] < 0.84, "X bin Y is not Y bin X")
    # a subsidiary's name holds its parent's, either way round, as check's containment
    for a, b in (("Mahan Air UAE Office", "Mahan Air"), ("Mahan Air", "Mahan Air UAE Office")):
        rc, out, _ = run(["compare", "--json", "--type", "entity", a, b])
        check(rc == 1 and json.loads(out)["score"] >= 0.84, "compare: %s holds %s" % (a, b))
    # ... but not for words many listed names share
    rc, out, _ = run(["compare", "--json", "--type", "entity", "National Bank of Ukraine PJSC", "National Bank PJSC"])
    check(rc == 0, "no containment of common words")

    # a typo and word order still find the party
    rc, out, _ = run(["check", "--json", "MOUNT HEBRPN FUND", "Ali Atwa"])
    lines = out.splitlines()
    check(rc == 1 and len(lines) == 2, "two names, two JSON lines")
    check(any(m["name"] == "MOUNT HEBRON FUND" for m in json.loads(lines[0])["matches"]), "typo found")

    # stdin batch, input order, invalid UTF-8 -> error record and exit 3
    batch = b"ATWA, Ali\nAlpen Netz GmbH\nbad \xff name\n\nHuawei Technologies Co Ltd\n"
    rc, out, _ = run(["check", "--json", "-"], stdin=batch)
    lines = out.splitlines()
    check(len(lines) == 5, "one output line per input line (%d)" % len(lines))
    recs = [json.loads(l) for l in lines]
    check(recs[0]["matches"] and recs[1]["matches"] == [], "batch order kept")
    check("error" in recs[2] and recs[2]["matches"] == [], "invalid UTF-8 is an error record")
    check(recs[3]["matches"] == [], "empty line has no matches")
    check(recs[4]["matches"] and recs[4]["matches"][0]["source"] in ("us_csl", "ofac_cons"), "Huawei found")
    check(rc == 3, "a name that cannot be screened makes exit 3 (rc=%d)" % rc)

    # --limit, --threshold
    rc, out, _ = run(["check", "--json", "--limit", "1", "--threshold", "0.5", "Huawei Technologies"])
    check(len(json.loads(out)["matches"]) == 1, "--limit 1")
    rc, out, _ = run(["check", "--json", "--threshold", "0.99", "MOUNT HEBRPN FUND"])
    check(json.loads(out)["matches"] == [] and rc == 0, "--threshold filters")

    # --exhaustive finds the same as the index
    names = ["KHAN, Mohammed Anwar Latif", "Pedro Claver Mejia Salazar", "Sinotech Industry", "Rdaiant Group of Companiws"]
    rc1, o1, _ = run(["check", "--json", "--threshold", "0.7", "-"], stdin="\n".join(names).encode())
    rc2, o2, _ = run(["check", "--json", "--threshold", "0.7", "--exhaustive", "-"], stdin="\n".join(names).encode())
    a = [[(m["source"], m["entry_id"], m["score"]) for m in json.loads(l)["matches"]] for l in o1.splitlines()]
    b = [[(m["source"], m["entry_id"], m["score"]) for m in json.loads(l)["matches"]] for l in o2.splitlines()]
    check(a == b and len(a) == 4, "index == exhaustive")

    # --explain adds the alignment to JSON
    rc, out, _ = run(["check", "--json", "--explain", "MOUNT HEBRPN FUND"])
    al = json.loads(out)["matches"][0]["alignment"]
    check(["hebrpn", "hebron"] == al[1][:2], "--explain alignment")
    rc, out, _ = run(["check", "--json", "MOUNT HEBRPN FUND"])
    check("alignment" not in json.loads(out)["matches"][0], "no alignment without --explain")

    # human table shows the aligned tokens with --explain
    rc, out, _ = run(["-q", "check", "--explain", "MOUNT HEBRPN FUND"])
    check("hebrpn=hebron" in out, "table shows token alignment")

    # stale warning (bundled lists are old) on stderr, -q silences it
    rc, out, err = run(["check", "Alpen Netz GmbH"])
    check("stale" in err or "older" in err, "stale warning")
    rc, out, err = run(["-q", "check", "Alpen Netz GmbH"])
    check(err == "", "-q silences warnings")

    # usage errors: exit 2
    for args in (["check"], ["check", "--threshold", "2", "x"], ["check", "--type", "ship", "x"],
                 ["check", "--limit", "0", "x"], ["check", "--country", "Germany", "x"], ["check", "--bogus", "x"],
                 ["compare", "one"], ["compare", "--type", "x", "a", "b"]):
        rc, _, err = run(args)
        check(rc == 2 and "--help" in err, "usage error exit 2: %s" % args)

    # a damaged index: an open checks the header and what it reads, not the
    # checksum of the whole file; `lists --verify` does, reports it (exit 3)
    # and removes the file, so the next check rebuilds it
    rc, out, _ = run(["lists", "--verify", "--json"])
    check(json.loads(out)["index"]["status"] == "ok", "lists --verify: intact index ok")
    p = os.path.join(cache, idx[0])
    with open(p, "r+b") as f:
        f.seek(4096)
        f.write(b"\x00garbage\x00")
    rc, out, err = run(["lists", "--verify", "--json"])
    check(rc == 3 and json.loads(out)["index"]["status"] == "damaged" and "checksum" in err,
          "lists --verify finds a damaged index")
    check(not os.path.exists(p), "lists --verify removes a damaged index")
    rc, out, _ = run(["check", "--json", "ATWA, Ali"])
    check(rc == 1 and json.loads(out)["matches"][0]["score"] == 1.0, "damaged index rebuilt")
    rc, out, _ = run(["lists", "--verify", "--json"])
    check(json.loads(out)["index"]["status"] == "ok", "lists --verify: rebuilt index ok")
    rc, out, _ = run(["check", "--json", "ATWA, Ali"])
    check(rc == 1, "rebuilt index loads")
    with open(p, "wb") as f:
        f.write(b"short")
    rc, out, _ = run(["check", "--json", "ATWA, Ali"])
    check(rc == 1, "truncated index rebuilt")

    # cache not writable: built in memory, still answers
    rc, out, err = run(["check", "--json", "ATWA, Ali"], data="/dev/null/nowhere")
    check(rc == 1 and json.loads(out)["matches"], "unwritable cache: in-memory index (%s)" % err.strip())

    # compare
    rc, out, _ = run(["compare", "--json", "Olaf Scholze", "Olaf Scholz"])
    d = json.loads(out)
    check(d["match"] is True and rc == 1, "compare match exits 1")
    check(d["alignment"][0][:2] == ["olaf", "olaf"] and d["alignment"][1][:2] == ["scholze", "scholz"],
          "compare alignment")
    check(0 < d["score"] < 1 and "threshold" in d, "compare score and threshold")
    rc, out, _ = run(["compare", "--json", "George Bush", "George Habbash"])
    check(rc == 0 and json.loads(out)["match"] is False, "Bush vs Habbash is no match")
    rc, out, _ = run(["compare", "-"], stdin=b"ATWA, Ali\tAli Atwa\nCORP\tSINOTECH CORP\nno tab here\n")
    lines = out.splitlines()
    check(len(lines) == 3, "compare - prints one line per pair")
    check(json.loads(lines[0])["score"] == 1.0, "reordered person scores 1.0")
    check(json.loads(lines[1])["score"] < 0.5, "CORP alone is no match")
    check("error" in json.loads(lines[2]) and rc == 3, "bad pair line is an error, exit 3")
finally:
    shutil.rmtree(DATA, ignore_errors=True)

print("%d failure(s)" % len(FAILS))
sys.exit(1 if FAILS else 0)
