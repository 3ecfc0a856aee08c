#!/bin/sh
# Matcher benchmarks (medians; a benchmark, not a test).
#   scripts/bench_check.sh [BUILD_DIR] [QUERIES_FILE]
# BUILD_DIR defaults to build; queries default to names generated from the
# bundled lists by bench_match (listed names with a typo/reorder/legal form,
# plus as many clean-looking names). Uses a fresh data dir, so the first
# check also measures building the index.
set -eu
B=${1:-build}
EXE=$B/exportscreen
BENCH=$B/scripts/bench/bench_match
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT
export EXPORTSCREEN_DATA="$DATA"
Q=${2:-$DATA/queries.txt}

python3 - "$EXE" "$Q" "$DATA" <<'PY'
import os, statistics, subprocess, sys, time
exe, q, data = sys.argv[1:4]
env = dict(os.environ, EXPORTSCREEN_DATA=data)
def wall(args, stdin=None):
    t = time.perf_counter()
    subprocess.run([exe, "-q"] + args, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t
print("index build (first check, parses every list): %.2f s" % wall(["check", "x"]))
if not os.path.exists(q):
    subprocess.run([os.path.join(os.path.dirname(exe), "scripts/bench/bench_match"), "--rounds", "1",
                    "--exhaustive-sample", "0", "--write-queries", q], stdout=subprocess.DEVNULL, env=env)
n = sum(1 for _ in open(q, encoding="utf-8", errors="replace"))
runs = []
for _ in range(5):
    with open(q, "rb") as f:
        runs.append(wall(["check", "--json", "-"], stdin=f))
print("check --json - : %d names, median %.3f s -> %.0f names/s (runs: %s)"
      % (n, statistics.median(runs), n / statistics.median(runs), " ".join("%.3f" % r for r in runs)))
cold = sorted(wall(["check", "Huawei Technologies Co Ltd"]) * 1000 for _ in range(21))
print("cold check \"one name\" incl. index load: median %.1f ms (min %.1f, max %.1f)"
      % (statistics.median(cold), cold[0], cold[-1]))
def rss(args, stdin=None):
    p = subprocess.run(["/usr/bin/time", "-f", "%M", exe, "-q"] + args, stdin=stdin, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, env=env)
    return int(p.stderr.decode().strip().splitlines()[-1]) / 1024
with open(q, "rb") as f:
    print("peak RSS: check --json - %.1f MB; cold check %.1f MB" % (rss(["check", "--json", "-"], f),
                                                                    rss(["check", "x"])))
os.remove(os.path.join(data, "cache", [x for x in os.listdir(os.path.join(data, "cache"))][0]))
print("peak RSS while building the index: %.1f MB" % rss(["check", "x"]))
PY
"$BENCH" --queries "$Q" --rounds 5 --exhaustive-sample 200 --scale
