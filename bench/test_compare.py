#!/usr/bin/python3
"""Unit tests of bench/compare.py and bench/bench_runner.py: the contract check, the verdicts against
the targets, and the process handling, with small shell stand-ins instead of the real tools."""

import io
import os
import socket
import sys
import tempfile
import unittest
import unittest.mock
from contextlib import redirect_stdout

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
from bench_runner import (MeasurementError, NetnsPair, Placement, Server, check_summary, free_port,  # noqa: E402
                          run_client)


def summary(**over):
    s = {"mode": "bulk", "transport": "udp", "message_size": 64, "seconds": 1.0, "bytes": 1, "messages": 1,
         "throughput_mbps": 1.0, "messages_per_s": 1.0, "latency_us": {"p50": 1, "p90": 1, "p99": 1, "max": 1},
         "setups_per_s": 0, "server": {"bytes": 1, "messages": 1},
         "idle": {"count": 4, "server_rss_kib_before": 100, "server_rss_kib_after": 102}}
    s.update(over)
    return s


ROW = {r[0]: r for r in compare.ROWS}


class ContractTest(unittest.TestCase):
    def test_complete_summary_passes(self):
        check_summary("t", summary())

    def test_missing_top_level_and_nested_keys_are_named(self):
        s = summary(latency_us={"p50": 1})
        del s["setups_per_s"]
        with self.assertRaises(MeasurementError) as e:
            check_summary("sctpkit", s)
        for key in ("setups_per_s", "latency_us.p90", "latency_us.p99", "latency_us.max"):
            self.assertIn(key, str(e.exception))

    def test_idle_bytes_per_association_from_rss(self):
        self.assertEqual(compare.idle_bytes_per_assoc(summary()), 2 * 1024 / 4)
        with self.assertRaises(MeasurementError):
            compare.idle_bytes_per_assoc(summary(idle=None))
        with self.assertRaises(MeasurementError):
            compare.idle_bytes_per_assoc(summary(idle={"count": 0, "server_rss_kib_before": 1,
                                                       "server_rss_kib_after": 1}))


class VerdictTest(unittest.TestCase):
    def test_bulk_needs_both_ratios(self):
        row = ROW["bulk_64k"]
        self.assertEqual(compare.judge(row, 1000, 99, 2000), (">=10x usrsctp; >=0.35x TCP", True))
        self.assertFalse(compare.judge(row, 1000, 101, 2000)[1])
        self.assertFalse(compare.judge(row, 1000, 99, 3000)[1])

    def test_lower_is_better_for_latency(self):
        row = ROW["pingpong_p50"]
        self.assertTrue(compare.judge(row, 13, 50, 10)[1])
        self.assertFalse(compare.judge(row, 14, 50, 10)[1])

    def test_absolute_memory_target(self):
        row = ROW["idle_memory"]
        self.assertTrue(compare.judge(row, 2048, None, None)[1])
        self.assertFalse(compare.judge(row, 2049, 100, None)[1])

    def test_missing_value_gives_no_verdict(self):
        self.assertIsNone(compare.judge(ROW["setup"], 100, 5, None)[1])
        self.assertIsNone(compare.ratio(1, 0))
        self.assertEqual(compare.judge(ROW["pingpong_p99"], 1, 2, 3), ("-", None))

    def test_table_has_every_row(self):
        values = {r[0]: (2.0, 1.0, 4.0) for r in compare.ROWS}
        rows = compare.table_rows("udp", values)
        self.assertEqual([r["metric"] for r in rows], [r[0] for r in compare.ROWS])
        self.assertEqual(rows[0]["ratio_vs_usrsctp"], 2.0)
        self.assertEqual(rows[0]["ratio_vs_tcp"], 0.5)
        out = io.StringIO()
        report = {"machine": {"cpus": 2, "load_before": [1], "load_after": [1]}, "seconds": 1, "idle_count": 1,
                  "rows": rows, "skipped": ["path raw: needs root"], "errors": []}
        with redirect_stdout(out):
            compare.print_table(report)
        text = out.getvalue()
        for r in compare.ROWS:
            self.assertIn(r[1], text)
        self.assertIn("skipped: path raw: needs root", text)


class RawCeilingTest(unittest.TestCase):
    SUMMARY = summary(transport="raw-ceiling", throughput_mbps=3000.0,
                      packets={"size": 1480, "per_s": 263000.0, "sent": 1000, "lost": 25, "received": 975})

    def test_entry_reads_the_receivers_count_and_our_share(self):
        c = compare.ceiling_entry("bulk_64k", self.SUMMARY, 2400.0)
        self.assertEqual((c["packet_size"], c["packets_per_s"], c["mbps"], c["lost"]), (1480, 263000.0, 3000.0, 25))
        self.assertAlmostEqual(c["share"], 0.8)
        self.assertIsNone(compare.ceiling_entry("bulk_1k", self.SUMMARY, None)["share"])

    def test_summary_without_packets_is_an_error(self):
        with self.assertRaises(MeasurementError) as e:
            compare.ceiling_entry("bulk_64k", summary(), 1.0)
        self.assertIn("packets", str(e.exception))

    def test_line_names_rate_loss_and_share(self):
        line = compare.ceiling_line(compare.ceiling_entry("bulk_64k", self.SUMMARY, 2400.0))
        for text in ("bulk 64 KiB messages", "1480 B packets", "263000 packets/s", "3000 Mbit/s", "2.5% lost",
                     "sctpkit right before it 2400 Mbit/s = 0.80x"):
            self.assertIn(text, line)

    def test_table_prints_the_ceiling_under_the_rows(self):
        report = {"machine": {"cpus": 2, "load_before": [0], "load_after": [0]}, "seconds": 1, "idle_count": 1,
                  "rows": compare.table_rows("raw", {"bulk_64k": (2400.0, 100.0, 9000.0)}), "skipped": [],
                  "errors": [], "raw_ceiling": [compare.ceiling_entry("bulk_64k", self.SUMMARY, 2400.0)]}
        out = io.StringIO()
        with redirect_stdout(out):
            compare.print_table(report)
        lines = out.getvalue().splitlines()
        self.assertIn("bulk 64 KiB messages", lines[2])
        self.assertTrue(lines[3].startswith("raw kernel raw IP ceiling"))


class MetricsTest(unittest.TestCase):
    """--metrics runs only the measurements named, and the table shows only their rows."""

    def bench(self, metrics):
        args = type("Args", (), {"seconds": 1.0, "idle_count": 4, "metrics": metrics})()
        bench = compare.Bench(tools=None, args=args)
        calls = []
        self.parallel = []  # (tool, parallel) of every setup measurement
        self.busy = []  # (tool, mode, busy_poll) of every measurement

        def sctp(tool, path, mode, size, parallel=1, busy_poll=0):
            calls.append((tool, mode))
            self.parallel.append((tool, parallel))
            self.busy.append((tool, mode, busy_poll))
            return summary(mode=mode, setups_per_s=5.0 * parallel * (1 + busy_poll))

        def tcp(path, mode, size, parallel=1, busy_poll=0):
            calls.append(("tcp", mode))
            self.parallel.append(("tcp", parallel))
            self.busy.append(("tcp", mode, busy_poll))
            return {"setups_per_s": 10.0 * parallel, "latency_us": {"p50": 7.0}}
        bench.sctp, bench.tcp = sctp, tcp
        bench.iperf3 = lambda path, size: calls.append(("iperf3", "bulk")) or 1.0
        return bench, calls

    def test_only_the_named_measurements_run(self):
        bench, calls = self.bench(["setup", "idle"])
        path = compare.Path("udp", "127.0.0.1", None, None, {})
        with redirect_stdout(io.StringIO()), unittest.mock.patch("sys.stderr", io.StringIO()):
            values = bench.path_values(path)
        self.assertEqual(sorted(values), ["idle_memory", "setup"])
        self.assertEqual(sorted({mode for _, mode in calls}), ["idle", "setup"])
        self.assertEqual(values["setup"], (5.0, 5.0, 10.0))
        rows = compare.table_rows("udp", values)
        self.assertEqual([r["metric"] for r in rows], ["setup", "idle_memory"])

    def test_setup_parallel_runs_every_tool_at_the_same_parallelism(self):
        bench, calls = self.bench(["setup_parallel"])
        path = compare.Path("udp", "127.0.0.1", None, None, {})
        with redirect_stdout(io.StringIO()), unittest.mock.patch("sys.stderr", io.StringIO()):
            values = bench.path_values(path)
        n = compare.SETUP_PARALLEL
        self.assertGreater(n, 1)
        self.assertEqual(sorted(values), ["setup_parallel"])
        self.assertEqual(sorted(self.parallel), [("sctpkit", n), ("tcp", n), ("usrsctp", n)])
        self.assertEqual(values["setup_parallel"], (5.0 * n, 5.0 * n, 10.0 * n))
        rows = compare.table_rows("udp", values)
        self.assertEqual([r["metric"] for r in rows], ["setup_parallel"])
        self.assertEqual((rows[0]["ratio_vs_tcp"], rows[0]["target"], rows[0]["met"]), (0.5, ">=1x TCP", False))
        out = io.StringIO()
        report = {"machine": {"cpus": 2, "load_before": [1], "load_after": [1]}, "seconds": 1, "idle_count": 1,
                  "rows": rows, "skipped": [], "errors": []}
        with redirect_stdout(out):
            compare.print_table(report)
        self.assertIn(f"setup+teardown rate, {n} at a time", out.getvalue())
        self.assertIn("NOT met", out.getvalue())

    def test_sequential_setup_passes_no_parallel_flag(self):
        bench, _ = self.bench(["setup"])
        with redirect_stdout(io.StringIO()), unittest.mock.patch("sys.stderr", io.StringIO()):
            bench.path_values(compare.Path("udp", "127.0.0.1", None, None, {}))
        self.assertEqual(sorted(self.parallel), [("sctpkit", 1), ("tcp", 1), ("usrsctp", 1)])
        self.assertEqual(compare.parallel_args(1), [])
        self.assertEqual(compare.parallel_args(4), ["--parallel", "4"])

    def test_busy_rows_poll_in_sctpkit_and_tcp_and_skip_usrsctp(self):
        bench, _ = self.bench(["pingpong_busy", "setup_busy"])
        with redirect_stdout(io.StringIO()), unittest.mock.patch("sys.stderr", io.StringIO()):
            values = bench.path_values(compare.Path("udp", "127.0.0.1", None, None, {}))
        us = compare.BUSY_POLL_US
        self.assertEqual(sorted(self.busy), [("sctpkit", "pingpong", us), ("sctpkit", "setup", us),
                                             ("tcp", "pingpong", us), ("tcp", "setup", us)])
        self.assertEqual(values["setup_busy"], (5.0 * (1 + us), None, 10.0))
        self.assertIsNone(values["pingpong_busy_p50"][1])
        rows = {r["metric"]: r for r in compare.table_rows("udp", values)}
        self.assertEqual(sorted(rows), ["pingpong_busy_p50", "setup_busy"])
        self.assertIsNone(rows["setup_busy"]["ratio_vs_usrsctp"])
        self.assertEqual((rows["setup_busy"]["target"], rows["setup_busy"]["met"]), (">=1x TCP", True))
        self.assertEqual(compare.busy_poll_args(0), [])
        self.assertEqual(compare.busy_poll_args(us), ["--busy-poll", str(us)])

    def test_default_rows_never_busy_poll(self):
        bench, _ = self.bench(["pingpong", "setup"])
        with redirect_stdout(io.StringIO()), unittest.mock.patch("sys.stderr", io.StringIO()):
            bench.path_values(compare.Path("udp", "127.0.0.1", None, None, {}))
        self.assertEqual({b for _, _, b in self.busy}, {0})

    def test_unknown_metric_is_a_usage_error(self):
        with unittest.mock.patch("sys.argv", ["compare.py", "--metrics", "setup,nonsense"]), \
                unittest.mock.patch("sys.stderr", io.StringIO()) as err:
            self.assertEqual(compare.main(), compare.EXIT_USAGE)
        self.assertIn("--metrics takes", err.getvalue())


class ProcessTest(unittest.TestCase):
    def test_client_summary_is_the_last_json_object(self):
        got = run_client("t", ["sh", "-c", "echo log; echo '{\"a\": 1}'; echo '{\"a\": 2}'"], Placement(), 30)
        self.assertEqual(got, {"a": 2})

    def test_pretty_printed_summary_is_read(self):
        got = run_client("t", ["sh", "-c", "echo '{log'; printf '{\\n  \"a\": {\\n    \"b\": 1\\n  }\\n}\\n'"],
                         Placement(), 30)
        self.assertEqual(got, {"a": {"b": 1}})

    def test_client_failure_and_silence_are_errors(self):
        with self.assertRaisesRegex(MeasurementError, "exit code 3.*boom"):
            run_client("t", ["sh", "-c", "echo boom >&2; exit 3"], Placement(), 30)
        with self.assertRaisesRegex(MeasurementError, "no JSON"):
            run_client("t", ["sh", "-c", "echo hello"], Placement(), 30)
        with self.assertRaisesRegex(MeasurementError, "within"):
            run_client("t", ["sleep", "30"], Placement(), 0.5)

    def test_server_that_dies_at_once_is_reported(self):
        with self.assertRaisesRegex(MeasurementError, "exited at once.*no port"):
            with Server(["sh", "-c", "echo no port >&2; exit 1"], Placement(), settle=0.5):
                pass

    def test_server_is_stopped_on_exit(self):
        with Server(["sleep", "60"], Placement(), settle=0.1) as s:
            proc = s.proc
        self.assertIsNotNone(proc.poll())

    def test_placement_pins_and_enters_namespace(self):
        self.assertEqual(Placement("ns1", 1).wrap(["x"]), ["ip", "netns", "exec", "ns1", "taskset", "-c", "1", "x"])
        self.assertEqual(Placement().wrap(["x"]), ["x"])

    def test_namespace_names_carry_the_pid(self):
        ns = NetnsPair()
        self.assertIn(str(os.getpid()), ns.server)
        self.assertNotEqual(ns.server, ns.client)
        self.assertLessEqual(len(ns.veth_s), 15)  # IFNAMSIZ - 1

    def test_free_port_is_bindable(self):
        port = free_port(socket.SOCK_STREAM)
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))

    @staticmethod
    def problems_with_sctpkit(script):
        with tempfile.TemporaryDirectory() as d:
            fake = os.path.join(d, "sctpkit")
            with open(fake, "w") as f:
                f.write("#!/bin/sh\n" + script)
            os.chmod(fake, 0o755)
            return compare.Tools(d, None).missing()

    def test_missing_perf_subcommand_is_reported(self):
        # What CLI11 does: the top-level help, exit code 0.
        problems = self.problems_with_sctpkit("echo 'Subcommands: dump cat'\n")
        self.assertTrue(any("no `perf` subcommand" in p for p in problems), problems)
        self.assertTrue(any("usrsctp_perf" in p for p in problems), problems)
        problems = self.problems_with_sctpkit("exit 2\n")
        self.assertTrue(any("no `perf` subcommand" in p for p in problems), problems)

    def test_present_perf_subcommand_is_accepted(self):
        problems = self.problems_with_sctpkit("echo '  --mode TEXT  bulk|rate'\n")
        self.assertFalse(any("sctpkit" in p for p in problems), problems)


class RawIoTest(unittest.TestCase):
    def test_packet_io_reaches_sctpkit_only(self):
        self.assertEqual(compare.raw_path_args("socket"), {"sctpkit": ["--raw"], "usrsctp": ["--raw"]})
        self.assertEqual(compare.raw_path_args("packet"),
                         {"sctpkit": ["--raw", "--raw-io", "packet"], "usrsctp": ["--raw"]})


if __name__ == "__main__":
    unittest.main()
