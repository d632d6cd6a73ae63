"""tracker.behind: the writes done behind the metric computation, in order, on one thread, at most a few
waiting, and the first failure raised to the caller as it was."""

from __future__ import annotations

import threading

import pytest

from tracker.behind import Behind
from tracker.errors import StoreWriteError

WAIT_SECONDS = 10.0  # a bound for the test's own waits; each is released long before it


def test_works_run_in_order_on_one_thread_other_than_the_caller() -> None:
    done: list[tuple[int, str]] = []
    with Behind() as behind:
        for number in range(20):
            behind.submit(lambda number=number: done.append((number, threading.current_thread().name)))
        behind.wait()
        assert [number for number, _ in done] == list(range(20))
    names = {name for _, name in done}
    assert len(names) == 1 and threading.current_thread().name not in names


def test_the_first_failure_stops_the_queue_and_is_raised_as_it_was() -> None:
    """A StoreWriteError stays one (its message is what the CLI prints); what waited behind it is not run."""
    release = threading.Event()
    ran: list[str] = []

    def fail() -> None:
        release.wait(WAIT_SECONDS)
        raise StoreWriteError("writing table 'group_market': the disk is full")

    behind = Behind()
    behind.submit(fail)
    behind.submit(lambda: ran.append("after the failure"))  # queued behind it
    release.set()
    with pytest.raises(StoreWriteError, match="the disk is full"):
        behind.wait()
    with pytest.raises(StoreWriteError, match="the disk is full"):
        behind.submit(lambda: ran.append("submitted later"))
    assert ran == []


def test_leaving_the_block_raises_a_failure_nobody_waited_for() -> None:
    with pytest.raises(StoreWriteError, match="refused"), Behind() as behind:
        behind.submit(lambda: (_ for _ in ()).throw(StoreWriteError("the write was refused")))


def test_an_error_of_the_block_drops_what_waits_and_finishes_what_runs() -> None:
    """The running work finishes before the block's error leaves (the store then removes its staging folders:
    nothing may still be writing into them); the queued ones never run."""
    started, release = threading.Event(), threading.Event()
    events: list[str] = []

    def running() -> None:
        started.set()
        release.wait(WAIT_SECONDS)
        events.append("running finished")

    with pytest.raises(KeyError, match="damaged input"), Behind() as behind:
        behind.submit(running)
        behind.submit(lambda: events.append("queued ran"))
        assert started.wait(WAIT_SECONDS)
        threading.Timer(0.2, release.set).start()
        raise KeyError("damaged input")
    assert events == ["running finished"]


def test_at_most_pending_works_wait_so_memory_stays_bounded() -> None:
    """With ``pending=2``, a third submit waits until a work is done."""
    release = threading.Event()
    with Behind(pending=2) as behind:
        behind.submit(lambda: release.wait(WAIT_SECONDS))
        behind.submit(lambda: None)
        third_submitted = threading.Event()
        submitter = threading.Thread(target=lambda: (behind.submit(lambda: None), third_submitted.set()))
        submitter.start()
        assert not third_submitted.wait(0.3)  # blocked: two works wait
        release.set()
        assert third_submitted.wait(WAIT_SECONDS)
        submitter.join(WAIT_SECONDS)
