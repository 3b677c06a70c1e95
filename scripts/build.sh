#!/usr/bin/env bash
# Configures and builds one flavour of sctpkit into build/<flavour>.
#   release (default)  optimised (-O2), without debug info: CI builds everything three times on two
#                      cores and -g costs minutes there; profile with a RelWithDebInfo tree of your own.
#                      The test executables' own code compiles at -O0 (the libraries and tools they
#                      test keep -O2): a quarter less compile time for what only calls into them.
#                      The test executables compile as unity batches of 8 files (tests/CMakeLists.txt:
#                      SCTPKIT_TEST_UNITY_BATCH), in this flavour and in asan: GoogleTest's headers are
#                      parsed once per batch (tools_tests: 39 -> 18 CPU-s)
#   asan               debug build with AddressSanitizer and UBSan (-g1: line tables for the reports).
#                      fmt's compile-time format-string checks are off here (FMT_CONSTEVAL empty):
#                      the release build makes them, and they cost a fifth of the time of the fmt-heavy
#                      files. No benchmarks and no kernel interop tests: scripts/test.sh runs those in
#                      the release flavour only. Each test executable runs as a few slices of its cases
#                      (SCTPKIT_TEST_SLICES), not one process per case: an ASan process is slow to start
#   fuzz               clang build of the libFuzzer targets and the layers they link, with ASan and
#                      UBSan, at -O1 (libFuzzer's advice; CI fuzzes for seconds, not hours)
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
case "$flavour" in
  release) args=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" -DSCTPKIT_TEST_COMPILE_OPTIONS=-O0 -DSCTPKIT_TEST_UNITY_BATCH=8) ;;
  asan) args=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-g1 -DFMT_CONSTEVAL=" -DSCTPKIT_SANITIZE=ON -DSCTPKIT_BENCH=OFF
        -DSCTPKIT_KERNEL_TESTS=OFF -DSCTPKIT_TEST_SLICES=ON -DSCTPKIT_TEST_UNITY_BATCH=8) ;;
  fuzz) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" -DSCTPKIT_FUZZ=ON
              -DCMAKE_CXX_COMPILER=clang++) ;;
  *) echo "build.sh: unknown flavour '$flavour' (release, asan or fuzz)" >&2; exit 2 ;;
esac
cmake -S . -B "build/$flavour" -G Ninja "${args[@]}" >/dev/null
cmake --build "build/$flavour" -j "$(nproc)"
