"""Work done in a forked process on the machine's other core: beside the solve, or a share
of many independent items (shared_work: the mentors' calendars, calendar trials, the
proposal's reasons).

Only where processes fork (Linux): the child starts with the parent's memory as it is, so
nothing is copied up front; only the result travels back, through a pipe. A fork does not
carry threads over; HiGHS's MILPs ran in children in every solve measured, and a child that
hangs all the same is only waited for until its deadline, then killed.
"""

import multiprocessing
import sys
from collections.abc import Callable, Iterator
from typing import TypeVar

from threadpoolctl import threadpool_limits

FORK_MARGIN = 0.02  # work forked in a solve ends this share of the time limit before the solve's end
FORK_GRACE = 0.05  # and is waited for until this share of the time limit after it
SHARED_LEAST = 32  # work of fewer items is done here alone: forking would cost more than it saves

Result = TypeVar("Result")


def can_fork() -> bool:
    """Whether work can be forked off here."""
    return "fork" in multiprocessing.get_all_start_methods()


class Forked:
    """`function(*args)` computed in a forked child process."""

    def __init__(self, function: Callable, *args):
        context = multiprocessing.get_context("fork")
        for stream in (sys.stdout, sys.stderr):  # the child flushes its copies of them as it exits
            stream.flush()
        self._receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_send, args=(sender, function, args), daemon=True)
        self._process.start()
        sender.close()

    def stop(self) -> None:
        """Stop the child, whatever it is doing (nothing when it has ended)."""
        self._receiver.close()
        if self._process.is_alive():
            self._process.kill()
        self._process.join()

    def result(self, timeout: float):
        """The function's result, or None when the child has not answered within `timeout`
        seconds or died; the child's exception is raised here."""
        try:
            answered = self._receiver.poll(max(timeout, 0.0))
            failed, value = self._receiver.recv() if answered else (False, None)
        except EOFError:
            failed, value = False, None
        finally:
            self._process.join(0.05)
            self.stop()
        if failed:
            raise value
        return value


def _send(sender, function: Callable, args: tuple) -> None:
    """In the child: send (whether it failed, the result or the exception)."""
    try:
        sender.send((False, function(*args)))
    except Exception as error:  # the parent raises it
        sender.send((True, error))
    finally:
        sender.close()


def shared_work(count: int, work: Callable[[Iterator[int]], Result], merged: Callable[[Result, Result], Result],
                patience: float, least: int | None = None) -> Result:
    """`work(indices)` over the indices of `count` items, shared with a forked process: each
    takes the next index when it is ready for one, so the two end together, and their
    results are `merged` here (this process's first). Fewer than `least` items (by default
    SHARED_LEAST), or where processes cannot fork, are worked here alone. Should the forked process not answer
    within `patience` seconds after this one has ended, or die, the items it took are worked
    here again. What `work` changes in the forked process stays there: only its result
    comes back. Both run on one BLAS thread: with OpenBLAS's threads in both, the reasons of
    10,000 x 2,000's matches took 3.4-10.3 s shared against 1.6-2.1 s alone, and 1.0-1.2 s
    with one thread each."""
    if count < (SHARED_LEAST if least is None else least) or not can_fork():
        return work(iter(range(count)))
    following = multiprocessing.get_context("fork").Value("q", 0)
    mine: list[int] = []
    with threadpool_limits(limits=1, user_api="blas"):  # the two processes are the parallel work
        forked = Forked(work, _taken(following, count, []))
        own = work(_taken(following, count, mine))
        other = forked.result(patience)
        if other is None:
            done = set(mine)
            other = work(iter([k for k in range(count) if k not in done]))
    return merged(own, other)


def _taken(following, count: int, taken: list[int]) -> Iterator[int]:
    """The indices below `count` this process takes from the shared counter `following`,
    one at a time, each also appended to `taken`."""
    while True:
        with following.get_lock():
            index = following.value
            following.value = index + 1
        if index >= count:
            return
        taken.append(index)
        yield index
