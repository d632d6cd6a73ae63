"""`python -m bench.baci_import`: `import baci` and then the full `metrics`, against a bare Polars read of the CSVs.

Steps: (1) generate (or reuse) a seeded BACI release in CEPII's real layout — ``BACI_HS17_V202601.zip`` with
``BACI_HS17_Y{year}_V202601.csv`` (t,i,j,k,v,q; one row per exporter, importer and HS6 code, codes with
leading zeros, v and q right-aligned in 13 characters with 3 decimals, about 2 % of q ``NA``, as CEPII writes
them), ``country_codes_V202601.csv`` (with 490 "Other Asia, nes" and a
placeholder) and ``product_codes_HS17_V202601.csv``; (2) in separate processes, each measured for wall time,
CPU time and peak RSS: a bare ``pl.read_csv`` of every yearly CSV (already extracted), the full
``python -m tracker import baci`` command from the extracted folder (and, with ``--from-zip``, from the zip) into
a fresh store, then the full ``python -m tracker metrics`` command on that store (the shipped ``config/``);
(3) print a table with the ratios to the bare read and append it to the results file.

Targets (issue #12): the import at most 2× the bare read; import plus metrics at 8 years × 10M rows under
10 minutes with a peak RSS under 8 GiB. Issue #22: ``metrics`` reads a year of trade at a time, so its peak RSS at
16 years is at most 1.3× its peak at 8 (and under 3 GiB); the table's last lines give the peak per year of data
and the time of a second ``metrics`` after one year of the store is revised (it reads that year alone).
``--repeat N`` keeps the best of N runs of the bare read and the imports (a shared machine's load moves single
runs); ``--clean`` deletes the generated release afterwards.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import polars as pl

from tracker.countries import country_table
from tracker.parts_cache import CACHE_FOLDER

VERSION, HS = "V202601", "HS17"
FIRST_YEAR = 2017
N_PRODUCTS = 5_400
CHUNK_ROWS = 2_000_000
NA_SHARE = 0.02  # rows whose quantity is NA: 2.1–2.6 % of every year of HS17 V202301
NUMBER_WIDTH = 13  # v and q as in BACI_HS22_Y2022_V202401b.csv: "        0.357"
PLACEHOLDERS = [("490", "Other Asia, nes", "", "S19"), ("899", "Other Europe, nes", "", "R20")]
CSV_SCHEMA = {"t": pl.Int32, "i": pl.Int32, "j": pl.Int32, "k": pl.String, "v": pl.Float64, "q": pl.Float64}


def _countries() -> pl.DataFrame:
    table = country_table().filter(~pl.col("is_aggregate") & pl.col("comtrade_code").is_not_null()
                                   & (pl.col("iso3") != "TWN"))
    real = table.select(
        country_code=pl.col("comtrade_code").cast(pl.String), country_name=pl.col("name_en"),
        country_iso2=pl.col("iso2"), country_iso3=pl.col("iso3"),
    ).unique("country_code")
    every = pl.concat([real, pl.DataFrame(PLACEHOLDERS, schema=real.columns, orient="row")])
    return every.sort(pl.col("country_code").cast(pl.Int32))  # numeric order: the yearly files are sorted by i, j, k


def _cepii_number(column: pl.Expr) -> pl.Expr:
    """A number as CEPII writes it: three decimals, right-aligned in NUMBER_WIDTH characters; missing as
    ``NA``, padded the same way (``        0.357``, ``           NA``)."""
    milli = (column * 1000).round().cast(pl.Int64)
    text = pl.concat_str(milli // 1000, pl.lit("."), (milli % 1000).cast(pl.String).str.zfill(3))
    return text.fill_null("NA").str.pad_start(NUMBER_WIDTH)


def _skewed(n: int, size: int, rng: np.random.Generator, exponent: float) -> np.ndarray:
    """``size`` indices below ``n``, a few of them far more frequent (u ** exponent), in a shuffled order."""
    order = rng.permutation(n)
    return order[(n * rng.random(size) ** exponent).astype(np.int64)]


def _year_flows(rows: int, n_countries: int, rng: np.random.Generator) -> np.ndarray:
    """``rows`` distinct (i, j, k) index triples (i ≠ j), skewed like trade, sorted as CEPII sorts them."""
    keys = np.empty(0, dtype=np.int64)
    while keys.size < rows:
        n = int((rows - keys.size) * 1.3) + 1000
        i, j = _skewed(n_countries, n, rng, 2.0), _skewed(n_countries, n, rng, 2.0)
        k = _skewed(N_PRODUCTS, n, rng, 1.5)
        drawn = ((i * n_countries + j) * N_PRODUCTS + k)[i != j]
        keys = np.unique(np.concatenate([keys, drawn]))
    return np.sort(rng.choice(keys, rows, replace=False))


def generate(rows_per_year: int, years: int, folder: Path, seed: int = 7, with_zip: bool = False) -> Path:
    """Write the release's extracted CSVs and, with ``with_zip``, its zip; return the folder of the CSVs.

    Each yearly file is written under a temporary name and renamed when complete, and drawn from its own seed
    (seed, year): a run that was stopped resumes with the years it lacks, and the zip is only built when asked
    for (``_COMPLETE`` marks a complete zip).
    """
    extracted = folder / "extracted"
    extracted.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    countries = _countries()
    codes = countries.get_column("country_code").cast(pl.Int32).to_numpy()
    chapters = rng.integers(1, 98, N_PRODUCTS * 2)
    hs6 = np.unique(np.char.add(np.char.zfill(chapters.astype(str), 2),
                                np.char.zfill(rng.integers(0, 10_000, chapters.size).astype(str), 4)))[:N_PRODUCTS]
    countries.write_csv(extracted / f"country_codes_{VERSION}.csv")
    pl.DataFrame({"code": hs6, "description": [f"Product {code}" for code in hs6]}).write_csv(
        extracted / f"product_codes_{HS}_{VERSION}.csv")
    for year in range(FIRST_YEAR, FIRST_YEAR + years):
        path = extracted / f"BACI_{HS}_Y{year}_{VERSION}.csv"
        if path.exists():
            continue
        year_rng = np.random.default_rng([seed, year])
        keys = _year_flows(rows_per_year, codes.size, year_rng)
        partial = path.with_suffix(".partial")
        with open(partial, "wb") as handle:
            for start in range(0, keys.size, CHUNK_ROWS):
                part = keys[start:start + CHUNK_ROWS]
                value = np.round(year_rng.lognormal(3.0, 2.5, part.size), 3) + 0.001
                weight = np.round(value / year_rng.lognormal(1.0, 1.0, part.size), 3)
                pl.DataFrame({
                    "t": np.full(part.size, year, dtype=np.int32),
                    "i": codes[part // (N_PRODUCTS * codes.size)],
                    "j": codes[(part // N_PRODUCTS) % codes.size],
                    "k": hs6[part % N_PRODUCTS],
                    "v": value,
                    "q": np.where(year_rng.random(part.size) < NA_SHARE, np.nan, weight),
                }).with_columns(v=_cepii_number(pl.col("v")), q=_cepii_number(pl.col("q").fill_nan(None))).write_csv(
                    handle, include_header=start == 0, quote_style="never")
        os.replace(partial, path)
    if with_zip and not (folder / "_COMPLETE").exists():
        zip_path = zipped(folder)
        partial = zip_path.with_suffix(".partial")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for member in sorted(extracted.glob("*.csv")):
                archive.write(member, member.name)
        os.replace(partial, zip_path)
        (folder / "_COMPLETE").touch()
    return extracted


def zipped(folder: Path) -> Path:
    return folder / f"BACI_{HS}_{VERSION}.zip"


# The simplest read that parses CEPII's format: padded numbers parse as they are; NA is a null only with its
# padding, as the generator writes it.
BARE_READ = f"""
import sys, polars as pl
schema = {{"t": pl.Int32, "i": pl.Int32, "j": pl.Int32, "k": pl.String, "v": pl.Float64, "q": pl.Float64}}
rows = 0
for path in sys.argv[1:]:
    rows += pl.read_csv(path, schema=schema, null_values=["NA", {"NA".rjust(NUMBER_WIDTH)!r}]).height
print(rows)
"""
# A revised year, as a new release or a fetch brings it: every row of one year of the store's BACI trade
# written again, one row in a hundred with a new value (not timed: it sets up the incremental `metrics`)
REVISE_YEAR = """
import sys, polars as pl
from tracker.store import Store
store, year = Store(sys.argv[1]), int(sys.argv[2])
rows = store.scan("trade").filter((pl.col("source") == "baci") & (pl.col("year") == year)).collect()
revised = pl.int_range(pl.len()) % 100 == 0
store.upsert("trade", rows.with_columns(pl.when(revised).then(pl.col("value_usd") * 1.1)
                                        .otherwise(pl.col("value_usd")).alias("value_usd")))
"""


def _high_water_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def measure(command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None,
            rss_cap_mib: float = float("inf"), timeout_seconds: float = float("inf")) -> dict[str, float]:
    """Wall time, CPU time and peak RSS (MiB) of one child process.

    Peak RSS is the child's own VmHWM, polled until it exits: ``ru_maxrss`` of a child forked from this
    process would include this process's own size at the fork (Linux keeps the high-water mark across exec).
    A child above ``rss_cap_mib`` or ``timeout_seconds`` is killed (a shared machine must not run out of
    memory) and its row says so (``stopped``); the output goes to files, so a chatty child never blocks.
    """
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out_file, stderr=err_file)
        peak, stopped = 0.0, ""
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, _high_water_mib(process.pid) or 0.0)
            elapsed = time.perf_counter() - started
            if not stopped and (peak > rss_cap_mib or elapsed > timeout_seconds):
                stopped = (f"stopped: peak RSS above {rss_cap_mib:,.0f} MiB" if peak > rss_cap_mib
                           else f"stopped after {elapsed:,.0f} s")
                process.kill()
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read().decode(errors="replace"), err_file.read().decode(errors="replace")
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0 and not stopped:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{out}\n{err[-4000:]}")
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_rss_mib": peak,
            "output": out, "stopped": stopped}


def _best(runs: list[dict[str, float]]) -> dict[str, float]:
    return min(runs, key=lambda run: run["seconds"])


def _table(results: dict[str, dict[str, float]], rows: int, years: int) -> str:
    base = results[BARE]
    lines = [f"BACI-shaped release: {years} year(s) × {rows:,} rows = {rows * years:,} rows "
             f"(CPU cores: {os.cpu_count()}, load average at the end: {os.getloadavg()[0]:.1f})", "",
             "| step | wall time (s) | CPU time (s) | peak RSS (MiB) | wall vs bare read | CPU vs bare read "
             "| memory vs bare read |", "|---|---:|---:|---:|---:|---:|---:|"]
    for label, run in results.items():
        at_least = "≥ " if run.get("stopped") else ""
        note = f" ({run['stopped']})" if run.get("stopped") else ""
        lines.append(f"| {label}{note} | {at_least}{run['seconds']:.1f} | {at_least}{run['cpu_seconds']:.1f} | "
                     f"{at_least}{run['peak_rss_mib']:,.0f} | {at_least}{run['seconds'] / base['seconds']:.2f}× | "
                     f"{at_least}{run['cpu_seconds'] / base['cpu_seconds']:.2f}× | "
                     f"{at_least}{run['peak_rss_mib'] / base['peak_rss_mib']:.2f}× |")
    if METRICS in results:  # issue #22: the peak of `metrics` follows the largest year, not the number of years
        peak = results[METRICS]["peak_rss_mib"]
        cpu_per_million = results[METRICS]["cpu_seconds"] / (rows * years) * 1e6
        lines += ["", f"`metrics` peak RSS per year of data: {peak / years:,.0f} MiB ({peak:,.0f} MiB over {years} "
                      f"year(s)); CPU time per million rows: {cpu_per_million:.2f} s"]
    if METRICS in results and REVISED in results:  # issue #22: a revised year is the only one read again
        full, revised = results[METRICS], results[REVISED]
        lines += ["", f"`metrics` after one year is revised: {revised['seconds']:.1f} s wall, "
                      f"{revised['cpu_seconds']:.1f} CPU-s: {revised['cpu_seconds'] / full['cpu_seconds']:.2f}× the "
                      f"CPU time of the computation that read all {years} year(s); the parts it kept beside the store "
                      f"(their own files, not the store's they link): {full.get('kept_mib', 0):,.0f} MiB"]
    return "\n".join(lines)


BARE = "bare Polars read of the CSVs"
IMPORT = "`import baci` from the folder"
METRICS = "`metrics` after the import"
REVISED = "`metrics` after one year is revised"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.baci_import", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows per year (default 10M, like BACI)")
    parser.add_argument("--years", type=int, default=1, help="years in the release (default 1; 8 = HS17 2017–2024)")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "tracker-bench-baci",
                        help="folder for the generated release (reused between runs) and the stores")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs of the bare read and the imports")
    parser.add_argument("--from-zip", action="store_true", help="also time the import straight from the zip")
    parser.add_argument("--no-metrics", action="store_true", help="time the import only, not `metrics` after it")
    parser.add_argument("--results", type=Path, default=Path(__file__).resolve().parent / "BACI_RESULTS.md",
                        help="markdown file the results table is appended to (default bench/BACI_RESULTS.md)")
    parser.add_argument("--clean", action="store_true", help="delete the generated release and stores at the end")
    parser.add_argument("--rss-cap-gib", type=float, default=12.0,
                        help="stop `metrics` above this peak RSS (default 12 GiB; the target is 8)")
    parser.add_argument("--metrics-timeout-min", type=float, default=30.0,
                        help="stop `metrics` after this many minutes (default 30; the target is 10 with the import)")
    args = parser.parse_args(argv)

    folder = args.data / f"baci_cepii_{args.rows}x{args.years}"  # CEPII's padded numbers and NA
    started = time.perf_counter()
    extracted = generate(args.rows, args.years, folder, with_zip=args.from_zip)
    csvs = sorted(str(path) for path in extracted.glob("BACI_*_Y*.csv"))
    size = sum(Path(path).stat().st_size for path in csvs)
    print(f"release: {extracted} ({len(csvs)} yearly CSVs, {size / 2**20:,.0f} MiB; ready in "
          f"{time.perf_counter() - started:.0f} s)", flush=True)
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root), "TRACKER_CONFIG_DIR": str(root / "config")}
    store = args.data / "store"
    sources = {IMPORT: extracted, **({"`import baci` from the zip": zipped(folder)} if args.from_zip else {})}
    runs: dict[str, list[dict[str, float]]] = {}
    try:
        for attempt in range(args.repeat):
            runs.setdefault(BARE, []).append(measure([sys.executable, "-c", BARE_READ, *csvs], env))
            print(f"… bare read: {runs[BARE][-1]['seconds']:.1f} s", flush=True)
            for label, source in sources.items():
                shutil.rmtree(store, ignore_errors=True)
                command = [sys.executable, "-m", "tracker", "import", "baci", str(source), "--no-progress"]
                runs.setdefault(label, []).append(measure(command, {**env, "TRACKER_DATA_DIR": str(store)}))
                print(f"… {label}: {runs[label][-1]['seconds']:.1f} s", flush=True)
                last = attempt == args.repeat - 1 and label == IMPORT
                if last and not args.no_metrics:  # the store of the folder import, as a user would run it next
                    command = [sys.executable, "-m", "tracker", "metrics", "--force"]
                    runs[METRICS] = [measure(command, {**env, "TRACKER_DATA_DIR": str(store)}, cwd=root,
                                             rss_cap_mib=args.rss_cap_gib * 1024,
                                             timeout_seconds=args.metrics_timeout_min * 60)]
                    print(f"… {METRICS}: {runs[METRICS][-1]['seconds']:.1f} s", flush=True)
                    # the kept parts' own files: a year table's rows are the store's file, linked (one inode)
                    kept = [path for path in (store / CACHE_FOLDER).rglob("*")
                            if path.is_file() and path.stat().st_nlink == 1]
                    runs[METRICS][-1]["kept_mib"] = sum(path.stat().st_size for path in kept) / 2**20
                    revised_year = FIRST_YEAR + args.years // 2
                    subprocess.run([sys.executable, "-c", REVISE_YEAR, str(store), str(revised_year)], env=env,
                                   cwd=root, check=True)
                    command = [sys.executable, "-m", "tracker", "metrics"]
                    runs[REVISED] = [measure(command, {**env, "TRACKER_DATA_DIR": str(store)}, cwd=root,
                                             rss_cap_mib=args.rss_cap_gib * 1024,
                                             timeout_seconds=args.metrics_timeout_min * 60)]
                    print(f"… {REVISED} ({revised_year}): {runs[REVISED][-1]['seconds']:.1f} s", flush=True)
        results = {label: _best(label_runs) for label, label_runs in runs.items()}
        if METRICS in results:
            results["import + metrics"] = {  # before the revised year's run: the first computation's cost
                "seconds": results[IMPORT]["seconds"] + results[METRICS]["seconds"],
                "cpu_seconds": results[IMPORT]["cpu_seconds"] + results[METRICS]["cpu_seconds"],
                "peak_rss_mib": max(results[IMPORT]["peak_rss_mib"], results[METRICS]["peak_rss_mib"]),
                "stopped": results[METRICS]["stopped"],
            }
    finally:
        shutil.rmtree(store, ignore_errors=True)
        if args.clean:
            shutil.rmtree(folder, ignore_errors=True)
    table = _table(results, args.rows, args.years)
    if METRICS in runs:  # the rows each metric table got: a run that computed nothing would show here
        table += "\n\n`metrics` wrote: " + "; ".join(
            line.strip() for line in runs[METRICS][-1]["output"].splitlines() if line.strip())
    print("\n" + table)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    command = " ".join(["python -m bench.baci_import", *(argv if argv is not None else sys.argv[1:])])
    with open(args.results, "a", encoding="utf-8") as handle:
        handle.write(f"\n## {stamp}: `{command}`\n\n{table}\n")
    print(f"\nappended to {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
