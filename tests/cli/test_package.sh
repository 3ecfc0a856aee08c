#!/bin/sh
# Packaging: the Debian package builds (CPack DEB, as scripts/package.sh does),
# says what it depends on, and once unpacked into a scratch root (dpkg-deb -x)
# its exportscreen runs `check` and `filter` from there, finding its bundled
# lists relative to itself (no $EXPORTSCREEN_LISTS_DIR, run from another
# directory). A relocated `cmake --install` works too, a lone copy of the
# binary says what to do, and the dev component (exportscreen.h +
# libexportscreen.a) compiles a program that uses only the public header.
set -eu
: "${EXPORTSCREEN:?}" "${ES_BUILD_DIR:?}" "${ES_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
unset EXPORTSCREEN_LISTS_DIR
export HOME="$tmp/home" EXPORTSCREEN_DATA="$tmp/data"
mkdir -p "$HOME"

# --- the .deb
(cd "$tmp" && cpack -G DEB -B "$tmp/pkg" --config "$ES_BUILD_DIR/CPackConfig.cmake" >"$tmp/cpack.log" 2>&1) ||
  { cat "$tmp/cpack.log" >&2; fail "cpack"; }
deb=$(ls "$tmp"/pkg/exportscreen_*.deb)
dpkg-deb -f "$deb" Package | grep -qx exportscreen || fail "package name"
deps=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libcurl4 libxml2 libpcre2-8-0 libicu libjansson4 libcsv3 zlib1g libssl3; do
  echo "$deps" | grep -q "$lib" || fail "Depends lacks $lib: $deps"
done
dpkg-deb -c "$deb" >"$tmp/contents"
for f in ./usr/bin/exportscreen ./usr/share/exportscreen/manifest.json ./usr/share/exportscreen/countries.tsv \
         ./usr/share/exportscreen/source_links.tsv ./usr/share/man/man1/exportscreen.1.gz \
         ./usr/share/man/man1/exportscreen-check.1.gz ./usr/share/bash-completion/completions/exportscreen \
         ./usr/lib/systemd/system/exportscreen-fetch.service ./usr/lib/systemd/system/exportscreen-fetch.timer \
         ./usr/lib/systemd/system/exportscreen-serve.service; do
  grep -q " $f\$" "$tmp/contents" || fail "package lacks $f"
done
# not enabled: no symlinks into *.wants, no maintainer scripts that enable
grep -q "wants" "$tmp/contents" && fail "package enables a unit"
dpkg-deb -I "$deb" | grep -q "postinst" && fail "package has a postinst"
# only the public header would be installed, and not by the runtime package
grep -q "include/" "$tmp/contents" && fail "runtime package ships headers"

root="$tmp/root"
dpkg-deb -x "$deb" "$root"
grep -q "ExecStart=/usr/bin/exportscreen --quiet fetch" "$root/usr/lib/systemd/system/exportscreen-fetch.service" ||
  fail "fetch unit ExecStart"
grep -q "ExecStart=/usr/bin/exportscreen serve --listen 127.0.0.1:8080" \
  "$root/usr/lib/systemd/system/exportscreen-serve.service" || fail "serve unit ExecStart"
grep -q "OnCalendar=daily" "$root/usr/lib/systemd/system/exportscreen-fetch.timer" || fail "daily timer"
es="$root/usr/bin/exportscreen"
cd "$tmp"
set +e
out=$("$es" -q check --json "BANCO NACIONAL DE CUBA"); rc=$?
set -e
[ "$rc" = 1 ] || fail "check from the unpacked package: exit $rc"
echo "$out" | grep -q '"action":"PROHIBITED"' || fail "check output: $out"
set +e
out=$(printf '%s\n' '{"order_id":"T1","destination":"CU","parties":[{"role":"buyer","name":"BANCO NACIONAL DE CUBA","country":"CU"}],"items":[{"eccn":"EAR99"}]}' |
      "$es" -q filter --allow-stale); rc=$?
set -e
[ "$rc" = 1 ] || fail "filter from the unpacked package: exit $rc"
echo "$out" | grep -q '"decision":"PROHIBITED"' || fail "filter output: $out"
"$es" -q lists | grep -q "$root/usr/share/exportscreen" || fail "lists names the unpacked data dir"
"$es" --version | grep -q "^exportscreen " || fail "--version"
# the shipped man pages are what the shipped program prints from its option tables
for c in "" $("$es" help --commands); do
  page="$root/usr/share/man/man1/exportscreen${c:+-$c}.1.gz"
  [ "$(zcat "$page")" = "$("$es" help --man $c)" ] || fail "shipped man page $page differs from 'help --man $c'"
done

# --- a relocated cmake --install
cmake --install "$ES_BUILD_DIR" --prefix "$tmp/prefix" >/dev/null
mv "$tmp/prefix" "$tmp/moved"
set +e
"$tmp/moved/bin/exportscreen" -q check "ATWA, Ali" >/dev/null; rc=$?
set -e
[ "$rc" = 1 ] || fail "relocated install: exit $rc"
[ -f "$tmp/moved/share/man/man1/exportscreen-filter.1.gz" ] || fail "installed man page"

# --- a lone copy of the binary: exit 3, one line saying what to do
mkdir "$tmp/lone"
cp "$EXPORTSCREEN" "$tmp/lone/exportscreen"
set +e
"$tmp/lone/exportscreen" check x 2>"$tmp/err"; rc=$?
set -e
[ "$rc" = 3 ] || fail "lone binary exit $rc"
grep -q "EXPORTSCREEN_LISTS_DIR" "$tmp/err" || fail "lone binary message: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/err")" = 1 ] || fail "lone binary: one line"
EXPORTSCREEN_LISTS_DIR="$ES_SOURCE_DIR/lists" "$tmp/lone/exportscreen" -q check "Alpen Netz GmbH" >/dev/null ||
  fail "EXPORTSCREEN_LISTS_DIR overrides"

# --- the dev component: one header, one library, a program that uses them
cmake --install "$ES_BUILD_DIR" --prefix "$tmp/dev" --component dev >/dev/null
[ "$(ls "$tmp/dev/include")" = exportscreen.h ] || fail "dev installs exactly one header: $(ls "$tmp/dev/include")"
cat >"$tmp/prog.c" <<'C'
#include <stdio.h>
#include <exportscreen.h>
int main(void)
{
	printf("%s|%s\n", es_strerror(ES_ECORRUPT), es_source_id(ES_SRC_UN_SC));
	return 0;
}
C
libdir=$(ls -d "$tmp"/dev/lib*)
# the compiler and sanitizer flags of the build that made the library
ccomp=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$ES_BUILD_DIR/CMakeCache.txt")
san=""
grep -q "^ES_SANITIZE:BOOL=ON" "$ES_BUILD_DIR/CMakeCache.txt" && san="-fsanitize=address,undefined"
# shellcheck disable=SC2046,SC2086
"${ccomp:-cc}" -std=c11 -I"$tmp/dev/include" "$tmp/prog.c" "$libdir/libexportscreen.a" \
  $(pkg-config --libs libcurl libxml-2.0 libpcre2-8 icu-uc icu-i18n jansson zlib libcrypto) -lcsv -lm \
  $san \
  -o "$tmp/prog" 2>"$tmp/cc.err" || { cat "$tmp/cc.err" >&2; fail "a program built on the public header"; }
"$tmp/prog" | grep -q "|un_sc$" || fail "program output: $("$tmp/prog")"
echo "ok"
