#!/bin/sh
# Builds exportscreen: build/exportscreen (release with debug info), or with
# --sanitize build-san/exportscreen (ASan + UBSan). Installs dependencies first.
set -eu
cd "$(dirname "$0")/.."
"$(pwd)/scripts/install-deps.sh"
dir=build
flags="-DCMAKE_BUILD_TYPE=RelWithDebInfo"
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-san
  flags="-DCMAKE_BUILD_TYPE=Debug -DES_SANITIZE=ON -DCMAKE_C_COMPILER=clang"
fi
# shellcheck disable=SC2086
cmake -S . -B "$dir" $flags >/dev/null
cmake --build "$dir" -j "$(nproc)"
