"""Scheduled monitoring: `python -m tracker schedule` runs fetches, metric refreshes, alerts and reports.

Modules:

* ``lock``       one scheduler per data folder (an exclusive lock file naming its holder)
* ``runs``       the ``job_runs`` table: when each job ran, how long, what it wrote, or that it was interrupted
* ``pipeline``   what the jobs do: the only module that calls the fetch runner, the metrics and the alerts
* ``scheduler``  APScheduler set-up (SQLite job store in the data folder), job sync, serve, list, run-now
"""

from tracker.errors import SchedulerLockedError
from tracker.scheduling.lock import SchedulerLock
from tracker.scheduling.runs import JobRun, read_job_runs, run_tracked
from tracker.scheduling.scheduler import (
    JobSpec,
    ServeResult,
    create_scheduler,
    finish_process,
    job_specs,
    list_jobs,
    run_now,
    serve,
    sync_jobs,
)

__all__ = [
    "JobRun", "JobSpec", "SchedulerLock", "SchedulerLockedError", "ServeResult", "create_scheduler",
    "finish_process", "job_specs", "list_jobs", "read_job_runs", "run_now", "run_tracked", "serve", "sync_jobs",
]
