"""One timed run in a fresh process, so that its peak RSS (VmHWM) belongs to that implementation alone.

Usage: python -m bench.worker {polars,polars-streaming,pandas} FOLDER  → prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main() -> None:
    implementation, folder = sys.argv[1], Path(sys.argv[2])
    from bench.implementations import pandas_metrics, polars_metrics

    baseline_rss = peak_rss_mib()
    started = time.perf_counter()
    if implementation == "pandas":
        shares, rca = pandas_metrics(folder)
    else:
        shares, rca = polars_metrics(folder, "streaming" if implementation == "polars-streaming" else "in-memory")
    seconds = time.perf_counter() - started
    print(json.dumps({"implementation": implementation, "seconds": seconds, "peak_rss_mib": peak_rss_mib(),
                      "import_rss_mib": baseline_rss, "share_rows": len(shares), "rca_rows": len(rca)}))


def peak_rss_mib() -> float:
    """This process's peak resident set (VmHWM). Not ru_maxrss: on Linux that keeps the parent's peak across
    fork+exec, so every worker would report at least the launcher's memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


if __name__ == "__main__":
    main()
