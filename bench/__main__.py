"""`python -m bench [--rows N]`: time the tracker's Polars metrics against a pandas baseline on BACI-shaped data.

Steps: (1) on a small table, assert that both implementations give the same market shares and RCA;
(2) generate (or reuse) the seeded table of N rows as Parquet chunks; (3) run each implementation in its own
process — Polars in-memory, Polars streaming engine, pandas — and read its wall time and peak RSS; (4) print
a table with the ratios to pandas.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench.baci import generate
from bench.implementations import pandas_metrics, polars_metrics

IMPLEMENTATIONS = ("polars", "polars-streaming", "pandas")
CHECK_ROWS = 300_000


def check_same_numbers(folder: Path) -> None:
    """Both implementations must agree before their speed means anything."""
    pl_shares, pl_rca = polars_metrics(folder)
    pd_shares, pd_rca = pandas_metrics(folder)
    for ours, theirs, key, value in ((pl_shares, pd_shares, ["group", "exporter", "market", "year"], "market_share"),
                                     (pl_rca, pd_rca, ["group", "exporter", "year"], "rca")):
        theirs = theirs.astype({"year": "int32"})
        merged = ours.to_pandas().merge(theirs, on=key, how="outer", suffixes=("_polars", "_pandas"), indicator=True)
        assert (merged["_merge"] == "both").all(), f"{value}: the implementations return different rows"
        assert np.allclose(merged[f"{value}_polars"], merged[f"{value}_pandas"], rtol=1e-9, equal_nan=True), value
    print(f"check: {len(pl_shares):,} market shares and {len(pl_rca):,} RCA values equal in both implementations")


def run_worker(implementation: str, folder: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run([sys.executable, "-m", "bench.worker", implementation, str(folder)], env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows of the BACI-shaped table (default 10M)")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "tracker-bench",
                        help="folder for the generated Parquet (reused between runs)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per implementation (the best time is kept)")
    parser.add_argument("--implementations", default=",".join(IMPLEMENTATIONS),
                        help=f"comma-separated subset of {', '.join(IMPLEMENTATIONS)} (default: all), e.g. to skip "
                             "the in-memory Polars run where it would not fit in memory")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.implementations.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(IMPLEMENTATIONS))
    if unknown or not chosen:
        parser.error(f"unknown implementation(s) {unknown}; choose from {', '.join(IMPLEMENTATIONS)}")

    check_same_numbers(generate(CHECK_ROWS, args.data / f"baci_{CHECK_ROWS}"))
    folder = generate(args.rows, args.data / f"baci_{args.rows}")
    results = {}
    for implementation in [name for name in IMPLEMENTATIONS if name in chosen]:
        runs = [run_worker(implementation, folder) for _ in range(args.repeat)]
        results[implementation] = min(runs, key=lambda run: run["seconds"])
        print(f"… {implementation}: {results[implementation]['seconds']:.1f} s", flush=True)
    base = results.get("pandas")
    print(f"\nBACI-shaped table: {args.rows:,} rows; market shares and RCA for every configured product group "
          f"(CPU cores: {os.cpu_count()})")
    print("| implementation | time (s) | peak RSS (MiB) | time vs pandas | memory vs pandas |")
    print("|---|---:|---:|---:|---:|")
    for implementation, run in results.items():
        time_ratio = f"{run['seconds'] / base['seconds']:.2f}×" if base else "n/a"
        memory_ratio = f"{run['peak_rss_mib'] / base['peak_rss_mib']:.2f}×" if base else "n/a"
        print(f"| {implementation} | {run['seconds']:.2f} | {run['peak_rss_mib']:,.0f} | {time_ratio} "
              f"| {memory_ratio} |")
    if base:
        print("\npandas time / implementation time (higher = faster than pandas): " + ", ".join(
            f"{name} {base['seconds'] / run['seconds']:.1f}×" for name, run in results.items() if name != "pandas"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
