#!/usr/bin/python3
"""Compares `sctpkit perf` with usrsctp (bench/usrsctp_perf, our own program linked to libusrsctp with
debug logging off) and with kernel TCP (iperf3 for bulk, bench/tcp_perf for ping-pong and
connect/close), in one run and on the same path, and prints the ratios against the targets of issue 5.

Paths: `udp` (SCTP in UDP, RFC 6951, on 127.0.0.1; TCP on 127.0.0.1) and `raw` (raw IPv4 across a
veth pair between two namespaces made for the run; root only, else skipped). Servers and clients are
pinned to different cores when there are two. See docs/bench.md.

Exit codes: 0 every measurement ran (targets met or not), 1 a measurement failed, 2 usage,
3 `sctpkit perf` or a bench program is missing."""

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_runner import (MeasurementError, NetnsPair, Placement, Server, check_summary, free_port,  # noqa: E402
                          pinned_cpus, run_client)

EXIT_FAILURE, EXIT_USAGE, EXIT_MISSING = 1, 2, 3

# Setups in flight at once in the setup_parallel row, the same for the three tools, each on one client
# thread. One at a time is a latency figure (an SCTP setup is four one-way trips through the other
# process; TCP's loopback connect() completes inside the client's own system calls); a rate is what
# a pair sustains with several in flight. Why 4 (docs/bench.md has the runs): one handshake per
# one-way trip of a setup; usrsctp gains nothing from 4 to 8 and TCP nothing from 1 to 8, while
# sctpkit still gains (~2x at 8 under load 3): of the two, 4 is the one that flatters sctpkit less.
SETUP_PARALLEL = 4

# The *_busy rows: ping-pong and one-after-another setups with every end polling its socket without
# sleeping for up to this long before a wait that sleeps (`sctpkit perf --busy-poll`, tcp_perf
# --busy-poll; usrsctp has no such knob: its column stays empty). Without it these two rows measure
# mostly the wake-up of an idle core (a VM's vCPU: ~15-20 us per one-way trip here): an SCTP setup
# has four one-way trips through the other process, TCP's loopback connect() none. They are extra
# rows, beside the default ones, for users who trade a spinning core for latency.
BUSY_POLL_US = 50

# (key, metric label, unit, higher is better, target ratio vs usrsctp, target ratio vs TCP,
#  target absolute maximum)
ROWS = [
    ("bulk_64k", "bulk 64 KiB messages", "Mbit/s", True, 10.0, 0.35, None),
    ("bulk_1k", "bulk 1 KiB messages", "Mbit/s", True, 10.0, None, None),
    ("rate_64", "64 B message rate", "msg/s", True, 10.0, None, None),
    ("pingpong_p50", "64 B ping-pong p50", "us", False, None, 1.3, None),
    ("pingpong_p99", "64 B ping-pong p99", "us", False, None, None, None),
    ("setup", "setup+teardown rate", "/s", True, None, 1.0, None),
    ("setup_parallel", f"setup+teardown rate, {SETUP_PARALLEL} at a time", "/s", True, None, 1.0, None),
    ("pingpong_busy_p50", f"64 B ping-pong p50, busy polling {BUSY_POLL_US} us", "us", False, None, 1.3, None),
    ("setup_busy", f"setup+teardown rate, busy polling {BUSY_POLL_US} us", "/s", True, None, 1.0, None),
    ("idle_memory", "memory per idle association", "B", False, None, None, 2048.0),
]

# What --metrics selects: one measurement each (pingpong gives both ping-pong rows).
METRICS = ("bulk_64k", "bulk_1k", "rate_64", "pingpong", "setup", "setup_parallel", "pingpong_busy", "setup_busy",
           "idle")


class Tools:
    """The programs measured, found in the build tree; `missing()` says what is not there."""

    def __init__(self, build_dir, sctpkit):
        self.sctpkit = sctpkit or os.path.join(build_dir, "sctpkit")
        self.usrsctp = os.path.join(build_dir, "bench", "usrsctp_perf")
        self.tcp = os.path.join(build_dir, "bench", "tcp_perf")
        self.iperf3 = shutil.which("iperf3")

    def missing(self):
        problems = []
        if not os.access(self.sctpkit, os.X_OK):
            problems.append(f"no sctpkit binary at {self.sctpkit} (build it, or give --sctpkit PATH)")
        else:
            # CLI11 prints the top-level help, exit code 0, for `--help` after an unknown subcommand:
            # look for perf's own flags.
            probe = subprocess.run([self.sctpkit, "perf", "--help"], capture_output=True, text=True, timeout=30)
            if probe.returncode != 0 or "--mode" not in probe.stdout:
                problems.append(f"{self.sctpkit} has no `perf` subcommand (build a tree that has branch perf merged)")
        for path, what in ((self.usrsctp, "usrsctp_perf (needs libusrsctp-dev)"), (self.tcp, "tcp_perf")):
            if not os.access(path, os.X_OK):
                problems.append(f"no {what} at {path} (build with -DSCTPKIT_BENCH=ON)")
        if not self.iperf3:
            problems.append("no iperf3 on PATH (scripts/setup.sh installs it)")
        return problems


class Path:
    """One path: where servers and clients run and how each SCTP tool is told the transport."""

    def __init__(self, name, server_addr, server_place, client_place, sctp_args):
        self.name = name
        self.server_addr = server_addr
        self.server_place = server_place
        self.client_place = client_place
        self.sctp_args = sctp_args  # tool -> transport flags, the same for its server and client


class Bench:
    def __init__(self, tools, args):
        self.tools = tools
        self.seconds = args.seconds
        self.idle_count = args.idle_count
        self.metrics = args.metrics
        self.errors = []

    def client_timeout(self, mode):
        if mode == "idle":
            return 120 + self.seconds + self.idle_count / 20  # -t: how long the associations are held
        return self.seconds * 4 + 60

    def sctp(self, tool, path, mode, size, parallel=1, busy_poll=0):
        """One SCTP measurement (tool: sctpkit or usrsctp); returns the checked JSON summary.
        parallel: setup mode's handshakes in flight at once; busy_poll: microseconds (sctpkit only)."""
        binary = [self.tools.sctpkit, "perf"] if tool == "sctpkit" else [self.tools.usrsctp]
        port = str(free_port(socket.SOCK_STREAM))
        transport = path.sctp_args[tool] + busy_poll_args(busy_poll)
        client = binary + ["-c", path.server_addr, "-p", port, "--mode", mode, "-t", str(self.seconds),
                           "-l", str(size), "--json"] + transport + parallel_args(parallel)
        if mode == "idle":
            client += ["--count", str(self.idle_count)]
        with Server(binary + ["-s", "-p", port] + transport, path.server_place):
            summary = run_client(tool, client, path.client_place, self.client_timeout(mode))
        check_summary(tool, summary)
        return summary

    def tcp(self, path, mode, size, parallel=1, busy_poll=0):
        port = str(free_port(socket.SOCK_STREAM))
        with Server([self.tools.tcp, "-s", "-p", port] + busy_poll_args(busy_poll), path.server_place):
            return run_client("tcp_perf", [self.tools.tcp, "-c", path.server_addr, "-p", port, "--mode", mode,
                                           "-t", str(self.seconds), "-l", str(size), "--json"]
                              + parallel_args(parallel) + busy_poll_args(busy_poll), path.client_place,
                              self.client_timeout(mode))

    def iperf3(self, path, size):
        """Kernel TCP bulk throughput in Mbit/s, as the receiver counted it. iperf3 takes whole
        seconds only (and -t 0 means forever)."""
        port = str(free_port(socket.SOCK_STREAM))
        with Server([self.tools.iperf3, "-s", "-1", "-p", port], path.server_place):
            argv = path.client_place.wrap([self.tools.iperf3, "-c", path.server_addr, "-p", port, "-J",
                                           "-t", str(max(1, round(self.seconds))), "-l", str(size)])
            for attempt in range(3):
                done = subprocess.run(argv, capture_output=True, timeout=self.client_timeout("bulk"))
                if done.returncode == 0 or attempt == 2:
                    break
                time.sleep(1)
        try:
            report = json.loads(done.stdout)
            return report["end"]["sum_received"]["bits_per_second"] / 1e6
        except (ValueError, KeyError) as e:
            raise MeasurementError(f"iperf3: exit code {done.returncode}, no usable JSON ({e})")

    def measure(self, label, fn):
        try:
            return fn()
        except (MeasurementError, subprocess.TimeoutExpired, OSError) as e:
            self.errors.append(f"{label}: {e}")
            print(f"compare: {label}: {e}", file=sys.stderr)
            return None

    def path_values(self, path):
        """Every metric of ROWS for sctpkit, usrsctp and TCP; within a metric the three run back to
        back, so that a change of machine load hits them alike."""
        values = {}

        def trio(key, sctp_fn, tcp_fn, sctp_tools=("sctpkit", "usrsctp")):
            got = []
            for tool in ("sctpkit", "usrsctp"):
                if tool not in sctp_tools:
                    got.append(None)
                    continue
                print(f"compare: {path.name}: {key}: {tool}", file=sys.stderr)
                got.append(self.measure(f"{path.name} {key} {tool}", lambda t=tool: sctp_fn(t)))
            if tcp_fn:
                print(f"compare: {path.name}: {key}: tcp", file=sys.stderr)
                got.append(self.measure(f"{path.name} {key} tcp", tcp_fn))
            else:
                got.append(None)
            return got

        def field(summary, *keys):
            # `sctpkit perf` writes null for what a mode does not measure.
            for k in keys:
                if not isinstance(summary, dict) or summary.get(k) is None:
                    return None
                summary = summary[k]
            return summary

        for key, size in (("bulk_64k", 65536), ("bulk_1k", 1024)):
            if key not in self.metrics:
                continue
            s, u, t = trio(key, lambda tool, sz=size: self.sctp(tool, path, "bulk", sz),
                           lambda sz=size: self.iperf3(path, sz))
            values[key] = (field(s, "throughput_mbps"), field(u, "throughput_mbps"), t)
        if "rate_64" in self.metrics:
            s, u, _ = trio("rate_64", lambda tool: self.sctp(tool, path, "rate", 64), None)
            values["rate_64"] = (field(s, "messages_per_s"), field(u, "messages_per_s"), None)
        if "pingpong" in self.metrics:
            s, u, t = trio("pingpong", lambda tool: self.sctp(tool, path, "pingpong", 64),
                           lambda: self.tcp(path, "pingpong", 64))
            values["pingpong_p50"] = tuple(field(x, "latency_us", "p50") for x in (s, u, t))
            values["pingpong_p99"] = tuple(field(x, "latency_us", "p99") for x in (s, u, t))
        if "setup" in self.metrics:
            s, u, t = trio("setup", lambda tool: self.sctp(tool, path, "setup", 64),
                           lambda: self.tcp(path, "setup", 64))
            values["setup"] = tuple(field(x, "setups_per_s") for x in (s, u, t))
        if "setup_parallel" in self.metrics:
            n = SETUP_PARALLEL
            s, u, t = trio("setup_parallel", lambda tool: self.sctp(tool, path, "setup", 64, parallel=n),
                           lambda: self.tcp(path, "setup", 64, parallel=n))
            values["setup_parallel"] = tuple(field(x, "setups_per_s") for x in (s, u, t))
        busy, only_ours = BUSY_POLL_US, ("sctpkit",)
        if "pingpong_busy" in self.metrics:
            s, u, t = trio("pingpong_busy", lambda tool: self.sctp(tool, path, "pingpong", 64, busy_poll=busy),
                           lambda: self.tcp(path, "pingpong", 64, busy_poll=busy), only_ours)
            values["pingpong_busy_p50"] = tuple(field(x, "latency_us", "p50") for x in (s, u, t))
        if "setup_busy" in self.metrics:
            s, u, t = trio("setup_busy", lambda tool: self.sctp(tool, path, "setup", 64, busy_poll=busy),
                           lambda: self.tcp(path, "setup", 64, busy_poll=busy), only_ours)
            values["setup_busy"] = tuple(field(x, "setups_per_s") for x in (s, u, t))
        if "idle" in self.metrics:
            s, u, _ = trio("idle", lambda tool: idle_bytes_per_assoc(self.sctp(tool, path, "idle", 64)), None)
            values["idle_memory"] = (s, u, None)
        return values


def parallel_args(parallel):
    """The client flags for `parallel` setups in flight (none for 1: each tool's default, one after another)."""
    return ["--parallel", str(parallel)] if parallel > 1 else []


def busy_poll_args(microseconds):
    """The flags of the *_busy rows for sctpkit perf and tcp_perf (none when 0)."""
    return ["--busy-poll", str(microseconds)] if microseconds > 0 else []


def idle_bytes_per_assoc(summary):
    idle = summary["idle"]
    if not isinstance(idle, dict) or not idle["count"]:
        raise MeasurementError("idle: no association was opened")
    return (idle["server_rss_kib_after"] - idle["server_rss_kib_before"]) * 1024 / idle["count"]


# The raw bulk rows against the kernel's raw IPv4 path alone (bench/raw_ceiling: no SCTP), at the SCTP
# packet size each row fills on IPv4 at a 1500 B MTU (1452 B of DATA payload; one 1 KiB message per
# packet), with a SACK-sized answer per two packets as a bulk receiver sends: key -> (packet size,
# message size).
RAW_CEILING_SIZES = {"bulk_64k": (1480, 65536), "bulk_1k": (1052, 1024)}


def raw_ceiling(bench, path, values):
    """{"key", "packet_size", "packets_per_s", "mbps", "sent", "lost", "sctpkit_mbps", "share"} per raw bulk row
    measured. Throughput counts the DATA payload of the packets that arrived, as `sctpkit perf` counts its
    messages, so `share` is also our packet rate over the ceiling's. The load of this machine moves within
    seconds: sctpkit's bulk runs again right before the ceiling, and the share is of that pair."""
    binary = os.path.join(os.path.dirname(bench.tools.tcp), "raw_ceiling")
    if not os.access(binary, os.X_OK):
        raise MeasurementError(f"no raw_ceiling at {binary} (build with -DSCTPKIT_BENCH=ON)")
    found = []
    for key, (size, message) in RAW_CEILING_SIZES.items():
        if key not in values:
            continue
        ours = bench.sctp("sctpkit", path, "bulk", message)["throughput_mbps"]
        port = str(free_port(socket.SOCK_STREAM))
        print(f"compare: {path.name}: kernel raw IP ceiling, {size} B packets", file=sys.stderr)
        with Server([binary, "-s", "--acks", "-p", port], path.server_place):
            argv = [binary, "-c", path.server_addr, "-p", port, "-t", str(bench.seconds), "-l", str(size), "--json"]
            summary = run_client("raw_ceiling", argv, path.client_place, bench.client_timeout("bulk"))
        found.append(ceiling_entry(key, summary, ours))
    return found


def ceiling_entry(key, summary, sctpkit_mbps):
    try:
        packets = summary["packets"]
        entry = {"key": key, "packet_size": packets["size"], "packets_per_s": packets["per_s"],
                 "mbps": summary["throughput_mbps"], "sent": packets["sent"], "lost": packets["lost"]}
    except (KeyError, TypeError) as e:
        raise MeasurementError(f"raw_ceiling: the JSON summary lacks {e}")
    entry["sctpkit_mbps"] = sctpkit_mbps
    entry["share"] = ratio(sctpkit_mbps, entry["mbps"])
    return entry


def ceiling_line(c):
    label = next(r[1] for r in ROWS if r[0] == c["key"])
    lost = f"{100 * c['lost'] / c['sent']:.1f}% lost" if c["sent"] else "nothing sent"
    share = "-" if c["share"] is None else f"{c['share']:.2f}x"
    return (f"raw kernel raw IP ceiling for {label} ({c['packet_size']} B packets, bench/raw_ceiling): "
            f"{fmt_num(c['packets_per_s'])} packets/s, {fmt_num(c['mbps'])} Mbit/s of DATA payload ({lost}); "
            f"sctpkit right before it {fmt_num(c['sctpkit_mbps'])} Mbit/s = {share} of it")


def ratio(a, b):
    return a / b if a is not None and b else None


def judge(row, sctpkit, usrsctp, tcp):
    """(target text, met: True/False/None when a value is missing)."""
    _, _, unit, higher, vs_u, vs_t, absolute = row
    checks, texts = [], []
    cmp = (lambda r, x: r >= x) if higher else (lambda r, x: r <= x)
    sign = ">=" if higher else "<="
    if vs_u is not None:
        texts.append(f"{sign}{vs_u:g}x usrsctp")
        r = ratio(sctpkit, usrsctp)
        checks.append(None if r is None else cmp(r, vs_u))
    if vs_t is not None:
        texts.append(f"{sign}{vs_t:g}x TCP")
        r = ratio(sctpkit, tcp)
        checks.append(None if r is None else cmp(r, vs_t))
    if absolute is not None:
        texts.append(f"<={absolute:g} {unit}")
        checks.append(None if sctpkit is None else sctpkit <= absolute)
    if not checks:
        return "-", None
    met = None if None in checks else all(checks)
    return "; ".join(texts), met


def table_rows(path_name, values):
    rows = []
    for row in ROWS:
        key, label, unit = row[0], row[1], row[2]
        if key not in values:
            continue  # not among --metrics
        s, u, t = values[key]
        target, met = judge(row, s, u, t)
        rows.append({"path": path_name, "metric": key, "label": label, "unit": unit, "sctpkit": s, "usrsctp": u,
                     "tcp": t, "ratio_vs_usrsctp": ratio(s, u), "ratio_vs_tcp": ratio(s, t), "target": target,
                     "met": met})
    return rows


def fmt_num(v, ratio_col=False):
    if v is None:
        return "-"
    if ratio_col:
        return f"{v:.2f}x"
    return f"{v:.1f}" if abs(v) < 100 else f"{v:.0f}"


def print_table(report):
    m = report["machine"]
    print(f"sctpkit comparison bench: {m['cpus']} CPUs, load {m['load_before']} before / {m['load_after']} after, "
          f"{report['seconds']} s per measurement, {report['idle_count']} idle associations"
          + (", sctpkit raw path with --raw-io packet" if report.get("raw_io") == "packet" else ""))
    head = ["path", "metric", "unit", "sctpkit", "usrsctp", "TCP", "vs usrsctp", "vs TCP", "target", "met"]
    lines = [head]
    for r in report["rows"]:
        met = {True: "met", False: "NOT met", None: "-" if r["target"] == "-" else "n/a"}[r["met"]]
        lines.append([r["path"], r["label"], r["unit"], fmt_num(r["sctpkit"]), fmt_num(r["usrsctp"]),
                      fmt_num(r["tcp"]), fmt_num(r["ratio_vs_usrsctp"], True), fmt_num(r["ratio_vs_tcp"], True),
                      r["target"], met])
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    for line in lines:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())
    for c in report.get("raw_ceiling", []):
        print(ceiling_line(c))
    for note in report["skipped"]:
        print(f"skipped: {note}")
    for err in report["errors"]:
        print(f"failed: {err}")


def raw_path_args(raw_io):
    """The raw path's transport flags per tool: `--raw-io packet` reaches sctpkit's client and server only."""
    return {"sctpkit": ["--raw"] + (["--raw-io", "packet"] if raw_io == "packet" else []), "usrsctp": ["--raw"]}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build-dir", default=os.path.join(here, "..", "build", "release"),
                   help="build tree with sctpkit and bench/ (default: build/release)")
    p.add_argument("--sctpkit", help="the sctpkit binary (default: BUILD_DIR/sctpkit)")
    p.add_argument("--paths", default="udp,raw", help="comma-separated: udp, raw (default: both)")
    p.add_argument("--seconds", type=float, help="seconds per measurement (default 5; --quick 0.5)")
    p.add_argument("--idle-count", type=int,
                   help="idle associations (default 10000, also with --quick: issue 5's target is stated at 10,000)")
    p.add_argument("--metrics", default=",".join(METRICS),
                   help=f"comma-separated measurements to run: {', '.join(METRICS)} (default: all)")
    p.add_argument("--raw-io", choices=("socket", "packet"), default="socket",
                   help="how sctpkit's raw path client and server reach the network: socket (raw IP sockets, "
                        "the default) or packet (AF_PACKET, `sctpkit perf --raw-io packet`); usrsctp and TCP "
                        "are unchanged")
    p.add_argument("--quick", action="store_true", help="short smoke run")
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    args = p.parse_args()
    paths = [x for x in args.paths.split(",") if x]
    if not paths or any(x not in ("udp", "raw") for x in paths):
        print("compare: --paths takes udp and/or raw", file=sys.stderr)
        return EXIT_USAGE
    args.metrics = [x for x in args.metrics.split(",") if x]
    if not args.metrics or any(x not in METRICS for x in args.metrics):
        print(f"compare: --metrics takes {', '.join(METRICS)}", file=sys.stderr)
        return EXIT_USAGE
    args.seconds = args.seconds or (0.5 if args.quick else 5.0)
    args.idle_count = args.idle_count or 10000

    tools = Tools(os.path.abspath(args.build_dir), args.sctpkit)
    missing = tools.missing()
    if missing:
        for m in missing:
            print(f"compare: {m}", file=sys.stderr)
        return EXIT_MISSING

    server_cpu, client_cpu = pinned_cpus()
    bench = Bench(tools, args)
    report = {"machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                          "load_before": [round(x, 2) for x in os.getloadavg()],
                          "pinned": server_cpu is not None},
              "seconds": args.seconds, "idle_count": args.idle_count, "raw_io": args.raw_io, "rows": [],
              "skipped": [], "errors": []}
    for name in paths:
        if name == "udp":
            encaps = {t: [f"--udp={free_port(socket.SOCK_DGRAM)}"] for t in ("sctpkit", "usrsctp")}
            path = Path("udp", "127.0.0.1", Placement(cpu=server_cpu), Placement(cpu=client_cpu), encaps)
            report["rows"] += table_rows(name, bench.path_values(path))
            continue
        reason = NetnsPair.unavailable_reason()
        if reason:
            report["skipped"].append(f"path raw: {reason}")
            print(f"compare: skipping path raw: {reason}", file=sys.stderr)
            continue
        try:
            with NetnsPair() as ns:
                path = Path("raw", ns.SERVER_ADDR, Placement(ns.server, server_cpu), Placement(ns.client, client_cpu),
                            raw_path_args(args.raw_io))
                values = bench.path_values(path)
                report["rows"] += table_rows(name, values)
                ceiling = bench.measure("raw kernel ceiling", lambda: raw_ceiling(bench, path, values))
                report["raw_ceiling"] = ceiling or []
        except MeasurementError as e:
            report["errors"].append(f"path raw: {e}")
    report["machine"]["load_after"] = [round(x, 2) for x in os.getloadavg()]
    report["errors"] = bench.errors + report["errors"]
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print_table(report)
    return EXIT_FAILURE if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
