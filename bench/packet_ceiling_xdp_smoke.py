#!/usr/bin/python3
"""ctest smoke test of bench/packet_ceiling's AF_XDP paths: short runs across a veth pair between two
namespaces made for it, AF_XDP on the send side, the receive side, or both, in native (driver) and
generic (SKB) XDP mode, with the SACK-sized answers on; each must account for every packet (received
+ lost = sent, the rate and throughput from what was received, the answers counted at both ends).
Speed is never asserted. Usage: packet_ceiling_xdp_smoke.py BUILD_DIR. Exits 77 (skipped) without
root, iproute2 or the program, or when this kernel will not attach an XDP program or open an AF_XDP
socket."""

import os
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_runner import EXIT_UNREACHABLE, free_port  # noqa: E402
from packet_ceiling_smoke import run_cases  # noqa: E402

# (server flags, client flags): AF_XDP on both ends in each XDP mode, then each half mixed with the
# AF_PACKET paths (a ring with a raw socket of protocol 132 behind a drop-all filter: the raw
# sender's own, else one held for it) and the raw IPv4 path.
CASES = [
    (["--rx", "xdp", "--tx", "xdp", "--xdp-mode", "native"], ["--tx", "xdp", "--rx", "xdp", "--xdp-mode", "native"]),
    (["--rx", "xdp", "--tx", "xdp", "--xdp-mode", "skb"], ["--tx", "xdp", "--rx", "xdp", "--xdp-mode", "skb"]),
    (["--rx", "xdp", "--tx", "mmsg"], ["--tx", "raw", "--rx", "ring"]),
    (["--rx", "ring", "--tx", "raw"], ["--tx", "xdp", "--rx", "raw"]),
    (["--rx", "xdp", "--hold", "drop", "--tx", "ring"], ["--tx", "xdp", "--rx", "ring-all", "--hold", "drop"]),
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
        return f"XDP or AF_XDP unavailable: {err.strip().splitlines()[-1]}"
    return None


if __name__ == "__main__":
    sys.exit(run_cases(CASES, xdp_unavailable))
