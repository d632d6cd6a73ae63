"""One scheduler per data folder: two would run every job twice and race on the job store.

The lock is an OS-level exclusive lock (``filelock``) on ``<data>/scheduler/scheduler.lock``, held for the
whole life of the process and released by the OS even when the process is killed. A side file names the
holder (pid, host, start time) so the refusal message can say who is running.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import filelock

from tracker.errors import SchedulerLockedError

LOCK_PATH = Path("scheduler") / "scheduler.lock"


class SchedulerLock:
    """Context manager holding the data folder's scheduler lock; refuses at once if it is taken."""

    def __init__(self, data_root: Path | str) -> None:
        self.path = Path(data_root) / LOCK_PATH
        self.owner_path = self.path.with_name(self.path.name + ".owner")
        self._lock = filelock.FileLock(self.path, timeout=0)

    def holder(self) -> str:
        try:
            return self.owner_path.read_text(encoding="utf-8").strip() or "unknown process"
        except OSError:
            return "unknown process"

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except filelock.Timeout:
            raise SchedulerLockedError(
                f"another scheduler is already running on {self.path.parent.parent.resolve()} ({self.holder()}); "
                f"stop it first (lock file {self.path})"
            ) from None
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.owner_path.write_text(f"pid {os.getpid()} on {socket.gethostname()} since {started}", encoding="utf-8")

    def release(self) -> None:
        if self._lock.is_locked:
            self.owner_path.unlink(missing_ok=True)
            self._lock.release()

    def __enter__(self) -> SchedulerLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.release()
