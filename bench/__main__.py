"""`python -m bench [--suite metrics|pandas|all] [--store sample|baci] [--rows N]`: two benchmarks.

* **metrics** (the full ``metrics`` command against its floor): on a store (the sample data, or the
  BACI-shaped rows of ``--rows`` loaded into a store), run ``refresh_metric_tables`` (every metric table
  computed and written) and, interleaved with it, a read of every column of the store's trade table; each
  in its own process, with wall time and peak RSS; print the ratio of metrics to the read (target ≤ 5×).
* **pandas** (market shares and RCA against a pandas baseline on BACI-shaped data): (1) on a small table,
  assert that both implementations give the same market shares and RCA; (2) generate (or reuse) the seeded
  table of N rows as Parquet chunks; (3) run each implementation in its own process — Polars in-memory,
  Polars streaming engine, pandas — and read its wall time and peak RSS; (4) print the ratios to pandas.
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

from bench.baci import generate, generate_store
from bench.implementations import pandas_metrics, polars_metrics

IMPLEMENTATIONS = ("polars", "polars-streaming", "pandas")
CHECK_ROWS = 300_000
METRICS_TARGET_RATIO = 5.0


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


def run_worker(job: str, path: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run([sys.executable, "-m", "bench.worker", job, str(path)], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench worker {job} on {path} failed:\n{done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def sample_store(folder: Path) -> Path:
    """A store holding the deterministic sample data (written once, reused)."""
    from tracker.config import load_config
    from tracker.sample import write_sample
    from tracker.store import Store

    store = Store(folder)
    if not store.has_data("trade"):
        write_sample(store, load_config())
    return folder


def metrics_against_floor(root: Path, label: str, repeat: int) -> None:
    """Full ``metrics`` and the read floor, alternately in fresh processes; best time and highest peak of each."""
    runs: dict[str, list[dict]] = {"read": [], "metrics": []}
    for attempt in range(repeat):
        for job in runs:
            runs[job].append(run_worker(job, root))
            print(f"… {job} {attempt + 1}/{repeat}: {runs[job][-1]['seconds']:.2f} s, "
                  f"CPU {runs[job][-1]['cpu_seconds']:.2f} s, {runs[job][-1]['peak_rss_mib']:,.0f} MiB", flush=True)
    read, metrics = (min(runs[job], key=lambda run: run["seconds"]) for job in ("read", "metrics"))
    pairs = sorted(m["seconds"] / r["seconds"] for r, m in zip(runs["read"], runs["metrics"], strict=True))
    ratio = metrics["seconds"] / read["seconds"]
    print(f"\nFull `metrics` on the {label} store: {read['rows']['trade_rows']:,} trade rows "
          f"(CPU cores: {os.cpu_count()}, best of {repeat}, load average {os.getloadavg()[0]:.1f})")
    cpu = {job: min(run["cpu_seconds"] for run in runs[job]) for job in runs}
    print("| job | time (s) | CPU time (s) | peak RSS (MiB) | ratio to floor (time) | ratio to floor (CPU) |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| read every column of trade (floor) | {read['seconds']:.2f} | {cpu['read']:.2f} | "
          f"{max(r['peak_rss_mib'] for r in runs['read']):,.0f} | 1.00× | 1.00× |")
    print(f"| metrics (refresh_metric_tables) | {metrics['seconds']:.2f} | {cpu['metrics']:.2f} | "
          f"{max(r['peak_rss_mib'] for r in runs['metrics']):,.0f} | {ratio:.2f}× | "
          f"{cpu['metrics'] / cpu['read']:.2f}× |")
    print(f"\nmetrics / floor: {ratio:.2f}× (target ≤ {METRICS_TARGET_RATIO:g}×; "
          f"run by run {', '.join(f'{p:.2f}×' for p in pairs)})")
    print("metric tables: " + ", ".join(f"{name} {rows:,}" for name, rows in metrics["rows"].items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", choices=("metrics", "pandas", "all"), default="all",
                        help="metrics: full metrics command vs a read of the trade table; pandas: shares and RCA "
                             "vs pandas; all (default): both")
    parser.add_argument("--store", choices=("sample", "baci"), default="sample",
                        help="store for the metrics suite: the sample data (default) or --rows BACI-shaped rows")
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows of the BACI-shaped table (default 10M)")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "tracker-bench",
                        help="folder for the generated Parquet and stores (reused between runs)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per job (the best time is kept)")
    parser.add_argument("--implementations", default=",".join(IMPLEMENTATIONS),
                        help=f"comma-separated subset of {', '.join(IMPLEMENTATIONS)} (default: all), e.g. to skip "
                             "the in-memory Polars run where it would not fit in memory")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.implementations.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(IMPLEMENTATIONS))
    if unknown or not chosen:
        parser.error(f"unknown implementation(s) {unknown}; choose from {', '.join(IMPLEMENTATIONS)}")

    if args.suite in ("metrics", "all"):
        if args.store == "sample":
            metrics_against_floor(sample_store(args.data / "sample-store"), "sample", args.repeat)
        else:
            root = generate_store(args.rows, args.data / f"baci_{args.rows}")
            metrics_against_floor(root, f"BACI-shaped ({args.rows:,} BACI rows)", args.repeat)
        if args.suite == "metrics":
            return 0
        print()
    compare_with_pandas(args.rows, args.data, args.repeat, chosen)
    return 0


def compare_with_pandas(rows: int, data: Path, repeat: int, chosen: list[str]) -> None:
    check_same_numbers(generate(CHECK_ROWS, data / f"baci_{CHECK_ROWS}"))
    folder = generate(rows, data / f"baci_{rows}")
    results = {}
    for implementation in [name for name in IMPLEMENTATIONS if name in chosen]:
        runs = [run_worker(implementation, folder) for _ in range(repeat)]
        results[implementation] = min(runs, key=lambda run: run["seconds"])
        print(f"… {implementation}: {results[implementation]['seconds']:.1f} s", flush=True)
    base = results.get("pandas")
    print(f"\nBACI-shaped table: {rows:,} rows; market shares and RCA for every configured product group "
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

if __name__ == "__main__":
    raise SystemExit(main())
