#!/bin/sh
# lists: the bundled set is reported with the PROVENANCE counts, --json is
# well-formed, and a damaged bundled file is detected (exit 3).
set -eu
: "${EXPORTSCREEN:?}" "${ES_LISTS_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export EXPORTSCREEN_DATA="$tmp/data"
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$EXPORTSCREEN" lists --json)
python3 - "$out" <<'PY' || fail "lists --json content"
import json, sys
d = json.loads(sys.argv[1])
assert d["in_use"] == "bundled", d
want = {"ofac_sdn": 15443, "ofac_cons": 442, "us_csl": 14160, "un_sc": 1003}
got = {s["id"]: s["entries"] for s in d["sources"]}
assert got == want, got
for s in d["sources"]:
    assert len(s["sha256"]) == 64 and s["stale"] is True and s["age_days"] > 7, s
    assert s["data_date"][:2] == "20"
PY
"$EXPORTSCREEN" lists | grep -q "bundled snapshot" || fail "human output names the set"
"$EXPORTSCREEN" lists --max-age 100000 --json | grep -q '"stale":false' || fail "--max-age"

# usage errors exit 2 with one line + hint
set +e
"$EXPORTSCREEN" lists --bogus 2>"$tmp/err"; rc=$?
set -e
[ "$rc" = 2 ] || fail "bad option exit $rc"
grep -q "unknown option '--bogus'" "$tmp/err" || fail "bad option message"
grep -q "try 'exportscreen --help'" "$tmp/err" || fail "help hint"

# staleness is by fetch time; a source fetched today whose own data date is
# older than lists/data_age.tsv allows is current, with a warning
cp -r "$ES_LISTS_DIR" "$tmp/fresh"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sed -i "s/\"fetched_at\": \"[^\"]*\"/\"fetched_at\": \"$now\"/" "$tmp/fresh/manifest.json"
out=$(EXPORTSCREEN_LISTS_DIR="$tmp/fresh" "$EXPORTSCREEN" lists --json 2>"$tmp/err")
python3 - "$out" <<'PY' || fail "lists --json data age"
import json, sys
d = json.loads(sys.argv[1])
for s in d["sources"]:
    assert s["stale"] is False and s["age_days"] == 0, s
    assert s["data_age_days"] > 30 and s["data_old"] is True, s
PY
grep -q "us_csl: the list's own data date 2022-05-16 is [0-9]* days old (more than 30)" "$tmp/err" ||
  fail "old data date warning: $(cat "$tmp/err")"
EXPORTSCREEN_LISTS_DIR="$tmp/fresh" "$EXPORTSCREEN" lists | grep -q "^us_csl .* ok, old data$" || fail "old data in the table"
EXPORTSCREEN_LISTS_DIR="$tmp/fresh" "$EXPORTSCREEN" -q lists 2>"$tmp/err" >/dev/null
[ -s "$tmp/err" ] && fail "-q silences the data-age warning"
# a bundled (stale) set says stale, not both
"$EXPORTSCREEN" lists 2>"$tmp/err" >/dev/null
grep -q "days old" "$tmp/err" && fail "no data-age warning for a stale source"
printf 'us_csl\tsoon\n' >"$tmp/fresh/data_age.tsv"
set +e
EXPORTSCREEN_LISTS_DIR="$tmp/fresh" "$EXPORTSCREEN" lists >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" = 3 ] || fail "bad data_age.tsv exit $rc"
grep -q "data_age.tsv:1: days must be a whole number" "$tmp/err" || fail "bad data_age.tsv message: $(cat "$tmp/err")"

# a damaged copy of the bundled set is reported, exit 3
cp -r "$ES_LISTS_DIR" "$tmp/lists"
printf 'x' >> "$tmp/lists/ofac-cons/cons_alt.csv"
set +e
EXPORTSCREEN_LISTS_DIR="$tmp/lists" "$EXPORTSCREEN" lists >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" = 3 ] || fail "damaged set exit $rc"
grep -q "cons_alt.csv: content does not match" "$tmp/err" || fail "damaged set message: $(cat "$tmp/err")"

# a missing manifest is a clear error, exit 3
rm "$tmp/lists/manifest.json"
set +e
EXPORTSCREEN_LISTS_DIR="$tmp/lists" "$EXPORTSCREEN" lists >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" = 3 ] || fail "missing manifest exit $rc"
grep -q "manifest.json: cannot open" "$tmp/err" || fail "missing manifest message: $(cat "$tmp/err")"
echo "ok"
