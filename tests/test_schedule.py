"""The scheduler with real APScheduler, a real SQLite job store and real processes: firing, missed runs after
downtime, the one-scheduler-per-folder lock, and SIGTERM during a job that writes to the store."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from tracker.config import REPO_ROOT, Config, CronSchedule, load_config
from tracker.errors import ConfigError
from tracker.scheduling import (
    JobSpec,
    SchedulerLock,
    SchedulerLockedError,
    create_scheduler,
    job_specs,
    read_job_runs,
    run_now,
    sync_jobs,
)
from tracker.scheduling.runs import JobRun, reconcile_interrupted
from tracker.scheduling.scheduler import add_event_logging
from tracker.store import Store

TARGETS = '''
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from tracker.tables import FETCH_LOG


def tick(config, store, path):
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("tick\\n")
    return "ticked"


def slow(config, store, marker):
    """Writes a fetch_log row every 50 ms for a minute: SIGTERM lands in the middle of it."""
    for index in range(1200):
        now = datetime.now(UTC)
        row = {"attempt_id": f"slow-{index}", "source": "sample", "request": "{}", "started_at": now,
               "finished_at": now, "rows_written": 1, "status": "ok", "error": None}
        store.upsert("fetch_log", pl.DataFrame([row], schema=FETCH_LOG.polars_schema))
        Path(marker).write_text(str(index), encoding="utf-8")
        time.sleep(0.05)
    return "done"


def nap(config, store, seconds):
    time.sleep(seconds)
    return "rested"
'''


@pytest.fixture
def targets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A module of job targets importable by reference, as the SQLite job store needs."""
    folder = tmp_path / "targets"
    folder.mkdir()
    (folder / "jobtargets.py").write_text(TARGETS, encoding="utf-8")
    monkeypatch.syspath_prepend(str(folder))
    return folder


def _wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


def _tick_spec(path: Path, **cron: str) -> JobSpec:
    return JobSpec("tick", "jobtargets:tick", {"path": str(path)}, CronSchedule(cron))


def _hour_ahead(config: Config, hours: int = 6) -> str:
    """A daily cron hour that next fires about ``hours`` from now in the schedule's time zone. A run set
    (grace + 1) hours in the past then has no later fire time before now, whatever the clock says when the test
    runs: with a fixed hour such as 3, a run at 03:00-16:00 Asia/Shanghai found today's 03:00 inside the grace
    window and ran it."""
    return str((datetime.now(ZoneInfo(config.schedule.timezone)) + timedelta(hours=hours)).hour)


def _started(config: Config, data_dir: Path, specs: list[JobSpec]) -> BackgroundScheduler:
    scheduler = create_scheduler(config, data_dir, background=True)
    scheduler.start(paused=True)
    sync_jobs(scheduler, config, data_dir, specs)
    return scheduler  # type: ignore[return-value]


def test_schedule_job_specs_follow_the_config(config: Config) -> None:
    ids = [spec.id for spec in job_specs(config)]
    enabled = [f"fetch.{s}" for s in config.schedule.fetch if s in config.sources and config.sources[s].enabled]
    assert ids == [*enabled, "report.monthly", "report.annual"]


def test_schedule_jobs_fire_on_schedule(config: Config, data_dir: Path, targets: Path) -> None:
    ticks = data_dir.parent / "ticks.txt"
    scheduler = _started(config, data_dir, [_tick_spec(ticks, second="*")])
    scheduler.resume()
    try:
        assert _wait_for(lambda: _lines(ticks) >= 2, timeout=6)
    finally:
        scheduler.shutdown(wait=True)
    runs = read_job_runs(data_dir)
    assert runs.filter(pl.col("status") == "ok").height >= 2
    assert set(runs.get_column("summary").to_list()) == {"ticked"}
    assert (data_dir / "scheduler" / "jobs.sqlite").exists()


def test_schedule_missed_run_runs_once_after_restart(config: Config, data_dir: Path, targets: Path) -> None:
    ticks = data_dir.parent / "ticks.txt"
    spec = _tick_spec(ticks, minute="0")  # hourly: five runs are missed below
    first = _started(config, data_dir, [spec])
    first.modify_job("tick", next_run_time=datetime.now(first.timezone) - timedelta(hours=5))
    first.shutdown()  # downtime: the stored next run time is five hours in the past

    restarted = _started(config, data_dir, [spec])
    restarted.resume()
    try:
        assert _wait_for(lambda: _lines(ticks) >= 1, timeout=10)
        time.sleep(1.0)
        assert _lines(ticks) == 1  # coalesced: once, not once per missed day
        assert restarted.get_job("tick").next_run_time > datetime.now(restarted.timezone)
    finally:
        restarted.shutdown(wait=True)

    again = _started(config, data_dir, [spec])
    again.resume()
    time.sleep(1.0)
    again.shutdown(wait=True)
    assert _lines(ticks) == 1  # the restart did not repeat it


def test_schedule_missed_run_beyond_grace_is_skipped(config: Config, data_dir: Path, targets: Path) -> None:
    ticks = data_dir.parent / "ticks.txt"
    spec = _tick_spec(ticks, hour=_hour_ahead(config), minute="0")
    first = _started(config, data_dir, [spec])
    late = timedelta(hours=config.schedule.misfire_grace_hours + 1)
    first.modify_job("tick", next_run_time=datetime.now(first.timezone) - late)
    first.resume()
    try:
        assert _wait_for(lambda: first.get_job("tick").next_run_time > datetime.now(first.timezone), timeout=5)
        time.sleep(0.5)
    finally:
        first.shutdown(wait=True)
    assert _lines(ticks) == 0


def test_schedule_skipped_run_logs_the_warning(config: Config, data_dir: Path, targets: Path,
                                              caplog: pytest.LogCaptureFixture) -> None:
    """A run due while the previous one still goes (max_instances=1) is logged as skipped, not an AttributeError
    inside APScheduler's listener call (JobSubmissionEvent has scheduled_run_times, not scheduled_run_time)."""
    spec = JobSpec("nap", "jobtargets:nap", {"seconds": 2.5}, CronSchedule({"second": "*"}))
    scheduler = _started(config, data_dir, [spec])
    add_event_logging(scheduler)
    caplog.set_level(logging.WARNING)

    def skipped() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.name == "tracker.scheduling.scheduler" and "skipped" in r.message]

    scheduler.resume()
    try:
        assert _wait_for(lambda: bool(skipped()), timeout=8)
    finally:
        scheduler.shutdown(wait=True)
    assert "job nap skipped at 20" in skipped()[0].getMessage()
    assert "still going" in skipped()[0].getMessage()
    assert not [r for r in caplog.records if "Error notifying listener" in r.getMessage()]


def test_schedule_missed_run_logs_the_warning(config: Config, data_dir: Path, targets: Path,
                                             caplog: pytest.LogCaptureFixture) -> None:
    ticks = data_dir.parent / "ticks.txt"
    first = _started(config, data_dir, [_tick_spec(ticks, hour=_hour_ahead(config), minute="0")])
    add_event_logging(first)
    caplog.set_level(logging.WARNING)
    first.modify_job("tick", next_run_time=datetime.now(first.timezone)
                     - timedelta(hours=config.schedule.misfire_grace_hours + 1))
    first.resume()
    try:
        assert _wait_for(lambda: any("missed its run" in r.getMessage() for r in caplog.records), timeout=5)
    finally:
        first.shutdown(wait=True)
    assert not [r for r in caplog.records if "Error notifying listener" in r.getMessage()]


def test_schedule_sync_keeps_unchanged_jobs_and_reschedules_changed(config: Config, data_dir: Path,
                                                                    targets: Path) -> None:
    ticks = data_dir.parent / "ticks.txt"
    scheduler = _started(config, data_dir, [_tick_spec(ticks, hour="3")])
    past = datetime.now(scheduler.timezone) - timedelta(hours=1)
    scheduler.modify_job("tick", next_run_time=past)
    try:
        assert sync_jobs(scheduler, config, data_dir, [_tick_spec(ticks, hour="3")]) == []
        assert scheduler.get_job("tick").next_run_time == past
        assert sync_jobs(scheduler, config, data_dir, [_tick_spec(ticks, hour="4")]) == ["rescheduled tick"]
        assert scheduler.get_job("tick").next_run_time.hour == 4
        assert sync_jobs(scheduler, config, data_dir, []) == ["removed tick (no longer configured)"]
    finally:
        scheduler.shutdown()


def _env(config_dir: Path, data_dir: Path, targets: Path | None = None) -> dict[str, str]:
    paths = [str(REPO_ROOT), *([str(targets)] if targets else [])]
    return {**os.environ, "TRACKER_CONFIG_DIR": str(config_dir), "TRACKER_DATA_DIR": str(data_dir),
            "PYTHONPATH": os.pathsep.join(paths)}


def test_schedule_second_scheduler_on_the_same_folder_refuses(config_dir: Path, data_dir: Path) -> None:
    env = _env(config_dir, data_dir)
    command = [sys.executable, "-m", "tracker", "schedule"]
    first = subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        owner = data_dir / "scheduler" / "scheduler.lock.owner"
        assert _wait_for(lambda: owner.exists() and f"pid {first.pid}" in owner.read_text(encoding="utf-8"))
        second = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
        assert second.returncode != 0
        assert "another scheduler is already running" in second.stderr and f"pid {first.pid}" in second.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        _, stderr = first.communicate(timeout=30)
    assert first.returncode == 0, stderr
    assert "scheduler stopped cleanly" in stderr


def test_schedule_lock_is_exclusive_in_process(data_dir: Path) -> None:
    with SchedulerLock(data_dir), pytest.raises(SchedulerLockedError, match=f"pid {os.getpid()}"):
        SchedulerLock(data_dir).acquire()
    with SchedulerLock(data_dir):  # released on exit
        pass


SERVE_SCRIPT = """
import logging, sys
from tracker.config import CronSchedule, load_config
from tracker.scheduling import JobSpec, finish_process, serve

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
spec = JobSpec("slow", "jobtargets:slow", {"marker": sys.argv[2]}, CronSchedule({"second": "*"}))
sys.exit(finish_process(serve(load_config(), sys.argv[1], [spec])))
"""


def test_schedule_sigterm_during_a_job_leaves_the_store_readable(config_dir: Path, data_dir: Path,
                                                                 targets: Path) -> None:
    schedule = config_dir / "schedule.toml"
    text = schedule.read_text(encoding="utf-8")
    schedule.write_text(text.replace("shutdown_grace_seconds = 60", "shutdown_grace_seconds = 0.5"), encoding="utf-8")
    marker = data_dir.parent / "progress.txt"
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(SERVE_SCRIPT), str(data_dir), str(marker)],
                               env=_env(config_dir, data_dir, targets), cwd=REPO_ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for(lambda: marker.exists() and int(marker.read_text(encoding="utf-8") or 0) >= 3, timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 143, stderr
    assert "abandoned" in stderr
    store = Store(data_dir)
    assert store.read("fetch_log").height >= 3  # readable: the last complete version
    runs = read_job_runs(data_dir).filter(pl.col("job_id") == "slow")
    assert runs.get_column("status").to_list() == ["interrupted"]
    assert "abandoned at shutdown" in runs.item(0, "error")


def test_schedule_reconcile_marks_runs_of_a_killed_process_interrupted(store: Store) -> None:
    left = JobRun("r1", "fetch.comtrade", datetime(2026, 1, 1).astimezone(), pid=12345)
    store.upsert("job_runs", left.frame())
    assert reconcile_interrupted(store) == 1
    runs = read_job_runs(store.root)
    assert runs.select("status", "error").row(0) == (
        "interrupted", "the scheduler process (pid 12345) stopped before the job finished")


def test_schedule_run_now_runs_the_job_and_records_it(config_dir: Path, data_dir: Path, targets: Path) -> None:
    config = load_config(config_dir)
    ticks = data_dir.parent / "ticks.txt"
    run = run_now(config, data_dir, "tick", [_tick_spec(ticks, hour="3")])
    assert (run.status, run.summary, _lines(ticks)) == ("ok", "ticked", 1)
    assert read_job_runs(data_dir).get_column("status").to_list() == ["ok"]
    with pytest.raises(ConfigError, match=r"fetch\.comtrade"):
        run_now(config, data_dir, "fetch.nowhere")
