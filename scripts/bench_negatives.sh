#!/bin/sh
# False positives per capability: every file of clean names in
# tests/data/negatives/ through `check --json -` at the default threshold
# (or $THRESHOLD); prints the names that matched and one summary line per file.
# usage: scripts/bench_negatives.sh [BUILD_DIR] [DATA_DIR]
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
data=${2:-${EXPORTSCREEN_DATA:-$HOME/.local/share/exportscreen}}
thr=${THRESHOLD:-0.84}
for f in tests/data/negatives/*.txt; do
  "$build/exportscreen" -q --data-dir "$data" check --json --threshold "$thr" --limit 3 - < "$f" |
    python3 -c '
import json, sys
name = sys.argv[1]
n = fp = 0
for line in sys.stdin:
    r = json.loads(line)
    n += 1
    if r["matches"]:
        fp += 1
        m = r["matches"][0]
        print("  FP %-40s -> %.3f %s" % (r["query"], m["score"], m["name"]))
print("%-28s %3d names  %2d false positives  (%.1f%%)" % (name, n, fp, 100.0 * fp / max(n, 1)))
' "$(basename "$f")"
done
