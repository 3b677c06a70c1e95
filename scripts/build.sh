#!/usr/bin/env bash
# Configures and builds one flavour of sctpkit into build/<flavour>.
#   release (default)  optimised with debug info
#   asan               debug build with AddressSanitizer and UBSan
#   fuzz               clang build of the libFuzzer targets, with ASan and UBSan
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
case "$flavour" in
  release) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) args=(-DCMAKE_BUILD_TYPE=Debug -DSCTPKIT_SANITIZE=ON -DSCTPKIT_BENCH=OFF) ;;
  fuzz) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCTPKIT_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++) ;;
  *) echo "build.sh: unknown flavour '$flavour' (release, asan or fuzz)" >&2; exit 2 ;;
esac
cmake -S . -B "build/$flavour" -G Ninja "${args[@]}" >/dev/null
cmake --build "build/$flavour" -j "$(nproc)"
