#!/bin/sh
# Builds the Debian package of exportscreen: build/exportscreen_<version>_<arch>.deb
# (CPack DEB; Depends from dpkg-shlibdeps). Installs what it ships under /usr:
# the binary, the bundled lists and data files (share/exportscreen), man pages,
# bash completion and systemd units (fetch timer, serve service), not enabled.
#   scripts/package.sh [BUILD_DIR]      (default build; built first)
set -eu
cd "$(dirname "$0")/.."
dir=${1:-build}
if [ "$dir" = build ]; then
  scripts/build.sh
else
  cmake --build "$dir" -j 2
fi
(cd "$dir" && cpack -G DEB -B "$(pwd)" >/dev/null)
deb=$(ls -t "$dir"/exportscreen_*.deb | head -1)
echo "$deb"
dpkg-deb -f "$deb" Package Version Architecture Depends
