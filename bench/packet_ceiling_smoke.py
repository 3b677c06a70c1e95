#!/usr/bin/python3
"""ctest smoke test of bench/packet_ceiling: short runs across a veth pair between two namespaces made
for it, one per send/receive path pair worth reading against raw_ceiling, with the SACK-sized answers
on, must each account for every packet (received + lost = sent, the rate and throughput from what was
received, the answers counted at both ends). Speed is never asserted. Usage: packet_ceiling_smoke.py
BUILD_DIR. Exits 77 (skipped) without root, iproute2 or the program."""

import os
import socket
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_runner import MeasurementError, NetnsPair, Placement, Server, free_port, run_client  # noqa: E402
from raw_ceiling_smoke import check  # noqa: E402

SKIP = 77
SIZE = 1480  # the 64 KiB-message DATA packet at a 1500 B MTU (bench/compare.py RAW_CEILING_SIZES)

# (server flags, client flags): both AF_PACKET paths with and without the raw socket held beside the
# ring, each half mixed with the raw IPv4 path, and the frames the receiver's IP input drops at once.
CASES = [
    (["--rx", "ring", "--hold", "drop", "--tx", "ring"], ["--tx", "ring", "--rx", "ring", "--hold", "drop"]),
    (["--rx", "ring-all", "--hold", "none", "--tx", "mmsg"], ["--tx", "mmsg", "--rx", "raw"]),
    (["--rx", "raw", "--tx", "raw"], ["--tx", "ring", "--rx", "raw"]),
    (["--rx", "ring", "--hold", "drop", "--tx", "raw"], ["--tx", "raw", "--rx", "raw"]),
    (["--rx", "ring", "--hold", "open", "--tx", "mmsg"], ["--tx", "mmsg", "--rx", "ring-all", "--hold", "drop",
                                                          "--otherhost"]),
]


def run_cases(cases, skip_reason=None):
    """Runs each (server flags, client flags) of `cases` in a namespace pair made for it and checks
    its summary; returns the exit code. skip_reason(binary, ns), asked in the first pair: why the
    cases cannot run on this machine, or None."""
    binary = os.path.join(sys.argv[1], "bench", "packet_ceiling")
    reason = NetnsPair.unavailable_reason()
    if reason or not os.access(binary, os.X_OK):
        print(f"SKIPPED: {reason or f'no {binary}'}")
        return SKIP
    failures = []
    for i, (server_flags, client_flags) in enumerate(cases):
        port = str(free_port(socket.SOCK_STREAM))
        label = f"server {' '.join(server_flags)} / client {' '.join(client_flags)}"
        try:
            with NetnsPair() as ns:
                reason = skip_reason(binary, ns) if skip_reason and i == 0 else None
                if reason:
                    print(f"SKIPPED: {reason}")
                    return SKIP
                with Server([binary, "-s", "--acks", "--one-off", "-p", port] + server_flags, Placement(ns.server)):
                    summary = run_client("packet_ceiling", [binary, "-c", ns.SERVER_ADDR, "-p", port, "-t", "0.3",
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
    sys.exit(run_cases(CASES))
