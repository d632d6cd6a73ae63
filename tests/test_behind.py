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


def test_the_bytes_waiting_stay_under_the_budget_so_memory_stays_bounded() -> None:
    """With a budget of 100 bytes: two works of 40 wait together, a third waits until one is done; a work larger
    than the whole budget is taken when the queue is empty (never refused, never stuck)."""
    release = threading.Event()
    with Behind(budget_bytes=100) as behind:
        behind.submit(lambda: release.wait(WAIT_SECONDS), size=40)
        behind.submit(lambda: None, size=40)
        third_submitted = threading.Event()
        submitter = threading.Thread(target=lambda: (behind.submit(lambda: None, size=40), third_submitted.set()))
        submitter.start()
        assert not third_submitted.wait(0.3)  # blocked: 80 bytes wait, 120 would be over the budget
        release.set()
        assert third_submitted.wait(WAIT_SECONDS)
        submitter.join(WAIT_SECONDS)
        behind.wait()
        done = behind.submit(lambda: "large", size=1_000)
        assert done.result(WAIT_SECONDS) == "large"
