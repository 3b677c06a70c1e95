#!/usr/bin/env bash
# Builds the kernel peer's boot files into CACHE_DIR, once: the uncompressed vmlinux extracted from
# the packaged kernel, and an initramfs with busybox, the SCTP and virtio modules and the guest
# programs. Rebuilds only when an input changed (kernel, busybox, or the files in tests/kernel/guest).
#
# Usage: build_cache.sh CACHE_DIR
# Exit 77 (with a message) when a needed package is missing; it installs nothing itself
# (scripts/setup.sh does).
set -euo pipefail
cache=${1:?usage: build_cache.sh CACHE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
guest_src=$here/guest

missing() { echo "kernel-peer: $1 (install it with scripts/setup.sh)" >&2; exit 77; }
for tool in qemu-system-x86_64 cpio modprobe gcc xz; do
  command -v "$tool" > /dev/null || missing "no $tool"
done
[[ -x /bin/busybox ]] && file_out=$(head -c 4 /bin/busybox | od -An -c | tr -d ' ') || missing "no /bin/busybox"
[[ $file_out == 177ELF ]] || missing "/bin/busybox is not an ELF binary"
# busybox-static is the one that runs without a libc in the initramfs.
if ! dpkg-query -W -f='${Status}' busybox-static 2> /dev/null | grep -q "install ok installed"; then
  missing "busybox-static is not installed"
fi

# The newest packaged kernel that ships sctp.ko.
kernel_version=
for image in $(ls -v /boot/vmlinuz-* 2> /dev/null); do
  version=${image#/boot/vmlinuz-}
  if [[ -n $(find "/lib/modules/$version/kernel/net/sctp" -name 'sctp.ko*' 2> /dev/null) ]]; then
    kernel_version=$version
  fi
done
[[ -n $kernel_version ]] || missing "no /boot/vmlinuz-* with an sctp module (package linux-image-amd64)"

key=$(
  {
    echo "$kernel_version"
    sha256sum "/boot/vmlinuz-$kernel_version" /bin/busybox "$0" "$guest_src"/*
  } | sha256sum | cut -d' ' -f1
)
if [[ -f $cache/stamp && $(cat "$cache/stamp") == "$key" ]]; then
  exit 0
fi
echo "kernel-peer: building the cache in $cache for kernel $kernel_version" >&2
rm -rf "$cache"
mkdir -p "$cache"
work=$(mktemp -d "$cache/build.XXXXXX")

# The uncompressed kernel: booting it directly (PVH entry) skips seconds of decompression under
# emulation. Find the compressed payload inside the bzImage by its magic bytes.
extract_vmlinux() {
  local image=$1 out=$2 magic tool offset
  for pair in 'fd377a585a00:xz -dc' '28b52ffd:zstd -dcq' '1f8b0800:gzip -dc' '5d000000:xz -dc --format=lzma'; do
    magic=${pair%%:*}
    tool=${pair#*:}
    command -v "${tool%% *}" > /dev/null || continue
    for offset in $(od -An -v -tx1 -w1 "$image" | tr -d ' \n' | grep -ob "$magic" | cut -d: -f1); do
      ((offset % 2 == 0)) || continue
      tail -c +$((offset / 2 + 1)) "$image" | $tool > "$out" 2> /dev/null || true
      if [[ $(head -c 4 "$out" | od -An -c | tr -d ' ') == 177ELF ]]; then
        return 0
      fi
    done
  done
  return 1
}
extract_vmlinux "/boot/vmlinuz-$kernel_version" "$work/vmlinux" || missing "cannot extract vmlinux from /boot/vmlinuz-$kernel_version"

root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp,modules,guest}
cp /bin/busybox "$root/bin/busybox"
cp "$guest_src/init.sh" "$root/init"
chmod 755 "$root/init"

# Modules in dependency order, each once, uncompressed (busybox insmod takes plain .ko files).
for module in sctp virtio_pci virtio_net virtio_console; do
  modprobe -S "$kernel_version" --show-depends "$module" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r path; do
  name=$(basename "$path")
  case $name in
    *.ko.xz) xz -dc "$path" > "$root/modules/${name%.xz}"; name=${name%.xz} ;;
    *.ko.zst) zstd -dcq "$path" > "$root/modules/${name%.zst}"; name=${name%.zst} ;;
    *.ko.gz) gzip -dc "$path" > "$root/modules/${name%.gz}"; name=${name%.gz} ;;
    *) cp "$path" "$root/modules/$name" ;;
  esac
  echo "$name" >> "$root/modules/order"
done
grep -q '^sctp.ko$' "$root/modules/order" || missing "modprobe found no sctp module for $kernel_version"

for source in "$guest_src"/*.c; do
  name=$(basename "$source" .c)
  gcc -static -O2 -Wall -Wextra -Werror -o "$root/guest/$name" "$source"
  strip "$root/guest/$name"
done

# Uncompressed: under emulation unpacking is cheaper than decompressing.
(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$work/initramfs.cpio"
mv "$work/vmlinux" "$work/initramfs.cpio" "$cache/"
echo "$kernel_version" > "$cache/kernel-version"
rm -rf "$work"
echo "$key" > "$cache/stamp"
echo "kernel-peer: cache ready" >&2
