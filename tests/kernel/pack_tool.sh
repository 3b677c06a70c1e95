#!/usr/bin/env bash
# Packs the sctpkit binary, stripped, with the shared libraries it loads (as ldd lists them, at the
# same paths) into a cpio archive that the harness appends to the guest's initramfs: the kernel
# unpacks concatenated archives one after the other. In the guest: /guest/sctpkit.
#
# Usage: pack_tool.sh OUT.cpio SCTPKIT_BINARY
set -euo pipefail
out=${1:?usage: pack_tool.sh OUT.cpio BINARY}
binary=${2:?usage: pack_tool.sh OUT.cpio BINARY}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/guest"
strip -o "$root/guest/sctpkit" "$binary"
# "libx.so => /path (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)": every absolute path.
for library in $(ldd "$binary" | grep -o '/[^ ]*'); do
  mkdir -p "$root$(dirname "$library")"
  cp -L "$library" "$root$library"
done
(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$out"
