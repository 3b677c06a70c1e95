#!/usr/bin/env bash
# Installs every Debian package that sctpkit's build, tests and benchmarks need. Safe to run again:
# it installs only what is missing, and touches the package lists only then.
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build ccache pkg-config git
  # LLVM's linker: links the test binaries in half the time of ld.bfd (CMakeLists.txt)
  lld
  # libraries
  libpcap-dev libcli11-dev libfmt-dev nlohmann-json3-dev libssl-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # fuzzing (libFuzzer comes with clang's runtime)
  clang libclang-rt-14-dev
  # oracles and peers: real tcpdump and tshark decode what we write; usrsctp is the interop peer
  tcpdump tshark libusrsctp-dev libusrsctp-examples
  # the kernel-TCP ceiling of the comparison bench (bench/compare.py); taskset is in util-linux
  iperf3
  # multi-host tests in network namespaces
  iproute2 nftables
  # the Linux-kernel SCTP peer booted under qemu (tests/kernel, docs/kernel-interop.md)
  qemu-system-x86 linux-image-amd64 busybox-static lksctp-tools libsctp-dev cpio kmod
  python3
  # deployment checks (tests/deploy): YAML, and the Kubernetes API models as an offline schema
  python3-yaml python3-kubernetes
)

if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
else
  sudo_cmd=()
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
