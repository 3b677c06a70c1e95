#!/usr/bin/python3
"""ctest smoke test of bench/xdp_ceiling: short runs across a veth pair between two namespaces made for
it, AF_XDP on the send side, the receive side, or both, in native (driver) and generic (SKB) XDP
mode, with the SACK-sized answers on; each must account for every packet (received + lost = sent,
the rate and throughput from what was received, the answers counted at both ends). Speed is never
asserted. Usage: xdp_ceiling_smoke.py BUILD_DIR. Exits 77 (skipped) without root, iproute2 or the
program, or when this kernel will not attach an XDP program or open an AF_XDP socket."""

import os
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_runner import EXIT_UNREACHABLE, MeasurementError, NetnsPair, Placement, Server, free_port, run_client  # noqa: E402
from raw_ceiling_smoke import check  # noqa: E402

SKIP = 77
SIZE = 1480  # the 64 KiB-message DATA packet at a 1500 B MTU (bench/compare.py RAW_CEILING_SIZES)

# (server flags, client flags): AF_XDP on both ends in each XDP mode, then each half mixed with the
# other probes' paths.
CASES = [
    (["--rx", "xdp", "--tx", "xdp", "--xdp-mode", "native"], ["--tx", "xdp", "--rx", "xdp", "--xdp-mode", "native"]),
    (["--rx", "xdp", "--tx", "xdp", "--xdp-mode", "skb"], ["--tx", "xdp", "--rx", "xdp", "--xdp-mode", "skb"]),
    (["--rx", "xdp", "--tx", "mmsg"], ["--tx", "raw", "--rx", "ring"]),
    (["--rx", "ring", "--tx", "raw"], ["--tx", "xdp", "--rx", "raw"]),
]


def xdp_unavailable(binary, ns):
    """Why an XDP program or AF_XDP socket cannot be had here (a one-off server that exits at once
    when it cannot open its paths), or None."""
    port = str(free_port(socket.SOCK_STREAM))
    server = subprocess.Popen(["ip", "netns", "exec", ns.server, binary, "-s", "--one-off", "-p", port,
                               "--rx", "xdp", "--tx", "xdp"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    try:
        for _ in range(3):
            time.sleep(0.4)  # the server's listener
            client = subprocess.run(["ip", "netns", "exec", ns.client, binary, "-c", ns.SERVER_ADDR, "-p", port,
                                     "-t", "0.05", "--json"], capture_output=True, text=True, timeout=30)
            if client.returncode != EXIT_UNREACHABLE:
                break
    except subprocess.TimeoutExpired:
        server.kill()
        return None
    try:
        _, err = server.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        return None
    if client.returncode != 0 and ("BPF" in err or "XSKMAP" in err or "attach" in err or "AF_XDP" in err):
        return err.strip().splitlines()[-1]
    return None


def main():
    binary = os.path.join(sys.argv[1], "bench", "xdp_ceiling")
    reason = NetnsPair.unavailable_reason()
    if reason or not os.access(binary, os.X_OK):
        print(f"SKIPPED: {reason or f'no {binary}'}")
        return SKIP
    failures = []
    for i, (server_flags, client_flags) in enumerate(CASES):
        port = str(free_port(socket.SOCK_STREAM))
        label = f"server {' '.join(server_flags)} / client {' '.join(client_flags)}"
        try:
            with NetnsPair() as ns:
                if i == 0:
                    reason = xdp_unavailable(binary, ns)
                    if reason:
                        print(f"SKIPPED: XDP or AF_XDP unavailable: {reason}")
                        return SKIP
                with Server([binary, "-s", "--acks", "--one-off", "-p", port] + server_flags, Placement(ns.server)):
                    summary = run_client("xdp_ceiling", [binary, "-c", ns.SERVER_ADDR, "-p", port, "-t", "0.3",
                                                         "-l", str(SIZE), "--json"] + client_flags,
                                         Placement(ns.client), timeout=60)
        except MeasurementError as e:
            print(f"FAILED: {label}: {e}")
            return 1
        print(label, summary)
        failures += [f"{label}: {f}" for f in check(summary, SIZE)]
    for f in failures:
        print(f"FAILED: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
