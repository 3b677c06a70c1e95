"""Processes and network namespaces for bench/compare.py: servers that are always stopped, clients
with a timeout whose JSON summary is checked against the `sctpkit perf` contract, CPU pinning, and a
namespace pair joined by a veth that is always deleted. Debian's python3 standard library only."""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

# The JSON summary keys of `sctpkit perf` (and of usrsctp_perf and tcp_perf, which copy it).
SUMMARY_KEYS = ["mode", "transport", "message_size", "seconds", "bytes", "messages", "throughput_mbps",
                "messages_per_s", "latency_us", "setups_per_s", "server", "idle"]
NESTED_KEYS = {"latency_us": ["p50", "p90", "p99", "max"], "server": ["bytes", "messages"],
               "idle": ["count", "server_rss_kib_before", "server_rss_kib_after"]}

EXIT_UNREACHABLE = 7


class MeasurementError(Exception):
    """A tool failed, timed out or printed something that is not its summary."""


def check_summary(tool, summary):
    """Raises MeasurementError naming every key of the contract that the summary lacks."""
    missing = [k for k in SUMMARY_KEYS if k not in summary]
    for key, subkeys in NESTED_KEYS.items():
        if isinstance(summary.get(key), dict):
            missing += [f"{key}.{s}" for s in subkeys if s not in summary[key]]
    if missing:
        raise MeasurementError(f"{tool}: the JSON summary lacks {', '.join(missing)}")


def free_port(kind):
    """A port the kernel calls free right now on the loopback (kind: socket.SOCK_DGRAM/SOCK_STREAM)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Placement:
    """Where a process runs: its namespace (None: this one) and the CPU it is pinned to."""

    def __init__(self, netns=None, cpu=None):
        self.netns = netns
        self.cpu = cpu

    def wrap(self, argv):
        prefix = []
        if self.netns:
            prefix += ["ip", "netns", "exec", self.netns]
        if self.cpu is not None:
            prefix += ["taskset", "-c", str(self.cpu)]
        return prefix + argv


def pinned_cpus():
    """(server cpu, client cpu): different cores when there are 2+ and taskset exists, else None."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) >= 2 and shutil.which("taskset"):
        return cpus[0], cpus[1]
    return None, None


class Server:
    """A server process for the length of a `with` block; stopped (TERM, then KILL) on every path."""

    def __init__(self, argv, placement, settle=0.4):
        self.argv = placement.wrap(argv)
        self.settle = settle
        self.proc = None

    def __enter__(self):
        # stderr to a file, not a pipe: a chatty server must never block on a full pipe.
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL, stderr=self.log, start_new_session=True)
        time.sleep(self.settle)
        if self.proc.poll() is not None:
            self.log.seek(0)
            err = self.log.read().decode(errors="replace").strip()
            self.log.close()
            raise MeasurementError(f"server {' '.join(self.argv)} exited at once ({self.proc.returncode}): {err}")
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            # Its own session: `ip netns exec` and taskset pass the signal to the server itself.
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        return False


def last_json_object(text):
    """The JSON object that ends the output (on one line or pretty-printed from a line starting with
    "{"), or None."""
    decoder = json.JSONDecoder()
    starts = [i for i in range(len(text)) if text[i] == "{" and (i == 0 or text[i - 1] == "\n")]
    for start in reversed(starts):
        try:
            obj, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict) and not text[end:].strip():
            return obj
    return None


def run_client(tool, argv, placement, timeout, attempts=3):
    """Runs a client and returns its JSON summary (the object that ends its stdout).
    Retries while the server is not answering yet (exit code 7)."""
    argv = placement.wrap(argv)
    for attempt in range(attempts):
        try:
            done = subprocess.run(argv, capture_output=True, timeout=timeout, start_new_session=True)
        except subprocess.TimeoutExpired:
            raise MeasurementError(f"{tool}: no result within {timeout:.0f} s ({' '.join(argv)})")
        if done.returncode == EXIT_UNREACHABLE and attempt + 1 < attempts:
            time.sleep(1)
            continue
        if done.returncode != 0:
            err = done.stderr.decode(errors="replace").strip().splitlines()
            raise MeasurementError(f"{tool}: exit code {done.returncode} ({' '.join(argv)}): "
                                   f"{err[-1] if err else 'no message'}")
        summary = last_json_object(done.stdout.decode(errors="replace"))
        if summary is None:
            raise MeasurementError(f"{tool}: printed no JSON summary ({' '.join(argv)})")
        return summary
    raise MeasurementError(f"{tool}: unreachable")


class NetnsPair:
    """Two namespaces joined by a veth pair (server 10.77.0.1, client 10.77.0.2), deleted on exit.
    Names carry our pid: other tests make namespaces on this machine at the same time."""

    SERVER_ADDR = "10.77.0.1"
    CLIENT_ADDR = "10.77.0.2"

    def __init__(self):
        pid = os.getpid()
        # SCTPKIT_BENCH_NETNS_TAG: a word in the names, so that whoever shares the machine can tell whose they are.
        tag = os.environ.get("SCTPKIT_BENCH_NETNS_TAG", "")
        tag = f"{tag}-" if tag else ""
        self.server = f"skbench-{tag}s-{pid}"
        self.client = f"skbench-{tag}c-{pid}"
        self.veth_s = f"skbs{pid % 100000}"
        self.veth_c = f"skbc{pid % 100000}"

    @staticmethod
    def unavailable_reason():
        if os.geteuid() != 0:
            return "needs root (network namespaces and raw sockets)"
        if not shutil.which("ip"):
            return "needs iproute2's ip"
        return None

    def __enter__(self):
        s, c = self.server, self.client
        script = [
            ["ip", "netns", "add", s], ["ip", "netns", "add", c],
            ["ip", "link", "add", self.veth_s, "netns", s, "type", "veth", "peer", "name", self.veth_c, "netns", c],
            ["ip", "-n", s, "link", "set", "lo", "up"], ["ip", "-n", c, "link", "set", "lo", "up"],
            ["ip", "-n", s, "addr", "add", f"{self.SERVER_ADDR}/24", "dev", self.veth_s],
            ["ip", "-n", c, "addr", "add", f"{self.CLIENT_ADDR}/24", "dev", self.veth_c],
            ["ip", "-n", s, "link", "set", self.veth_s, "up"], ["ip", "-n", c, "link", "set", self.veth_c, "up"],
            # TCP's connect/close baseline: a new namespace reuses TIME_WAIT ports on loopback only
            # (tcp_tw_reuse=2), so across the veth each connect searched longer as ports filled and
            # TCP's setup rate fell with the run's length (14,800/s over 1 s, ~5,000/s over 3 s).
            # The host's loopback path already reuses them: both paths now measure TCP alike.
            ["ip", "netns", "exec", c, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/tcp_tw_reuse"],
        ]
        try:
            for cmd in script:
                subprocess.run(cmd, check=True, capture_output=True, timeout=30)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
            self.__exit__()
            raise MeasurementError(f"could not make the namespace pair: {e}")
        return self

    def __exit__(self, *exc):
        # Deleting a namespace deletes its end of the veth pair, and with it the pair.
        for ns in (self.server, self.client):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
        return False
