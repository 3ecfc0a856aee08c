#!/bin/sh
# The main job on the bundled lists, on a fresh Debian machine: installs what
# it needs, builds, shows the lists in use, screens a few names and pipes the
# sample orders through the filter. Pass your own orders on stdin with
#   scripts/run.sh - < orders.jsonl
set -eu
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
ES=build/exportscreen
$ES lists
echo
if [ "${1:-}" = "-" ]; then
  exec $ES filter --allow-stale
fi
$ES check "Huawei Technologies Co Ltd" "BANCO NACIONAL DE CUBA" || true
echo
if [ -f examples/orders.jsonl ]; then
  $ES filter --allow-stale < examples/orders.jsonl || true
fi
