"""One timed run in a fresh process, so that its peak RSS (VmHWM) belongs to that job alone. It reports wall
time and CPU time (user + system, all threads): on a shared machine the CPU time moves less with the load.

Usage: python -m bench.worker JOB PATH  → prints one JSON line.

* ``polars``, ``polars-streaming``, ``pandas``: market shares and RCA on the BACI-shaped folder PATH;
* ``metrics``: the full ``metrics`` command (``refresh_metric_tables``: every metric table computed and
  written) on the store at PATH;
* ``read``: the floor for ``metrics``, a read of every column of the store's trade table at PATH.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sized
from pathlib import Path

JOBS = ("polars", "polars-streaming", "pandas", "metrics", "read")


def main() -> None:
    job, path = sys.argv[1], Path(sys.argv[2])
    if job not in JOBS:
        raise SystemExit(f"unknown job {job!r}; choose from {', '.join(JOBS)}")
    work = prepared(job)
    baseline_rss = peak_rss_mib()
    started, cpu_started = time.perf_counter(), time.process_time()
    counts = work(path)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    print(json.dumps({"job": job, "seconds": seconds, "cpu_seconds": cpu_seconds, "peak_rss_mib": peak_rss_mib(),
                      "import_rss_mib": baseline_rss, "rows": counts}))


def prepared(job: str) -> Callable[[Path], dict[str, int]]:
    """The job as a function of its path, imported outside the timing; only that job's modules are loaded,
    so none adds another's memory."""
    if job == "read":
        from tracker.store import Store

        def read(path: Path) -> dict[str, int]:
            trade = Store(path).scan("trade").collect()
            return {"trade_rows": trade.height, "columns": trade.width}

        return read
    if job == "metrics":
        from tracker.config import load_config
        from tracker.refresh import refresh_metric_tables
        from tracker.store import Store

        # every year read from trade, each run (a run after the first would reuse the kept parts)
        return lambda path: refresh_metric_tables(Store(path), load_config(), reuse_parts=False)
    if job == "pandas":
        from bench.implementations import pandas_metrics as pair
    else:
        from bench.implementations import polars_metrics

        def pair(path: Path) -> tuple[Sized, Sized]:
            return polars_metrics(path, "streaming" if job == "polars-streaming" else "in-memory")

    def shares_and_rca(path: Path) -> dict[str, int]:
        shares, rca = pair(path)
        return {"share_rows": len(shares), "rca_rows": len(rca)}

    return shares_and_rca


def peak_rss_mib() -> float:
    """This process's peak resident set (VmHWM). Not ru_maxrss: on Linux that keeps the parent's peak across
    fork+exec, so every worker would report at least the launcher's memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


if __name__ == "__main__":
    main()
