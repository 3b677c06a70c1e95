#!/usr/bin/env bash
# Builds one flavour (release by default, or asan) and runs the whole test suite on it.
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
scripts/build.sh "$flavour"
# The kernel interop tests (label kernel) boot a VM; .ci/run runs them in a step of their own.
ctest --test-dir "build/$flavour" --output-on-failure -j "$(nproc)" --timeout 300 -LE kernel
