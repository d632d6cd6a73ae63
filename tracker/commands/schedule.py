"""`schedule`: the long-running scheduler process (fetches, metric refreshes, alerts, periodic reports)."""

from __future__ import annotations

import argparse
import signal
from types import FrameType

from tracker.config import load_config
from tracker.scheduling import finish_process, list_jobs, run_now, serve
from tracker.store_paths import default_data_dir


def add_arguments(parser: argparse.ArgumentParser) -> None:
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--list", action="store_true", help="print the jobs, their next run times and last runs")
    action.add_argument("--run-now", metavar="JOB", help="run one job (e.g. fetch.comtrade, report.monthly) "
                        "immediately and exit")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    config = load_config()
    data_root = default_data_dir()
    if args.list:
        for job in list_jobs(config, data_root):
            next_run = f"{job.next_run_time:%Y-%m-%d %H:%M %Z}" if job.next_run_time else "paused"
            print(f"{job.job_id:<28} next {next_run:<24} [{job.state}]  last run: {job.last_run}")
            print(f"{'':<28} {job.trigger}  {job.description}")
        return 0
    if args.run_now:
        signal.signal(signal.SIGTERM, _interrupt)  # recorded as interrupted, like Ctrl-C
        result = run_now(config, data_root, args.run_now)
        print(f"{result.job_id}: {result.status} in {result.duration_seconds or 0:.1f} s: "
              f"{result.summary or result.error}")
        return 0 if result.status == "ok" else 1
    return finish_process(serve(config, data_root))
