#!/usr/bin/python3
"""ctest smoke test of bench/compare.py: a --quick run on the UDP path must print every row of the
table with a number in every column that has one. Speed is never asserted (the targets are not).
Usage: compare_smoke.py BUILD_DIR [more compare.py flags]. Exits 77 (skipped) when `sctpkit perf`, a bench program or iperf3 is missing (compare.py exit 3)."""

import json
import math
import os
import subprocess
import sys

sys.dont_write_bytecode = True
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from compare import ROWS  # noqa: E402

SKIP = 77
# Columns that have a number on the UDP path; TCP has no message rate and no associations.
NO_TCP = {"rate_64", "idle_memory"}
# usrsctp has no busy polling: the busy rows compare sctpkit with TCP only.
NO_USRSCTP = {"pingpong_busy_p50", "setup_busy"}


def main():
    build_dir = sys.argv[1]
    done = subprocess.run([sys.executable, os.path.join(here, "compare.py"), "--quick", "--paths", "udp", "--json",
                           "--idle-count", "500", "--build-dir", build_dir] + sys.argv[2:], capture_output=True, text=True, timeout=170)
    sys.stderr.write(done.stderr)
    if done.returncode == 3:
        print("SKIPPED: compare.py is missing a program (see above)")
        return SKIP
    report = json.loads(done.stdout)
    failures = list(report["errors"])
    if done.returncode != 0:
        failures.append(f"compare.py exited {done.returncode}")
    rows = {r["metric"]: r for r in report["rows"] if r["path"] == "udp"}
    for key, *_ in ROWS:
        row = rows.get(key)
        if row is None:
            failures.append(f"row {key} is missing")
            continue
        columns = ["sctpkit"] + ([] if key in NO_USRSCTP else ["usrsctp", "ratio_vs_usrsctp"])
        if key not in NO_TCP:
            columns += ["tcp", "ratio_vs_tcp"]
        for col in columns:
            v = row[col]
            if not isinstance(v, (int, float)) or not math.isfinite(v):
                failures.append(f"row {key}: {col} is {v!r}, not a number")
        if row["target"] != "-" and not isinstance(row["met"], bool):
            failures.append(f"row {key}: target {row['target']} has no verdict ({row['met']!r})")
    print(json.dumps(report["rows"], indent=1))
    for f in failures:
        print(f"FAILED: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
