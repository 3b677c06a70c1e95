#!/usr/bin/env bash
# Builds one flavour (release by default, or asan) and runs the whole test suite on it.
# The kernel interop tests (label `kernel`) boot a Linux kernel under qemu; they run once, in the
# release flavour, after the rest, and report themselves skipped without root or their packages.
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
scripts/build.sh "$flavour"
# Under the sanitizers the speed smoke run (bench) and the manifest checks (deploy, Python) tell
# nothing new, and CI's time is bounded.
excluded=kernel
if [[ $flavour == asan ]]; then excluded='kernel|bench|deploy'; fi
ctest --test-dir "build/$flavour" --output-on-failure -j "$(nproc)" --timeout 300 -LE "$excluded"
if [[ $flavour == release ]]; then
  ctest --test-dir "build/$flavour" --output-on-failure --timeout 900 -L kernel
fi
