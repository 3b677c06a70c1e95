#!/usr/bin/env bash
# Configures and builds one flavour of sctpkit into build/<flavour>.
#   release (default)  optimised (-O2), without debug info: CI builds everything three times on two
#                      cores and -g costs minutes there; profile with a RelWithDebInfo tree of your own
#   asan               debug build with AddressSanitizer and UBSan (-g1: line tables for the reports)
#   fuzz               clang build of the libFuzzer targets, with ASan and UBSan
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
case "$flavour" in
  release) args=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG") ;;
  asan) args=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DSCTPKIT_SANITIZE=ON -DSCTPKIT_BENCH=OFF) ;;
  fuzz) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" -DSCTPKIT_FUZZ=ON
              -DCMAKE_CXX_COMPILER=clang++) ;;
  *) echo "build.sh: unknown flavour '$flavour' (release, asan or fuzz)" >&2; exit 2 ;;
esac
cmake -S . -B "build/$flavour" -G Ninja "${args[@]}" >/dev/null
cmake --build "build/$flavour" -j "$(nproc)"
