#!/bin/sh
# The whole test suite, on a fresh Debian machine: installs dependencies,
# builds the normal and the ASan/UBSan configuration, and runs every unit,
# CLI, fetcher (local HTTP server on 127.0.0.1) and fuzz-corpus test in both.
set -eu
cd "$(dirname "$0")/.."
scripts/build.sh
(cd build && ctest --output-on-failure -j "$(nproc)")
scripts/build.sh --sanitize
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-san && ctest --output-on-failure -j "$(nproc)")
echo "all tests passed (normal and sanitizer builds)"
