"""Writes done behind the computation, in order, on one thread: the metric tables' parts and the kept parts are
written (sorted, compared with the live files, compressed) while the next year is computed.

Why: a year's computation and its writes each leave a core idle on a 2-core machine (Polars runs the large
queries on every core, the small ones and the Parquet encoding on one), so overlapping them shortens the run;
the work itself is the same. The frames waiting to be written stay under a budget of bytes (a work that is
alone in the queue is taken whatever its size), so the memory they hold does not grow with the years, nor when
the computation runs ahead (a year whose parts are kept is read back faster than it is written).

The first failure stops the queue: what waited is dropped, and the failure is raised to the caller at its next
``submit``, at ``wait`` or when the block ends, as it was raised (a ``StoreWriteError`` stays one).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

DEFAULT_BUDGET_BYTES = 128 * 2**20  # about a year of the export potential at 10M BACI rows a year


class Behind:
    """``with Behind() as behind: behind.submit(work, size)``: ``work()`` runs on the writer thread, after the
    works submitted before it. Leaving the block waits for every work (or, when the block raised, for the one
    running: the rest is dropped)."""

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracker-writer")
        self._budget = budget_bytes
        self._queued = 0.0  # bytes held by the works submitted and not yet done
        self._room = threading.Condition()
        self._futures: list[Future[object]] = []
        self._failure: BaseException | None = None

    def submit(self, work: Callable[[], object], size: float = 0) -> Future[object]:
        """Queue ``work``, which holds ``size`` bytes until it is done (blocking while the queue is over its
        budget); raise an earlier work's failure instead."""
        self._raise_failure()
        with self._room:
            self._room.wait_for(lambda: not self._queued or self._queued + size <= self._budget
                                or self._failure is not None)
            self._raise_failure()
            self._queued += size
        try:
            future = self._pool.submit(self._run, work, size)
        except BaseException:
            self._done(size)
            raise
        self._futures = [f for f in self._futures if not f.done()] + [future]
        return future

    def _run(self, work: Callable[[], object], size: float) -> object:
        try:
            if self._failure is not None:
                return None  # dropped: an earlier work failed
            return work()
        except BaseException as exc:
            if self._failure is None:
                self._failure = exc
            raise
        finally:
            self._done(size)

    def _done(self, size: float) -> None:
        with self._room:
            self._queued -= size
            self._room.notify_all()

    def wait(self) -> None:
        """Return once every submitted work is done; raise the first failure."""
        for future in list(self._futures):
            future.exception()  # waits; the failure itself is kept in self._failure
        self._futures.clear()
        self._raise_failure()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def __enter__(self) -> Behind:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if error is not None:
            self._failure = self._failure or error  # drop what waits; the block's own error is raised as it is
            self._pool.shutdown(wait=True, cancel_futures=True)
            return
        try:
            self.wait()
        finally:
            self._pool.shutdown(wait=True)
