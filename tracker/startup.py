"""`python -m tracker.startup`: get the store ready for the dashboard, at once when it already is.

What `make run` runs before Streamlit: load the sample when the store holds no data at all (as
`python -m tracker sample --if-empty`), then recompute the metric tables if their inputs changed (as
`python -m tracker metrics --quiet`). On a current store it reads a few small files and imports neither Polars
nor the CLI's commands (about a second between them), so the dashboard answers as soon as Streamlit does.
"""

from __future__ import annotations

import sys
import time

from tracker.cli import report_errors
from tracker.config import load_config
from tracker.refresh import refresh
from tracker.store_paths import default_data_dir, holds_data


def _say(message: str) -> None:
    print(f"… {message}", flush=True)


def prepare() -> str:
    """Sample if empty, metrics if stale (``tracker.refresh`` decides); the line to print."""
    started = time.perf_counter()
    root = default_data_dir()
    config = load_config()  # validated every time: a broken file stops the start-up whatever the tables
    if not holds_data(root, "trade"):
        from tracker.sample import write_sample
        from tracker.store import Store

        store = Store(root)
        if not store.holds_source_data():
            written = write_sample(store, config, progress=_say)
            for table, rows in written.items():
                print(f"{table}: {rows:,} sample rows written to {root}", flush=True)
    if refresh(root, config, progress=_say) is None:
        return f"store at {root}: data present, metric tables are current"
    return f"metrics computed and written in {time.perf_counter() - started:.1f} s"


def main() -> int:
    """Prepare the store; failures end as the CLI's do (one line, exit status 2), never as a traceback."""
    def run() -> int:
        print(prepare())
        return 0

    return report_errors(run)


if __name__ == "__main__":
    sys.exit(main())
