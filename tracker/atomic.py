"""One way to replace a file so that a reader, or a crash, never sees half of it; and the clean-up after a
process killed in the middle of such a write.

The temporary file is hidden beside its target and named ``.<name>.<pid>.<32 hex>.tmp``: the process id says
whether its writer can still be running, so the next writer into that folder can delete what a killed one left
(``remove_stale_temporaries``) without touching the file of a write still under way.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

TEMPORARY_NAME = re.compile(r"\..+\.(?P<pid>\d+)\.[0-9a-f]{32}\.tmp")
# Before the pid was in the name (`.a.csv.<32 hex>`): removed only once surely abandoned.
UNMARKED_TEMPORARY_NAME = re.compile(r"\..+\.[0-9a-f]{32}")
UNMARKED_STALE_SECONDS = 3600.0


def temporary_path(path: Path) -> Path:
    """Where a write to ``path`` is built before it replaces it."""
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, then ``os.replace`` it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_path(path)
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _process_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine (another user's counts: it may be writing)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return pid > 0  # exists but not ours; an id too large for the system cannot be running
    return True


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete the temporary files that writes killed in ``folder`` left (their process is gone); return them.

    A running write's file is kept: its process is alive. Files without a pid in the name (older releases) go
    once they are an hour old. Anything that cannot be listed or deleted is left as it is.
    """
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        marked = TEMPORARY_NAME.fullmatch(entry.name)
        try:
            if marked:
                stale = not _process_alive(int(marked["pid"]))
            elif UNMARKED_TEMPORARY_NAME.fullmatch(entry.name):
                stale = now - entry.stat().st_mtime > UNMARKED_STALE_SECONDS
            else:
                continue
            if stale and entry.is_file() and not entry.is_symlink():
                entry.unlink()
                removed.append(entry)
        except OSError:
            continue
    return removed


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt while the block runs, so the clean-up of an unfinished write (the
    ``except`` above) runs, as after Ctrl-C; by default SIGTERM ends Python without it. Main thread only (the
    only one that receives signals); elsewhere a no-op."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
