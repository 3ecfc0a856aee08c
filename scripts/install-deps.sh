#!/bin/sh
# Installs every build and test dependency of exportscreen from Debian packages.
# Idempotent: packages already present are left alone.
set -eu
PKGS="build-essential cmake pkg-config clang \
  libcurl4-openssl-dev libxml2-dev libpcre2-dev libicu-dev libjansson-dev libyajl-dev \
  libcsv-dev zlib1g-dev libssl-dev libsqlite3-dev libcmocka-dev libclang-rt-14-dev \
  python3 openssl ca-certificates dpkg-dev file"
# serve: the HTTP server library; wrk for scripts/bench_serve.sh; the review
# page's browser test drives Debian's chromium with puppeteer-core (npm, which
# the test installs into its own folder); node/npm from Debian when absent
PKGS="$PKGS libmicrohttpd-dev wrk chromium"
command -v node >/dev/null 2>&1 || PKGS="$PKGS nodejs"
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
