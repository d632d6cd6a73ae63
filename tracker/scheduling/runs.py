"""The ``job_runs`` table: one row per scheduled job run, so a restart (and the app) can tell what happened.

A run is written twice: as ``running`` when it starts, and as ``ok`` / ``failed`` / ``interrupted`` when it
ends (same ``run_id``, the later row wins). A process killed outright leaves ``running`` behind; the next
scheduler start turns such rows into ``interrupted`` (it holds the data-folder lock, so no other run can
be live). Store writes are atomic, so an abandoned job never leaves half-written data, only an older version.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from apscheduler.util import ref_to_obj

from tracker.config import Config, load_config
from tracker.store import Store
from tracker.tables import JOB_RUNS

log = logging.getLogger(__name__)

JobTarget = Callable[..., str]



@dataclass(frozen=True)
class JobRun:
    """One run of a job, as recorded in ``job_runs``."""

    run_id: str
    job_id: str
    started_at: datetime
    finished_at: datetime | None = None
    duration_seconds: float | None = None
    status: str = "running"
    summary: str | None = None
    error: str | None = None
    pid: int = 0

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame([self.__dict__], schema=JOB_RUNS.polars_schema)


_ACTIVE: dict[str, JobRun] = {}
_ACTIVE_LOCK = threading.Lock()
_STOPPING = threading.Event()


def active_runs() -> list[JobRun]:
    """Runs started in this process that have not ended yet."""
    with _ACTIVE_LOCK:
        return list(_ACTIVE.values())


def stop_starting_jobs() -> None:
    """After a shutdown request, jobs still queued in the executor record themselves and do nothing."""
    _STOPPING.set()


def _record(store: Store, run: JobRun) -> None:
    try:
        store.upsert("job_runs", run.frame())
    except Exception:  # the log must never be the reason a job fails
        log.exception("could not record run %s of %s as %s", run.run_id, run.job_id, run.status)


def _ended(run: JobRun, status: str, started: float, summary: str | None = None,
           error: str | None = None) -> JobRun:
    finished = None if status == "interrupted" else datetime.now(UTC)
    return JobRun(run.run_id, run.job_id, run.started_at, finished, round(time.perf_counter() - started, 3),
                  status, summary, error, run.pid)


def run_tracked(job_id: str, target: str, params: dict[str, object], data_root: str,
                config: Config | None = None) -> JobRun:
    """Run ``target(config, store, **params)`` and record the run; never raises for the job's own failure.

    Module-level with plain arguments so APScheduler's SQLite job store can persist the reference.
    ``target`` is a ``module:function`` reference returning a one-line summary of what it wrote.
    """
    store = Store(Path(data_root))
    run = JobRun(uuid.uuid4().hex[:16], job_id, datetime.now(UTC), pid=os.getpid())
    if _STOPPING.is_set():
        _record(store, _ended(run, "interrupted", time.perf_counter(), error="not started: the scheduler was stopping"))
        log.warning("job %s not started: the scheduler is stopping", job_id)
        return run
    started = time.perf_counter()
    with _ACTIVE_LOCK:
        _ACTIVE[run.run_id] = run
    _record(store, run)
    log.info("job %s started (run %s)", job_id, run.run_id)
    try:
        function: JobTarget = ref_to_obj(target)
        summary = function(config or load_config(), store, **params)
        ended = _ended(run, "ok", started, summary=summary)
        log.info("job %s finished in %.1f s: %s", job_id, ended.duration_seconds, summary)
    except Exception as exc:
        ended = _ended(run, "failed", started, error=f"{type(exc).__name__}: {exc}")
        log.exception("job %s failed after %.1f s", job_id, ended.duration_seconds)
    except BaseException as exc:  # KeyboardInterrupt / SystemExit in the foreground; a fetch the scheduler stopped
        ended = _ended(run, "interrupted", started, error=f"stopped by {type(exc).__name__}")
        _record(store, ended)
        with _ACTIVE_LOCK:
            _ACTIVE.pop(run.run_id, None)
        if _STOPPING.is_set():
            log.warning("job %s interrupted: the scheduler is stopping", job_id)
            return ended  # the scheduler asked for it: nothing above this worker thread needs the exception
        raise
    _record(store, ended)
    with _ACTIVE_LOCK:
        _ACTIVE.pop(run.run_id, None)
    return ended


def record_abandoned(store: Store, reason: str) -> list[JobRun]:
    """Mark this process's unfinished runs as interrupted (the process is about to exit without them)."""
    abandoned = []
    for run in active_runs():
        ended = JobRun(run.run_id, run.job_id, run.started_at, None,
                       round((datetime.now(UTC) - run.started_at).total_seconds(), 3), "interrupted", None, reason,
                       run.pid)
        _record(store, ended)
        abandoned.append(ended)
    return abandoned


def reconcile_interrupted(store: Store) -> int:
    """Turn ``running`` rows left by a killed process into ``interrupted``; call while holding the lock."""
    stale = store.scan("job_runs").filter(pl.col("status") == "running").collect()
    if stale.height:
        store.upsert("job_runs", stale.with_columns(
            status=pl.lit("interrupted"),
            error=pl.format("the scheduler process (pid {}) stopped before the job finished", pl.col("pid")),
        ))
        log.warning("%d run(s) left unfinished by an earlier process recorded as interrupted: %s", stale.height,
                    ", ".join(stale.get_column("job_id").to_list()))
    return stale.height


def read_job_runs(store_root: Path | str) -> pl.DataFrame:
    """Every recorded run, newest first (for `schedule --list` and the app)."""
    return Store(store_root).scan("job_runs").sort("started_at", descending=True).collect()
