#!/usr/bin/python3
"""ctest smoke test of bench/raw_ceiling: a short run across a veth pair between two namespaces made
for it, with the SACK-sized answers on, must account for every packet (received + lost = sent, the
rate and throughput from what was received, the answers counted at both ends). Speed is never
asserted. Usage: raw_ceiling_smoke.py BUILD_DIR. Exits 77 (skipped) without root, iproute2 or the
program."""

import os
import socket
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_runner import MeasurementError, NetnsPair, Placement, Server, free_port, run_client  # noqa: E402

SKIP = 77


def check(summary, size):
    """The failures in one summary: a list of texts."""
    p = summary["packets"]
    failures = []
    if p["size"] != size:
        failures.append(f"packets.size is {p['size']}, not {size}")
    if p["received"] <= 0:
        failures.append("nothing was received")
    if p["received"] + p["lost"] != p["sent"]:
        failures.append(f"received {p['received']} + lost {p['lost']} != sent {p['sent']}")
    if summary["server"]["messages"] != p["received"]:
        failures.append("server.messages is not the receiver's count")
    expected_mbps = p["received"] * (size - 28) * 8 / summary["seconds"] / 1e6
    if abs(summary["throughput_mbps"] - expected_mbps) > 1e-6 * expected_mbps:
        failures.append(f"throughput {summary['throughput_mbps']} is not the received DATA payload ({expected_mbps})")
    if not 0 < p["acks_received"] <= p["acks_sent"] <= p["received"] // 2:
        failures.append(f"answers: {p['acks_sent']} sent, {p['acks_received']} received, for {p['received']}")
    return failures


def main():
    binary = os.path.join(sys.argv[1], "bench", "raw_ceiling")
    reason = NetnsPair.unavailable_reason()
    if reason or not os.access(binary, os.X_OK):
        print(f"SKIPPED: {reason or f'no {binary}'}")
        return SKIP
    failures = []
    # One packet per frame (IP_HDRINCL), then packets larger than the veth's 1500 B MTU that the
    # kernel must fragment (--fragment) and the receiver's kernel reassemble.
    for size, flags in ((1052, []), (4000, ["--fragment"])):
        port = str(free_port(socket.SOCK_STREAM))
        try:
            with NetnsPair() as ns:
                with Server([binary, "-s", "--acks", "--one-off", "-p", port], Placement(ns.server)):
                    summary = run_client("raw_ceiling", [binary, "-c", ns.SERVER_ADDR, "-p", port, "-t", "0.3", "-l",
                                                         str(size), "--json"] + flags, Placement(ns.client), timeout=60)
        except MeasurementError as e:
            print(f"FAILED: {e}")
            return 1
        print(summary)
        failures += [f"-l {size} {' '.join(flags)}: {f}" for f in check(summary, size)]
    for f in failures:
        print(f"FAILED: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
