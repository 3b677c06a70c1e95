#!/usr/bin/env bash
# Builds the fuzz flavour and runs every libFuzzer target in build/fuzz for an equal share of
# SECONDS (default 60), each on a scratch copy of its seed corpus fuzz/corpus/<name>/ (<name> is
# the target without _fuzz). Fails on any crash, leak, timeout or out-of-memory, printing the
# reproducer; findings are kept in build/fuzz/artifacts/<target>/.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
total=${1:-60}
if ! [[ $total =~ ^[0-9]+$ ]] || ((total < 1)); then
  echo "usage: scripts/fuzz.sh [SECONDS]" >&2
  exit 2
fi

scripts/build.sh fuzz

# The targets are the sources, so an executable left behind by a deleted source is not run.
targets=()
for source in fuzz/*_fuzz.cc; do
  [[ -e $source ]] || continue
  target="build/fuzz/fuzz/$(basename "$source" .cc)"
  if [[ ! -x $target ]]; then
    echo "fuzz.sh: $source did not build to $target" >&2
    exit 1
  fi
  targets+=("$target")
done
if ((${#targets[@]} == 0)); then
  echo "fuzz.sh: no fuzz/*_fuzz.cc targets" >&2
  exit 1
fi
share=$((total / ${#targets[@]}))
((share >= 1)) || share=1

scratch=$(mktemp -d "${TMPDIR:-/tmp}/sctpkit-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

failed=()
for target in "${targets[@]}"; do
  name=$(basename "$target")
  seeds="fuzz/corpus/${name%_fuzz}"
  corpus="$scratch/$name/corpus"
  artifacts="build/fuzz/artifacts/$name"
  log="$scratch/$name/log"
  mkdir -p "$corpus" "$artifacts"
  # A copy, so that what the run discovers never lands in the source tree.
  if [[ -d $seeds ]]; then cp -R "$seeds/." "$corpus/"; fi
  echo "fuzz.sh: $name for ${share}s ($(find "$corpus" -type f | wc -l) seeds)"
  rc=0
  "$target" -max_total_time="$share" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1 || rc=$?
  if ((rc != 0)); then
    tail -n 60 "$log"
    # libFuzzer names what it saved: crash-*, leak-*, timeout-*, oom-*.
    reproducer=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "fuzz.sh: $name FAILED (exit $rc)"
    if [[ -n $reproducer ]]; then
      echo "fuzz.sh: reproducer $reproducer"
      echo "fuzz.sh: rerun with: $target $reproducer"
    fi
    failed+=("$name")
  else
    grep -E '^stat::number_of_executed_units|^Done [0-9]+ runs' "$log" | tr '\n' ' ' || true
    echo
  fi
done

if ((${#failed[@]} > 0)); then
  echo "fuzz.sh: failures in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: ${#targets[@]} target(s) clean"
