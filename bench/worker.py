"""One timed run in a fresh process, so that its peak RSS (ru_maxrss) belongs to that implementation alone.

Usage: python -m bench.worker {polars,polars-streaming,pandas} FOLDER  → prints one JSON line.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def main() -> None:
    implementation, folder = sys.argv[1], Path(sys.argv[2])
    from bench.implementations import pandas_metrics, polars_metrics

    baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if implementation == "pandas":
        shares, rca = pandas_metrics(folder)
    else:
        shares, rca = polars_metrics(folder, "streaming" if implementation == "polars-streaming" else "in-memory")
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"implementation": implementation, "seconds": seconds, "peak_rss_mib": peak_kib / 1024,
                      "import_rss_mib": baseline_rss / 1024, "share_rows": len(shares), "rca_rows": len(rca)}))


if __name__ == "__main__":
    main()
