#!/bin/sh
# Service benchmarks (a benchmark, not a test): `exportscreen serve` on
# 127.0.0.1, driven by wrk (Debian package, scripts/install-deps.sh) with
# keep-alive connections.
#   scripts/bench_serve.sh [BUILD_DIR] [SECONDS] [RSS_REQUESTS]
# Reports, for POST /v1/screen (the golden orders in rotation, and orders whose
# party names are all new so no cached answer helps) and GET /v1/check
# (names from the golden orders): requests/s and the latency distribution;
# then RSS before and after RSS_REQUESTS (default 1,000,000) screenings, and
# failed requests while the list set is swapped back and forth under load.
set -eu
B=${1:-build}
SECS=${2:-10}
RSS_N=${3:-1000000}
THREADS=${ES_BENCH_THREADS:-2}
CONNS=${ES_BENCH_CONNS:-16}
EXE=$(realpath "$B/exportscreen")
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
command -v wrk >/dev/null || { echo "wrk is missing: run scripts/install-deps.sh" >&2; exit 2; }

start() { # DATA_DIR [extra args]
  d=$1; shift
  "$EXE" -q --data-dir "$d" serve --listen 127.0.0.1:0 --allow-stale --threads "$THREADS" "$@" >"$T/out" 2>"$T/err" &
  PID=$!
  for _ in $(seq 1 600); do grep -q listening "$T/out" 2>/dev/null && break; sleep 0.1; done
  URL=http://$(sed -n 's/^listening on //p' "$T/out")
}
rss() { awk '/^VmRSS/ {print $2 " kB"}' "/proc/$PID/status"; }

# wrk scripts
python3 - "$SRC/tests/golden/orders.jsonl" "$T" <<'PY'
import json, sys
orders = [l.rstrip("\n") for l in open(sys.argv[1]) if l.strip()]
names = sorted({p["name"] for l in orders for p in json.loads(l).get("parties", []) if p.get("name")})
T = sys.argv[2]
def lua_str(x):  # Lua 5.1 has no \u escapes: bytes as \ddd
    return '"' + "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else "\\%03d" % b
                         for b in x.encode()) + '"'
def lua_list(xs):
    return "{" + ",".join(lua_str(x) for x in xs) + "}"
open(T + "/screen.lua", "w").write("""
local orders = %s
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", "/v1/screen", {["Content-Type"] = "application/json"}, orders[(i %% #orders) + 1])
end
""" % lua_list(orders))
open(T + "/screen_new.lua", "w").write(("""
local i = 0
local tid = 0
local letters = "bcdfghjklmnprstvz"
function init(args) tid = math.random(1, 1000000) end
local function word(n)
  local s = ""
  n = n + tid * 7919
  repeat
    local k = n %% #letters
    s = s .. letters:sub(k + 1, k + 1) .. "a"
    n = math.floor(n / #letters)
  until n == 0
  return s
end
request = function()
  i = i + 1
  local body = string.format('{"order_id":"N-%%d","destination":"DE","parties":[{"role":"buyer","name":"%%s Netz GmbH","country":"DE","type":"commercial"},{"role":"end_user","name":"%%s %%s Werke AG","country":"DE","type":"commercial"}],"items":[{"sku":"X","eccn":"5A992.c","enc":"mass_market","quantity":1}]}', i, word(i), word(i * 31), word(i * 17))
  return wrk.format("POST", "/v1/screen", {["Content-Type"] = "application/json"}, body)
end
""").replace("%%", "%"))
open(T + "/check.lua", "w").write("""
local names = %s
local i = 0
request = function()
  i = i + 1
  local n = names[(i %% #names) + 1]:gsub("[^%%w]", function(c) return string.format("%%%%%%02X", string.byte(c)) end)
  return wrk.format("GET", "/v1/check?name=" .. n)
end
""" % lua_list(names))
PY

DATA=$T/data
start "$DATA"
echo "serve: $THREADS threads, wrk 2 threads x $CONNS keep-alive connections, ${SECS}s each; $(nproc) cores"
"$EXE" -q --data-dir "$DATA" check x >/dev/null || true
for s in screen screen_new check; do
  echo "== $s"
  wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$T/$s.lua" "$URL" | grep -E "Requests/sec|^ +(50|90|99)%|Non-2xx|Socket errors"
done

echo "== RSS over $RSS_N POST /v1/screen (new names)"
echo "  after warm-up: $(rss)"
wrk -t2 -c"$CONNS" -d600s -s "$T/screen_new.lua" "$URL" >/dev/null &
WPID=$!
python3 - "$URL" "$RSS_N" "$PID" <<'PY'
import sys, time, urllib.request
url, n, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def done():
    for l in urllib.request.urlopen(url + "/metrics").read().decode().splitlines():
        if l.startswith('exportscreen_requests_total{endpoint="screen",status="200"}'):
            return int(l.split()[-1])
    return 0
def rss():
    for l in open("/proc/%s/status" % pid):
        if l.startswith("VmRSS"):
            return l.split()[1]
t = time.time()
step = max(n // 5, 1)
mark = step
while time.time() - t < 3600:
    k = done()
    if k >= mark:
        print("  %9d requests: RSS %s kB" % (k, rss()), flush=True)
        mark += step
        if k >= n:
            break
    time.sleep(0.5)
PY
kill $WPID 2>/dev/null; wait $WPID 2>/dev/null || true

echo "== list set swapped every 0.5 s under load (${SECS}s)"
kill "$PID"; wait "$PID" 2>/dev/null || true
R=$T/reload
mkdir -p "$R/sets"
python3 - "$SRC/lists" "$R" <<'PY'
import json, os, sys
lists, r = sys.argv[1:3]
for name, drop in (("A", {"un_sc"}), ("B", set())):
    d = os.path.join(r, "sets", name)
    man = json.load(open(os.path.join(lists, "manifest.json")))
    man["sources"] = [s for s in man["sources"] if s["id"] not in drop]
    man["required"] = [s["id"] for s in man["sources"]]  # a fetched set names what it must hold
    for s in man["sources"]:
        for f in s["files"]:
            os.makedirs(os.path.dirname(os.path.join(d, f["path"])), exist_ok=True)
            os.symlink(os.path.join(lists, f["path"]), os.path.join(d, f["path"]))
    json.dump(man, open(os.path.join(d, "manifest.json"), "w"))
PY
for s in B A; do ln -sfn "sets/$s" "$R/current"; "$EXE" -q --data-dir "$R" check x >/dev/null || true; done
start "$R" --reload-interval 0.1
( end=$(( $(date +%s) + SECS )); i=0
  while [ "$(date +%s)" -lt "$end" ]; do
    i=$((i + 1)); s=A; [ $((i % 2)) -eq 0 ] && s=B
    ln -sfn "sets/$s" "$R/current.tmp" && mv -T "$R/current.tmp" "$R/current"; sleep 0.5
  done ) &
SPID=$!
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$T/screen.lua" "$URL" | grep -E "Requests/sec|requests in|^ +99%|Non-2xx|Socket errors" || true
wait $SPID
python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1] + "/metrics").read().decode())' "$URL" |
  grep -E '^exportscreen_list_reload|^exportscreen_requests_total\{endpoint="screen"' || true
