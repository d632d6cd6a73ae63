"""APScheduler set-up: jobs from config/schedule.toml, persisted in SQLite inside the data folder.

Why each setting:

* SQLite job store (``<data>/scheduler/jobs.sqlite``): next run times survive a restart, so a restart
  neither forgets nor repeats a run. Jobs are synced with the config on start: an unchanged job keeps its
  stored next run time (a run missed while the scheduler was down is still due), a changed one is
  rescheduled, a removed one deleted.
* ``coalesce=True`` and ``misfire_grace_time``: after downtime a missed job runs once, not once per missed
  slot, and only if it is less than ``misfire_grace_hours`` late.
* ``max_instances=1`` and one worker thread: fetches, refreshes and reports never race each other.
* The data-folder lock (``lock.SchedulerLock``) keeps a second scheduler from starting.
* SIGTERM/SIGINT: no new job starts; a running job may finish for ``shutdown_grace_seconds``. Then a
  running fetch is asked to stop (it logs its unfinished requests as interrupted in ``fetch_log``, within
  ``FETCH_STOP_SECONDS``); a job still running after that is abandoned and recorded as interrupted
  (store writes are atomic: nothing half-written remains).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.events import (
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_SCHEDULER_START,
    JobEvent,
    JobExecutionEvent,
    JobSubmissionEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from tracker.config import Config, CronSchedule
from tracker.scheduling.lock import SchedulerLock
from tracker.scheduling.runs import (
    JobRun,
    active_runs,
    read_job_runs,
    reconcile_interrupted,
    record_abandoned,
    run_tracked,
    stop_starting_jobs,
)
from tracker.store import Store

log = logging.getLogger(__name__)

JOBSTORE_PATH = Path("scheduler") / "jobs.sqlite"
RUN_TRACKED_REF = "tracker.scheduling.runs:run_tracked"
EXIT_ABANDONED = 143  # 128 + SIGTERM: a running job had to be stopped or abandoned
FETCH_STOP_SECONDS = 10.0  # for a fetch asked to stop to log its unfinished requests and end


@dataclass(frozen=True)
class JobSpec:
    """A job as the config describes it: id, what to run (``module:function``), its parameters, its cron."""

    id: str
    target: str
    params: dict[str, Any]
    cron: CronSchedule
    description: str = ""


def job_specs(config: Config) -> list[JobSpec]:
    """Fetch jobs for configured, enabled sources, then the periodic report jobs."""
    specs = []
    for source_id, cron in config.schedule.fetch.items():
        settings = config.sources.get(source_id)
        if settings is None or not settings.enabled:
            log.info("no job for %s: the source is not enabled in sources.toml", source_id)
            continue
        specs.append(JobSpec(f"fetch.{source_id}", "tracker.scheduling.pipeline:fetch_and_refresh",
                             {"source_id": source_id}, cron, f"fetch {source_id}, refresh metrics, alerts"))
    for kind, cron in config.schedule.reports.items():
        specs.append(JobSpec(f"report.{kind}", "tracker.scheduling.pipeline:periodic_reports", {"kind": kind}, cron,
                             f"{kind} reports"))
    return specs


class _NoPassAfterStop:
    """APScheduler 3 makes one more pass over due jobs after ``shutdown()``; a job due then (say, one missed
    while the scheduler was down, seen by `schedule --list`) would have its next run time advanced and then
    fail to reach the stopped executor: the run would be lost. Skip that pass."""

    state: int

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()  # type: ignore[misc, no-any-return]


class TrackerBlockingScheduler(_NoPassAfterStop, BlockingScheduler):
    """The foreground scheduler of `python -m tracker schedule`."""


class TrackerBackgroundScheduler(_NoPassAfterStop, BackgroundScheduler):
    """The same scheduler in a background thread (for `--list` and tests)."""


def create_scheduler(config: Config, data_root: Path | str, background: bool = False) -> BaseScheduler:
    """A scheduler with the SQLite job store in the data folder and the job defaults described above."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore  # loads SQLAlchemy: only when scheduling

    path = Path(data_root) / JOBSTORE_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    scheduler_class = TrackerBackgroundScheduler if background else TrackerBlockingScheduler
    return scheduler_class(
        jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{path.resolve()}")},
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": misfire_grace_seconds(config)},
        timezone=config.schedule.timezone,
    )


def misfire_grace_seconds(config: Config) -> int:
    return int(config.schedule.misfire_grace_hours * 3600)


def _trigger(spec: JobSpec, timezone: Any) -> CronTrigger:
    return CronTrigger(timezone=timezone, **spec.cron.fields)


def _job_kwargs(spec: JobSpec, data_root: Path | str) -> dict[str, Any]:
    return {"job_id": spec.id, "target": spec.target, "params": dict(spec.params),
            "data_root": str(Path(data_root).resolve())}


def sync_jobs(scheduler: BaseScheduler, config: Config, data_root: Path | str,
              specs: Sequence[JobSpec] | None = None) -> list[str]:
    """Make the started scheduler's stored jobs match ``specs``; return one line per change.

    Unchanged jobs are left alone so that their stored next run time (possibly in the past) stands.
    """
    specs = job_specs(config) if specs is None else specs
    changes = []
    stored = {job.id: job for job in scheduler.get_jobs()}
    grace = misfire_grace_seconds(config)
    for spec in specs:
        trigger = _trigger(spec, scheduler.timezone)
        kwargs = _job_kwargs(spec, data_root)
        job = stored.pop(spec.id, None)
        if job is None:
            scheduler.add_job(RUN_TRACKED_REF, trigger, kwargs=kwargs, id=spec.id, name=spec.description or spec.id)
            changes.append(f"added {spec.id}")
            continue
        if job.kwargs != kwargs or job.name != (spec.description or spec.id) or job.misfire_grace_time != grace:
            scheduler.modify_job(spec.id, kwargs=kwargs, name=spec.description or spec.id, misfire_grace_time=grace)
            changes.append(f"updated {spec.id}")
        if repr(job.trigger) != repr(trigger):
            scheduler.reschedule_job(spec.id, trigger=trigger)
            changes.append(f"rescheduled {spec.id}")
    for job_id in stored:
        scheduler.remove_job(job_id)
        changes.append(f"removed {job_id} (no longer configured)")
    return changes


@dataclass
class ServeResult:
    """How the scheduler process ended: exit status, and the runs it had to abandon."""

    exit_code: int
    abandoned: list[JobRun] = field(default_factory=list)


class _Shutdown:
    """Signal handling: the first signal stops the scheduler, a second one abandons the running job now."""

    def __init__(self, scheduler: BaseScheduler) -> None:
        self.scheduler = scheduler
        self.requested = threading.Event()
        self.abandon_now = threading.Event()

    def handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.requested.is_set():
            log.warning("second %s: abandoning the running job now", name)
            self.abandon_now.set()
            return
        log.info("%s received: no new jobs will start", name)
        self.requested.set()
        stop_starting_jobs()
        # Not from the handler itself: the main loop may hold the scheduler's locks at this very moment.
        threading.Thread(target=self._stop, name="scheduler-shutdown", daemon=True).start()

    def _stop(self) -> None:
        try:
            self.scheduler.shutdown(wait=False)
        except Exception:  # already stopped
            log.debug("scheduler already stopped", exc_info=True)

    def wait_for_jobs(self, grace_seconds: float) -> bool:
        """True when every running job ended within the grace period."""
        deadline = time.monotonic() + grace_seconds
        running = active_runs()
        if running:
            log.info("waiting up to %.0f s for %s to finish", grace_seconds, ", ".join(r.job_id for r in running))
        while active_runs() and time.monotonic() < deadline and not self.abandon_now.is_set():
            time.sleep(0.05)
        return not active_runs()

    def stop_fetches(self) -> None:
        """Ask a running fetch to stop and give it ``FETCH_STOP_SECONDS`` to log what it leaves unfinished."""
        from tracker.fetch import stop_running_fetches

        stop_running_fetches()
        deadline = time.monotonic() + FETCH_STOP_SECONDS
        while active_runs() and time.monotonic() < deadline:
            time.sleep(0.05)


def _run_times(event: JobEvent) -> str:
    """The run time(s) an event concerns: a missed run carries one, a skipped submission a list."""
    if isinstance(event, JobSubmissionEvent):
        return ", ".join(str(when) for when in event.scheduled_run_times) or "?"
    if isinstance(event, JobExecutionEvent):
        return str(event.scheduled_run_time)
    return "?"


def log_job_event(event: JobEvent) -> None:
    """Listener for missed runs (JobExecutionEvent) and runs skipped because the previous one is still going
    (JobSubmissionEvent, which has ``scheduled_run_times``, not ``scheduled_run_time``)."""
    if event.code == EVENT_JOB_MISSED:
        log.warning("job %s missed its run of %s (more than misfire_grace_hours late); next run as scheduled",
                    event.job_id, _run_times(event))
    else:
        log.warning("job %s skipped at %s: its previous run is still going", event.job_id, _run_times(event))


def add_event_logging(scheduler: BaseScheduler) -> None:
    """Log missed and skipped runs as warnings (serve() and tests add the same listener)."""
    scheduler.add_listener(log_job_event, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)


def serve(config: Config, data_root: Path | str, specs: Sequence[JobSpec] | None = None) -> ServeResult:
    """Run the blocking scheduler until SIGTERM/SIGINT (main thread only); see the module docstring."""
    specs = job_specs(config) if specs is None else specs
    store = Store(data_root)
    with SchedulerLock(data_root):
        reconcile_interrupted(store)
        scheduler = create_scheduler(config, data_root)
        shutdown = _Shutdown(scheduler)
        failures: list[BaseException] = []

        def on_started(_: object) -> None:
            try:
                for change in sync_jobs(scheduler, config, data_root, specs):
                    log.info("job store: %s", change)
                for job in scheduler.get_jobs():
                    log.info("job %s: next run %s", job.id, job.next_run_time)
                scheduler.resume()
            except BaseException as exc:  # APScheduler swallows listener errors: stop and re-raise below
                failures.append(exc)
                threading.Thread(target=shutdown._stop, daemon=True).start()

        scheduler.add_listener(on_started, EVENT_SCHEDULER_START)
        add_event_logging(scheduler)
        previous = {sig: signal.signal(sig, shutdown.handle) for sig in (signal.SIGTERM, signal.SIGINT)}
        log.info("scheduler started on %s (pid %d, %d job(s), time zone %s)", Path(data_root).resolve(),
                 os.getpid(), len(specs), config.schedule.timezone)
        try:
            scheduler.start(paused=True)  # blocks until shut down
            if failures:
                raise failures[0]
            if shutdown.wait_for_jobs(config.schedule.shutdown_grace_seconds):
                log.info("scheduler stopped cleanly")
                return ServeResult(0)
            shutdown.stop_fetches()
            abandoned = record_abandoned(store, "abandoned at shutdown (SIGTERM/SIGINT) after "
                                         f"{config.schedule.shutdown_grace_seconds:g} s; nothing half-written kept")
            for run in abandoned:
                log.warning("job %s abandoned and recorded as interrupted (run %s)", run.job_id, run.run_id)
            return ServeResult(EXIT_ABANDONED, abandoned)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def finish_process(result: ServeResult) -> int:
    """Return the exit status; when a job was abandoned, exit now (its worker thread would block a normal exit)."""
    if result.abandoned:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(result.exit_code)
    return result.exit_code


@dataclass(frozen=True)
class JobListing:
    """One line of `schedule --list`."""

    job_id: str
    description: str
    trigger: str
    next_run_time: datetime | None
    state: str  # stored, new (not stored yet), changed (will be rescheduled), removed (no longer configured)
    last_run: str


def _last_runs(data_root: Path | str) -> dict[str, str]:
    runs = read_job_runs(data_root)
    last: dict[str, str] = {}
    for row in runs.iter_rows(named=True):
        if row["job_id"] not in last:
            duration = f", {row['duration_seconds']:.1f} s" if row["duration_seconds"] is not None else ""
            last[row["job_id"]] = f"{row['status']} at {row['started_at']:%Y-%m-%d %H:%M:%S} UTC{duration}"
    return last


def list_jobs(config: Config, data_root: Path | str) -> list[JobListing]:
    """Configured jobs with their stored next run times; reads the job store without changing it."""
    scheduler = create_scheduler(config, data_root, background=True)
    scheduler.start(paused=True)
    try:
        stored = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    last = _last_runs(data_root)
    now = datetime.now(scheduler.timezone)
    listings = []
    for spec in job_specs(config):
        trigger = _trigger(spec, scheduler.timezone)
        job = stored.pop(spec.id, None)
        if job is not None and repr(job.trigger) == repr(trigger):
            state, next_run = "stored", job.next_run_time
        else:
            state, next_run = ("new" if job is None else "changed"), trigger.get_next_fire_time(None, now)
        listings.append(JobListing(spec.id, spec.description, str(trigger), next_run, state,
                                   last.get(spec.id, "never")))
    for job in stored.values():
        listings.append(JobListing(job.id, job.name, str(job.trigger), job.next_run_time, "removed",
                                   last.get(job.id, "never")))
    return listings


def run_now(config: Config, data_root: Path | str, job_id: str, specs: Sequence[JobSpec] | None = None) -> JobRun:
    """Run one configured job in the foreground under the data-folder lock; its schedule is untouched."""
    from tracker.errors import ConfigError

    specs = job_specs(config) if specs is None else specs
    by_id = {spec.id: spec for spec in specs}
    if job_id not in by_id:
        raise ConfigError("schedule.toml", f"job {job_id!r}", f"one of the configured jobs {sorted(by_id)}")
    spec = by_id[job_id]
    with SchedulerLock(data_root):
        reconcile_interrupted(Store(data_root))
        return run_tracked(spec.id, spec.target, dict(spec.params), str(Path(data_root).resolve()), config)
