"""`python -m bench_ui`: how long every dashboard page takes to render in headless Chromium, against a bare app.

Every page that app.py routes to (read from its ``PAGES`` tuple, so a new page is timed without a change here),
in its default view (``?lang=en``), with warm caches: the time from navigation to a fully rendered page
(status widget gone, elements stable, every Plotly chart drawn), and the same for a one-line app
(`st.write("hello")`) served the same way: the floor of Streamlit itself. A bare two-page app opened at its
second page (``bench_ui/hello_pages.py``) is timed too: the part of a sub-page's time (``/group``) that comes
from Streamlit's multipage routing rather than from the page, so pages at a sub-path are also compared with
it. Its third page adds one three-row data grid (``st.dataframe``): the "bare grid sub-page" row says what the
grid element alone costs. Runs are interleaved (floor, references, every page, then again) ``--repeat`` times;
the best of the runs and the ratios best page / best floor are reported (medians too). It also reports each
page's script run time with warm caches as AppTest measures it. Results go to stdout,
test-output/bench_ui.json and, with ``--docs``, the section "Dashboard" of docs/performance.md.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_ui.browser import REPO_ROOT, browser_missing, chromium, new_page, open_rendered, serve

REFERENCE = "bare sub-page"  # bench_ui/hello_pages.py at /other: what any page at a sub-path costs
GRID_REFERENCE = "bare grid sub-page"  # ... at /grid: the same plus one small data grid (st.dataframe)
APP = REPO_ROOT / "app.py"
DEFAULT_QUERY = "lang=en"
TARGET_RATIO = 2.0  # every page against the floor (#13) ...
PAGE_TARGETS = {"overview": 1.5}  # ... the overview tighter
REFERENCE_TARGETS = {"group": 1.5}  # against the bare sub-page
RESULTS = REPO_ROOT / "test-output" / "bench_ui.json"  # gitignored
PERFORMANCE_DOC = REPO_ROOT / "docs" / "performance.md"
START, END = "<!-- bench_ui:start -->", "<!-- bench_ui:end -->"


def app_pages() -> dict[str, tuple[str, str]]:
    """{page: (URL path and query of its default view, script in tracker/ui/pages)} for every page app.py routes
    to, read from its ``PAGES`` tuple of (script, label key, icon, url path) without running Streamlit."""
    for node in ast.parse(APP.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", "") == "PAGES" for target in node.targets):
            return {script: (f"/{path or ''}?{DEFAULT_QUERY}", script)
                    for script, _label, _icon, path in ast.literal_eval(node.value)}
    raise SystemExit(f"{APP} has no PAGES tuple")


def prepare_store(folder: Path) -> Path:
    """Sample data and metric tables in ``folder`` (reused when already there)."""
    from tracker.config import load_config
    from tracker.refresh import refresh_metric_tables
    from tracker.sample import write_sample
    from tracker.store import Store

    store = Store(folder)
    if not store.has_data("group_market"):
        config = load_config()
        print(f"… writing sample data and metrics to {folder}", flush=True)
        write_sample(store, config)
        refresh_metric_tables(store, config)
    return folder


def browser_times(store: Path, repeat: int, pages: dict[str, str]) -> dict[str, list[float]]:
    """Render times (s) per page and for the floor app, after one warm-up each.

    The apps are served at once and measured in turn (floor, reference, page, page, …, floor, …), so a busy
    machine slows the floor and the pages alike and the ratio stays meaningful.
    """
    env = {"TRACKER_DATA_DIR": str(store)}
    times: dict[str, list[float]] = {"floor": [], REFERENCE: [], GRID_REFERENCE: [], **{name: [] for name in pages}}
    blocked: list[str] = []
    with chromium() as browser, serve(REPO_ROOT / "bench_ui" / "hello.py", env=env) as floor_base, \
            serve(REPO_ROOT / "bench_ui" / "hello_pages.py", env=env) as pages_base, \
            serve(REPO_ROOT / "app.py", env=env) as app_base:
        page = new_page(browser, blocked)
        urls = {"floor": f"{floor_base}/", REFERENCE: f"{pages_base}/other", GRID_REFERENCE: f"{pages_base}/grid",
                **{name: f"{app_base}{path}" for name, path in pages.items()}}
        for url in urls.values():
            open_rendered(page, url)  # warm the caches
        for _ in range(repeat):
            for name, url in urls.items():
                times[name].append(open_rendered(page, url))
    if blocked:
        raise SystemExit(f"the app tried to reach other hosts: {blocked[:5]}")
    return times


def script_times(store: Path, repeat: int, pages: dict[str, tuple[str, str]]) -> dict[str, list[float]]:
    """Script run time (s) of each page with warm caches, as AppTest measures it."""
    from streamlit.testing.v1 import AppTest

    os.environ["TRACKER_DATA_DIR"] = str(store)
    times: dict[str, list[float]] = {}
    for name, (path, script) in pages.items():
        app = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120)
        for part in path.split("?", 1)[1].split("&"):
            key, value = part.split("=")
            app.query_params[key] = value
        app.run()
        app.switch_page(f"tracker/ui/pages/{script}.py").run()  # warm
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            app.run()
            runs.append(time.perf_counter() - started)
            if app.exception:
                raise SystemExit(f"{name}: {app.exception[0].value}")
        times[name] = runs
    return times


def summary(browser: dict[str, list[float]], scripts: dict[str, list[float]], repeat: int,
            subpaths: set[str], load: str) -> dict:
    """Per page: best and median render time, ratios (best / best floor, median / median floor), and for a page
    at a sub-path the ratio to the bare sub-page; each ratio with its target and whether it is met."""
    floor, floor_median = min(browser["floor"]), statistics.median(browser["floor"])
    reference = min(browser[REFERENCE])
    pages = {}
    for name, times in browser.items():
        if name == "floor":
            continue
        best = min(times)
        row = {
            "render_best_s": round(best, 3),
            "render_median_s": round(statistics.median(times), 3),
            "ratio_to_floor": round(best / floor, 2),
            "median_ratio_to_floor": round(statistics.median(times) / floor_median, 2),
            "target": None if name in (REFERENCE, GRID_REFERENCE) else PAGE_TARGETS.get(name, TARGET_RATIO),
            "ratio_to_reference": round(best / reference, 2) if name in subpaths else None,
            "reference_target": REFERENCE_TARGETS.get(name),
            "script_median_s": round(statistics.median(scripts[name]), 3) if name in scripts else None,
        }
        row["met"] = (row["target"] is None or row["ratio_to_floor"] <= row["target"]) and (
            row["reference_target"] is None or row["ratio_to_reference"] <= row["reference_target"])
        pages[name] = row
    return {
        "floor_best_s": round(floor, 3),
        "floor_median_s": round(floor_median, 3),
        "repeat": repeat,
        "load": load,
        "pages": pages,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python "
                   f"{platform.python_version()}",
        "raw": {k: [round(v, 3) for v in vs] for k, vs in {**browser, **{f"script_{k}": v for k, v in
                                                                        scripts.items()}}.items()},
    }


def load_average() -> str:
    """The 1-minute load average (the machine is shared: say how busy it was)."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "unknown"


def markdown(result: dict) -> str:
    lines = [
        f"Measured by `python -m bench_ui` ({result['repeat']} interleaved runs each, best of them; "
        f"{result['machine']}; load average {result['load']}). Floor = a bare `st.write(\"hello\")` app served "
        f"and rendered the same way: **{result['floor_best_s']:.2f} s** (median {result['floor_median_s']:.2f} s).",
        "",
        "| page | rendered in Chromium (best) | ratio to floor (target) | ratio to bare sub-page (target) "
        "| median / median floor | script run, warm caches (AppTest) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, row in result["pages"].items():
        script = f"{row['script_median_s'] * 1000:.0f} ms" if row["script_median_s"] is not None else "–"
        target = f" (≤ {row['target']})" if row["target"] is not None else ""
        reference = "–"
        if row["ratio_to_reference"] is not None:
            reference = f"{row['ratio_to_reference']:.2f}×"
            if row["reference_target"] is not None:
                reference += f" (≤ {row['reference_target']})"
        mark = "" if row["met"] else " ✗"
        lines.append(f"| {name}{mark} | {row['render_best_s']:.2f} s | {row['ratio_to_floor']:.2f}×{target} | "
                     f"{reference} | {row['median_ratio_to_floor']:.2f}× | {script} |")
    return "\n".join(lines)


def write_results(text: str) -> None:
    """Replace the measured table of docs/performance.md (between its markers), never the README."""
    results = PERFORMANCE_DOC.read_text(encoding="utf-8")
    if START not in results or END not in results:
        raise SystemExit(f"{PERFORMANCE_DOC} has no {START} … {END} block under '## Dashboard'")
    head, rest = results.split(START, 1)
    _, tail = rest.split(END, 1)
    PERFORMANCE_DOC.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench_ui", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="measurements per page (default 7)")
    parser.add_argument("--store", type=Path, help="store with sample data and metrics (default: a temp folder)")
    parser.add_argument("--docs", action="store_true", help="write the table into docs/performance.md")
    parser.add_argument("--pages", help="comma-separated pages to time (default: every page of app.py)")
    parser.add_argument("--extra", action="append", default=[], metavar="NAME=PATH",
                        help="also time another URL path of the app, e.g. group_hs=/group?section=hs")
    args = parser.parse_args(argv)
    reason = browser_missing()
    if reason:
        print(f"bench_ui needs a browser: {reason}", file=sys.stderr)
        return 2
    every = app_pages()
    chosen = args.pages.split(",") if args.pages else list(every)
    unknown = [name for name in chosen if name not in every]
    if unknown:
        print(f"unknown pages {unknown}; app.py has {list(every)}", file=sys.stderr)
        return 2
    app = {name: every[name] for name in chosen}
    folder = args.store or Path(tempfile.gettempdir()) / "bench_ui_store"
    store = prepare_store(folder)
    pages = {name: path for name, (path, _) in app.items()}
    pages.update(dict(item.split("=", 1) for item in args.extra))
    subpaths = {GRID_REFERENCE, *(name for name, path in pages.items()
                                  if not path.startswith(("/?", "/#")) and path != "/")}
    load = load_average()
    browser = browser_times(store, args.repeat, pages)
    result = summary(browser, script_times(store, args.repeat, app), args.repeat, subpaths,
                     f"{load}–{load_average()}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    text = markdown(result)
    print(text)
    if args.docs:
        write_results(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
