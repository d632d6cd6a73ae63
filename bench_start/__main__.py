"""`python -m bench_start`: how soon `make run` answers HTTP on a current store, against a bare Streamlit app.

Runs the commands of the Makefile's ``run`` recipe as written (read from the Makefile, so the benchmark follows
it), on a store holding the sample and current metric tables, and times from the first command's start to the
first HTTP 200 of ``/``. The floor is a one-line Streamlit app (``bench_start/hello.py``) started the same way.
The two are run in turn (floor, make run, floor, ...) so that a busy machine slows both alike; the medians and
their ratio are printed, with each round's ratio. ``--cli`` also times the recipe of round 1 (``python -m tracker
sample --if-empty`` and ``python -m tracker metrics --quiet``, both now no-ops on a current store) for comparison.

Target (issue #13): make run within 2x the floor.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
HELLO = Path(__file__).resolve().parent / "hello.py"
BIN = Path(sys.executable).parent
STREAMLIT_FLAGS = "--server.headless true --browser.gatherUsageStats false"
CLI_RECIPE = [  # round 1's recipe, with the fingerprint: the two CLI commands are no-ops but import the CLI
    f"{BIN}/python -m tracker sample --if-empty",
    f"{BIN}/python -m tracker metrics --quiet",
    f"{BIN}/streamlit run app.py --server.port {{port}} {STREAMLIT_FLAGS}",
]
TARGET_RATIO = 2.0


def run_recipe() -> list[str]:
    """The shell lines of the Makefile's ``run`` target, with $(BIN) and $(PORT) filled in ({port} left open)."""
    text = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^run:[^\n]*\n((?:\t[^\n]*\n)+)", text, re.MULTILINE)
    if match is None:
        raise SystemExit("no run: recipe in the Makefile")
    lines = [line.strip() for line in match.group(1).splitlines()]
    return [line.replace("$(BIN)", str(BIN)).replace("$(PORT)", "{port}") for line in lines]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"nothing answered on port {port} (exit code {process.poll()})")
        time.sleep(0.01)


def time_to_http(lines: list[str], env: dict[str, str], timeout: float = 120.0) -> float:
    """Seconds from starting ``lines`` (all but the last run to completion) to the first 200 of the last one."""
    port = free_port()
    started = time.perf_counter()
    for line in lines[:-1]:
        subprocess.run(line.format(port=port), shell=True, cwd=REPO_ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
    server = subprocess.Popen(lines[-1].format(port=port), shell=True, cwd=REPO_ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_http(port, server, timeout)
        return time.perf_counter() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def prepare_store(folder: Path, env: dict[str, str]) -> None:
    """The sample and current metric tables in ``folder`` (computed once; reused when already current)."""
    print(f"… preparing a current sample store in {folder} (the first time takes minutes)", flush=True)
    subprocess.run([str(BIN / "python"), "-m", "tracker.startup"], cwd=REPO_ROOT, env=env, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench_start", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--store", type=Path, help="store folder to use (default: a temporary one)")
    parser.add_argument("--cli", action="store_true", help="also time round 1's recipe (the two CLI commands)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        store = args.store or Path(scratch) / "data"
        env = {**os.environ, "TRACKER_DATA_DIR": str(store)}
        prepare_store(store, env)
        candidates = {"floor": [f"{BIN}/streamlit run {HELLO} --server.port {{port}} {STREAMLIT_FLAGS}"],
                      "make run": run_recipe()}
        if args.cli:
            candidates["CLI recipe"] = CLI_RECIPE
        for name, lines in candidates.items():
            print(f"{name}: {' && '.join(lines)}")
            time_to_http(lines, env)  # warm-up: file caches
        times: dict[str, list[float]] = {name: [] for name in candidates}
        for round_number in range(1, args.repeat + 1):
            for name, lines in candidates.items():
                times[name].append(time_to_http(lines, env))
            print(f"round {round_number}: " + ", ".join(f"{name} {values[-1]:.2f} s" for name, values in times.items()),
                  flush=True)
    floor = statistics.median(times["floor"])
    print(f"\nmachine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; median of {args.repeat} rounds")
    for name, values in times.items():
        ratios = [value / base for value, base in zip(values, times["floor"], strict=True)]
        median = statistics.median(values)
        print(f"{name:>10}: {median:.2f} s to the first HTTP 200, {median / floor:.2f}x the floor "
              f"(per round: {', '.join(f'{r:.2f}' for r in ratios)})")
    verdict = statistics.median(times["make run"]) / floor <= TARGET_RATIO
    print(f"target: make run within {TARGET_RATIO:g}x the floor: {'met' if verdict else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
