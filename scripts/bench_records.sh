#!/bin/sh
# Benchmarks of the compliance records (docs/records.md); numbers only, never a test.
#
#   scripts/bench_records.sh [ORDERS] [RESCREEN_PARTIES]
#
# 1. filter vs filter --record on ORDERS synthetic orders (default 200000; a
#    mix of made-up companies, recurring resellers and a few listed names), on
#    one core (taskset -c 0): orders/s, and the store's size per order.
# 2. rescreen of RESCREEN_PARTIES distinct recorded parties (default 1000000:
#    orders with a distinct buyer and a distinct end user each), on one core:
#    wall time and peak memory (RSS), and the recording's own rate.
# Needs build/exportscreen (scripts/build.sh). Uses a scratch dir under /tmp.
set -eu
N=${1:-200000}
P=${2:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
EXE=$ROOT/build/exportscreen
W=$(mktemp -d /tmp/es-bench-records.XXXXXX)
trap 'rm -rf "$W"' EXIT
export HOME=$W/home
mkdir -p "$HOME"
DATA=$W/data
ONE="taskset -c 0"

gen() { # gen COUNT MODE > file ; MODE mix | distinct
	python3 - "$1" "$2" <<'EOF'
import json, random, sys
n, mode = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(42)
a = ["Alpen", "Nordic", "Blue", "Pacific", "Delta", "Vertex", "Orion", "Summit", "Harbor", "Cedar", "Atlas",
     "Lumen", "Quantum", "Rhein", "Sierra", "Tiger", "Maple", "Iron", "Silver", "Crystal", "Falcon", "Granite"]
b = ["Netz", "Systems", "Networks", "Telecom", "Solutions", "Data", "Logistics", "Trading", "Tech", "Digital",
     "Electronics", "Communications", "Services", "Industries", "Partners", "Labs"]
c = ["GmbH", "Ltd", "LLC", "Inc.", "S.A.", "B.V.", "Co., Ltd.", "AG", "SAS", "Pty Ltd", "S.r.l.", ""]
listed = ["Banco Nacional de Cuba", "Huawei Technologies Co., Ltd.", "Rosoboronexport", "Mahan Air",
          "Korea Kwangson Banking Corp"]
ctry = ["DE", "FR", "NL", "GB", "US", "JP", "BR", "IN", "SG", "AU", "IT", "ES", "PL", "SE", "CA", "MX"]
def name(i):
    return "%s %s %s %d" % (rnd.choice(a), rnd.choice(b), rnd.choice(c), i)
resellers = [name(i) for i in range(300)]
out = sys.stdout
for i in range(n):
    dest = rnd.choice(ctry)
    if mode == "distinct":
        buyer, eu = name(2 * i), name(2 * i + 1)
    else:
        buyer = rnd.choice(resellers)
        eu = rnd.choice(listed) if rnd.random() < 0.01 else name(rnd.randrange(50000))
    o = {"order_id": "B-%d" % i, "destination": dest, "parties": [
        {"role": "buyer", "name": buyer, "address": "%d Main Street" % rnd.randrange(1, 999), "city": "City",
         "country": dest, "type": "commercial"},
        {"role": "end_user", "name": eu, "country": dest, "type": rnd.choice(["commercial", "education", "bank"])}],
        "items": [{"sku": "SRX300-SYS-JB", "eccn": "5A992.c", "enc": "mass_market", "quantity": rnd.randrange(1, 9)}]}
    out.write(json.dumps(o) + "\n")
EOF
}

# run LABEL COUNT CMD... : wall and CPU (user+sys) time of CMD, orders per second of each.
# The machine may be shared: orders per CPU second is the one-core figure
# when the wall clock also counts other processes' time.
run() {
	label=$1 count=$2
	shift 2
	/usr/bin/time -o "$W/time" -f "%e %U %S %M" "$@" || true  # exit 1 = decisions to act on
	python3 - "$label" "$count" "$W/time" <<'EOF'
import sys
label, n = sys.argv[1], int(sys.argv[2])
e, u, s, m = open(sys.argv[3]).read().split()[-4:]
e, cpu = float(e), float(u) + float(s)
print("%-18s: %7.1f s wall (%6.0f/s), %6.1f s CPU (%6.0f per CPU-s), peak RSS %.0f MB" %
      (label, e, n / e, cpu, n / cpu if cpu else 0, int(m) / 1024))
EOF
}

echo "== warm-up (index build)"
echo '{"order_id":"w","parties":[{"role":"buyer","name":"x"}]}' | $EXE --data-dir "$DATA" filter --allow-stale >/dev/null || true

echo "== $N orders (mixed), one core"
gen "$N" mix > "$W/orders.jsonl"
run "filter" "$N" sh -c "$ONE $EXE --data-dir $DATA filter --allow-stale < $W/orders.jsonl > /dev/null"
run "filter --record" "$N" sh -c "$ONE $EXE --data-dir $DATA --records $W/r1.sqlite filter --record --allow-stale < $W/orders.jsonl > /dev/null"
$EXE --data-dir "$DATA" --records "$W/r1.sqlite" audit verify
python3 - "$W/r1.sqlite" "$N" <<'EOF'
import os, sqlite3, sys
p, n = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(p)
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
size = os.path.getsize(p) + (os.path.getsize(p + "-wal") if os.path.exists(p + "-wal") else 0)
inp = os.path.getsize(os.path.join(os.path.dirname(p), "orders.jsonl"))
print("store size       : %.1f MB for %d orders = %.0f bytes/order (input %.0f bytes/order)" %
      (size / 1e6, n, size / n, inp / n))
EOF
run "audit verify" "$N" sh -c "$ONE $EXE --data-dir $DATA --records $W/r1.sqlite audit verify > /dev/null"

echo "== rescreen of $P distinct parties ($((P / 2)) orders with a distinct buyer and end user), one core"
gen $((P / 2)) distinct > "$W/distinct.jsonl"
run "recording" $((P / 2)) sh -c "$ONE $EXE --data-dir $DATA --records $W/r2.sqlite filter --record --allow-stale < $W/distinct.jsonl > /dev/null"
run "rescreen (parties)" "$P" sh -c "$ONE $EXE --data-dir $DATA --records $W/r2.sqlite -q rescreen --allow-stale > $W/changes.jsonl"
echo "changes          : $(wc -l < "$W/changes.jsonl")"
